"""Linear algebra: np.linalg.det, np.linalg.inv, np.linalg.solve, np.linalg.cholesky, and
np.tril, np.triu and np.swapaxes, which their rules use. Matrices are the last two axes,
so stacks of matrices work too (mT: the matrix transpose, np.swapaxes(x, -1, -2)):

    d = np.linalg.det(a)         ->  a_bar = g * d * inv(a).mT
    s, l = np.linalg.slogdet(a)  ->  a_bar = l_bar * inv(a).mT   (s has no gradient)
    y = np.linalg.inv(a)         ->  a_bar = -(y.mT @ g @ y.mT)
    x = np.linalg.solve(a, b)    ->  b_bar = solve(a.mT, g);  a_bar = -b_bar x.mT
    L = np.linalg.cholesky(a)    ->  a_bar from S = L^-T phi(L.T @ g) L^-1 (Murray 2016),
                                     on the lower triangle, the only one NumPy reads
"""

import numpy as np

from .ops import linear_jvp, tangent_rule
from .record import Primitive, register


def _mT(ops, x):
    return ops.swapaxes(x, axis1=-1, axis2=-2)


def _matrix_scalar(ops, s):
    """A (stack of) number(s) against a stack of matrices."""
    return ops.expand_dims(s, axis=(-1, -2))


def _det_vjp(ops, g, a, out):
    return (_matrix_scalar(ops, g * out) * _mT(ops, ops.inv(a)),)


def _det_tangent(ops, tangent, a, out):  # d det = det * trace(a^-1 da)
    return out * ops.sum(_mT(ops, ops.inv(a)) * tangent, axis=(-2, -1))


def _inv_vjp(ops, g, a, out):
    return (-(_mT(ops, out) @ g @ _mT(ops, out)),)


def _inv_tangent(ops, tangent, a, out):
    return -(out @ tangent @ out)


def _solve_vjp(ops, g, a, b, out):
    b_bar = ops.solve(_mT(ops, a), g)
    return -ops.matmul_adjoint_a(b_bar, a, out), b_bar


def _solve_jvp(ops, instr, index, tangent):
    a, _ = (ops.wrap(arg) for arg in instr.args)
    if index == 1:
        return ops.solve(a, tangent)
    return -ops.solve(a, tangent @ ops.wrap(instr.out))


def _logabsdet_vjp(ops, g, a, out):
    return (_matrix_scalar(ops, g) * _mT(ops, ops.inv(a)),)


def _logabsdet_tangent(ops, tangent, a, out):  # d log|det| = trace(a^-1 da)
    return ops.sum(_mT(ops, ops.inv(a)) * tangent, axis=(-2, -1))


def _phi(ops, x):
    """The lower triangle of x with its diagonal halved."""
    return (ops.tril(x) + ops.tril(x, k=-1)) / 2


def _cholesky_vjp(ops, g, a, out):
    p = _phi(ops, _mT(ops, out) @ g)
    s = _mT(ops, ops.solve(_mT(ops, out), _mT(ops, ops.solve(_mT(ops, out), p))))
    return (ops.tril(s) + ops.tril(_mT(ops, s), k=-1),)


def _cholesky_tangent(ops, tangent, a, out):
    """L phi(L^-1 sigma L^-T), sigma the symmetric matrix of tangent's lower triangle."""
    sigma = ops.tril(tangent) + _mT(ops, ops.tril(tangent, k=-1))
    return out @ _phi(ops, ops.solve(out, _mT(ops, ops.solve(out, sigma))))


def _tril_vjp(ops, g, x, out, k=0):
    return (ops.tril(g, k=k) if k else ops.tril(g),)


def _triu_vjp(ops, g, x, out, k=0):
    return (ops.triu(g, k=k) if k else ops.triu(g),)


def _swapaxes_vjp(ops, g, x, out, axis1, axis2):
    return (ops.swapaxes(g, axis1=axis1, axis2=axis2),)


def _matrix_function(name, vjp, tangent, **flags):
    return Primitive(name, 1, f"linalg.{name}", elementwise=False, vjp=vjp,
                     jvp=tangent_rule(tangent), **flags)


def _linear(name, vjp, keywords, **flags):
    return Primitive(name, 1, name, elementwise=False, linear_in=(0,), keywords=keywords,
                     vjp=vjp, jvp=linear_jvp, **flags)


register(
    _matrix_function("det", _det_vjp, _det_tangent),
    _matrix_function("inv", _inv_vjp, _inv_tangent),
    Primitive("solve", 2, "linalg.solve", elementwise=False, vjp=_solve_vjp, jvp=_solve_jvp),
    _matrix_function("cholesky", _cholesky_vjp, _cholesky_tangent,
                     kink="cholesky: NumPy reads the lower triangle only, and so does "
                          "the gradient"),
    # sign, logabsdet = np.linalg.slogdet(a): one primitive per entry of the pair
    Primitive("slogdet_sign", 1, "linalg.slogdet", elementwise=False, differentiable=False,
              item=0, syntax="item", impl=lambda a: np.linalg.slogdet(a)[0]),
    Primitive("logabsdet", 1, "linalg.slogdet", elementwise=False, item=1, syntax="item",
              impl=lambda a: np.linalg.slogdet(a)[1], vjp=_logabsdet_vjp,
              jvp=tangent_rule(_logabsdet_tangent)),
    _linear("tril", _tril_vjp, ("k",)),
    _linear("triu", _triu_vjp, ("k",)),
    _linear("swapaxes", _swapaxes_vjp, ("axis1", "axis2"), positional="after",
            view=True),
)
