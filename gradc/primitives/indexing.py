"""Reading entries: ``x[1:, None, i]`` is ``getitem`` with a static index pattern
(ir/indexing.py) whose ("arg", k) entries stand for the run-time arguments after x;
its adjoint scatters g into zeros shaped like x, and the two are each other's transpose:

    y = x[1:, i]    ->  x_bar = _scatter_like(y_bar, x, np.s_[1:, i])
"""

from ..ir.indexing import getitem, scatter_like
from .ops import linear_jvp
from .record import Primitive, register


def _getitem_vjp(ops, g, x, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    return (ops.scatter_like(g, x, *dynamic, index=index),) + (None,) * len(dynamic)


def _scatter_like_vjp(ops, h, g, like, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    return (ops.getitem(h, *dynamic, index=index), None) + (None,) * len(dynamic)


register(
    Primitive("getitem", None, None, syntax="subscript", elementwise=False, linear_in=(0,),
              keywords=("index",), indices_from=1, impl=getitem, vjp=_getitem_vjp,
              jvp=linear_jvp),
    Primitive("scatter_like", None, None, syntax="scatter", elementwise=False,
              linear_in=(0,), keywords=("index",), shape_of=1, shape_only=1, indices_from=2,
              call_form="scatter",
              helper="_scatter_like", impl=scatter_like, vjp=_scatter_like_vjp,
              jvp=linear_jvp),
)
