"""Runtime helpers that generated modules carry with them.

Codegen copies the source of each helper it uses into the generated module (so the
module needs nothing but NumPy); the interpreter calls the same functions, so there is
one definition of their meaning.
"""

import numpy as np


def _unbroadcast(grad, like):
    """Sum grad over the axes along which `like` was broadcast, so it has like's shape."""
    shape = np.shape(like)
    if np.shape(grad) == shape:
        return grad
    if np.ndim(grad) < len(shape):
        return np.broadcast_to(grad, shape).copy()
    lead = np.ndim(grad) - len(shape)
    stretched = [lead + i for i, n in enumerate(shape) if n == 1]
    axes = tuple(range(lead)) + tuple(i for i in stretched if np.shape(grad)[i] != 1)
    return np.reshape(np.sum(grad, axis=axes), shape)


def _broadcast_like(value, like):
    """value spread over like's shape (a writable array, unlike np.broadcast_to's view)."""
    shape = np.shape(like)
    if np.shape(value) == shape:
        return value
    return np.broadcast_to(value, shape).copy()


def _reshape_like(value, like):
    """value with like's shape (the adjoint of a reshape)."""
    return np.reshape(value, np.shape(like))


def _as_matrices(g, a, b):
    """g, a, b with 1-D operands made matrices, as a @ b treats them (a row, b a column)."""
    if np.ndim(b) == 1:
        g, b = np.expand_dims(g, -1), np.expand_dims(b, -1)
    if np.ndim(a) == 1:
        g, a = np.expand_dims(g, -2), np.expand_dims(a, 0)
    return g, a, b


def _matmul_adjoint_a(g, a, b):
    """The adjoint of a in a @ b: g @ b.T, summed over broadcast batch axes."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:  # the common case, directly
        return g @ b.T
    if np.ndim(a) == 2 and np.ndim(b) == 1:
        return np.outer(g, b)
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))


def _matmul_adjoint_b(g, a, b):
    """The adjoint of b in a @ b: a.T @ g, summed over broadcast batch axes."""
    if np.ndim(a) == 2 and np.ndim(b) <= 2:  # the common cases, directly
        return a.T @ g
    if np.ndim(a) == 1 and np.ndim(b) == 2:
        return np.outer(a, g)
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))


# ---- numerically stable activations and reductions (gradc.nn); exp never overflows

def _sigmoid(x):
    """1 / (1 + exp(-x)), computed from exp(-|x|) <= 1."""
    z = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + z), z / (1 + z))


def _softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _log_sigmoid(x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _relu(x):
    """max(x, 0)."""
    return np.maximum(x, 0)


def _logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) along axis, shifted by the maximum so exp never overflows."""
    shift = np.max(x, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0)
    total = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return total if keepdims else np.squeeze(total, axis=axis)


def _softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along axis, shifted by the maximum."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    """x - logsumexp(x) along axis."""
    return x - _logsumexp(x, axis=axis, keepdims=True)


def _product_of_others(x, axis=None):
    """For each entry, the product of the other entries along axis (None: all entries),
    from products before and after it: no division, so zeros are fine."""
    x = np.asarray(x, dtype=float)
    if axis is None:
        return np.reshape(_product_of_others(np.ravel(x), 0), np.shape(x))
    axes = tuple(a % x.ndim for a in np.atleast_1d(axis))
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = np.reshape(moved, moved.shape[:len(rest)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,))
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = np.reshape(before * after, moved.shape)
    return np.transpose(others, np.argsort(rest + list(axes)))
