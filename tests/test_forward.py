"""Forward mode (dual numbers): ``jvp_<name>`` against four oracles.

(a) reverse mode: the tangent along a direction ``v`` is ``dot(gradient, v)``;
(b) central finite differences of the primal along ``v``;
(c) the IR interpreter running ``tangent_ir``, and the unoptimized compile;
(d) worked examples with known derivatives.

Covered: every primitive of ``DOMAINS`` (NumPy and math spellings), random programs
from ``test_random_programs``, elementwise arrays (the output tangent has the output's
shape), the ``gradc.jvp`` API and ``gradc compile --mode forward``.
"""

import ast
import importlib.util
import inspect
import math
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import ROOT
from test_primitives import (
    POWER_SPELLINGS,
    USER_FACING,
    _alias_cases,
    call_of,
    central_difference,
    compile_module,
    math_expression,
    numpy_expression,
    runnable_callee,
    sample_points,
    source_for,
)

import gradc
from gradc.frontend.source import parse_module
from gradc.ir.interpreter import run
from gradc.pipeline import Options, compile_source, tangent_ir
from gradc.primitives import PRIMITIVES

FORWARD = Options(optimize=True, verify=True, mode="forward")
FORWARD_UNOPTIMIZED = Options(optimize=False, verify=True, mode="forward")
REVERSE = Options(optimize=True, verify=True)


def forward_namespace(source, functions=("f",), options=FORWARD, filename="fwd.py"):
    """The generated forward-mode module for ``source``, executed; ``__text__`` is its text."""
    text = compile_source(source, filename, functions=list(functions) if functions else None,
                          options=options)
    namespace: dict = {"__text__": text}
    exec(compile(text, "<generated-jvp>", "exec"), namespace)
    return namespace


def reverse_namespace(source, functions=("f",), wrt=None):
    text = compile_source(source, "rev.py", functions=list(functions), wrt=wrt, options=REVERSE)
    namespace: dict = {}
    exec(compile(text, "<generated-grad>", "exec"), namespace)
    return namespace


def unit(arity, index):
    return tuple(1.0 if i == index else 0.0 for i in range(arity))


def rel_error(a, b):
    a, b = float(a), float(b)
    return abs(a - b) / max(1.0, abs(a), abs(b))


# ---------------------------------------------------------------- 1. every primitive

def _primitive_cases():
    """(expression, the same spelled for the installed NumPy, primitive)."""
    cases = [pytest.param(numpy_expression(n), None, n, id=f"numpy-{n}") for n in USER_FACING]
    cases += [pytest.param(math_expression(n), None, n, id=f"math-{n}")
              for n in USER_FACING if PRIMITIVES[n].math]
    cases += [pytest.param(e, None, "pow", id=e) for e in POWER_SPELLINGS]
    cases += [pytest.param(call_of(callee, PRIMITIVES[n].arity),
                           call_of(runnable_callee(callee, n), PRIMITIVES[n].arity), n,
                           id=f"alias-{callee}") for callee, n in _alias_cases()]
    return cases


@pytest.mark.parametrize("expression, runnable, name", _primitive_cases())
def test_primitive_tangent_matches_reverse_and_finite_differences(expression, runnable, name):
    arity = PRIMITIVES[name].arity
    source = source_for(expression, arity)
    fwd = forward_namespace(source)
    # reverse mode, verified; rev["f"] is the primal (as the installed NumPy spells it)
    rev = compile_module(source, primal_source=source_for(runnable or expression, arity))
    fn = tangent_ir(parse_module(source, "prim.py"), "f", FORWARD)
    if expression.startswith("math."):
        assert "math." in fwd["__text__"]
    rng = np.random.default_rng(7)
    for point in sample_points(name, 4, seed=5):
        grads = rev["grad_f"](*point)
        grads = tuple(grads) if arity > 1 else (grads,)
        for index in range(arity):
            direction = unit(arity, index)
            value, tangent = fwd["jvp_f"](*point, *direction)
            assert float(value) == pytest.approx(float(rev["f"](*point)), rel=1e-15, abs=0)
            assert rel_error(tangent, grads[index]) <= 1e-13, (point, index, tangent, grads)
            numeric = central_difference(rev["f"], point, index)
            assert rel_error(tangent, numeric) <= 1e-6, (point, index, tangent, numeric)
            interpreted = run(fn, *point, *direction)
            assert rel_error(interpreted[1], tangent) <= 1e-14, (point, index)
        direction = tuple(rng.uniform(-1, 1, arity))
        _, tangent = fwd["jvp_f"](*point, *direction)
        assert rel_error(tangent, np.dot(grads, direction)) <= 1e-12, (point, direction)


