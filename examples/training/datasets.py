"""The lecture's three 2-D classification data sets, generated in code (SEED.md section 7).

Each returns ``(X, y)``: points of shape (n, 2) and labels in {0.0, 1.0}.
"""

import numpy as np


def diagonal_band(n, rng, width=1.0):
    """Positives in the band |x1 - x2| < width across the square [-2, 2]^2."""
    X = rng.uniform(-2, 2, size=(n, 2))
    return X, (np.abs(X[:, 0] - X[:, 1]) < width).astype(float)


def one_pocket(n, rng, radius=1.0):
    """Positives inside one round pocket, negatives all around it."""
    X = rng.uniform(-2, 2, size=(n, 2))
    return X, (np.hypot(X[:, 0] - 0.3, X[:, 1] + 0.2) < radius).astype(float)


def four_gaussians(n, rng, spread=0.45):
    """Four Gaussian clusters at the corners of a square; opposite corners share a label."""
    centers = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    cluster = rng.integers(0, 4, size=n)
    X = centers[cluster] + rng.normal(scale=spread, size=(n, 2))
    return X, (cluster < 2).astype(float)


DATASETS = {"diagonal-band": diagonal_band, "one-pocket": one_pocket,
            "four-gaussians": four_gaussians}
