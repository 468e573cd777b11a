"""Shape bookkeeping: transposes, reshapes, squeezes, broadcasts, and the internal
primitives adjoints use to undo them (each is the transpose of another):

    unbroadcast(g, x)       g summed back to x's shape (x was broadcast)
    broadcast_like(v, x)    v spread over x's shape
    reshape_like(g, x)      g in x's shape
    expand_dims(g, axis)    size-1 axes where a reduction removed them
    full_like(x, c)         c in x's shape (a gradient that is a constant)
"""

from .ops import linear_jvp
from .record import Primitive, register
from .rewrites import spreading


def _transpose_vjp(ops, g, x, out, axes=None):
    inverse = None if axes is None else tuple(sorted(range(len(axes)), key=axes.__getitem__))
    return (ops.transpose(g, axes=inverse) if inverse else ops.transpose(g),)


def _reshape_vjp(ops, g, x, out, **shape):
    return (ops.reshape_like(g, x),)


def _reshape_like_vjp(ops, g, x, like, out):
    return ops.reshape_like(g, x), None


def _broadcast_to_vjp(ops, g, x, out, shape=None):
    return (ops.unbroadcast(g, x),)


def _expand_dims_vjp(ops, g, x, out, axis):
    return (ops.sum(g, axis=axis),)


def _broadcast_like_vjp(ops, g, x, like, out):
    return ops.unbroadcast(g, x), None


def _unbroadcast_vjp(ops, g, x, like, out):
    return ops.broadcast_like(g, x), None


def _transpose_simplify(instr, x, defs):
    """x.T.T -> x (and a constant adjoint stays itself)."""
    inner = defs.get(x)
    if inner is not None and inner.op is instr.op and not inner.params and not instr.params:
        return inner.args[0]
    return spreading(instr, x, defs)


def _same_shape(emit, instr, shape):
    """Already that shape, once shapes are known: the value itself."""
    value, like = instr.args
    return value if shape[value] == shape[like] else None


def _shaping(name, vjp, numpy=None, **flags):
    return Primitive(name, 1, numpy or name, elementwise=False, linear_in=(0,), vjp=vjp,
                     jvp=linear_jvp, **flags)


def _like(name, vjp, helper_needs=("_shape_of",), **flags):
    """value in the shape of ``like`` (argument 1, read only for its shape)."""
    return Primitive(name, 2, None, elementwise=False, linear_in=(0,), shape_of=1,
                     shape_only=1, helper=f"_{name}", helper_needs=helper_needs, vjp=vjp,
                     jvp=linear_jvp, specialize=_same_shape, **flags)


TRANSPOSE, *_ = register(
    _shaping("transpose", _transpose_vjp, keywords=("axes",), simplify=_transpose_simplify),
    _shaping("reshape", _reshape_vjp, keywords=("shape",), positional="after"),
    _shaping("ravel", _reshape_vjp),
    _shaping("squeeze", _reshape_vjp, keywords=("axis",)),
    _shaping("broadcast_to", _broadcast_to_vjp, keywords=("shape",), positional="after"),
    _shaping("expand_dims", _expand_dims_vjp, keywords=("axis",), simplify=spreading),
    # not simplified: a constant spread over an array must stay an array, or a later
    # unbroadcast would not know how many copies to sum
)
BROADCAST_LIKE, UNBROADCAST, RESHAPE_LIKE, FULL_LIKE = register(
    _like("broadcast_like", _broadcast_like_vjp, foldable=False),
    _like("unbroadcast", _unbroadcast_vjp, foldable=False, simplify=spreading),
    _like("reshape_like", _reshape_like_vjp, helper_needs=()),
    Primitive("full_like", 2, "full_like", differentiable=False, shape_of=0, shape_only=0,
              syntax="fill", foldable=False),
)


# ---- reversing an axis: its own transpose

def _flip_vjp(ops, g, x, out, axis=None):
    return (ops.flip(g, axis=axis),)


FLIP, = register(_shaping("flip", _flip_vjp, keywords=("axis",)))