@pytest.mark.parametrize("name", USER_FACING)
def test_primitive_unoptimized_forward_agrees(name):
    arity = PRIMITIVES[name].arity
    source = source_for(numpy_expression(name), arity)
    fast, slow = forward_namespace(source), forward_namespace(source, options=FORWARD_UNOPTIMIZED)
    with np.errstate(all="ignore"):
        for point in sample_points(name, 3, seed=6):
            for index in range(arity):
                a = fast["jvp_f"](*point, *unit(arity, index))
                b = slow["jvp_f"](*point, *unit(arity, index))
                assert rel_error(a[0], b[0]) <= 1e-15 and rel_error(a[1], b[1]) <= 1e-12


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_forward_ties_follow_the_reverse_convention(fn):
    ns = forward_namespace(source_for(f"np.{fn}(x, y)", 2))
    assert float(ns["jvp_f"](1.5, 1.5, 1.0, 0.0)[1]) == 0.5
    assert float(ns["jvp_f"](1.5, 1.5, 0.0, 1.0)[1]) == 0.5
    assert float(ns["jvp_f"](1.5, 1.5, 1.0, 1.0)[1]) == 1.0
    assert float(ns["jvp_f"](2.5, 1.5, 1.0, 0.0)[1]) == (1.0 if fn == "maximum" else 0.0)


@pytest.mark.parametrize("expression", ["np.abs(x)", "abs(x)", "math.fabs(x)", "np.sign(x)"])
def test_forward_kinks_at_zero_have_zero_tangent(expression):
    ns = forward_namespace(source_for(expression, 1))
    for point in (0.0, -0.0):
        assert float(ns["jvp_f"](point, 1.0)[1]) == 0.0


# ---------------------------------------------------------------- 2. random programs

try:
    import hypothesis  # noqa: F401
except ImportError:  # a test extra
    HAVE_HYPOTHESIS = False
else:
    HAVE_HYPOTHESIS = True

if HAVE_HYPOTHESIS:
    from hypothesis import assume, given, note
    from hypothesis import strategies as st
    from test_random_programs import (
        evaluate,
        generated,
        points_in_box,
        primal_of,
        programs,
        quietly,
        smooth_point,
    )

    directions = st.lists(st.floats(-1.0, 1.0, allow_nan=False), min_size=3, max_size=3)

    def full_arguments(program, f, point, direction):
        """Primal arguments and tangents for jvp_f: a defaulted ``k`` gets its default
        and a zero tangent (reverse mode does not differentiate it)."""
        extra = tuple(p.default for p in list(inspect.signature(f).parameters.values())
                      [len(point):])
        return point + extra, tuple(direction[:len(point)]) + (0.0,) * len(extra)

    def directional_difference(f, point, direction):
        """Five-point central difference of f along ``direction``, checked against the
        estimate with half the step; ill-conditioned points are skipped."""
        def along(h):
            def at(t):
                value = evaluate(f, [p + t * d for p, d in zip(point, direction)])
                assume(value is not None)
                return value
            return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)

        h = 1e-3 * max(1.0, *map(abs, point))
        coarse, fine = along(h), along(h / 2)
        assume(abs(coarse - fine) <= 1e-8 * max(1.0, abs(fine)))
        return fine

    @given(programs(), points_in_box, directions)
    def test_random_program_jvp_matches_reverse_and_finite_differences(program, raw,
                                                                        direction):
        note(program.source.split("\n\n\n")[-1])
        f = primal_of(program)
        point, primal = smooth_point(program, f, raw)
        args, tangents = full_arguments(program, f, point, direction)
        jvp_f = forward_namespace(program.source, filename="prog.py")["jvp_f"]
        value, tangent = quietly(jvp_f, *args, *tangents)
        assert np.shape(value) == () and np.shape(tangent) == ()
        assert rel_error(value, primal) <= 1e-13, (float(value), primal)
        grads = quietly(generated(program)["grad_f"], *point)
        expected = sum(float(g) * d for g, d in zip(grads, direction, strict=False))
        assert rel_error(tangent, expected) <= 1e-10, (float(tangent), expected)
        numeric = directional_difference(f, point, tangents[:len(point)])
        assert rel_error(tangent, numeric) <= 1e-6, (float(tangent), numeric)

    @given(programs(), points_in_box, directions, st.booleans())
    def test_random_program_forward_variants_agree(program, raw, direction, optimize):
        """Optimized and unoptimized generated code, and the interpreter on tangent_ir
        (each stage verified), compute the same value and tangent."""
        note(program.source.split("\n\n\n")[-1])
        f = primal_of(program)
        point, _ = smooth_point(program, f, raw)
        args, tangents = full_arguments(program, f, point, direction)
        fast = forward_namespace(program.source, filename="prog.py")["jvp_f"]
        slow = forward_namespace(program.source, filename="prog.py",
                                 options=FORWARD_UNOPTIMIZED)["jvp_f"]
        value, tangent = quietly(fast, *args, *tangents)
        slow_value, slow_tangent = quietly(slow, *args, *tangents)
        assert rel_error(value, slow_value) <= 1e-10
        assert rel_error(tangent, slow_tangent) <= 1e-10, (float(tangent), float(slow_tangent))
        options = Options(optimize=optimize, verify=True, mode="forward")
        fn = tangent_ir(parse_module(program.source, "prog.py"), "f", options)
        assert len(fn.params) == 2 * len(args) and len(fn.results) == 2
        mine, theirs = run(fn, *args, *tangents), (slow_value, slow_tangent)
        if optimize:
            theirs = (value, tangent)
        assert rel_error(mine[0], theirs[0]) <= 1e-13
        assert rel_error(mine[1], theirs[1]) <= 1e-13, (float(mine[1]), float(theirs[1]))
