"""Each pass on small IR: the interpreter says the meaning is unchanged, the verifier
passes, and the pass did its job."""

import textwrap

import numpy as np
import pytest

from gradc.frontend.lower import lower_function
from gradc.frontend.source import parse_module
from gradc.ir.core import Block, Const, Function, Instr, Loc, Param, Var, walk
from gradc.ir.interpreter import run
from gradc.ir.printer import format_function, format_instr, name_table
from gradc.ir.verifier import VerificationError, verify
from gradc.passes.activity import active_values
from gradc.passes.cse import cse
from gradc.passes.dce import dce
from gradc.passes.reverse_ad import reverse
from gradc.passes.shapes import shape_classes
from gradc.passes.simplify import simplify
from gradc.pipeline import Options, gradient_ir, optimize
from gradc.primitives import Primitive

ARGS = (0.7, -1.3)


def lower(source, name="f"):
    info = parse_module("import numpy as np\n" + textwrap.dedent(source), "m.py")
    return verify(lower_function(info, name))


def ops(fn):
    return [instr.op.name for instr in fn.body]


def same_meaning(before, after, args=ARGS):
    verify(after)
    np.testing.assert_allclose(run(after, *args), run(before, *args), rtol=1e-14)


def test_cse_shares_commutative_duplicates():
    fn = lower("def f(x, y):\n    a = x * y\n    b = y * x\n    return a + b\n")
    out = cse(fn)
    same_meaning(fn, out)
    assert ops(out) == ["mul", "add"]
    assert out.body[1].args[0] == out.body[1].args[1]


def test_cse_keeps_non_commutative_order():
    fn = lower("def f(x, y):\n    return x / y + y / x\n")
    assert ops(cse(fn)).count("div") == 2


def test_dce_drops_unused_values():
    fn = lower("def f(x, y):\n    unused = np.exp(y)\n    return x * 2.0\n")
    out = dce(fn)
    same_meaning(fn, out)
    assert ops(out) == ["mul"]


@pytest.mark.parametrize("expression, remaining", [
    ("x * 1", []), ("1 * x", []), ("x + 0", []), ("0 + x", []), ("x - 0", []),
    ("x / 1", []), ("x ** 1", []), ("--x", []), ("-(-(-x))", ["neg"]),
    ("2.0 * 3.0 + x", ["add"]), ("x + -y", ["sub"]), ("-x + y", ["sub"]),
    ("x - -y", ["add"]), ("-x * -y", ["mul"]), ("x * -1", ["neg"]), ("0 - x", ["neg"]),
    ("np.exp(0.0) * x", []), ("np.transpose(np.transpose(x)) * y", ["mul"]),
])
def test_simplify(expression, remaining):
    fn = lower(f"def f(x, y):\n    return {expression}\n")
    out = dce(simplify(fn))
    same_meaning(fn, out)
    assert ops(out) == remaining


def test_simplify_keeps_zero_products_in_primal_code():
    """0 * x has x's shape in the primal; only adjoint code treats 0 as 'no gradient'."""
    fn = lower("def f(x):\n    return 0.0 * x\n")
    out = simplify(fn)
    assert ops(out) == ["mul"]
    assert run(out, np.ones(3)).shape == (3,)
    grad_zero = Instr((Var(5),), "mul", (Const(0.0), Var(0)), loc=Loc(1, "", "grad"))
    fn2 = fn.with_body([grad_zero], [Var(5)])
    assert simplify(fn2).results == (Const(0),)


def test_simplify_keeps_named_constants():
    source = "EPS = 1e-8\ndef f(x):\n    return x + EPS * 2.0\n"
    out = simplify(lower(source))
    assert any(isinstance(a, Const) and a.name == "EPS" for i in out.body for a in i.args)


def test_constant_folding_leaves_non_finite_results_alone():
    fn = lower("def f(x):\n    return x + np.log(0.0)\n")
    assert ops(simplify(fn)) == ["log", "add"]


def test_activity_analysis():
    fn = lower("def f(x, c):\n    a = x * x\n    b = c * 2.0\n    d = np.exp(c)\n"
               "    return a + b\n")
    x, c = fn.params[0].var, fn.params[1].var
    active = active_values(fn, [x])
    assert {v.hint for v in active} == {"x", "a", ""}
    assert c not in active


