"""The smallest rewrite of ``gmm.py`` that gradc compiles (see ``REWRITES``)."""

# ruff: noqa: E741 (the authors name the lower-triangular parts l)
import math

import numpy as np
from kinds import FORM, LIST, MISSING, WRITE

from gradc.nn import logsumexp

REWRITES = [
    (FORM,
     'keyword-only parameters (*, d, k, ...) made positional-or-keyword, in both '
     'functions'),
    (MISSING,
     'cols = np.repeat(np.arange(d - 1), np.arange(d - 1, 0, -1)) (refused: the repeat '
     'counts must be a constant)'),
    (LIST,
     'rows = np.concatenate([np.arange(c + 1, d) for c in range(d - 1)]) (refused: a '
     'comprehension)'),
    (WRITE,
     'Ls[:, rows, cols] = l (refused: a write at fancy indices); these three replaced '
     'together by reading l at the position of each strictly lower entry, Ls = '
     'np.where(i > j, l[:, pos], 0.0)'),
    (MISSING,
     'scipy.special.logsumexp imported from gradc.nn instead (same signature)'),
    (MISSING,
     'scipy.special.multigammaln(a, p) written out from its definition, p (p - 1) / 4 '
     'log(pi) + sum_j lgamma(a - j / 2), and math.lgamma (refused: no derivative rule, '
     'although no gradient flows there) by a loop of logs, exact for the half-integers '
     'it is given here'),
]


def log_gamma_of_half_integer(z):
    """log(Gamma(z)) for z a positive multiple of 1/2 (all that multigammaln needs
    here), by Gamma(z) = (z - 1) Gamma(z - 1), Gamma(1) = 1, Gamma(1/2) = sqrt(pi)."""
    out = 0.0
    if z % 1 != 0:
        out = 0.5 * math.log(math.pi)
    while z > 1:
        z = z - 1
        out = out + math.log(z)
    return out


def log_wishart_prior(k, p, gamma, m, sum_qs, Qdiags, l):
    n = p + m + 1

    out = np.sum(
        0.5 * gamma * gamma * (np.sum(Qdiags**2, axis=1) + np.sum(l**2, axis=1))
        - m * sum_qs
    )

    C = n * p * (np.log(gamma / math.sqrt(2)))
    # multigammaln(0.5 * n, p), from its definition
    lgamma_sum = 0.0
    for j in range(p):
        lgamma_sum = lgamma_sum + log_gamma_of_half_integer(0.5 * n - 0.5 * j)
    multigamma = 0.25 * p * (p - 1) * math.log(math.pi) + lgamma_sum
    return -out + k * (C - multigamma)


def gmm_objective(d, k, n, x, m, gamma, alpha, mu, q, l):
    Qdiags = np.exp(q)
    sum_qs = np.sum(q, axis=1)

    # entry (i, j), i > j, of each factor is l[:, pos[i, j]] (l runs down the columns)
    i = np.arange(d)[:, None]
    j = np.arange(d)[None, :]
    pos = np.clip(j * (2 * d - j - 1) // 2 + i - j - 1, 0, d * (d - 1) // 2 - 1)
    Ls = np.where(i > j, l[:, pos], 0.0)

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
