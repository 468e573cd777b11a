"""GradBench's ``particle`` eval: a charged particle under two fixed charges, one placed
by a control w; Euler steps (whose acceleration is minus the gradient of the potential)
until it crosses the x axis, and gradient descent on w to make it cross at the origin
(nested AD: the outer gradient runs through the inner one).

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/particle``, after
Pearlmutter and Siskind; the descent is GradBench's solver (see ``saddle.py``). GradBench
has no Python tool for it; this is the reverse-over-reverse (``rr``) variant as a NumPy
user of an AD tool writes it (with gradc as the tool): the potential vectorised over the
two charges, its gradient from a module-level ``gradc.grad``, and ``while True`` with a
``break`` for the Euler loop. Computes x_0(t_f)^2 for a given w.
"""

import numpy as np

import gradc


def p(x, w):
    charges = np.array([[10.0, 10.0 - w], [10.0, 0.0]])
    return np.sum(1.0 / np.linalg.norm(x - charges, axis=1))


grad_p = gradc.grad(p, wrt=0)


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


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "naive_euler"
MODE = "grad"
WRT = 0
EXPECTED = 0.2071918746486116  # GradBench's answer from w = 0


def make_input(small=False):
    """GradBench's input: w = 0."""
    return (0.0,), {}
