"""Every user-facing primitive, one at a time, against central finite differences.

``DOMAINS`` is the table: one row per primitive of ``PRIMITIVES`` (internal ops
excepted) giving a sampler of points where the primitive is smooth. Each row is compiled
with ``compile_source`` in its NumPy spelling (operators for + - * / ** and unary -) and,
where the math module has the function, in its math spelling, and the generated
gradient is compared with a five-point central difference of the primal at several
points. A completeness test fails when a primitive is added without a row here, a vjp
rule or a way for codegen to emit it.
"""

import ast
import dataclasses
import math
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import ROOT

import gradc
import gradc.primitives.elementwise as elementwise
from gradc.codegen.module import GradientFunction, render_module
from gradc.ir.core import Function, Instr, Param, Var
from gradc.pipeline import Options, compile_source
from gradc.primitives import BUILTIN_NAMES, MATH_NAMES, NUMPY_NAMES, PRIMITIVES
from gradc.primitives.derived import template

# array primitives (reductions, shape bookkeeping) and constructors: tests/test_arrays.py
# `not` and int(): conditions and loop bounds, tested in tests/test_control_flow.py
INTERNAL = {"full_like", "logical_not"} | \
    {name for name, p in PRIMITIVES.items() if not p.elementwise}
USER_FACING = sorted(set(PRIMITIVES) - INTERNAL)
N_POINTS = 6
TOL = 1e-6
HEADER = "import numpy as np\nimport math\nfrom gradc import nn\n\n\n"


# ---------------------------------------------------------------- the table

def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def _signed(rng, lo, hi):
    """|value| in [lo, hi], either sign: away from a kink or pole at 0."""
    return float(rng.choice([-1.0, 1.0]) * rng.uniform(lo, hi))


def _apart(rng):
    """(x, y) with |x - y| >= 0.1: away from the tie of maximum/minimum."""
    x = _u(rng, -3, 3)
    return x, x + _signed(rng, 0.1, 2.0)


def _polar(rng, avoid_negative_x_axis=False):
    """A point at radius 0.3..3, away from the origin (and, for atan2, its branch cut)."""
    radius = _u(rng, 0.3, 3.0)
    limit = math.pi - 0.2 if avoid_negative_x_axis else math.pi
    angle = _u(rng, -limit, limit)
    return radius * math.sin(angle), radius * math.cos(angle)  # (y, x) order for atan2


@dataclass(frozen=True)
class Domain:
    sample: Callable  # rng -> tuple of floats, one per argument


