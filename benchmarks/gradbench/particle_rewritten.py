"""The smallest rewrite of ``particle.py`` whose ``naive_euler`` gradc compiles (see
``REWRITES``); the outer descent, which only calls gradc, is as in ``particle.py``."""

import numpy as np
from kinds import NESTED

import gradc

REWRITES = [
    (NESTED,
     "the force's gradient gradc.grad(p, wrt=0), a function gradc cannot call (no "
     'nested differentiation), written by hand: grad_p(x, w) = -sum over the charges c '
     'of (x - c) / |x - c|^3'),
]


def p(x, w):
    charges = np.array([[10.0, 10.0 - w], [10.0, 0.0]])
    return np.sum(1.0 / np.linalg.norm(x - charges, axis=1))


def grad_p(x, w):
    charges = np.array([[10.0, 10.0 - w], [10.0, 0.0]])
    d = x - charges
    return -np.sum(d / np.linalg.norm(d, axis=1, keepdims=True) ** 3, axis=0)


def naive_euler(w):
    x = np.array([0.0, 8.0])
    xdot = np.array([0.75, 0.0])
    delta_t = 1e-1
    while True:
        xddot = -grad_p(x, w)
        x_new = x + delta_t * xdot
        if x_new[1] > 0:
            x = x_new
            xdot = xdot + delta_t * xddot
        else:
            break
    delta_t_f = -x[1] / xdot[1]
    x_t_f = x + delta_t_f * xdot
    return x_t_f[0] ** 2


def particle(w0):
    from saddle import multivariate_argmin

    grad_naive_euler = gradc.grad(naive_euler)
    return multivariate_argmin(
        lambda w: naive_euler(w[0]),
        lambda w: np.array([grad_naive_euler(w[0])]),
        np.array([w0]),
    )[0]
