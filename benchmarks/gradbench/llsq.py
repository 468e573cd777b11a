"""GradBench's ``llsq`` eval: a linear least-squares objective (cmpad's ``llsq_obj``).

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/llsq`` and the JAX
tool's ``llsq``; ported to NumPy as its author wrote it in ``jax.numpy``: a per-sample
closure ``f(i)`` (there mapped with ``jax.vmap``, here with a comprehension) that builds
the powers of t_i as ``cumprod`` of a filled vector whose first entry is set to 1.
Computes ``y(x) = 1/2 sum_i (sign(t_i) - sum_j x_j t_i^j)^2`` with
``t_i = -1 + 2 i / (n - 1)``.
"""

import numpy as np


def t(i, n):
    return -1.0 + (i * 2.0) / (n - 1.0)


def llsq(x, n):
    m = x.shape[0]

    def f(i):
        ti = t(i, n)
        muls = np.full(m, ti)
        muls[0] = 1
        muls = np.cumprod(muls)
        return (np.sign(ti) + np.sum(-x * muls)) ** 2

    i_vals = np.arange(n)
    results = np.array([f(i) for i in i_vals])

    return np.sum(results) / 2.0


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "llsq"
MODE = "grad"
WRT = 0


def make_input(small=False):
    """GradBench's smallest input: m = 128 coefficients, n = 16 samples (seed 31337)."""
    np.random.seed(31337)
    m, n = (6, 5) if small else (128, 16)
    return (np.random.rand(m), n), {}