DOMAINS: dict[str, Domain] = {
    # operators
    "add": Domain(lambda r: (_u(r, -3, 3), _u(r, -3, 3))),
    "sub": Domain(lambda r: (_u(r, -3, 3), _u(r, -3, 3))),
    "mul": Domain(lambda r: (_u(r, -3, 3), _u(r, -3, 3))),
    "div": Domain(lambda r: (_u(r, -3, 3), _signed(r, 0.3, 3))),
    "pow": Domain(lambda r: (_u(r, 0.2, 3), _u(r, -2.5, 2.5))),
    "neg": Domain(lambda r: (_u(r, -3, 3),)),
    # x / y between 2 and 3: x // y is 2, x % y is x - 2 y
    "floor_divide": Domain(lambda r: (_u(r, 2.2, 2.8), _u(r, 1.0, 1.05))),
    "mod": Domain(lambda r: (_u(r, 2.2, 2.8), _u(r, 1.0, 1.05))),
    # elementwise functions
    "exp": Domain(lambda r: (_u(r, -3, 3),)),
    "log": Domain(lambda r: (_u(r, 0.1, 5),)),
    "log2": Domain(lambda r: (_u(r, 0.1, 5),)),
    "log10": Domain(lambda r: (_u(r, 0.1, 5),)),
    "log1p": Domain(lambda r: (_u(r, -0.8, 5),)),
    "expm1": Domain(lambda r: (_u(r, -3, 3),)),
    "sqrt": Domain(lambda r: (_u(r, 0.1, 5),)),
    "square": Domain(lambda r: (_u(r, -3, 3),)),
    "cbrt": Domain(lambda r: (_signed(r, 0.3, 3),)),
    "reciprocal": Domain(lambda r: (_signed(r, 0.3, 3),)),
    "abs": Domain(lambda r: (_signed(r, 0.1, 3),)),
    "sin": Domain(lambda r: (_u(r, -4, 4),)),
    "cos": Domain(lambda r: (_u(r, -4, 4),)),
    "tan": Domain(lambda r: (_u(r, -1.3, 1.3),)),
    "arcsin": Domain(lambda r: (_u(r, -0.9, 0.9),)),
    "arccos": Domain(lambda r: (_u(r, -0.9, 0.9),)),
    "arctan": Domain(lambda r: (_u(r, -4, 4),)),
    "sinh": Domain(lambda r: (_u(r, -3, 3),)),
    "cosh": Domain(lambda r: (_u(r, -3, 3),)),
    "tanh": Domain(lambda r: (_u(r, -3, 3),)),
    "arcsinh": Domain(lambda r: (_u(r, -4, 4),)),
    "arccosh": Domain(lambda r: (_u(r, 1.1, 5),)),
    "arctanh": Domain(lambda r: (_u(r, -0.9, 0.9),)),
    "maximum": Domain(_apart),
    "minimum": Domain(_apart),
    "arctan2": Domain(lambda r: _polar(r, avoid_negative_x_axis=True)),
    "hypot": Domain(_polar),
    "logaddexp": Domain(lambda r: (_u(r, -3, 3), _u(r, -3, 3))),
    "sign": Domain(lambda r: (_signed(r, 0.1, 3),)),
    # selection: x strictly inside or outside [lo, hi], away from the bounds
    "clip": Domain(lambda r: (_u(r, -3, 3), _u(r, -3.5, -3.2), _u(r, 3.2, 3.5))),
    # gradc.nn activations (relu away from its kink)
    "sigmoid": Domain(lambda r: (_u(r, -6, 6),)),
    "softplus": Domain(lambda r: (_u(r, -6, 6),)),
    "log_sigmoid": Domain(lambda r: (_u(r, -6, 6),)),
    "relu": Domain(lambda r: (_signed(r, 0.1, 3),)),
    # a condition of 1.0 stays true under finite differences (both branches: test_arrays)
    "where": Domain(lambda r: (1.0, _u(r, -3, 3), _u(r, -3, 3))),
    # comparisons: zero gradient, away from equality
    **{name: Domain(_apart) for name in ("less", "less_equal", "greater", "greater_equal",
                                          "equal", "not_equal")},
}

_PARAMS = ("x", "y", "z")


_COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")


def numpy_expression(name: str) -> str:
    """The primitive applied to the parameters, as the accepted language spells it with
    NumPy: an operator where it is one, else ``np.<numpy name>(...)``."""
    prim = PRIMITIVES[name]
    args = _PARAMS[:prim.arity]
    if prim.operator == "neg":
        return "-x"
    if prim.operator in _COMPARISONS:  # grad refuses a truth value: make it a number
        return f"1.0 * (x {prim.operator} y)"
    if prim.operator:
        return f"x {prim.operator} y"
    if prim.numpy is None:  # gradc.nn's stable activations
        return f"nn.{name}({', '.join(args)})"
    return f"np.{prim.numpy}({', '.join(args)})"


def math_expression(name: str) -> str:
    prim = PRIMITIVES[name]
    return f"math.{prim.math}({', '.join(_PARAMS[:prim.arity])})"


def source_for(expression: str, arity: int) -> str:
    return HEADER + f"def f({', '.join(_PARAMS[:arity])}):\n    return {expression}\n"


VERIFIED = Options(optimize=True, verify=True)


def compile_module(source: str, options=VERIFIED, primal_source=None) -> dict:
    """The generated module for ``source`` (compiled now, never from a cache), and the
    primal executed from the same text (or from ``primal_source``, the same function
    spelled for the installed NumPy), as one namespace: ``f``, ``grad_f`` ..."""
    text = compile_source(source, "prim.py", functions=["f"], options=options)
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    primal: dict = {}
    exec(compile(primal_source or source, "<primal>", "exec"), primal)
    namespace["f"] = primal["f"]
    namespace["__text__"] = text
    return namespace


# ---------------------------------------------------------------- finite differences

def central_difference(f, point, index):
    """Five-point central difference of ``f`` in argument ``index`` (error O(h^4))."""
    h = 1e-3 * max(1.0, abs(point[index]))

    def at(offset):
        shifted = list(point)
        shifted[index] = point[index] + offset
        return float(f(*shifted))

    return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)


