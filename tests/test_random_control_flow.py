"""Random programs with branches and loops, generated with hypothesis, against two
oracles:

(a) the generated gradient equals central finite differences of the primal (the source
    text executed as ordinary Python), and ``value_and_grad``'s value is the primal's;
(b) optimized and unoptimized compiles agree, and so do shape-generic and specialised
    ones;
(c) the generated code computes what its IR means (the IR interpreter).

A program ``f(x, y, n)`` differentiates the float arrays ``x`` and ``y`` (shape (3,)); the
integer ``n`` (0-3) is read by some conditions and loop bounds. Its body mixes straight
assignments of smooth, bounded primitives (sin, tanh, exp of bounded things, products
with bounded factors, sums) with ``if``/``elif``/``else`` (conditions on sums, means,
entries, ``n``, with ``and``/``or``/``not`` and chained comparisons), ``for`` loops
(constant and run-time ranges, negative steps, ``reversed``, ``enumerate``, iteration over
an array), bounded ``while`` loops, ``break``, ``continue``, early returns and calls of
module helpers (one with a branch, one with a loop called on temporaries). Names
reassigned in loops are carried
from one iteration to the next; a name first bound in a block is used only inside it,
except a name bound in both arms of an if/else.

Every data-dependent comparison is recorded by a traced copy of the program, which is
how points are kept away from branch switches: a point is used only when every
comparison has a margin above 1e-3 and the finite-difference stencil takes the same
path as the point itself.
"""

import ast
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given, note, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.control import currently_in_test_context  # noqa: E402

from gradc.frontend.source import parse_module  # noqa: E402
from gradc.ir.interpreter import run  # noqa: E402
from gradc.pipeline import Options, compile_source, gradient_ir  # noqa: E402

# traced: every data-dependent comparison is a call of _gt(a, b) (a > b), _lt(a, b)
# (a < b) or _between(a, m, b) (a < m < b), which record the comparison; ``untrace``
# turns them back into comparisons
PRELUDE_TRACED = '''import numpy as np


def mix(u, w):
    return np.tanh(u) * w + 0.5 * np.sin(w)


def bend(u):
    if _gt(np.sum(u), 0.5):
        return np.tanh(u) * 1.5
    return 0.5 * np.sin(u) + 0.2


def settle(u, w):
    for k in range(2):
        if _lt(np.mean(u), 0.25):
            u = w
        else:
            u = np.zeros(3) + 0.5
    return u
'''

_COMPARISONS = {"_gt": [ast.Gt()], "_lt": [ast.Lt()], "_between": [ast.Lt(), ast.Lt()]}


class _Untrace(ast.NodeTransformer):
    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in _COMPARISONS:
            first, *rest = node.args
            return ast.Compare(first, _COMPARISONS[node.func.id], rest)
        return node


def untrace(traced: str) -> str:
    """The program a traced copy records: its recording calls made comparisons again."""
    return ast.unparse(_Untrace().visit(ast.parse(traced)))


PRELUDE = untrace(PRELUDE_TRACED) + "\n"

# {a}, {b}: values of shape (3,); {c}: a constant; {e}: a scalar read in a loop
SMOOTH = [
    "np.sin({a})", "np.tanh({a})", "np.cos({a}) * 0.5", "np.exp(np.tanh({a}))",
    "{a} * 0.5", "-{a}", "np.tanh({a} * {b})", "{a} * np.tanh({b})", "np.sin({a}) * {b}",
    "0.5 * ({a} + {b})", "{a} - {b}", "{a} + {c}", "{a} * 0.9 + np.tanh({b})",
    "np.exp(0.5 * np.sin({a})) * {b}", "{a} * np.cos({b}) + {c}",
    "{a} + np.sum(np.tanh({b})) * 0.1", "mix({a}, {b})", "bend({a})",
    "settle({a}, np.arcsinh({b}))", "settle(np.sin({a}), {b}) * {b}",
]
SCALAR_READS = [
    "{a} * np.tanh({e})", "{a} + np.sin({e})", "np.tanh({a} * {e})", "{a} + {e} * {c}",
]
AUGMENTED = ["{t} += {x}", "{t} -= {x}", "{t} *= np.tanh({b})", "{t} *= 0.9"]
CONSTANTS = ["0.5", "-0.5", "1.5", "0.25", "-1.0", "2.0"]
THRESHOLDS = ["0.0", "0.5", "-0.5", "1.0", "-1.0", "0.25"]
RANGES = ["range(2)", "range(3)", "range(n)", "range(len(x))", "range(1, 3)",
          "range(2, -1, -1)", "range(0, 3, 2)", "reversed(range(n))", "range(n % 2 + 1)",
          "range(len(y) // 2 + 1)", "range(x.shape[0] - 1)"]
