"""The float path of the callables ``grad`` returns: a call whose checked arguments are
all floats goes straight to the generated function, with its checks written out for
that function's arity (one ``type`` test per argument), as dataclasses writes
``__init__``. On a scalar function of a few floats, a loop over the positions or a
helper call would cost as much as the gradient itself.

    def gradient(*args, **kwargs):
        if not kwargs and len(args) == 2:
            a0, a1 = args
            if (type(a0) is float or type(a0) is FLOAT64) and (...a1...):
                call = cell[0]
                if call is not None:
                    result = call(a0, a1)
                    if type(result[0]) is not ARRAY and type(result[1]) is not ARRAY:
                        return result
                    return scalars(result)
        return slow(*args, **kwargs)
"""

import numpy as np


def float_path(slow, cell, count: int, checked, gradients: int | None, with_value: bool):
    """``slow``, preceded by the float path: when the positional arguments at ``checked``
    are Python or NumPy floats, ``cell[0]`` (once known: the generated function whose
    value is a number) is called directly. ``gradients``: how many it returns in a
    tuple (None: one, not in a tuple); with ``with_value`` it returns ``(value, grads)``.
    0-d arrays among the gradients become NumPy scalars, as everywhere in the API."""
    names = [f"a{i}" for i in range(count)]
    tests = " and ".join(f"(type(a{i}) is float or type(a{i}) is FLOAT64)" for i in checked)
    lines = ["def gradient(*args, **kwargs):",
             f"    if not kwargs and len(args) == {count}:"]
    if names:
        lines.append(f"        {', '.join(names)}, = args")
    lines += [f"        if {tests or 'True'}:",
              "            call = cell[0]",
              "            if call is not None:",
              f"                result = call({', '.join(names)})"]
    grads = "result[1]" if with_value else "result"
    if gradients is None:
        arrays = f"type({grads}) is ARRAY"
    else:
        arrays = " or ".join(f"type({grads}[{k}]) is ARRAY" for k in range(gradients)) \
            or "False"
    converted = "(result[0], scalars(result[1]))" if with_value else "scalars(result)"
    lines += [f"                return {converted} if {arrays} else result",
              "    return slow(*args, **kwargs)"]
    namespace = {"slow": slow, "cell": cell, "scalars": _scalars(), "ARRAY": np.ndarray,
                 "FLOAT64": np.float64}
    exec("\n".join(lines), namespace)  # noqa: S102 (text built above from counts only)
    return namespace["gradient"]


def _scalars():
    from .api import as_numpy_scalars

    return as_numpy_scalars