def as_tuple(grads, arity):
    return tuple(grads) if arity > 1 else (grads,)


def gradient_mismatches(grad_f, f, points, tol=TOL):
    """Entries where ``grad_f`` and finite differences of ``f`` disagree, as
    ``(point, argument, analytic, numeric, error)``; error is relative for large
    gradients and absolute for small ones. Empty when every entry agrees."""
    bad = []
    for point in points:
        analytic = as_tuple(grad_f(*point), len(point))
        for index, a in enumerate(analytic):
            numeric = central_difference(f, point, index)
            a = float(a)
            error = abs(a - numeric) / max(1.0, abs(a), abs(numeric))
            if not error <= tol:  # also catches nan
                bad.append((point, index, a, numeric, error))
    return bad


def sample_points(name, n=N_POINTS, seed=0):
    rng = np.random.default_rng([seed, sorted(DOMAINS).index(name)])
    return [DOMAINS[name].sample(rng) for _ in range(n)]


# ---------------------------------------------------------------- completeness

def test_every_user_facing_primitive_has_a_row():
    missing = set(USER_FACING) - set(DOMAINS)
    stale = set(DOMAINS) - set(USER_FACING)
    assert not missing, f"primitives without a row in DOMAINS: {sorted(missing)}"
    assert not stale, f"rows for primitives that no longer exist: {sorted(stale)}"
    for name in USER_FACING:
        point = DOMAINS[name].sample(np.random.default_rng(0))
        assert len(point) == PRIMITIVES[name].arity, name


def test_every_differentiable_primitive_has_its_rules_or_says_why_not():
    """A record gives a vjp and a jvp rule, or a reason there is none; joins are
    differentiated in forward mode by the driver (all parts together)."""
    for name, prim in PRIMITIVES.items():
        if not prim.differentiable:
            continue
        assert prim.vjp is not None or prim.no_vjp, f"{name}: no vjp rule and no reason"
        assert prim.jvp is not None or prim.no_jvp or prim.join, \
            f"{name}: no jvp rule and no reason"
        assert not (prim.vjp and prim.no_vjp) and not (prim.jvp and prim.no_jvp), name
    for name in USER_FACING:
        assert PRIMITIVES[name].elementwise, name


def test_every_primitive_has_an_implementation():
    """What the interpreter and constant folding run (control flow excepted, which the
    interpreter runs itself)."""
    for name, prim in PRIMITIVES.items():
        if not prim.control:
            assert callable(prim.implementation()), name


def test_registering_a_primitive_twice_is_refused():
    from gradc.primitives import register

    with pytest.raises(RuntimeError, match="declared twice"):
        register(PRIMITIVES["sin"])


def test_every_template_lowers_to_known_primitives():
    """Each derived template has one tree per argument, built only from primitives."""
    def heads(tree):
        if tree[0] in ("g", "out", "arg", "const"):
            return set()
        found = {tree[0]}
        for sub in tree[1:]:
            found |= heads(sub)
        return found

    derived = [p for p in PRIMITIVES.values() if p.sympy]
    assert len(derived) > 20
    for prim in derived:
        name = prim.name
        trees = template(prim.sympy, prim.sympy_rewrites)
        assert len(trees) == PRIMITIVES[name].arity, name
        for tree in trees:
            assert heads(tree) <= set(PRIMITIVES), (name, tree)


@pytest.mark.parametrize("name, lib", [(n, "numpy") for n in USER_FACING]
                         + [(n, "math") for n in USER_FACING if PRIMITIVES[n].math])
def test_codegen_emits_primitive(name, lib):
    """A one-instruction IR function of each primitive renders to Python that computes
    what the interpreter's implementation computes."""
    prim = PRIMITIVES[name]
    params = tuple(Param(Var(i, p)) for i, p in enumerate(_PARAMS[:prim.arity]))
    out = Var(len(params))
    lib_params = (("lib", "math"),) if lib == "math" else ()
    instr = Instr((out,), prim, tuple(p.var for p in params), lib_params)
    fn = Function("h", params, (instr,), (out,))
    text = render_module([GradientFunction(fn, "h", "doc", out)], "m.py")
    ast.parse(text)
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    for point in sample_points(name, 3):
        expected = prim.implementation((("lib", lib),))(*point)
        assert namespace["h"](*point) == pytest.approx(expected, rel=1e-15, abs=0)


