"""GradBench's ``gmm`` eval: the log posterior of a Gaussian mixture model with a Wishart
prior on the precision matrices (ADBench's GMM objective, with GradBench's fixes).

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/gmm`` and the JAX
tool's ``gmm_objective`` (itself after Microsoft's ADBench, MIT licence); ported to NumPy
as its author wrote it in JAX: keyword-only arguments, ``scipy.special.logsumexp`` and
``multigammaln`` for their ``jax.scipy.special`` namesakes, and the lower-triangular
factors built by writing ``l`` into a zero array at fancy indices (JAX's
``.at[:, rows, cols].set(l)``, which the PyTorch tool writes as NumPy does). Computes the
log posterior given K means ``mu``, weights ``alpha``, log-diagonals ``q`` and strictly
lower parts ``l`` of the precision factors, for N points ``x`` in d dimensions.
"""

# ruff: noqa: E741 (the authors name the lower-triangular parts l)
import math

import numpy as np
from scipy.special import logsumexp, multigammaln


def log_wishart_prior(*, k, p, gamma, m, sum_qs, Qdiags, l):
    n = p + m + 1

    out = np.sum(
        0.5 * gamma * gamma * (np.sum(Qdiags**2, axis=1) + np.sum(l**2, axis=1))
        - m * sum_qs
    )

    C = n * p * (np.log(gamma / math.sqrt(2)))
    return -out + k * (C - multigammaln(0.5 * n, p))


def gmm_objective(*, d, k, n, x, m, gamma, alpha, mu, q, l):
    Qdiags = np.exp(q)
    sum_qs = np.sum(q, axis=1)

    cols = np.repeat(np.arange(d - 1), np.arange(d - 1, 0, -1))
    rows = np.concatenate([np.arange(c + 1, d) for c in range(d - 1)])
    Ls = np.zeros((k, d, d), dtype=l.dtype)
    Ls[:, rows, cols] = l

    xcentered = x[:, None, :] - mu[None, ...]
    Lxcentered = Qdiags * xcentered + np.einsum("ijk,mik->mij", Ls, xcentered)
    sqsum_Lxcentered = np.sum(Lxcentered**2, axis=2)
    inner_term = alpha + sum_qs - 0.5 * sqsum_Lxcentered
    slse = np.sum(logsumexp(inner_term, axis=1))

    CONSTANT = -n * d * 0.5 * math.log(2 * math.pi)
    return (
        CONSTANT
        + slse
        - n * logsumexp(alpha, axis=0)
        + log_wishart_prior(
            k=k, p=d, gamma=gamma, m=m, sum_qs=sum_qs, Qdiags=Qdiags, l=l
        )
    )


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "gmm_objective"
MODE = "grad"
WRT = ("alpha", "mu", "q", "l")


def make_input(small=False):
    """GradBench's smallest input: d = 2, K = 5, N = 1000, m = 0, gamma = 1 (its
    generator's distributions, seed 31337); ``small``: d = 3, K = 2, N = 10. All by
    keyword, as the eval passes them."""
    rng = np.random.default_rng(seed=31337)
    d, k, n = (3, 2, 10) if small else (2, 5, 1000)
    return (), {
        "d": d,
        "k": k,
        "n": n,
        "x": rng.normal(size=(n, d)),
        "m": 0,
        "gamma": 1.0,
        "alpha": rng.normal(size=k),
        "mu": rng.uniform(size=(k, d)),
        "q": rng.normal(size=(k, d)),
        "l": rng.normal(size=(k, d * (d - 1) // 2)),
    }
