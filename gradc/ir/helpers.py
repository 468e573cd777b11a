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
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))


def _matmul_adjoint_b(g, a, b):
    """The adjoint of b in a @ b: a.T @ g, summed over broadcast batch axes."""
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))
