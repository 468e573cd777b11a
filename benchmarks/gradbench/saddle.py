"""GradBench's ``saddle`` eval: min over x of max over y of
``f(x, y) = (x1^2 + y1^2) - (x2^2 + y2^2)``, both by gradient descent, so the outer
descent differentiates through the inner one (nested AD).

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/saddle``, after
Pearlmutter and Siskind; the descent is GradBench's solver (``gd.hpp``/``solver.fut``):
steps of size eta along -grad, eta doubled after 10 improving steps and halved after a
worse one, stopping when the gradient or the step is below 1e-5. GradBench has no Python
tool for it; this is the reverse-over-reverse (``rr``) variant as a NumPy user of an AD
tool writes it (with gradc as the tool): a solver taking the function and its gradient,
``lambda`` closures, ``while True`` with returns, and a module-level ``gradc.grad`` for
the inner gradient, which the cost of the outer problem calls.
"""

import numpy as np

import gradc


def multivariate_argmin(f, g, x):
    fx = f(x)
    gx = g(x)
    i = 0
    eta = 1e-5
    while True:
        if np.linalg.norm(gx) <= 1e-5:
            return x
        elif i == 10:
            eta *= 2
            i = 0
        else:
            x_prime = x - eta * gx
            if np.linalg.norm(x - x_prime) <= 1e-5:
                return x
            fx_prime = f(x_prime)
            if fx_prime < fx:
                x = x_prime
                fx = fx_prime
                gx = g(x)
                i += 1
            else:
                eta /= 2
                i = 0


def multivariate_argmax(f, g, x):
    return multivariate_argmin(lambda x: -f(x), lambda x: -g(x), x)


def multivariate_max(f, g, x):
    return f(multivariate_argmax(f, g, x))


def objective(x1, y1, x2, y2):
    return (x1 * x1 + y1 * y1) - (x2 * x2 + y2 * y2)


def r2_cost(p1, p):
    return objective(p1[0], p1[1], p[0], p[1])


grad_r2_cost = gradc.grad(r2_cost, wrt=1)


def r1_cost(p1, start):
    return multivariate_max(
        lambda p: r2_cost(p1, p), lambda p: grad_r2_cost(p1, p), start
    )


def saddle(start):
    grad_r1_cost = gradc.grad(r1_cost, wrt=0)
    r1 = multivariate_argmin(
        lambda p1: r1_cost(p1, start), lambda p1: grad_r1_cost(p1, start), start
    )
    r2 = multivariate_argmax(
        lambda p: r2_cost(r1, p), lambda p: grad_r2_cost(r1, p), start
    )
    return np.concatenate([r1, r2])


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "r1_cost"
MODE = "grad"
WRT = 0
EXPECTED = [8.246324826140356e-06] * 4  # GradBench's answer from start (1, 1)


def make_input(small=False):
    """The outer cost at GradBench's start point (1, 1), the inner descent starting
    there too."""
    return (np.array([1.0, 1.0]), np.array([1.0, 1.0])), {}