DEPTH = 2


@dataclass(frozen=True)
class Program:
    source: str   # the whole module
    traced: str   # the same, with every data-dependent comparison recorded


class _Writer:
    """Lines of the program and of its traced copy, side by side."""

    def __init__(self):
        self.lines: list[tuple[int, str, str]] = []

    def add(self, indent, plain, traced=None):
        self.lines.append((indent, plain, plain if traced is None else traced))

    def text(self, traced):
        return "\n".join("    " * indent + (t if traced else p) for indent, p, t in self.lines)


@st.composite
def programs(draw, control=True):
    fresh = itertools.count()
    out = _Writer()

    def pick(options):
        return draw(st.sampled_from(options))

    def expression(pool, scalar):
        templates = (SMOOTH if control else [t for t in SMOOTH if "bend" not in t
                                             and "settle" not in t]) + \
            (SCALAR_READS if scalar else [])
        return pick(templates).format(a=pick(pool), b=pick(pool), c=pick(CONSTANTS),
                                      e=scalar)

    def comparison(pool):
        """(plain, traced) text of one comparison."""
        kind = pick(["sum", "mean", "entry", "entries", "n", "chained"])
        c = pick(THRESHOLDS)
        if kind == "sum":
            left = f"np.sum({pick(pool)})"
            return f"{left} > {c}", f"_gt({left}, {c})"
        if kind == "mean":
            left = f"np.mean({pick(pool)})"
            return f"{left} < {c}", f"_lt({left}, {c})"
        if kind == "entry":
            left = f"{pick(pool)}[{pick(['0', '1', '-1'])}]"
            return f"{left} > {c}", f"_gt({left}, {c})"
        if kind == "entries":
            left, right = f"{pick(pool)}[0]", f"{pick(pool)}[2]"
            return f"{left} < {right}", f"_lt({left}, {right})"
        if kind == "n":
            k = pick(["0", "1", "2"])
            return f"n > {k}", f"n > {k}"
        middle, high = f"np.sum({pick(pool)})", pick(["1.5", "2.5"])
        return f"-1.0 < {middle} < {high}", f"_between(-1.0, {middle}, {high})"

    def condition(pool):
        form = pick(["one", "one", "and", "or", "not"])
        first = comparison(pool)
        if form == "one":
            return first
        if form == "not":
            return f"not {first[0]}", f"not {first[1]}"
        second = comparison(pool)
        return f"{first[0]} {form} {second[0]}", f"{first[1]} {form} {second[1]}"

    def final(pool, last):
        everything = " + ".join(pool)
        return f"np.sum({last} * np.tanh({pick(pool)})) + 0.1 * np.sum({everything})"

    def block(indent, pool, scalar=None, loop=None, count=None, iterated=()):
        """Statements at ``indent``; ``pool`` (mutated) holds the names in scope, all of
        shape (3,); ``scalar``: a scalar expression readable here (in a loop);
        ``loop``: "for"/"while" when directly or indirectly in a loop body; ``iterated``:
        arrays an enclosing loop iterates over, which are not updated in place (Python
        would see the update in the iteration; gradc's arrays are values)."""
        last = pool[-1]
        kinds = ["new", "new", "reassign", "reassign", "augmented"]
        if control and indent <= DEPTH:
            kinds += ["if", "if", "for", "for", "while", "return"]
        if loop is not None:
            kinds += ["break"] + (["continue"] if loop == "for" else [])
        for _ in range(count or draw(st.integers(1, 3))):
            kind = pick(kinds)
            if kind == "new":
                target = f"v{next(fresh)}"
                out.add(indent, f"{target} = {expression(pool, scalar)}")
                pool.append(target)
            elif kind == "reassign":
                target = pick(pool)
                out.add(indent, f"{target} = {expression(pool, scalar)}")
            elif kind == "augmented":
                target = pick([name for name in pool if name not in iterated] or ["x"])
                out.add(indent, pick(AUGMENTED).format(t=target, x=expression(pool, scalar),
                                                       b=pick(pool)))
            elif kind == "if":
                plain, traced = condition(pool)
                out.add(indent, f"if {plain}:", f"if {traced}:")
                joined = f"m{next(fresh)}"
                block(indent + 1, list(pool), scalar, loop, iterated=iterated)
                arms = draw(st.integers(0, 2))  # no else, else, elif + else
                if arms == 0:
                    continue
                out.add(indent + 1, f"{joined} = {expression(pool, scalar)}")
                if arms == 2:
                    plain, traced = condition(pool)
                    out.add(indent, f"elif {plain}:", f"elif {traced}:")
                    block(indent + 1, list(pool), scalar, loop, iterated=iterated)
                    out.add(indent + 1, f"{joined} = {expression(pool, scalar)}")
                out.add(indent, "else:")
                block(indent + 1, list(pool), scalar, loop, iterated=iterated)
                out.add(indent + 1, f"{joined} = {expression(pool, scalar)}")
                pool.append(joined)  # bound in every arm: usable after the if
            elif kind == "for":
                k = next(fresh)
                form = pick(["range", "range", "enumerate", "elements"])
                sequence = pick(pool)
                if form == "range":
                    out.add(indent, f"for i{k} in {pick(RANGES)}:")
                    read, sequence = f"{sequence}[i{k}]", None
                elif form == "enumerate":
                    out.add(indent, f"for i{k}, e{k} in enumerate({sequence}):")
                    read = pick([f"e{k}", f"e{k} * i{k}"])
                else:
                    out.add(indent, f"for e{k} in {sequence}:")
                    read = f"e{k}"
                block(indent + 1, list(pool), read, "for",
                      iterated=iterated + (sequence,) * (sequence is not None))
            elif kind == "while":
                k = next(fresh)
                plain, traced = condition(pool)
                bound = pick(["2", "3", "n % 3 + 1"])
                out.add(indent, f"j{k} = 0")
                out.add(indent, f"while j{k} < {bound} and ({plain}):",
                        f"while j{k} < {bound} and ({traced}):")
                block(indent + 1, list(pool), f"{pick(pool)}[j{k}]", "while",
                      iterated=iterated)
                out.add(indent + 1, f"j{k} = j{k} + 1")
            elif kind == "return":
                plain, traced = condition(pool)
                out.add(indent, f"if {plain}:", f"if {traced}:")
                out.add(indent + 1, f"return {final(pool, pick(pool))}")
            else:  # break or continue
                plain, traced = condition(pool)
                out.add(indent, f"if {plain}:", f"if {traced}:")
                out.add(indent + 1, kind)
            last = pool[-1]
        return last

    out.add(0, "def f(x, y, n):")
    pool = ["x", "y"]
    last = block(1, pool, count=draw(st.integers(1, 5)))
    out.add(1, f"return {final(pool, last)}")
    return Program(PRELUDE + "\n\n" + out.text(False) + "\n",
                   PRELUDE_TRACED + "\n\n" + out.text(True) + "\n")


