"""Random straight-line programs, generated with hypothesis, against four oracles:

(a) the generated gradient equals central finite differences of the primal (the source
    text executed as ordinary Python);
(b) optimized and unoptimized compiles agree;
(c) the IR interpreter running ``gradient_ir`` agrees with the generated code;
(d) the value returned by ``value_and_grad`` is the primal's value;
(e) the other modes agree with the gradient: forward mode's tangent along v is
    <gradient, v>, and vjp and both Jacobians give the gradient.

Programs have 1-12 statements over 2-3 float inputs. Each statement applies an operator,
a domain-safe composition of elementwise functions (NumPy and math spellings, ``from``
imports), a helper function of the module (inlined by gradc; one returns a pair), or an
augmented assignment; names are reassigned (parameters too) and values reused. Points
where a value overflows, where a kink (abs, maximum, minimum, sign, hypot at the origin)
is near, or where finite differences are ill-conditioned are skipped with ``assume``.
"""

import importlib.util
import itertools
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import gradc  # noqa: E402
from gradc.frontend.source import parse_module  # noqa: E402
from gradc.ir.interpreter import run  # noqa: E402
from gradc.pipeline import Options, compile_source, gradient_ir  # noqa: E402

PRELUDE = '''import math

import numpy as np
from math import atan
from numpy import exp

SCALE = 0.75
OFFSET = -0.5


def helper_a(u, w):
    s = u * w
    s = s + np.sin(u)
    s /= 1 + w * w
    return s


def helper_b(u, k=2.0):
    return math.tanh(u) * k + OFFSET


def helper_c(u, w):
    t = helper_a(w, u) - helper_b(u)
    return t * SCALE


def pair(u, w):
    return u * w, np.cos(u) - w
'''

# {a}, {b}: operands (earlier values or constants); {c}: a nonzero constant
UNARY = [
    "np.sin({a})", "math.sin({a})", "np.cos({a})", "math.cos({a})", "np.tanh({a})",
    "math.tanh({a})", "np.arctan({a})", "math.atan({a})", "atan({a})", "-{a}",
    "np.exp(np.tanh({a}))", "exp(math.tanh({a}))", "math.exp(np.sin({a}))",
    "np.exp(0.5 * {a})", "np.log(1 + {a} * {a})", "math.log(1 + {a} ** 2)",
    "math.log(2 + {a} * {a}, 10)", "np.log2(1 + np.square({a}))",
    "np.log10(2 + {a} * {a})", "np.log1p({a} * {a})", "math.log1p(np.exp({a}))",
    "np.sqrt(1 + {a} * {a})", "math.sqrt(1 + {a} * {a})", "np.arcsinh({a})",
    "math.asinh({a})", "np.arccosh(2 + {a} * {a})", "math.acosh(2.5 + np.cos({a}))",
    "np.arcsin(0.5 * np.tanh({a}))", "math.acos(0.5 * math.sin({a}))",
    "np.arctanh(0.5 * np.tanh({a}))", "math.atanh(0.9 * math.sin({a}))",
    "np.sinh(np.sin({a}))", "math.cosh(np.tanh({a}))", "np.sinh(0.5 * {a})",
    "np.expm1(np.tanh({a}))", "math.expm1(math.sin({a}))",
    "np.reciprocal(2 + np.cos({a}))", "np.tan(np.tanh({a}))", "np.square({a})",
    "np.hypot({a}, 1.5)", "math.hypot(1, {a})", "+{a}",
]
BINARY = [
    "{a} + {b}", "{a} - {b}", "{a} * {b}", "{a} * {a}", "-{a} * {b}", "{a} + {c}",
    "{c} * {a}", "{c} - {a}", "{a} / {c}", "{a} / (1 + {b} * {b})",
    "{a} / (2 + np.cos({b}))", "({a} - {b}) / math.hypot(1, {b})",
    "{a} ** 2", "{a} ** 3", "pow({a}, 2)", "np.power({a}, 3)", "{a} * {b} + {a}",
    "math.pow(1 + {a} * {a}, 1.5)", "(1 + {a} * {a}) ** np.tanh({b})",
    "np.power(2 + np.sin({a}), {b})", "math.pow(np.exp(np.tanh({a})), {b})",
    "np.arctan2({a}, 2 + np.cos({b}))", "math.atan2({a}, 1 + {b} * {b})",
    "SCALE * {a} + OFFSET", "{a} * np.pi - math.e", "np.sin({a}) * np.cos({b})",
    "math.log(2 + {a} * {a}, 2 + {b} * {b})",
]
# (expression, expression that must stay away from 0 for the program to be smooth)
KINKED = [
    ("np.abs({a})", "{a}"), ("math.fabs({a}) * {b}", "{a}"), ("abs({a} - {b})", "{a} - {b}"),
    ("np.maximum({a}, {b})", "{a} - {b}"), ("np.minimum({a}, {c})", "{a} - {c}"),
    ("np.sign({a}) * {b}", "{a}"), ("np.hypot({a}, {b})", "np.hypot({a}, {b})"),
    ("np.minimum({b}, {a}) * {a}", "{a} - {b}"),
]
# inactive array operands: a scalar's tangent must spread over their shape
ARRAYS = ["np.sum({a} + np.zeros(3))", "np.mean(np.ones((2, 1)) * {a})",
          "np.sum(np.concatenate([{a} - np.zeros(2), np.ones(1)]))",
          "np.sum({a} * np.ones(2) - {b})"]