# ---------------------------------------------------------------- gradients

@pytest.mark.parametrize("name", USER_FACING)
def test_numpy_spelling_matches_finite_differences(name):
    arity = PRIMITIVES[name].arity
    ns = compile_module(source_for(numpy_expression(name), arity))
    bad = gradient_mismatches(ns["grad_f"], ns["f"], sample_points(name))
    assert not bad, f"{numpy_expression(name)}: {bad}"


POWER_SPELLINGS = ["np.power(x, y)", "pow(x, y)", "math.pow(x, y)"]


@pytest.mark.parametrize("expression", POWER_SPELLINGS)
def test_power_spellings_match_finite_differences(expression):
    ns = compile_module(source_for(expression, 2))
    bad = gradient_mismatches(ns["grad_f"], ns["f"], sample_points("pow"))
    assert not bad, f"{expression}: {bad}"


# the operators spelled as NumPy's ufuncs: calls, written as calls in the generated code
UFUNC_SPELLINGS = {"np.add(x, y)": ("add", "np.add("),
                   "np.subtract(x, y)": ("sub", "np.subtract("),
                   "np.multiply(x, y)": ("mul", "np.multiply("),
                   "np.divide(x, y)": ("div", "np.divide("),
                   "np.true_divide(x, y)": ("div", "np.divide("),
                   "np.negative(x)": ("neg", "np.negative(")}


@pytest.mark.parametrize("expression", sorted(UFUNC_SPELLINGS))
def test_ufunc_spellings_stay_calls_and_match_finite_differences(expression):
    name, written = UFUNC_SPELLINGS[expression]
    arity = PRIMITIVES[name].arity
    ns = compile_module(source_for(expression, arity))
    code = [line for line in ns["__text__"].splitlines() if not line.lstrip().startswith("#")]
    assert any(written in line for line in code), ns["__text__"]
    bad = gradient_mismatches(ns["grad_f"], ns["f"], sample_points(name))
    assert not bad, f"{expression}: {bad}"


@pytest.mark.parametrize("name", [n for n in USER_FACING if PRIMITIVES[n].math])
def test_math_spelling_matches_finite_differences(name):
    arity = PRIMITIVES[name].arity
    ns = compile_module(source_for(math_expression(name), arity))
    assert "math." in ns["__text__"]
    bad = gradient_mismatches(ns["grad_f"], ns["f"], sample_points(name))
    assert not bad, f"{math_expression(name)}: {bad}"


def _alias_cases():
    cases = []
    for spelled, name in sorted(NUMPY_NAMES.items()):
        if spelled != PRIMITIVES[name].numpy and name in DOMAINS:
            cases.append((f"np.{spelled}", name))
    for spelled, name in sorted(BUILTIN_NAMES.items()):
        cases.append((spelled, name))
    return cases


def runnable_callee(callee, name):
    """``callee`` as the installed NumPy can run it. NumPy 1.x lacks NumPy 2's array-API
    aliases (np.acos, np.atan2, np.pow ...): a user's function spelled so cannot run
    there, but gradc reads them as the table's functions and its output spells them
    np.arccos, np.arctan2, np.power ..., so there the primal that checks the output is
    spelled that way too."""
    owner, _, spelled = callee.rpartition(".")
    if owner == "np" and not hasattr(np, spelled):
        return f"np.{PRIMITIVES[name].numpy}"
    return callee


def call_of(callee, arity, params=_PARAMS):
    return f"{callee}({', '.join(params[:arity])})"


@pytest.mark.parametrize("callee, name", _alias_cases())
def test_alias_spellings_match_finite_differences(callee, name):
    """Alternative spellings (np.fabs, np.asin, builtin abs ...) mean the same primitive,
    and the generated code spells a NumPy function by its name in the table, which every
    supported NumPy has (NumPy 1.x has no np.acos, np.pow ...)."""
    arity = PRIMITIVES[name].arity
    expression = call_of(callee, arity)
    primal = source_for(call_of(runnable_callee(callee, name), arity), arity)
    ns = compile_module(source_for(expression, arity), primal_source=primal)
    if callee.startswith("np."):
        code = [line for line in ns["__text__"].splitlines()
                if not line.lstrip().startswith("#")]  # comments quote the source line
        assert not any(f"{callee}(" in line for line in code), ns["__text__"]
        assert any(f"np.{PRIMITIVES[name].numpy}(" in line for line in code), ns["__text__"]
    bad = gradient_mismatches(ns["grad_f"], ns["f"], sample_points(name))
    assert not bad, f"{expression}: {bad}"


