"""Reductions along axes (np.sum, np.mean, np.var, np.std, np.prod, np.max, np.min,
np.linalg.norm) and the sizes their adjoints divide by.

    s = np.sum(x, axis=1)     ->  x_bar = broadcast_like(expand_dims(g, 1), x)
    m = np.max(x)             ->  x_bar = g * (x == m) / count(x == m)   (ties split)
"""

import math

from ..ir.core import Const
from .ops import REVERSE_TWICE, linear_jvp, tangent_rule
from .record import Primitive, register
from .rewrites import reducing

# ---- the reversal of a reduction: put back the reduced axes, spread over x


def spread_back(ops, g, axis, keepdims):
    """g with the reduced axes put back as size 1, ready to broadcast against x."""
    if axis is not None and not keepdims and g.constant is None:
        return ops.expand_dims(g, axis=axis)
    return g


def _sum_vjp(ops, g, x, out, axis=None, keepdims=False):
    return (ops.broadcast_like(spread_back(ops, g, axis, keepdims), x),)


def reduced_count(ops, x, axis):
    """How many entries of x each output of a reduction along axis combines. Read from
    x alone, so the adjoint needs no reduced value (the gradient may skip computing it)."""
    if axis is None:
        return ops.size(x)
    count = None
    for a in (axis,) if isinstance(axis, int) else axis:
        size = ops.size(x, axis=a)
        count = size if count is None else count * size
    return count


def _mean_vjp(ops, g, x, out, axis=None, keepdims=False):
    (spread,) = _sum_vjp(ops, g, x, out, axis, keepdims)
    return (spread / reduced_count(ops, x, axis),)


# ---- extrema: ties split the gradient evenly

def tie_weights(ops, x, out, axis=None, keepdims=False):
    """Where x attains its max (or min) along ``axis``, 1 / (number of ties); else 0.
    Written with sign: 1 - |sign(x - m)| is 1 exactly where x equals m."""
    if axis is not None and not keepdims:
        out = ops.expand_dims(out, axis=axis)
    hit = 1 - ops.abs(ops.sign(x - out))
    return hit / ops.sum(hit, axis=axis, keepdims=True)


def _extremum_vjp(ops, g, x, out, axis=None, keepdims=False):
    g = spread_back(ops, g, axis, keepdims)
    return (tie_weights(ops, x, out, axis, keepdims) * g,)


def _extremum_tangent(ops, tangent, x, out, axis=None, keepdims=False):
    """The tangent averaged over the tied extrema."""
    weights = tie_weights(ops, x, out, axis, keepdims)
    return ops.sum(weights * tangent, axis=axis, keepdims=keepdims)


# ---- moments

def centered_and_count(ops, x, axis):
    """x minus its mean along axis, and how many entries each output averages."""
    centered = x - ops.mean(x, axis=axis, keepdims=True)
    return centered, reduced_count(ops, x, axis)


def _var_vjp(ops, g, x, out, axis=None, keepdims=False):
    centered, count = centered_and_count(ops, x, axis)
    return (2 * spread_back(ops, g, axis, keepdims) / count * centered,)


def _var_tangent(ops, tangent, x, out, axis=None, keepdims=False):
    centered, _ = centered_and_count(ops, x, axis)
    return ops.mean(2 * centered * tangent, axis=axis, keepdims=keepdims)


def _std_vjp(ops, g, x, out, axis=None, keepdims=False):
    centered, count = centered_and_count(ops, x, axis)
    spread = count * spread_back(ops, out, axis, keepdims)
    return (spread_back(ops, g, axis, keepdims) / spread * centered,)


def _std_tangent(ops, tangent, x, out, axis=None, keepdims=False):
    return _var_tangent(ops, tangent, x, out, axis, keepdims) / (2 * out)


# ---- products and norms

def _others(ops, x, axis):
    return ops.product_of_others(x, axis=axis) if axis is not None else \
        ops.product_of_others(x)


