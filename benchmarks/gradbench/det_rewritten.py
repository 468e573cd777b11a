"""The smallest rewrite of ``det.py`` that gradc compiles (see ``REWRITES``)."""

import numpy as np
from kinds import FORM, MISSING, RECURSION

REWRITES = [
    (FORM,
     'A.reshape(ell, ell) (refused: the shape must be a constant) as the gather '
     'A[np.arange(ell)[:, None] * ell + np.arange(ell)]'),
    (RECURSION,
     'the recursion (refused) unrolled into one function per level, for matrices of up '
     "to 5 x 5 (GradBench's smallest input; larger ones need more levels)"),
    (MISSING,
     'np.delete (no derivative rule) as np.concatenate of the slices before and after '
     'the deleted row and column'),
]


def minor(matrix, row, col):
    rows_kept = np.concatenate([matrix[:row], matrix[row + 1:]], axis=0)
    return np.concatenate([rows_kept[:, :col], rows_kept[:, col + 1:]], axis=1)


def det_by_minor_2(matrix):
    return matrix[0, 0] * matrix[1, 1] - matrix[0, 1] * matrix[1, 0]


def det_by_minor_3(matrix):
    det = 0.0
    for col in range(3):
        sign = (-1) ** col
        sub_det = det_by_minor_2(minor(matrix, 0, col))
        det += sign * matrix[0, col] * sub_det
    return det


def det_by_minor_4(matrix):
    det = 0.0
    for col in range(4):
        sign = (-1) ** col
        sub_det = det_by_minor_3(minor(matrix, 0, col))
        det += sign * matrix[0, col] * sub_det
    return det


def det_by_minor_5(matrix):
    det = 0.0
    for col in range(5):
        sign = (-1) ** col
        sub_det = det_by_minor_4(minor(matrix, 0, col))
        det += sign * matrix[0, col] * sub_det
    return det


def det_by_minor(matrix):
    n = matrix.shape[0]
    if n == 1:
        return matrix[0, 0]
    elif n == 2:
        return det_by_minor_2(matrix)
    elif n == 3:
        return det_by_minor_3(matrix)
    elif n == 4:
        return det_by_minor_4(matrix)
    else:
        return det_by_minor_5(matrix)


def primal(A, ell):
    return det_by_minor(A[np.arange(ell)[:, None] * ell + np.arange(ell)])