def test_math_names_cover_the_table():
    assert set(MATH_NAMES.values()) <= set(DOMAINS)
    for spelled in MATH_NAMES:
        assert callable(getattr(math, spelled))


@pytest.mark.parametrize("name", USER_FACING)
def test_numpy_spelling_on_zero_d_arrays(name):
    """The generated code is elementwise: on 0-d float64 arrays it gives what it gives on
    floats, and the value agrees with the primal."""
    arity = PRIMITIVES[name].arity
    ns = compile_module(source_for(numpy_expression(name), arity))
    for point in sample_points(name, 3, seed=1):
        arrays = [np.array(v, dtype=np.float64) for v in point]
        value, grads = ns["value_and_grad_f"](*arrays)
        assert np.shape(value) == ()
        assert float(value) == pytest.approx(float(ns["f"](*point)), rel=1e-15, abs=0)
        on_arrays = as_tuple(grads, arity)
        on_floats = as_tuple(ns["grad_f"](*point), arity)
        for a, b in zip(on_arrays, on_floats):
            assert np.shape(a) == ()
            assert np.asarray(a).dtype == np.float64
            assert float(a) == pytest.approx(float(b), rel=1e-14, abs=1e-300)
    bad = gradient_mismatches(lambda *p: ns["grad_f"](*map(np.array, p)), ns["f"],
                              sample_points(name, 3, seed=2))
    assert not bad


@pytest.mark.parametrize("name", USER_FACING)
def test_unoptimized_and_verified_compile_agree(name):
    arity = PRIMITIVES[name].arity
    source = source_for(numpy_expression(name), arity)
    fast = compile_module(source)
    slow = compile_module(source, Options(optimize=False, verify=True))
    with np.errstate(all="ignore"):  # unoptimized code keeps dead branches (log of x)
        for point in sample_points(name, 3, seed=3):
            a = as_tuple(fast["grad_f"](*point), arity)
            b = as_tuple(slow["grad_f"](*point), arity)
            assert np.allclose(a, b, rtol=1e-12, atol=0), (point, a, b)


# ---------------------------------------------------------------- kink conventions

@pytest.mark.parametrize("expression", ["np.abs(x)", "np.absolute(x)", "np.fabs(x)",
                                        "math.fabs(x)", "abs(x)"])
def test_abs_has_zero_gradient_at_zero(expression):
    ns = compile_module(source_for(expression, 1))
    assert float(ns["grad_f"](0.0)) == 0.0
    assert float(ns["grad_f"](-0.0)) == 0.0
    assert float(ns["grad_f"](np.array(0.0))) == 0.0
    assert float(ns["grad_f"](2.5)) == 1.0
    assert float(ns["grad_f"](-2.5)) == -1.0


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
@pytest.mark.parametrize("tie", [0.0, 1.5, -2.0])
def test_maximum_and_minimum_split_ties_evenly(fn, tie):
    ns = compile_module(source_for(f"np.{fn}(x, y)", 2))
    gx, gy = ns["grad_f"](tie, tie)
    assert (float(gx), float(gy)) == (0.5, 0.5)
    gx, gy = ns["grad_f"](tie + 1.0, tie)
    assert (float(gx), float(gy)) == ((1.0, 0.0) if fn == "maximum" else (0.0, 1.0))


def test_tie_split_inside_a_chain():
    """With the tie argument used twice the two halves add up to the full gradient."""
    ns = compile_module(source_for("np.maximum(x, x) * 3.0", 1))
    assert float(ns["grad_f"](0.75)) == 3.0


@pytest.mark.parametrize("point", [-2.0, -0.0, 0.0, 1e-300, 3.0])
def test_sign_has_zero_gradient(point):
    ns = compile_module(source_for("np.sign(x) * x + np.sign(x)", 1))
    # d/dx (sign(x) * x + sign(x)) with d sign := 0 is sign(x)
    assert float(ns["grad_f"](point)) == float(np.sign(point))
    plain = compile_module(source_for("np.sign(x)", 1))
    assert float(np.asarray(plain["grad_f"](point))) == 0.0