coordinates = st.lists(st.floats(-1.5, 1.5, allow_nan=False), min_size=6, max_size=6)
trip_counts = st.integers(0, 3)


# ---------------------------------------------------------------- running things

def primal_of(program: Program):
    namespace: dict = {}
    exec(compile(program.source, "<primal>", "exec"), namespace)
    return namespace["f"]


def traced_of(program: Program):
    """f(x, y, n) -> (value, the comparisons' outcomes, their smallest margin)."""
    record: list = []

    def _gt(left, right):
        record.append(float(left - right))
        return left > right

    def _lt(left, right):
        return _gt(right, left)

    def _between(low, middle, high):
        return _gt(middle, low) & _gt(high, middle)  # both recorded: the margin of each

    namespace: dict = {"_gt": _gt, "_lt": _lt, "_between": _between}
    exec(compile(program.traced, "<traced>", "exec"), namespace)

    def run(*args):
        record.clear()
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            value = float(namespace["f"](*fresh(args)))
        margins = [abs(m) for m in record]
        return value, tuple(m > 0 for m in record), min(margins, default=math.inf)

    return run


def require(condition):
    """assume() under hypothesis; for the fixed programs, a requirement on their points."""
    if currently_in_test_context():
        assume(condition)
    else:
        assert condition, "the point is near a branch switch, or ill-conditioned"


def fresh(args):
    """Copies of the array arguments: ``x += ...`` in a program updates its argument in
    place, as Python does, and must not change the point for the next call."""
    return [np.array(a) if isinstance(a, np.ndarray) else a for a in args]


def generated(program: Program, optimize=True, mode="reverse", shapes=None) -> dict:
    options = Options(optimize=optimize, verify=True, mode=mode, shapes=shapes)
    text = compile_source(program.source, "prog.py", functions=["f"], wrt=(0, 1),
                          options=options)
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    return namespace


