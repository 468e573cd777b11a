"""GradBench's ``lse`` eval: the gradient of log-sum-exp, written with the max trick.

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/lse`` and the JAX
tool's ``logsumexp``; ported to NumPy as its author wrote it in ``jax.numpy``.
Computes ``LSE(x) = log(sum(exp(x - max(x)))) + max(x)`` and its gradient (the softmax).
"""

import numpy as np


def logsumexp(x):
    x_max = np.max(x)
    return np.log(np.sum(np.exp(x - x_max))) + x_max


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "logsumexp"
MODE = "grad"
WRT = 0


def make_input(small=False):
    """GradBench's smallest input (n = 2500 uniform draws, seed 31337); ``small``: 25."""
    np.random.seed(31337)
    n = 25 if small else 2500
    return (np.random.rand(n),), {}