def test_reverse_ad_only_differentiates_what_wrt_needs():
    fn = lower("def f(x, c):\n    a = x * x\n    b = np.exp(c)\n    return a + b\n")
    grad_fn = optimize(reverse(fn, (0,)))
    verify(grad_fn)
    assert "exp" not in ops(dce(grad_fn.with_body(grad_fn.body, grad_fn.results[1:])))
    assert run(grad_fn, 3.0, 1.0)[1] == pytest.approx(6.0)


def test_reverse_ad_sums_fan_out_adjoints():
    """x used three times: the adjoint is the sum of three contributions (chain rule 3)."""
    fn = lower("def f(x):\n    return x * np.sin(x) + np.exp(x)\n")
    value, dx = run(reverse(fn, (0,)), 0.4)
    assert dx == pytest.approx(np.sin(0.4) + 0.4 * np.cos(0.4) + np.exp(0.4), rel=1e-14)


def test_each_primal_value_is_computed_once():
    """The adjoint program refers to primal values; it never recomputes them."""
    fn = lower("def f(x, z):\n    a = x * z\n    b = np.log(x)\n    return np.exp(a) / b\n")
    grad_fn = gradient_ir(parse_module("import numpy as np\ndef f(x, z):\n    a = x * z\n"
                                       "    b = np.log(x)\n    return np.exp(a) / b\n", "m.py"),
                          "f", (0, 1))
    assert ops(grad_fn).count("log") == 1 and ops(grad_fn).count("exp") == 1
    same_meaning(fn, grad_fn.with_body(grad_fn.body, grad_fn.results[:1]))


def test_unbroadcast_only_where_shapes_may_differ():
    fn = lower("def f(x, s: float):\n    return np.sin(x) * s + x * 2.0\n")
    classes = shape_classes(fn)
    assert classes[fn.params[1].var] == ()
    grad_fn = optimize(reverse(fn, (0, 1)))
    # one sum-back, for the scalar s, where it is a plain sum; none for x
    sum_backs = [i for i in grad_fn.body if i.op.name in ("unbroadcast", "sum")]
    assert [(i.op.name, i.params) for i in sum_backs] == [("sum", ())]
    assert grad_fn.results[-1] == sum_backs[0].out


def test_optimized_and_unoptimized_gradients_agree():
    source = ("import numpy as np\ndef f(x, y):\n    a = x * y + 0.0\n    b = a * 1.0\n"
              "    return np.tanh(b) * np.exp(-a) + b ** 3\n")
    info = parse_module(source, "m.py")
    fast = gradient_ir(info, "f", (0, 1), Options(optimize=True, verify=True))
    slow = gradient_ir(info, "f", (0, 1), Options(optimize=False, verify=True))
    np.testing.assert_allclose(run(fast, *ARGS), run(slow, *ARGS), rtol=1e-13)
    assert len(fast.body) < len(slow.body)


def test_verifier_catches_broken_ir():
    x, y = Var(0, "x"), Var(1, "y")
    params = (Param(x),)
    with pytest.raises(VerificationError, match="used before definition"):
        verify(Function("f", params, (Instr((y,), "exp", (Var(7),)),), (y,)))
    with pytest.raises(VerificationError, match="defined twice"):
        verify(Function("f", params, (Instr((x,), "exp", (x,)),), (x,)))
    with pytest.raises(VerificationError, match="takes 2 arguments"):
        verify(Function("f", params, (Instr((y,), "mul", (x,)),), (y,)))
    with pytest.raises(VerificationError, match="unknown primitive"):
        unregistered = Primitive("cumprod", 1)
        verify(Function("f", params, (Instr((y,), unregistered, (x,)),), (y,)))


def test_printer_is_stable_text():
    fn = lower("def f(x):\n    y = np.exp(x)\n    return y * 2.0\n")
    assert format_function(fn) == (
        "func f(%x.0):\n"
        "  %y.1 = exp %x.0                          ; line 3\n"
        "  %2 = mul %y.1, 2.0                       ; line 4\n"
        "  return %2\n")