def _others_tangent(ops, tangent, x, out, axis=None):
    return ops.product_of_others_tangent(tangent, x, axis=axis) if axis is not None else \
        ops.product_of_others_tangent(tangent, x)


def _prod_vjp(ops, g, x, out, axis=None, keepdims=False):
    others = _others(ops, x, axis)
    return (spread_back(ops, g, axis, keepdims) * others,)


def _prod_tangent(ops, tangent, x, out, axis=None, keepdims=False):
    return ops.sum(_others(ops, x, axis) * tangent, axis=axis, keepdims=keepdims)


def _norm_slope(ops, x, out, ord=None, axis=None, keepdims=False):
    """d norm / d x, spread over x's shape: x / out for the 2-norm (and Frobenius), sign(x)
    for the 1-norm, sign(x) at the largest (smallest) |x| for ord=inf (-inf), ties split,
    and sign(x) |x|**(p - 1) / out**(p - 1) for another p."""
    spread_out = spread_back(ops, out, axis, keepdims)
    if ord in (None, 2, "fro"):
        return x / spread_out
    if ord == 1:
        return ops.sign(x)
    if ord in (math.inf, -math.inf):
        return ops.sign(x) * tie_weights(ops, ops.abs(x), out, axis, keepdims)
    return ops.sign(x) * (ops.abs(x) / spread_out) ** (ord - 1)


def _norm_vjp(ops, g, x, out, ord=None, axis=None, keepdims=False):
    return (spread_back(ops, g, axis, keepdims) * _norm_slope(ops, x, out, ord, axis, keepdims),)


def _norm_tangent(ops, tangent, x, out, ord=None, axis=None, keepdims=False):
    slope = _norm_slope(ops, x, out, ord, axis, keepdims)
    return ops.sum(slope * tangent, axis=axis, keepdims=keepdims)


def _norm_check(ord=None, axis=None, keepdims=False):
    """The norms with rules: the 2-norm and Frobenius norm (ord=None, 'fro'), and the
    vector p-norms (1, 2, inf, -inf, any p >= 1) along an int axis, where NumPy computes a
    vector norm whatever x's rank (without axis, ord=1, 2, inf mean matrix norms of a
    matrix)."""
    if ord in (None, "fro"):
        return None
    hint = (f"give the axis of the vectors, as in np.linalg.norm(x, {ord!r}, axis=-1)"
            if axis is None else "supported: ord=None, 'fro', or a number p >= 1, inf, -inf "
                                 "for vector norms along an int axis")
    vector = isinstance(ord, int | float) and not isinstance(ord, bool) and \
        (ord >= 1 or ord == -math.inf)
    if not vector or not isinstance(axis, int):
        return (f"np.linalg.norm with ord={ord!r}" + ("" if axis is None else
                f" and axis={axis!r}") + " has no derivative rule", hint)
    return None


def _known_size(emit, instr, shape):
    """np.size(x, axis) once x's shape is known: a number."""
    axis = instr.op.keyword_arguments(instr.params).get("axis")
    dims = shape[instr.args[0]]
    return Const(dims[axis] if axis is not None else math.prod(dims))


def _reduction(name, vjp, jvp, numpy=None, **flags):
    return Primitive(name, 1, numpy or name, elementwise=False, reduction=True,
                     keywords=("axis", "keepdims"), vjp=vjp, jvp=jvp, **flags)


