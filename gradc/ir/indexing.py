"""Index patterns: what ``x[...]`` selects, as a static parameter of ``getitem``.

A pattern is a tuple with one entry per index component, hashable so CSE can compare
reads of the same entries:

    x[1:, None, i, ::2]    ->  (("slice", 1, None, None), None, ("arg", 0),
                                ("slice", None, None, 2))
    x[..., [0, 2, 2]]      ->  ("...", ("list", (0, 2, 2)))

``("arg", k)`` stands for the k-th run-time argument after x (an integer or an integer
array), also inside slices (``x[:n]``).
"""

import numpy as np

from . import helpers


def concrete_index(pattern, dynamic) -> tuple:
    """The index NumPy takes for ``pattern`` with the run-time values ``dynamic``."""
    return tuple(_component(entry, dynamic) for entry in pattern)


def _component(entry, dynamic):
    if entry == "...":
        return Ellipsis
    if isinstance(entry, tuple) and entry[0] == "arg":
        return dynamic[entry[1]]
    if isinstance(entry, tuple) and entry[0] == "slice":
        return slice(*(_component(part, dynamic) for part in entry[1:]))
    if isinstance(entry, tuple) and entry[0] == "list":
        return list(entry[1])
    return entry  # an int or None


def getitem(x, *dynamic, index):
    """x[...] for the pattern ``index`` (what the interpreter runs)."""
    return x[concrete_index(index, dynamic)]


def scatter_like(g, like, *dynamic, index):
    """The adjoint of getitem (what the interpreter runs)."""
    return helpers._scatter_like(g, like, concrete_index(index, dynamic))


def setitem(x, value, *dynamic, index):
    """A new array: x with x[...] = value (what the interpreter runs)."""
    out = np.array(x, copy=True)
    out[concrete_index(index, dynamic)] = value
    return out


def add_at(acc, g, like, *dynamic, index):
    """A new array: acc with g added at index (what the interpreter runs)."""
    out = np.array(acc, copy=True)
    helpers._add_at(out, concrete_index(index, dynamic), g)
    return out


def written_part(g, value, *dynamic, index):
    """The adjoint of setitem in its value (what the interpreter runs)."""
    return helpers._written_part(g, value, concrete_index(index, dynamic))
