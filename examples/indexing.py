"""Reading parts of an array: slices and single entries, differentiated by gradc.

    gradc compile examples/indexing.py   ->  indexing_grad.py (generated/ keeps a copy)

The adjoint of a read x[...] is zeros shaped like x with the read entries' adjoint
added in place, so x's gradient sums what each read contributed.
"""

import numpy as np


def roughness(x, weight: float):
    """A signal's roughness: the squared differences of neighbouring samples, plus its
    two end samples pinned to 0 with the given weight."""
    d = x[1:] - x[:-1]
    return np.sum(d * d) + weight * (x[0] * x[0] + x[-1] * x[-1])