def test_sqrt_gradient_at_zero_is_inf_with_numpy():
    ns = compile_module(source_for("np.sqrt(x)", 1))
    with np.errstate(divide="ignore"):
        assert float(ns["grad_f"](0.0)) == math.inf


def test_sqrt_gradient_at_zero_with_math_follows_python_float_semantics():
    """Python floats raise on division by zero; the math spelling keeps that (documented)."""
    ns = compile_module(source_for("math.sqrt(x)", 1))
    with pytest.raises(ZeroDivisionError):
        ns["grad_f"](0.0)


def test_logaddexp_gradient_does_not_overflow():
    ns = compile_module(source_for("np.logaddexp(x, y)", 2))
    gx, gy = ns["grad_f"](1000.0, 999.0)
    assert float(gx) == pytest.approx(1 / (1 + math.exp(-1))) and math.isfinite(float(gy))


def test_kink_notes_are_declared():
    for name in ("abs", "maximum", "minimum", "sqrt"):
        assert PRIMITIVES[name].kink, name


# ---------------------------------------------------------------- a wrong rule is caught

def _wrong_sin(ops, g, x, out):
    return (g * out,)  # +g*sin(x): the derivative of sin is cos


def with_wrong_sin(monkeypatch):
    """The registry's sin record with a wrong vjp rule (records are frozen)."""
    monkeypatch.setitem(PRIMITIVES, "sin", dataclasses.replace(PRIMITIVES["sin"],
                                                               vjp=_wrong_sin))


def test_helper_reports_a_wrong_vjp_rule(monkeypatch):
    source = source_for("np.sin(x)", 1)
    good = compile_module(source)
    assert not gradient_mismatches(good["grad_f"], good["f"], sample_points("sin"))
    with_wrong_sin(monkeypatch)
    bad = compile_module(source)
    assert gradient_mismatches(bad["grad_f"], bad["f"], sample_points("sin"))


def test_helper_reports_a_wrong_template(monkeypatch):
    real = elementwise.template

    def wrong(spelled, rewrites=()):
        if spelled == "cos(a0)":
            return (("mul", ("g",), ("sin", ("arg", 0))),)  # sign flipped
        return real(spelled, rewrites)

    monkeypatch.setattr(elementwise, "template", wrong)
    for spelling in ("np.cos(x)", "math.cos(x)"):
        ns = compile_module(source_for(spelling, 1))
        assert gradient_mismatches(ns["grad_f"], ns["f"], sample_points("cos"))


def test_check_grad_raises_on_a_wrong_rule(monkeypatch, tmp_path, module_from_source):
    # gradc.grad caches on disk and in sys.modules keyed by source text + options, so the
    # wrongly compiled function gets a source text of its own and a private cache.
    monkeypatch.setenv("GRADC_CACHE_DIR", str(tmp_path / "cache"))
    good = module_from_source(source_for("np.sin(x) * 2.0  # right rule", 1), "right_rule")
    assert gradc.check_grad(good.f, 0.7) < 1e-6
    with_wrong_sin(monkeypatch)
    bad = module_from_source(source_for("np.sin(x) * 2.0  # wrong rule", 1), "wrong_rule")
    with pytest.raises(gradc.GradientCheckError, match="gradient check failed"):
        gradc.check_grad(bad.f, 0.7)


def test_check_grad_passes_on_every_numpy_row(module_from_source):
    """The public API path (file, cache, import) agrees with the table too."""
    lines = [HEADER.rstrip("\n"), ""]
    names = []
    for name in USER_FACING:
        arity = PRIMITIVES[name].arity
        lines += ["", f"def f_{name}({', '.join(_PARAMS[:arity])}):",
                  f"    return {numpy_expression(name)}", ""]
        names.append(name)
    module = module_from_source("\n".join(lines), "all_rows")
    for name in names:
        fn = getattr(module, f"f_{name}")
        arity = PRIMITIVES[name].arity
        for point in sample_points(name, 2, seed=4):
            wrt = tuple(range(arity))
            assert gradc.check_grad(fn, *point, wrt=wrt, eps=1e-6, tol=1e-5) <= 1e-5