def test_printer_names_each_value_once():
    """Uses may hold a Var without the definition's hint (equality is by id): the
    printer names them as their definition does, inside blocks too."""
    x, n = Var(0, "x"), Var(1, "n")
    x_bar, i, s, s_next = Var(2, of=x), Var(3, "i"), Var(4, "s"), Var(5, "s")
    loop = Instr((Var(6, "s"),), "for", (Const(0), Var(1), Const(1), Var(2)),
                 regions=(Block((i, s), (Instr((s_next,), "mul", (Var(4), Var(0))),),
                                (Var(5),)),))
    fn = Function("f", (Param(x), Param(n)), (Instr((x_bar,), "neg", (Var(0),)), loop),
                  (Var(6), Var(2)))
    assert format_function(fn) == (
        "func f(%x.0, %n.1):\n"
        "  %x_bar.2 = neg %x.0\n"
        "  %s.6 = for 0, %n.1, 1, %x_bar.2 (%i.3, %s.4):\n"
        "    %s.5 = mul %s.4, %x.0\n"
        "    yield %s.5\n"
        "  return %s.6, %x_bar.2\n")
    assert format_instr(loop.regions[0].body[0]) == "%s.5 = mul %4, %0"
    assert format_instr(loop.regions[0].body[0], name_table(fn)) == "%s.5 = mul %s.4, %x.0"


# ---------------------------------------------------------------- control flow

LOOPING = """
def f(x, y):
    s = 0.0
    unused = 1.0
    for i in range(3):
        if x > 0.5:
            t = np.sin(x * y)
            s = s + t * t
        else:
            s = s * 0.5 + np.sin(x * y)
        unused = unused * 2.0
    k = 0
    while s < 10.0 and k < 20:
        s = s * 1.5 + x
        k = k + 1
    return s
"""


@pytest.mark.parametrize("args", [(0.7, -1.3), (0.2, 0.4)])
@pytest.mark.parametrize("name, transform", [("simplify", simplify), ("cse", cse),
                                              ("dce", dce), ("optimize", optimize)])
def test_passes_keep_the_meaning_of_branches_and_loops(name, transform, args):
    fn = lower(LOOPING)
    same_meaning(fn, transform(fn), args)


def test_cse_does_not_carry_a_branch_value_out_of_its_branch():
    fn = cse(lower(LOOPING))
    loop = next(i for i in fn.body if i.op.name == "for")
    branch = next(i for i in loop.regions[0].body if i.op.name == "if")
    then_ops = [i.op.name for i in branch.regions[0].body]
    else_ops = [i.op.name for i in branch.regions[1].body]
    assert then_ops.count("sin") == 1 and else_ops.count("sin") == 1  # each computes its own


def test_dce_drops_a_carried_value_nothing_reads():
    fn = dce(lower(LOOPING))
    loop = next(i for i in fn.body if i.op.name == "for")
    assert len(loop.outs) == 1 and loop.outs[0].hint == "s"  # 'unused' is gone
    same_meaning(lower(LOOPING), fn)


def test_reverse_mode_loops_keep_a_tape_and_dce_prunes_it_in_pairs():
    fn = reverse(lower(LOOPING), (0, 1))
    verify(fn)
    kinds = {i.op.name for i in walk_all(fn)}
    assert {"tape", "push", "pop"} <= kinds
    pruned = optimize(fn)
    for push, pop in zip(*(sorted((i for i in walk_all(pruned) if i.op.name == op),
                                  key=lambda i: i.args[0].id) for op in ("push", "pop"))):
        assert push.args[0] == pop.args[0] and len(push.args) - 1 == len(pop.outs)
    np.testing.assert_allclose(run(pruned, *ARGS), run(fn, *ARGS), rtol=1e-13)


def test_straight_line_code_has_no_tape():
    fn = reverse(lower("def f(x):\n    if x > 0:\n        y = x * x\n    else:\n"
                       "        y = -x\n    return np.sin(y)\n"), (0,))
    assert not {"tape", "push", "pop"} & {i.op.name for i in walk_all(fn)}


def test_verifier_keeps_loop_values_inside_their_loop():
    fn = lower(LOOPING)
    loop_index = next(i for i in fn.body if i.op.name == "for").regions[0].params[0]
    broken = fn.with_body(fn.body, (loop_index,))
    with pytest.raises(VerificationError, match="used before definition"):
        verify(broken)


def walk_all(fn):
    return list(walk(fn.body))
