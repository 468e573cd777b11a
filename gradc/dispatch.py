"""Which generated module a call runs: NumPy's, or the array-API one.

As array-api-compat's ``array_namespace`` picks a namespace from its inputs, a gradient
picks its target from its arguments: NumPy arrays, NumPy scalars, Python numbers and
lists run the NumPy module (``np.`` calls, the default spelling); any other array (CuPy,
Dask, JAX, PyTorch, array_api_strict: anything with a shape and a dtype) runs the
array-API module, compiled on first need and cached like any compile.
"""

import numpy as np

# argument types of a NumPy call, checked first: they are on every call
_NUMPY_TYPES = frozenset({float, int, bool, np.ndarray, np.float64, np.float32, type(None)})


def target_of(args, kwargs=None) -> str:
    """"array-api" when an argument is an array of another library than NumPy, else
    "numpy"."""
    for value in args:
        if type(value) not in _NUMPY_TYPES and _foreign_array(value):
            return "array-api"
    if kwargs:
        return target_of(tuple(kwargs.values()))
    return "numpy"


def _foreign_array(value) -> bool:
    if isinstance(value, (np.ndarray, np.generic, list, tuple)):
        return False
    return hasattr(value, "shape") and hasattr(value, "dtype")
