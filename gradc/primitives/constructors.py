"""Arrays built from sizes: np.zeros, np.ones, np.eye, np.arange. No gradient; their
arguments are numbers whose values (not shapes) decide the result's shape."""

from .record import Primitive, register


def _constructor(name, **flags):
    return Primitive(name, None, name, elementwise=False, differentiable=False,
                     sizes_from=0, **flags)


register(
    _constructor("zeros", sequence_from=0, sequence_syntax="tuple"),  # np.zeros((n, 3))
    _constructor("ones", sequence_from=0, sequence_syntax="tuple"),
    _constructor("eye"),
    _constructor("arange"),
)
