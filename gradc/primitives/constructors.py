"""Arrays built from sizes: np.zeros, np.ones, np.eye, np.arange, np.full. No gradient
flows to sizes, numbers whose values (not shapes) decide the result's shape; np.full's
fill value gets the sum of g."""

import numpy as np

from .ops import linear_jvp
from .record import Primitive, register


def _constructor(name, arity_range, call_form="sizes", **flags):
    return Primitive(name, None, name, elementwise=False, differentiable=False,
                     sizes_from=0, call_form=call_form, arity_range=arity_range, **flags)


register(
    _constructor("zeros", (1, 1), sequence_from=0, sequence_syntax="tuple"),  # zeros((n, 3))
    _constructor("ones", (1, 1), sequence_from=0, sequence_syntax="tuple"),
    _constructor("eye", (1, 2)),
    _constructor("arange", (1, 3), call_form="range"),  # start, stop, step: any numbers
)


# np.full(shape, value): value spread over a shape of sizes; its gradient is g summed back
def _full_vjp(ops, g, value, *sizes_and_out):
    return (ops.unbroadcast(g, value),) + (None,) * (len(sizes_and_out) - 1)


FULL, = register(
    Primitive("full", None, "full", elementwise=False, linear_in=(0,), sizes_from=1,
              syntax="full", call_form="fill", impl=lambda value, *sizes: np.full(sizes, value),
              vjp=_full_vjp, jvp=linear_jvp),
)


# A module-level array that a live function reads (frontend/live.py): data, through which
# no gradient flows. Generated code reads it by name from its own module, where gradc
# binds it when loading; ``name`` tells two such arrays' shapes apart, which are known
# only when the code runs.
def _read_at_run_time(**name):
    raise TypeError("a module-level array has its value only when the code runs")


GLOBAL, = register(
    Primitive("global", 0, None, syntax="global", elementwise=False, differentiable=False,
              foldable=False, keywords=("name",), impl=_read_at_run_time),
)