HELPERS = ["helper_a({a}, {b})", "helper_b({a})", "helper_b({a}, {c})",
           "helper_c({a}, {b})", "helper_a({a}, {a})"]
AUGMENTED = ["{t} += {e}", "{t} -= {e}", "{t} *= {e}", "{t} /= 2 + np.cos({b})",
             "{t} **= 2", "{t} += {t}"]
CONSTANTS = ["2", "3", "0.5", "1.5", "-1.25", "-3", "SCALE", "OFFSET", "np.pi", "math.e"]
# new names: plain ones and ones that collide with helper locals, gradc temporaries
# (t1) and adjoint names (x_bar)
NAMES = ["v{k}", "v{k}", "v{k}", "s", "t", "u", "t1", "x_bar", "y_bar", "tmp"]
PARAMS = ["x", "y", "z"]
# parameter names, some colliding with helper parameters, temporaries and adjoints
PARAM_NAMES = [PARAMS, PARAMS, ["u", "w", "s"], ["x", "x_bar", "t1"]]


@dataclass(frozen=True)
class Program:
    params: tuple[str, ...]
    source: str   # the whole module
    traced: str   # the same function, recording kink distances in _kinks


@st.composite
def programs(draw):
    names = draw(st.sampled_from(PARAM_NAMES))
    params = names[:draw(st.integers(2, 3))]
    pool = list(params)
    lines: list[tuple[str, list[str]]] = []  # (statement, kink expressions before it)

    def operand():
        if draw(st.integers(0, 4)) == 0:
            return draw(st.sampled_from(CONSTANTS))
        return draw(st.sampled_from(pool))

    def fill(template):
        return template.format(a=operand(), b=operand(), c=draw(st.sampled_from(CONSTANTS)))

    def fill_kinked(template, guard):
        a, b, c = operand(), operand(), draw(st.sampled_from(CONSTANTS))
        return template.format(a=a, b=b, c=c), guard.format(a=a, b=b, c=c)

    def smooth():
        return fill(draw(st.sampled_from(UNARY + BINARY)))

    # a parameter with a default is not differentiated (wrt=None) but may be used
    signature = [p + (": float" if draw(st.integers(0, 3)) == 0 else "") for p in params]
    if draw(st.integers(0, 4)) == 0:
        signature.append("k=1.5")
        pool.append("k")
    if draw(st.booleans()):
        lines.append(('"""A generated program."""', []))
    last = params[0]
    for k in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["unary", "unary", "binary", "binary", "binary",
                                     "kink", "helper", "pair", "augmented", "augmented",
                                     "arrays", "other"]))
        target = draw(st.sampled_from(NAMES)).format(k=k)
        if draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(pool))  # reassign, parameters included
        guards, new = [], None  # None: just the target
        if kind == "unary":
            statement = f"{target} = {fill(draw(st.sampled_from(UNARY)))}"
        elif kind == "binary":
            statement = f"{target} = {fill(draw(st.sampled_from(BINARY)))}"
        elif kind == "kink":
            expression, guard = fill_kinked(*draw(st.sampled_from(KINKED)))
            statement, guards = f"{target} = {expression}", [guard]
        elif kind == "helper":
            statement = f"{target} = {fill(draw(st.sampled_from(HELPERS)))}"
        elif kind == "arrays":
            statement = f"{target} = {fill(draw(st.sampled_from(ARRAYS)))}"
        elif kind == "pair":
            other = f"w{k}"
            statement = f"{target}, {other} = pair({operand()}, {operand()})"
            new = [target, other]
        elif kind == "augmented":
            target = draw(st.sampled_from(pool))
            statement = draw(st.sampled_from(AUGMENTED)).format(t=target, e=smooth(),
                                                                 b=operand())
        else:
            form = draw(st.sampled_from(["annotated", "swap", "tuple", "pass"]))
            if form == "annotated":
                statement = f"{target}: float = {smooth()}"
            elif form == "swap":
                target, other = draw(st.sampled_from(pool)), draw(st.sampled_from(pool))
                statement, new = f"{target}, {other} = {other}, {target}", [target, other]
            elif form == "tuple":
                other = f"w{k}"
                statement, new = f"{target}, {other} = {smooth()}, {smooth()}", [target, other]
            else:
                statement, target = "pass", last
        pool += [name for name in (new or [target]) if name not in pool]
        lines.append((statement, guards))
        last = target
    other = draw(st.sampled_from(pool))
    everything = " + ".join(pool)  # keeps every statement live
    returned = draw(st.sampled_from([last, f"{last} + {other}", f"{last} * {other}",
                                     everything, everything,
                                     f"np.sin({last}) - {' - '.join(pool)}"]))
    header = f"def f({', '.join(signature)}):"
    body = [f"    {s}" for s, _ in lines] + [f"    return {returned}"]
    traced = [header]
    for s, guards in lines:
        traced += [f"    _kinks.append(float({g}))" for g in guards] + [f"    {s}"]
    traced.append(f"    return {returned}")
    return Program(tuple(params), PRELUDE + "\n\n" + "\n".join([header] + body) + "\n",
                   PRELUDE + "\n\n" + "\n".join(traced) + "\n")


