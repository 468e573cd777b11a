"""The closed set of primitives, one record each (``record.py``), declared by family
next to their derivative rules. Importing this package registers every family; the
tables below are what the frontend reads spellings from.
"""

import math

from . import (  # noqa: F401  (each family registers its records)
    arithmetic,
    constructors,
    contractions,
    control,
    elementwise,
    indexing,
    joins,
    linalg,
    nn,
    reductions,
    shaping,
)
from .record import PRIMITIVES, Primitive, lookup, register

__all__ = ["PRIMITIVES", "Primitive", "lookup", "register"]

# Source spellings (numpy names, math names, builtins) -> primitive name.
NUMPY_NAMES = {p.numpy: p.name for p in PRIMITIVES.values() if p.numpy and p.item is None}
# NumPy calls returning a tuple -> the primitives computing its entries, in order
TUPLE_CALLS: dict[str, tuple[str, ...]] = {}
for _part in sorted((p for p in PRIMITIVES.values() if p.item is not None),
                    key=lambda p: p.item or 0):
    TUPLE_CALLS[_part.numpy or ""] = TUPLE_CALLS.get(_part.numpy or "", ()) + (_part.name,)
NUMPY_NAMES.update({"absolute": "abs", "fabs": "abs", "pow": "pow", "asin": "arcsin",
                    "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
                    "acosh": "arccosh", "atanh": "arctanh", "atan2": "arctan2"})
for _spelled in ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal"):
    NUMPY_NAMES.pop(_spelled)  # written as operators in the accepted language
# np.add(a, b) ... np.negative(x): the operators spelled as ufuncs, kept as calls
NUMPY_NAMES["true_divide"] = "div"
NUMPY_NAMES.update({"zeros_like": "full_like", "ones_like": "full_like"})
MATH_NAMES = {p.math: p.name for p in PRIMITIVES.values() if p.math}
BUILTIN_NAMES = {"abs": "abs", "pow": "pow", "max": "maximum", "min": "minimum"}
CONVERSIONS = {"int": "int", "float": "float"}  # int(n): a size, no gradient; float(x)
# Constructors spelled with an implied fill value: np.zeros_like(x) is full_like(x, 0.0).
IMPLIED_FILL = {"zeros_like": 0.0, "ones_like": 1.0}
# Helpers that generated modules define and call (their source is in ir/helpers.py);
# reading them back as primitives keeps generated code inside the accepted language.
HELPERS = {p.name: p.helper for p in PRIMITIVES.values() if p.helper}
NN_NAMES = {p.name: p.name for p in PRIMITIVES.values() if p.nn}
NUMPY_CONSTANTS = {"pi": math.pi, "e": math.e}
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}
