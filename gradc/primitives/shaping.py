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


def _shaping(name, vjp, numpy=None, view=True, **flags):
    """``view``: NumPy returns a view of the argument (np.repeat, np.tile, np.roll copy)."""
    return Primitive(name, 1, numpy or name, elementwise=False, linear_in=(0,), vjp=vjp,
                     jvp=linear_jvp, view=view, **flags)


def _like(name, vjp, helper_needs=("_shape_of",), **flags):
    """value in the shape of ``like`` (argument 1, read only for its shape)."""
    return Primitive(name, 2, None, elementwise=False, linear_in=(0,), shape_of=1,
                     shape_only=1, helper=f"_{name}", helper_needs=helper_needs, vjp=vjp,
                     jvp=linear_jvp, specialize=_same_shape, view=True, **flags)


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
register(  # x.copy(), np.copy(x), np.array(x): a new array with x's entries
    Primitive("copy", 1, "copy", elementwise=False, linear_in=(0,), shape_of=0,
              vjp=lambda ops, g, x, out: (g,), jvp=linear_jvp),
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


# ---- copies, shifts and differences along an axis (each linear; its adjoint is its transpose)

def _given(**keywords):
    """The keywords that were given (None: NumPy's default, left out of the call)."""
    return {key: value for key, value in keywords.items() if value is not None}


def _repeat_vjp(ops, g, x, out, repeats, axis=None):
    return (ops.repeat_adjoint(g, x, **_given(repeats=repeats, axis=axis)),)


def _repeat_adjoint_vjp(ops, h, g, like, out, repeats, axis=None):
    return ops.repeat(h, **_given(repeats=repeats, axis=axis)), None


def _tile_vjp(ops, g, x, out, reps):
    return (ops.tile_adjoint(g, x, reps=reps),)


def _tile_adjoint_vjp(ops, h, g, like, out, reps):
    return ops.tile(h, reps=reps), None


def _roll_vjp(ops, g, x, out, shift, axis=None):
    back = -shift if isinstance(shift, int) else tuple(-s for s in shift)
    return (ops.roll(g, **_given(shift=back, axis=axis)),)


def _diff_vjp(ops, g, x, out, n=1, axis=-1, prepend=None, append=None):
    """The transpose of a first difference is minus the difference of g padded with a zero
    at both ends; n-th differences apply it n times. Entries prepend= and append= filled
    (numbers) are then cut off."""
    if n == 0:
        return (g,)
    for _ in range(n):
        g = -ops.diff(g, axis=axis, prepend=0.0, append=0.0)
    if prepend is None and append is None:
        return (g,)
    kept = ("slice", None if prepend is None else 1, None if append is None else -1, None)
    whole = ("slice", None, None, None)
    index = (whole,) * axis + (kept,) if axis >= 0 else ("...", kept) + (whole,) * (-axis - 1)
    return (ops.getitem(g, index=index),)


def _diff_check(n=1, axis=-1, prepend=None, append=None):
    if not all(isinstance(v, int | float | None) for v in (prepend, append)):
        return ("np.diff's prepend= and append= must be numbers here",
                "join the arrays with np.concatenate first")
    return None


def _required(name, spelled):
    """A check refusing a call that leaves out the static argument ``name``."""
    def check(**given):
        return None if given.get(name) is not None else \
            (f"np.{spelled} needs {name}= (a constant) here",)
    return check


def _diff_jvp(ops, instr, index, tangent):
    """np.diff of the tangent; the numbers prepend= and append= add have no tangent."""
    keywords = instr.op.keyword_arguments(instr.params)
    pads = {key: 0.0 for key in ("prepend", "append") if key in keywords}
    return ops.call(instr.op, tangent, **{**keywords, **pads})


def _helper_adjoint(name, vjp, keywords):
    """The adjoint of a copying primitive, g summed back into the shape of ``like``."""
    return Primitive(name, 2, None, elementwise=False, linear_in=(0,), shape_of=1,
                     shape_only=1, keywords=keywords, helper=f"_{name}", vjp=vjp,
                     jvp=linear_jvp)


register(
    _shaping("repeat", _repeat_vjp, view=False, keywords=("repeats", "axis"),
             check=_required("repeats", "repeat")),
    _shaping("tile", _tile_vjp, view=False, keywords=("reps",), positional="after",
             check=_required("reps", "tile")),
    _shaping("roll", _roll_vjp, view=False, keywords=("shift", "axis"),
             check=_required("shift", "roll")),
    Primitive("diff", 1, "diff", elementwise=False, linear_in=(0,),
              keywords=("n", "axis", "prepend", "append"), check=_diff_check,
              vjp=_diff_vjp, jvp=_diff_jvp),
    _shaping("atleast_1d", _reshape_vjp),
    _shaping("atleast_2d", _reshape_vjp),
    _shaping("atleast_3d", _reshape_vjp),
    _helper_adjoint("repeat_adjoint", _repeat_adjoint_vjp, ("repeats", "axis")),
    _helper_adjoint("tile_adjoint", _tile_adjoint_vjp, ("reps",)),
)