points_in_box = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3)


# ---------------------------------------------------------------- running things

_FP_ERRORS = (FloatingPointError, OverflowError, ZeroDivisionError, ValueError)


def primal_of(program: Program):
    namespace: dict = {}
    exec(compile(program.source, "<primal>", "exec"), namespace)
    return namespace["f"]


def generated(program: Program, optimize=True) -> dict:
    text = compile_source(program.source, "prog.py", functions=["f"],
                          options=Options(optimize=optimize, verify=True))
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    return namespace


def imported(program: Program):
    """The program as a module imported from a file, as the API reads functions."""
    folder = Path(tempfile.mkdtemp(prefix="gradc-program-"))
    name = f"program_{next(_COUNT)}"
    (folder / f"{name}.py").write_text(program.source)
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COUNT = itertools.count()


def evaluate(f, point):
    """f(*point) as a float, or None where it overflows or leaves its domain."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            value = float(f(*point))
    except _FP_ERRORS:
        return None
    return value if math.isfinite(value) and abs(value) < 1e8 else None


def kink_distance(program: Program, point) -> float:
    namespace: dict = {"_kinks": []}
    exec(compile(program.traced, "<traced>", "exec"), namespace)
    namespace["f"](*point)
    return min((abs(k) for k in namespace["_kinks"]), default=math.inf)


def smooth_point(program, f, raw):
    """The point (one float per parameter) after assume()-ing it is a good one."""
    point = tuple(raw[:len(program.params)])
    value = evaluate(f, point)
    assume(value is not None)
    assume(kink_distance(program, point) > 0.05)
    return point, value


def five_point(f, point, index, h, evaluate_at=None):
    """Five-point central difference of ``f`` in argument ``index`` (error O(h^4))."""
    def at(offset):
        shifted = list(point)
        shifted[index] += offset
        if evaluate_at is not None:
            return evaluate_at(shifted)
        value = evaluate(f, shifted)
        assume(value is not None)
        return value
    return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)


def finite_difference(f, point, index):
    """A five-point central difference, Richardson-checked: estimates with steps h and
    h/2 must agree (error O(h^4)), otherwise the point is ill-conditioned and skipped."""
    h = 1e-3 * max(1.0, abs(point[index]))
    coarse, fine = five_point(f, point, index, h), five_point(f, point, index, h / 2)
    assume(abs(coarse - fine) <= 1e-8 * max(1.0, abs(fine)))
    return fine


def quietly(fn, *args):
    # unoptimized code keeps dead adjoint terms such as log(x) of x ** 2 for x < 0
    with np.errstate(all="ignore"):
        return fn(*args)


def close(a, b, rel):
    a, b = float(a), float(b)
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


# ---------------------------------------------------------------- the properties

@given(programs(), points_in_box)
def test_gradient_matches_finite_differences(program, raw):
    note(program.source.split("\n\n\n")[-1])
    f = primal_of(program)
    point, _ = smooth_point(program, f, raw)
    grads = quietly(generated(program)["grad_f"], *point)
    assert len(grads) == len(program.params)
    for index, g in enumerate(grads):
        numeric = finite_difference(f, point, index)
        assert close(g, numeric, 1e-6), (program.params[index], float(g), numeric)


@given(programs(), points_in_box)
def test_optimized_and_unoptimized_agree(program, raw):
    note(program.source.split("\n\n\n")[-1])
    point, _ = smooth_point(program, primal_of(program), raw)
    value_fast, grads_fast = quietly(generated(program, True)["value_and_grad_f"], *point)
    value_slow, grads_slow = quietly(generated(program, False)["value_and_grad_f"], *point)
    assert close(value_fast, value_slow, 1e-10)
    for fast, slow in zip(grads_fast, grads_slow, strict=True):
        assert close(fast, slow, 1e-10), (float(fast), float(slow))


@given(programs(), points_in_box, st.booleans())
def test_interpreter_agrees_with_generated_code(program, raw, optimize):
    note(program.source.split("\n\n\n")[-1])
    point, _ = smooth_point(program, primal_of(program), raw)
    options = Options(optimize=optimize, verify=True)
    info = parse_module(program.source, "prog.py")
    fn = gradient_ir(info, "f", tuple(range(len(program.params))), options)
    interpreted = run(fn, *point)
    value, grads = quietly(generated(program, optimize)["value_and_grad_f"], *point)
    assert len(interpreted) == 1 + len(program.params)
    assert close(interpreted[0], value, 1e-13)
    for mine, theirs in zip(interpreted[1:], grads, strict=True):
        assert close(mine, theirs, 1e-13), (float(mine), float(theirs))


@given(programs(), points_in_box)
def test_value_is_the_primal_value(program, raw):
    note(program.source.split("\n\n\n")[-1])
    f = primal_of(program)
    point, primal = smooth_point(program, f, raw)
    value, _ = quietly(generated(program)["value_and_grad_f"], *point)
    assert np.shape(value) == ()
    assert close(value, primal, 1e-13), (float(value), primal)


# ---------------------------------------------------------------- fixed regressions

FIXED = [
    # reassignment of a parameter, reuse, augmented assignment, helper, mixed spellings
    ("def f(x, y):\n    x = np.sin(x) * y\n    x += x * x\n    t1 = helper_c(x, y)\n"
     "    t1 *= math.cos(t1)\n    return t1 + x\n", (0.3, -0.7)),
    # names that collide with gradc's temporaries and adjoints
    ("def f(x, y, z):\n    x_bar = x * y\n    t1 = x_bar + z\n    y_bar = t1 * x_bar\n"
     "    s, w = pair(y_bar, z)\n    return s * w + helper_b(x, 3.0)\n", (0.4, 1.1, -0.9)),
]


@settings(max_examples=30)
@given(programs(), points_in_box)
def test_other_modes_agree_with_the_gradient(program, raw):
    note(program.source.split("\n\n\n")[-1])
    point, _ = smooth_point(program, primal_of(program), raw)
    f = imported(program).f
    wrt = tuple(range(len(program.params)))
    grads = quietly(generated(program)["grad_f"], *point)
    v = [0.3, -0.7, 0.45][:len(point)]
    _, tangent = quietly(gradc.jvp, f, point, v)
    assert close(tangent, sum(g * d for g, d in zip(grads, v)), 1e-9)
    _, vjp_fn = quietly(gradc.vjp, f, *point)
    modes = [quietly(vjp_fn, 1.0)] + [quietly(gradc.jacobian(f, wrt, mode), *point)
                                      for mode in ("fwd", "rev")]
    for other in modes:
        assert all(close(a, b, 1e-9) for a, b in zip(other, grads, strict=True)), other


@pytest.mark.parametrize("body, point", FIXED)
def test_fixed_programs(body, point):
    params = tuple(PARAMS[:len(point)])
    program = Program(params, PRELUDE + "\n\n" + body, PRELUDE + "\n\n" + body)
    f = primal_of(program)
    value, grads = generated(program)["value_and_grad_f"](*point)
    assert close(value, f(*point), 1e-13)
    for index, g in enumerate(grads):
        h = 1e-3 * max(1.0, abs(point[index]))
        numeric = five_point(f, point, index, h, lambda p: float(f(*p)))
        assert close(g, numeric, 1e-6)


def test_unoptimized_math_pow_of_negative_base():
    program = Program(("x", "y"), PRELUDE + "\n\ndef f(x, y):\n    return math.pow(x, 2) * y\n",
                      "")
    value, (gx, gy) = generated(program, optimize=False)["value_and_grad_f"](-1.5, 2.0)
    assert (value, gx, gy) == (4.5, -6.0, 2.25)