# ---------------------------------------------------------------- pow's spellings

def test_np_power_keeps_numpy_semantics_on_negative_base():
    ns = compile_module(source_for("np.power(x, 0.5)", 1))
    with np.errstate(invalid="ignore"):
        value, grad = ns["value_and_grad_f"](-4.0)
        primal = ns["f"](-4.0)
    assert math.isnan(primal)
    assert not isinstance(value, complex) and math.isnan(value)
    assert not isinstance(grad, complex)


def test_constant_np_power_of_negative_base_compiles():
    ns = compile_module(source_for("x * np.power(-8.0, 0.5)", 1))
    with np.errstate(invalid="ignore"):
        value, grad = ns["value_and_grad_f"](1.0)
    assert math.isnan(value) and math.isnan(grad)


def _evaluate(tree, g, args, out):
    """A template tree's value (primitives run by their implementations)."""
    head = tree[0]
    if head in ("g", "out", "arg", "const"):
        return {"g": g, "out": out}.get(head) if len(tree) == 1 else \
            (args[tree[1]] if head == "arg" else tree[1])
    parts = [_evaluate(t, g, args, out) for t in tree[1:]]
    return PRIMITIVES[head].implementation()(*parts)


def test_stored_derivative_templates_are_what_sympy_derives():
    """gradc/primitives/derived_table.py holds the templates derived with sympy, so that
    compiles need not import sympy: it has every row, and each stored template computes
    what sympy derives now (compared by value: sympy versions may spell it differently).
    GRADC_UPDATE_GOLDEN=1 rewrites it."""
    from gradc.primitives.derived import derive, table_text
    from gradc.primitives.derived_table import TEMPLATES

    if os.environ.get("GRADC_UPDATE_GOLDEN"):
        path = ROOT / "gradc" / "primitives" / "derived_table.py"
        path.write_text(table_text(PRIMITIVES.values()), encoding="utf-8")
        return
    rows = {(p.sympy, p.sympy_rewrites): p.name for p in PRIMITIVES.values() if p.sympy}
    assert set(TEMPLATES) == set(rows), "derived_table.py is stale: regenerate it"
    for row, name in rows.items():
        for point in sample_points(name, 3):
            out = PRIMITIVES[name].implementation()(*point)
            stored = [_evaluate(t, 0.7, point, out) for t in TEMPLATES[row]]
            derived = [_evaluate(t, 0.7, point, out) for t in derive(*row)]
            assert np.allclose(stored, derived, rtol=1e-12), (name, point)


def test_compiling_a_stored_row_does_not_import_sympy(tmp_path):
    code = ("import sys, gradc.pipeline as p\n"
            "p.compile_source('import numpy as np\\ndef f(x):\\n    return np.tanh(x) * x\\n',"
            " 'm.py')\nprint('sympy' in sys.modules)\n")
    env = {**os.environ, "GRADC_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("name", USER_FACING)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_float32_inputs_give_float32_derivatives(name, mode):
    """No constant or helper promotes: float32 in, float32 gradients out (tangents in the
    precision NumPy gives the value: 1.0 * (x < y) is float64 whatever x is), equal to the
    float64 derivatives to float32's precision."""
    arity = PRIMITIVES[name].arity
    ns = compile_module(source_for(f"np.sum({numpy_expression(name)})", arity),
                        Options(mode=mode))
    columns = list(zip(*sample_points(name, 4, seed=9)))
    wide = [np.array(c, dtype=np.float64) for c in columns]
    narrow = [a.astype(np.float32) for a in wide]
    if mode == "reverse":
        pairs = zip(ns["grad_f"](*narrow), ns["grad_f"](*wide), narrow)
        expected_types = [a.dtype for a in narrow]
    else:
        ones = [np.ones(4, np.float32) for _ in narrow]
        pairs = [(ns["jvp_f"](*narrow, *ones)[1], ns["jvp_f"](*wide, *ones)[1], None)]
        expected_types = [np.asarray(ns["f"](*narrow)).dtype]
    for (got, expected, _), dtype in zip(pairs, expected_types):
        assert np.asarray(got).dtype == dtype, (name, np.asarray(got).dtype)
        assert np.allclose(got, expected, rtol=2e-3, atol=1e-4), (name, got, expected)