def good_point(program, raw, n):
    """(x, y, n) and the primal's value, after require()-ing the point is smooth: finite,
    moderate, and every comparison at least 1e-3 away from switching."""
    x, y = np.array(raw[:3]), np.array(raw[3:])
    run = traced_of(program)
    try:
        value, _, margin = run(x, y, n)
    except (FloatingPointError, OverflowError, ZeroDivisionError):
        require(False)
    require(math.isfinite(value) and abs(value) < 1e6)
    require(margin > 1e-3)
    return (x, y, n), value, run


def five_point(run, point, which, entry, h):
    """Five-point central difference in entry ``entry`` of argument ``which``; the
    stencil must take the point's path through the program."""
    _, path, _ = run(*point)

    def at(offset):
        moved = [np.array(point[0]), np.array(point[1]), point[2]]
        moved[which][entry] += offset
        value, here, _ = run(*moved)
        require(here == path)
        return value
    return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)


def finite_difference(run, point, which, entry):
    """Richardson-checked: steps h and h/2 must agree, else the point is skipped."""
    h = 1e-3
    coarse, fine = five_point(run, point, which, entry, h), five_point(run, point, which,
                                                                       entry, h / 2)
    require(abs(coarse - fine) <= 1e-8 * max(1.0, abs(fine)))
    return fine


def close(a, b, rel):
    a, b = float(a), float(b)
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def check_against_finite_differences(program, raw, n):
    point, primal, run = good_point(program, raw, n)
    value, grads = generated(program)["value_and_grad_f"](*fresh(point))
    assert close(value, primal, 1e-12), (float(value), primal)
    assert [np.shape(g) for g in grads] == [(3,), (3,)]
    for which, g in enumerate(grads):
        for entry in range(3):
            numeric = finite_difference(run, point, which, entry)
            assert close(g[entry], numeric, 1e-6), ("xy"[which], entry, float(g[entry]),
                                                    numeric)


def check_optimized_against_unoptimized(program, raw, n):
    point, _, _ = good_point(program, raw, n)
    with np.errstate(all="ignore"):  # unoptimized code may keep dead terms
        value_fast, grads_fast = generated(program, True)["value_and_grad_f"](*fresh(point))
        value_slow, grads_slow = generated(program, False)["value_and_grad_f"](*fresh(point))
    assert close(value_fast, value_slow, 1e-12)
    for fast, slow in zip(grads_fast, grads_slow, strict=True):
        assert np.allclose(fast, slow, rtol=1e-10, atol=1e-12), (fast, slow)


def check_generated_code_against_its_ir(program, raw, n):
    """The generated code computes what the IR after the last stage means, specialised
    to the point's shapes or not."""
    point, _, _ = good_point(program, raw, n)
    for shapes in (None, ((3,), (3,), ())):
        options = Options(verify=True, shapes=shapes)
        fn = gradient_ir(parse_module(program.source, "prog.py"), "f", (0, 1), options)
        with np.errstate(all="ignore"):
            expected = run(fn, *fresh(point))
            value, grads = generated(program, shapes=shapes)["value_and_grad_f"](*fresh(point))
        assert close(value, expected[0], 1e-12)
        for got, want in zip(grads, expected[1:], strict=True):
            assert np.allclose(got, want, rtol=1e-12, atol=1e-12), (shapes, got, want)


def shown(program):
    return program.source.split("\n\n\n")[-1]


# ---------------------------------------------------------------- the properties

@settings(max_examples=40, report_multiple_bugs=False)
@given(programs(), coordinates, trip_counts)
def test_gradient_matches_finite_differences(program, raw, n):
    note(shown(program))
    check_against_finite_differences(program, raw, n)


@settings(max_examples=40, report_multiple_bugs=False)
@given(programs(), coordinates, trip_counts)
def test_optimized_and_unoptimized_agree(program, raw, n):
    note(shown(program))
    check_optimized_against_unoptimized(program, raw, n)


@settings(max_examples=30, report_multiple_bugs=False)
@given(programs(), coordinates, trip_counts)
def test_generated_code_computes_its_ir(program, raw, n):
    note(shown(program))
    check_generated_code_against_its_ir(program, raw, n)


@settings(max_examples=15, report_multiple_bugs=False)
@given(programs(control=False), coordinates, trip_counts)
def test_the_harness_on_straight_line_programs(program, raw, n):
    """The same generator and oracles without control flow (gradc's older language)."""
    note(shown(program))
    check_against_finite_differences(program, raw, n)
    check_optimized_against_unoptimized(program, raw, n)


