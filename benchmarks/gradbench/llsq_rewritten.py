"""The smallest rewrite of ``llsq.py`` that gradc compiles (see ``REWRITES``)."""

import numpy as np
from kinds import CLOSURE, LIST, WRITE

REWRITES = [
    (CLOSURE,
     'the per-sample closure f(i), nested in llsq, moved to module level (x, n and m '
     'passed in)'),
    (LIST,
     'the comprehension np.array([f(i) for i in i_vals]) summed by a loop'),
    (WRITE,
     'the write muls[0] = 1 as np.where(np.arange(m) == 0, 1.0, muls)'),
]


def t(i, n):
    return -1.0 + (i * 2.0) / (n - 1.0)


def f(i, x, n, m):
    ti = t(i, n)
    muls = np.full(m, ti)
    muls = np.where(np.arange(m) == 0, 1.0, muls)
    muls = np.cumprod(muls)
    return (np.sign(ti) + np.sum(-x * muls)) ** 2


def llsq(x, n):
    m = x.shape[0]
    i_vals = np.arange(n)
    results = 0.0
    for i in i_vals:
        results = results + f(i, x, n, m)

    return results / 2.0
