"""gradc.nn: numerically stable activations and reductions, written in terms of their
outputs (no exp of a large input anywhere). Each is a helper copied into the generated
module, so the module needs nothing but NumPy.

    y = sigmoid(x)       ->  x_bar = g * y * (1 - y)
    y = softmax(x)       ->  x_bar = y * (g - sum(g * y, axis, keepdims=True))
"""

from .ops import diagonal_jvp, tangent_rule
from .record import Primitive, register


def _sigmoid_vjp(ops, g, x, out):
    return (g * out * (1 - out),)


def _softplus_vjp(ops, g, x, out):
    return (g * ops.sigmoid(x),)


def _log_sigmoid_vjp(ops, g, x, out):  # d/dx log sigmoid(x) = 1 - sigmoid(x) = 1 - exp(y)
    return (g * (1 - ops.exp(out)),)


def _relu_vjp(ops, g, x, out):
    return (ops.where(ops.greater(x, 0.0), g, 0.0),)


def _logsumexp_vjp(ops, g, x, out, axis=None, keepdims=False):
    if axis is not None and not keepdims:
        g, out = ops.expand_dims(g, axis=axis), ops.expand_dims(out, axis=axis)
    return (g * ops.exp(x - out),)


def _logsumexp_tangent(ops, tangent, x, out, axis=None, keepdims=False):
    shifted = out if axis is None or keepdims else ops.expand_dims(out, axis=axis)
    weights = ops.exp(x - shifted)  # softmax along axis
    return ops.sum(weights * tangent, axis=axis, keepdims=keepdims)


def _softmax_vjp(ops, g, x, out, axis=-1):
    return (out * (g - ops.sum(g * out, axis=axis, keepdims=True)),)


def _softmax_tangent(ops, tangent, x, out, axis=-1):
    return out * (tangent - ops.sum(out * tangent, axis=axis, keepdims=True))


def _log_softmax_vjp(ops, g, x, out, axis=-1):
    return (g - ops.exp(out) * ops.sum(g, axis=axis, keepdims=True),)


def _log_softmax_tangent(ops, tangent, x, out, axis=-1):
    return tangent - ops.sum(ops.exp(out) * tangent, axis=axis, keepdims=True)


def _activation(name, vjp, **flags):
    return Primitive(name, 1, helper=f"_{name}", nn=True, vjp=vjp, jvp=diagonal_jvp, **flags)


def _along_axis(name, vjp, tangent, keywords, **flags):
    return Primitive(name, 1, helper=f"_{name}", nn=True, elementwise=False,
                     keywords=keywords, vjp=vjp, jvp=tangent_rule(tangent), **flags)


register(
    _activation("sigmoid", _sigmoid_vjp),
    _activation("softplus", _softplus_vjp),
    _activation("log_sigmoid", _log_sigmoid_vjp),
    _activation("relu", _relu_vjp, kink="relu: the gradient at 0 is taken as 0"),
    _along_axis("logsumexp", _logsumexp_vjp, _logsumexp_tangent, ("axis", "keepdims"),
                reduction=True),
    _along_axis("softmax", _softmax_vjp, _softmax_tangent, ("axis",), shape_of=0),
    _along_axis("log_softmax", _log_softmax_vjp, _log_softmax_tangent, ("axis",),
                shape_of=0, helper_needs=("_logsumexp",)),
)