@settings(max_examples=25, report_multiple_bugs=False)
@given(programs(), coordinates, trip_counts)
def test_forward_mode_and_forward_over_reverse_agree_with_reverse(program, raw, n):
    """jvp's tangent along v is <gradient, v>, and hvp (forward mode over the generated
    reverse-mode code, tapes included) returns the same gradient."""
    note(shown(program))
    point, primal, _ = good_point(program, raw, n)
    _, grads = generated(program)["value_and_grad_f"](*fresh(point))
    v = (np.array([0.3, -0.7, 0.2]), np.array([0.5, 0.1, -0.4]))
    value, tangent = generated(program, mode="forward")["jvp_f"](*fresh(point), *v)
    assert close(value, primal, 1e-12)
    assert close(tangent, sum(np.dot(g, d) for g, d in zip(grads, v)), 1e-9)
    gradient, _ = generated(program, mode="hvp")["hvp_f"](*fresh(point), *v)
    assert all(np.allclose(a, b, rtol=1e-12, atol=1e-12) for a, b in zip(gradient, grads))


@settings(max_examples=40, report_multiple_bugs=False)
@given(programs(), coordinates, trip_counts)
def test_generated_programs_run_as_python(program, raw, n):
    """The generator writes valid, terminating programs; the traced copy is the same
    program (up to its recording calls) and computes the same value."""
    note(shown(program))
    assert untrace(program.traced) == ast.unparse(ast.parse(program.source))
    point = (np.array(raw[:3]), np.array(raw[3:]), n)
    with np.errstate(all="ignore"):
        value = primal_of(program)(*fresh(point))
    assert np.ndim(value) == 0
    if np.isfinite(value) and abs(value) < 1e6:
        assert traced_of(program)(*point)[0] == value


# ---------------------------------------------------------------- fixed programs

FIXED = {
    "carried name reassigned in one arm, break": (
        "def f(x, y, n):\n    s = x * 0.5\n    for i in range(3):\n"
        "        if _gt(np.sum(s), 0.0):\n            s = s + np.sin(y[i]) * x\n"
        "        else:\n            s = s * 0.9\n        if _gt(s[0], 1.0):\n"
        "            break\n    return np.sum(s * y)\n",
        (0.3, 0.8, -0.2, 0.5, 1.1, -0.4), 2),
    "while, helper with a branch, early return": (
        "def f(x, y, n):\n    j = 0\n    while j < n + 1 and _lt(np.sum(x), 2.0):\n"
        "        x = x + bend(y) * 0.5\n        j = j + 1\n    if _gt(np.mean(y), 1.0):\n"
        "        return np.sum(x * y)\n    return np.sum(np.tanh(x) * y)\n",
        (0.1, -0.3, 0.2, 0.7, 0.4, -0.9), 3),
    "nested while loops": (
        "def f(x, y, n):\n    j = 0\n    while j < 2:\n        k = 0\n"
        "        while k < n and _lt(np.sum(x), 3.0):\n            x = np.sin(x) * 1.5 + y\n"
        "            k = k + 1\n        j = j + 1\n    return np.sum(x * y)\n",
        (0.1, -0.3, 0.2, 0.7, 0.4, -0.9), 2),
    "early return of a value the loop computed": (
        "def f(x, y, n):\n    for i in range(2):\n        y = x * x[i]\n"
        "        if _gt(x[0], 0.0):\n            return np.sum(x + y)\n    return np.sum(y)\n",
        (0.5, 1.0, 2.0, 1.0, 1.0, 1.0), 0),
    "continue in a nested if, then an assignment": (
        "def f(x, y, n):\n    s = 0.0\n    for i in range(len(x)):\n"
        "        if _gt(x[i], 0.0):\n            if _gt(x[i], 1.0):\n                continue\n"
        "            m = x[i] * 3.0\n        else:\n            m = x[i] * y[i]\n"
        "        s = s * np.tanh(m) + m\n    return s + np.sum(y)\n",
        (0.5, -0.7, 1.5, 0.3, 0.2, 0.9), 1),
}


@pytest.mark.parametrize("name", list(FIXED))
def test_fixed_programs(name):
    traced, raw, n = FIXED[name]
    program = Program(PRELUDE + "\n\n" + untrace(traced) + "\n",
                      PRELUDE_TRACED + "\n\n" + traced)
    check_against_finite_differences(program, raw, n)
    check_optimized_against_unoptimized(program, raw, n)
