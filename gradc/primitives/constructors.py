"""Arrays built from sizes: np.zeros, np.ones, np.eye, np.arange. No gradient; their
arguments are numbers whose values (not shapes) decide the result's shape."""

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
