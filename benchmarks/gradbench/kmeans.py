"""GradBench's ``kmeans`` eval: the k-means cost and the Newton direction grad / diag(H).

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/kmeans`` and the JAX
tool's ``costfun``; ported to NumPy as its author wrote it in ``jax.numpy`` (the helper
nested inside the cost function). Computes ``sum_i min_j |C_j - P_i|^2`` over points P and
centroids C; the eval asks for the gradient in C and the Hessian's diagonal, which the
JAX tool gets as ``jvp(grad(cost), ones)`` (the Hessian is diagonal), i.e. ``H @ ones``.
"""

import numpy as np


def costfun(points, centers):
    def all_pairs_norm(a, b):
        a_sqr = np.sum(a**2, 1)[None, :]
        b_sqr = np.sum(b**2, 1)[:, None]
        diff = np.matmul(a, b.T).T
        return a_sqr + b_sqr - 2 * diff

    dists = all_pairs_norm(points, centers)
    min_dist = np.min(dists, axis=0)
    return min_dist.sum()


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "costfun"
MODE = "grad+hvp"  # the gradient, and H @ ones (the diagonal of the diagonal Hessian)
WRT = 1


def make_input(small=False):
    """GradBench's smallest input: k = 10 centroids, n = 1000 points, d = 8 (seed 31337);
    the centroids are the last k points, so every cluster is non-empty."""
    np.random.seed(31337)
    k, n, d = (3, 20, 2) if small else (10, 1000, 8)
    points = np.random.rand(n, d)
    centroids = points[-k:].copy()
    return (points, centroids), {}