else:
    def test_random_programs_need_hypothesis():
        pytest.skip("hypothesis is not installed")


# ---------------------------------------------------------------- 3. worked example 1

EXAMPLE_DERIVATIVES = (1208.3812151266095, 809.707479218564)


def import_file(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stem", ["backprop_ex1", "backprop_ex1_math"])
def test_worked_example_one(stem):
    path = ROOT / "examples" / f"{stem}.py"
    f = import_file(path, f"_forward_{stem}").f
    for direction, expected in zip([(1.0, 0.0), (0.0, 1.0)], EXAMPLE_DERIVATIVES):
        value, tangent = gradc.jvp(f, (2.0, 3.0), direction)
        assert value == pytest.approx(f(2.0, 3.0), rel=1e-15)
        assert tangent == pytest.approx(expected, rel=1e-12)
    ns = forward_namespace(path.read_text(), functions=None, filename=path.name)
    assert ns["jvp_f"](2.0, 3.0, 1.0, 0.0)[1] == pytest.approx(EXAMPLE_DERIVATIVES[0], rel=1e-12)
    assert ns["jvp_f"](2.0, 3.0, 0.0, 1.0)[1] == pytest.approx(EXAMPLE_DERIVATIVES[1], rel=1e-12)
    _, tangent = gradc.jvp(f, (2.0, 3.0), (0.5, -2.0))
    expected = 0.5 * EXAMPLE_DERIVATIVES[0] - 2.0 * EXAMPLE_DERIVATIVES[1]
    assert tangent == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- 4. arrays

ARRAYS = '''
import numpy as np


def smooth(x):
    return np.sin(x) * x + np.exp(-x)


def shifted(s, c):
    return s + c


def ignores_x(x, c):
    return c * 3.0


def passes_c(x, c):
    y = np.sin(x)
    return c


def scaled(s, c):
    return np.sin(s) * 2.0 + c * 0.0


def both(s, c):
    return s * c, s + 1.0
'''


@pytest.fixture
def arrays(module_from_source):
    return module_from_source(ARRAYS, "arrays")


def test_elementwise_array_tangent(arrays):
    rng = np.random.default_rng(1)
    x, v = rng.uniform(-2, 2, (2, 3)), rng.normal(size=(2, 3))
    value, tangent = gradc.jvp(arrays.smooth, (x,), (v,))
    assert np.allclose(value, arrays.smooth(x), rtol=1e-15, atol=0)
    derivative = np.cos(x) * x + np.sin(x) - np.exp(-x)
    assert tangent.shape == x.shape
    assert np.allclose(tangent, derivative * v, rtol=1e-12, atol=1e-15)
    _, ones = gradc.jvp(arrays.smooth, (x,), (1.0,))  # a scalar tangent broadcasts
    assert np.shape(ones) == x.shape and np.allclose(ones, derivative, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("c_dot", [np.zeros(3), 0.0], ids=["zeros", "scalar-zero"])
def test_scalar_tangent_reaching_an_array_output(arrays, c_dot):
    c = np.array([0.5, -1.0, 2.0])
    value, tangent = gradc.jvp(arrays.shifted, (0.25, c), (1.0, c_dot))
    assert np.shape(tangent) == c.shape and np.array_equal(tangent, np.ones(3))
    value, tangent = gradc.jvp(arrays.scaled, (0.25, c), (2.0, c_dot))
    assert np.shape(tangent) == c.shape
    assert np.allclose(tangent, 4.0 * np.cos(0.25), rtol=1e-15)
    # broadcasting in two dimensions: only the (3, 1) input carries a tangent
    s = np.linspace(-1, 1, 3).reshape(3, 1)
    value, tangent = gradc.jvp(arrays.shifted, (s, np.arange(4.0)), (np.full((3, 1), 2.0),
                                                                        np.zeros(4)))
    assert value.shape == tangent.shape == (3, 4) and np.all(tangent == 2.0)


def test_array_output_independent_of_the_carried_tangent(arrays):
    c = np.array([0.5, -1.0, 2.0])
    for f in (arrays.ignores_x, arrays.passes_c):
        value, tangent = gradc.jvp(f, (0.25, c), (1.0, np.zeros(3)))
        assert np.shape(tangent) == c.shape and not np.any(tangent)


@pytest.mark.parametrize("name", ["ignores_x", "passes_c"])
def test_array_output_with_scalar_zero_tangent_has_the_output_shape(arrays, name):
    """gradc.jvp takes a scalar tangent for an array primal as that value everywhere."""
    c = np.array([0.5, -1.0, 2.0])
    value, tangent = gradc.jvp(getattr(arrays, name), (0.25, c), (1.0, 0.0))
    assert np.shape(value) == (3,)
    assert np.shape(tangent) == (3,) and not np.any(tangent)


def test_tuple_output_with_arrays(arrays):
    c = np.array([0.5, -1.0, 2.0])
    (product, shifted), (t_product, t_shifted) = gradc.jvp(arrays.both, (2.0, c),
                                                           (1.0, np.ones(3)))
    assert np.array_equal(product, 2.0 * c) and shifted == 3.0
    assert np.array_equal(t_product, c + 2.0) and float(t_shifted) == 1.0


# ---------------------------------------------------------------- 5. gradc.jvp

API = '''
import math

import numpy as np


def pair(a, b):
    return a * b, np.sin(a) - b


def defaults(x, k=2.0, m=3.0):
    return x * k + m * x * x


def curve(x):
    return math.sin(x) * x
'''


@pytest.fixture
def api(module_from_source):
    return module_from_source(API, "api")


def test_jvp_tuple_output(api):
    (p, q), (tp, tq) = gradc.jvp(api.pair, (0.5, 2.0), (1.0, -1.0))
    assert (p, q) == api.pair(0.5, 2.0)
    assert float(tp) == pytest.approx(2.0 - 0.5, rel=1e-15)
    assert float(tq) == pytest.approx(np.cos(0.5) + 1.0, rel=1e-15)


def test_jvp_fills_defaults(api):
    value, tangent = gradc.jvp(api.defaults, (0.5,), (1.0,))
    assert value == api.defaults(0.5) and float(tangent) == pytest.approx(2.0 + 6.0 * 0.5)
    value, tangent = gradc.jvp(api.defaults, (0.5, 4.0), (1.0, 1.0))
    assert value == api.defaults(0.5, 4.0)
    assert float(tangent) == pytest.approx(4.0 + 3.0 * 2 * 0.5 + 0.5, rel=1e-15)
    _, tangent = gradc.jvp(api.defaults, [0.5, 4.0, 1.0], [0.0, 0.0, 1.0])  # lists work
    assert float(tangent) == pytest.approx(0.25, rel=1e-15)


@pytest.mark.parametrize("primals, tangents", [((0.5, 2.0), (1.0,)), ((0.5,), (1.0, 0.0)),
                                               ((0.5,), ()), ((), ()),
                                               ((1.0, 2.0, 3.0, 4.0), (1.0,) * 4)])
def test_jvp_argument_errors(api, primals, tangents):
    with pytest.raises(gradc.ArgumentError):
        gradc.jvp(api.defaults, primals, tangents)


def test_jvp_of_a_lambda():
    assert gradc.jvp(lambda x: x * 2.0, (1.0,), (1.0,)) == (2.0, 2.0)


def test_jvp_rejects_functions_it_cannot_read():
    with pytest.raises(gradc.ArgumentError):
        gradc.jvp(np.sin, (1.0,), (1.0,))


def test_jvp_is_memoized(api, monkeypatch):
    import gradc.pipeline

    calls = []
    real = gradc.pipeline.compile_source

    def counting(*args, **kwargs):
        calls.append(args[2] if len(args) > 2 else kwargs.get("functions"))
        return real(*args, **kwargs)

    monkeypatch.setattr(gradc.pipeline, "compile_source", counting)
    first = gradc.jvp(api.curve, (0.75,), (1.0,))
    compiled = len(calls)
    assert compiled <= 1  # 0 on a disk-cache hit
    start = time.perf_counter()
    for _ in range(20):
        again = gradc.jvp(api.curve, (0.75,), (1.0,))
    assert time.perf_counter() - start < 0.5
    assert len(calls) == compiled and again == first
    assert float(first[1]) == pytest.approx(math.cos(0.75) * 0.75 + math.sin(0.75), rel=1e-15)


def test_derivatives_of_derivatives_are_refused_not_mistaken(api):
    """jvp/grad of a gradc gradient must not quietly differentiate the primal instead."""
    g = gradc.grad(api.curve)
    with pytest.raises(gradc.ArgumentError, match="already a derivative"):
        gradc.jvp(g, (0.75,), (1.0,))
    with pytest.raises(gradc.ArgumentError, match="hessian"):
        gradc.grad(g)


# ---------------------------------------------------------------- naming

def test_parameter_named_like_a_tangent():
    source = "def f(x, x_dot):\n    return x * x_dot\n"
    ns = forward_namespace(source)  # SyntaxError: duplicate argument 'x_dot'
    assert ns["jvp_f"](2.0, 3.0, 1.0, 0.0) == (6.0, 3.0)
    assert ns["jvp_f"](2.0, 3.0, 0.0, 1.0) == (6.0, 2.0)


def test_locals_named_like_tangents():
    source = ("import numpy as np\n\ndef f(x, y):\n    x_dot = x * y\n"
              "    t1_dot = np.sin(x_dot)\n    return x_dot + x + t1_dot\n")
    ns = forward_namespace(source)
    primal: dict = {}
    exec(source, primal)
    for index in range(2):
        _, tangent = ns["jvp_f"](0.3, 0.7, *unit(2, index))
        numeric = central_difference(primal["f"], (0.3, 0.7), index)
        assert rel_error(tangent, numeric) <= 1e-9


def test_every_tangent_name_has_a_stem():
    text = forward_namespace(source_for("math.sqrt(x) * 2", 1))["__text__"]
    names = {node.id for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Name)}
    assert not [n for n in names if n.startswith("_dot")], text


# ---------------------------------------------------------------- 6. the CLI

MODEL = '''
import math

import numpy as np

print("the CLI must never run this module")


def loss(w, b, scale=2.0):
    return scale * np.tanh(w * b) + b


def exact(x: float, y: float):
    a = math.exp(x * y)
    return a / math.hypot(x, y)


def both(u, v):
    return u * v, np.sin(u) - v
'''


def test_cli_forward_mode(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    result = subprocess.run([sys.executable, "-m", "gradc", "compile", "model.py",
                             "--mode", "forward", "-o", "out"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out" / "model_jvp.py"
    assert result.stdout.strip() == str(out.relative_to(tmp_path))
    assert "must never run" not in result.stdout
    assert not (tmp_path / "out" / "model_grad.py").exists()
    text = out.read_text()
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    assert imported <= {"numpy", "math"}, imported
    assert "# tangent of: return scale * np.tanh(w * b) + b" in text
    assert "# tangent of: a = math.exp(x * y)" in text
    assert "def jvp_loss(w, b, scale, w_dot, b_dot, scale_dot):" in text
    assert "w_dot" in text and "a_dot" in text

    ns: dict = {}
    exec(compile(text, str(out), "exec"), ns)
    rev = reverse_namespace(MODEL, functions=("loss", "exact"), wrt=None)
    rng = np.random.default_rng(3)
    for _ in range(3):
        point = tuple(rng.uniform(0.3, 1.5, 2))
        v = tuple(rng.normal(size=2))
        for name in ("loss", "exact"):
            args = point + ((2.0,) if name == "loss" else ())
            tangents = v + ((0.0,) if name == "loss" else ())
            value, tangent = ns[f"jvp_{name}"](*args, *tangents)
            rev_value, grads = rev[f"value_and_grad_{name}"](*point)
            assert rel_error(value, rev_value) <= 1e-15
            assert rel_error(tangent, np.dot(grads, v)) <= 1e-12, name
    (p, q), (tp, tq) = ns["jvp_both"](0.5, 2.0, 1.0, -1.0)
    assert (p, q) == (1.0, np.sin(0.5) - 2.0)
    assert float(tp) == pytest.approx(1.5) and float(tq) == pytest.approx(np.cos(0.5) + 1)
