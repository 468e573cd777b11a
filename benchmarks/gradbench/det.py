"""GradBench's ``det`` eval: the determinant of an l x l matrix by expansion by minors
(cmpad's ``det_by_minor``), and its gradient.

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/det``; the
algorithm is cmpad's (Bradley M. Bell). GradBench has no Python tool for it; this is the
recursive expansion along the first row as a NumPy user writes it (as GradBench's pure
Julia version is written), with minors cut out by ``np.delete``. The matrix arrives
flat, row-major, with its edge ``ell``.
"""

import numpy as np


def minor(matrix, row, col):
    return np.delete(np.delete(matrix, row, axis=0), col, axis=1)


def det_by_minor(matrix):
    n = matrix.shape[0]
    if n == 1:
        return matrix[0, 0]
    elif n == 2:
        return matrix[0, 0] * matrix[1, 1] - matrix[0, 1] * matrix[1, 0]
    else:
        det = 0.0
        for col in range(n):
            sign = (-1) ** col
            sub_det = det_by_minor(minor(matrix, 0, col))
            det += sign * matrix[0, col] * sub_det
        return det


def primal(A, ell):
    return det_by_minor(A.reshape(ell, ell))


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "primal"
MODE = "grad"
WRT = 0


def make_input(small=False):
    """GradBench's smallest input: ell = 5, uniform entries (seed 31337); ``small``: 4."""
    np.random.seed(31337)
    ell = 4 if small else 5
    return (np.random.rand(ell * ell), ell), {}
