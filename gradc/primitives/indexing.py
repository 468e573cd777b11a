"""Reading and writing entries: ``x[1:, None, i]`` is ``getitem`` with a static index
pattern (ir/indexing.py) whose ("arg", k) entries stand for the run-time arguments after
x; its adjoint scatters g into zeros shaped like x, and the two are each other's
transpose:

    y = x[1:, i]    ->  x_bar = _scatter_like(y_bar, x, np.s_[1:, i])

A write ``x[i] = v`` is ``setitem``, a new value of x (frontend/memory.py decides which
names see it; codegen/inplace.py writes it in place where no one else reads the old
array). Its adjoint takes v's gradient from the written entries, then zeroes them:

    x[i] = v        ->  v_bar = _written_part(x_bar, v, np.s_[i])
                        x_bar[i] = 0.0

Reads inside a loop accumulate their adjoints in place, at the entries read
(``add_at``, reverse_ad.py), not through an array of zeros per read:

    y = x[i]        ->  _add_at(x_bar, np.s_[i], y_bar)
"""

from ..ir.core import Const
from ..ir.indexing import add_at, getitem, scatter_like, setitem, written_part
from .ops import REVERSE_TWICE, linear_jvp
from .record import Primitive, register
from .rewrites import is_number, rewritten


def _getitem_vjp(ops, g, x, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    return (ops.scatter_like(g, x, *dynamic, index=index),) + (None,) * len(dynamic)


def _scatter_like_vjp(ops, h, g, like, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    return (ops.getitem(h, *dynamic, index=index), None) + (None,) * len(dynamic)


def _setitem_vjp(ops, g, x, value, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    value_bar = ops.written_part(g, value, *dynamic, index=index)  # read before zeroed
    x_bar = ops.setitem(g, 0.0, *dynamic, index=index)
    return (x_bar, value_bar) + (None,) * len(dynamic)


def _setitem_jvp(ops, instr, index, tangent):
    """Linear in x and the value together: each one's tangent written with the other's
    zero (the two parts add up)."""
    x, value, *dynamic = instr.args
    pattern = instr.param("index")
    if index == 0:
        return ops.setitem(tangent, 0.0, *dynamic, index=pattern)
    if index == 1:
        zeros = ops.full_like(x, Const(0.0))
        return ops.setitem(zeros, tangent, *dynamic, index=pattern)
    return Const(0)  # an index


_, SCATTER_LIKE = register(
    Primitive("getitem", None, None, syntax="subscript", elementwise=False, linear_in=(0,),
              view=True,
              keywords=("index",), indices_from=1, impl=getitem, vjp=_getitem_vjp,
              jvp=linear_jvp),
    Primitive("scatter_like", None, None, syntax="scatter", elementwise=False,
              linear_in=(0,), keywords=("index",), shape_of=1, shape_only=1, indices_from=2,
              call_form="scatter",
              helper="_scatter_like", impl=scatter_like, vjp=_scatter_like_vjp,
              jvp=linear_jvp),
)
SETITEM, _ = register(
    Primitive("setitem", None, None, syntax="setitem", elementwise=False, linear_in=(0, 1),
              keywords=("index",), shape_of=0, indices_from=2, foldable=False,
              impl=setitem, vjp=_setitem_vjp, jvp=_setitem_jvp),
    Primitive("written_part", None, None, syntax="scatter", elementwise=False,
              linear_in=(0,), keywords=("index",), shape_of=1, shape_only=1, indices_from=2,
              helper="_written_part",
              helper_needs=("_integer_arrays", "_unbroadcast", "_shape_of"),
              call_form="scatter",
              impl=written_part, no_vjp=REVERSE_TWICE, jvp=linear_jvp),
)


def _add_at_jvp(ops, instr, index, tangent):
    """Linear in the accumulator and the added value together."""
    _, _, like, *dynamic = instr.args
    if index == 0:
        return tangent
    if index == 1:
        return ops.scatter_like(tangent, like, *dynamic, index=instr.param("index"))
    return Const(0)


def _add_at_simplify(instr, acc, g, like, *dynamic_and_defs):
    """Added to a number (a zero the simplifier folded): a scatter, plus that number."""
    if not is_number(acc, 0):
        return None
    return rewritten(instr, "scatter_like", g, like, *dynamic_and_defs[:-1])


# acc with g added at index (acc[index] += g): like gives acc's shape
ADD_AT, = register(
    Primitive("add_at", None, None, syntax="setitem", elementwise=False, linear_in=(0, 1),
              keywords=("index",), shape_of=2, shape_only=2, indices_from=3,
              foldable=False, helper="_add_at", helper_needs=("_integer_arrays",),
              impl=add_at, no_vjp=REVERSE_TWICE,
              jvp=_add_at_jvp, simplify=_add_at_simplify),
)
WRITES = (SETITEM, ADD_AT)  # primitives codegen writes as statements, in place if it can


def _grow_jvp(ops, instr, index, tangent):
    rows, value, count = instr.args
    return ops.grow(tangent, value, count) if index == 0 else Const(0)


# A list built by one append per iteration of a for loop is the array np.stack would
# make of it (frontend/lists.py): [] before the loop, made at the first append, its row
# written at each (the list's adjoint is that array's).
EMPTY_LIST, GROW = register(
    Primitive("empty_list", 0, None, syntax="list", elementwise=False, differentiable=False,
              foldable=False, impl=lambda: []),
    Primitive("grow", 3, None, elementwise=False, linear_in=(0,), shape_only=1, view=True,
              foldable=False, helper="_grow", vjp=lambda ops, g, rows, value, count, out:
              (g, None, None), jvp=_grow_jvp),
)