SUM, MEAN, *_ = register(
    _reduction("sum", _sum_vjp, linear_jvp, linear_in=(0,), simplify=reducing),
    _reduction("mean", _mean_vjp, linear_jvp, linear_in=(0,)),
    _reduction("var", _var_vjp, tangent_rule(_var_tangent)),
    _reduction("std", _std_vjp, tangent_rule(_std_tangent),
               kink="std: the derivative where all entries are equal is nan"),
    _reduction("prod", _prod_vjp, tangent_rule(_prod_tangent)),
    _reduction("max", _extremum_vjp, tangent_rule(_extremum_tangent),
               kink="max: tied entries split the gradient evenly"),
    _reduction("min", _extremum_vjp, tangent_rule(_extremum_tangent),
               kink="min: tied entries split the gradient evenly"),
    Primitive("norm", 1, "linalg.norm", elementwise=False, reduction=True,
              keywords=("ord", "axis", "keepdims"), check=_norm_check,
              vjp=_norm_vjp, jvp=tangent_rule(_norm_tangent),
              kink="norm: the derivative at 0 is nan (the 2-norm); the 1-norm's is 0, "
                   "ties of the inf-norm split it evenly"),
    # the product of the other entries along axis (np.prod's gradient, with no division)
    Primitive("product_of_others", 1, None, elementwise=False, keywords=("axis",),
              shape_of=0, helper="_product_of_others", no_vjp=REVERSE_TWICE,
              jvp=tangent_rule(_others_tangent), helper_needs=("_reduced_last",)),
    # its tangent, for Hessians through np.prod: products before and after as dual numbers
    Primitive("product_of_others_tangent", 2, None, elementwise=False, keywords=("axis",),
              shape_of=1, helper="_product_of_others_tangent", no_vjp=REVERSE_TWICE,
              no_jvp="third derivatives through np.prod are not supported",
              helper_needs=("_reduced_last",)),
    # a size is a number: the result's shape does not depend on x's
    Primitive("size", 1, "size", elementwise=False, differentiable=False,
              keywords=("axis",), shape_only=0, scalar=True, specialize=_known_size),
)


# ---- running sums: the adjoint of a running sum is a running sum from the other end

def _cumsum_vjp(ops, g, x, out, axis=None):
    if axis is None:  # np.cumsum flattens x first: g is 1-D
        return (ops.reshape_like(ops.flip(ops.cumsum(ops.flip(g))), x),)
    return (ops.flip(ops.cumsum(ops.flip(g, axis=axis), axis=axis), axis=axis),)


CUMSUM, = register(Primitive("cumsum", 1, "cumsum", elementwise=False, linear_in=(0,),
                             keywords=("axis",), vjp=_cumsum_vjp, jvp=linear_jvp))


# ---- running products: adjoint and tangents by recurrences, never dividing by x

def _cumprod_vjp(ops, g, x, out, axis=None):
    return (ops.cumprod_adjoint(g, x) if axis is None else
            ops.cumprod_adjoint(g, x, axis=axis),)


def _cumprod_tangent_rule(ops, tangent, x, out, axis=None):
    return (ops.cumprod_tangent(tangent, x) if axis is None else
            ops.cumprod_tangent(tangent, x, axis=axis))


def _cumprod_adjoint_jvp(ops, instr, index, tangent):
    """Linear in g; along a change of x, the recurrences' own tangents."""
    g, x = (ops.wrap(arg) for arg in instr.args)
    keywords = instr.op.keyword_arguments(instr.params)
    if index == 0:
        return ops.cumprod_adjoint(tangent, x, **keywords)
    return ops.cumprod_adjoint_tangent(g, x, tangent, **keywords)


_CUMPROD_THRICE = "third derivatives through np.cumprod are not supported"

CUMPROD, = register(
    Primitive("cumprod", 1, "cumprod", elementwise=False, keywords=("axis",),
              vjp=_cumprod_vjp, jvp=tangent_rule(_cumprod_tangent_rule)),
    Primitive("cumprod_adjoint", 2, None, elementwise=False, keywords=("axis",), shape_of=1,
              helper="_cumprod_adjoint", no_vjp=REVERSE_TWICE, jvp=_cumprod_adjoint_jvp),
    Primitive("cumprod_tangent", 2, None, elementwise=False, keywords=("axis",),
              helper="_cumprod_tangent", no_vjp=REVERSE_TWICE, no_jvp=_CUMPROD_THRICE),
    Primitive("cumprod_adjoint_tangent", 3, None, elementwise=False, keywords=("axis",),
              shape_of=1, helper="_cumprod_adjoint_tangent", no_vjp=REVERSE_TWICE,
              no_jvp=_CUMPROD_THRICE),
)[:1]
