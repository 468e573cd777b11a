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
                if call is not None and not cell[1].changed():
                    value, grads = call(a0, a1)
                    if type(grads[0]) is not ARRAY and type(grads[1]) is not ARRAY:
                        return grads
                    return scalars(grads)
        return slow(*args, **kwargs)  # a GradcError re-raised from here, one frame
"""

import numpy as np

from .errors import GradcError


def float_path(slow, cell, count: int, checked, gradients: int | None, with_value: bool):
    """``slow``, preceded by the float path: when the positional arguments at ``checked``
    are Python or NumPy floats, ``cell[0]`` (once known: the generated value_and_grad
    of a function whose value is a number) is called directly, unless a name the
    function reads holds another value now (``cell[1]``, the live function, says).
    ``gradients``: how many gradients it gives in a tuple (None: one, not in a tuple);
    ``with_value``: return the value too. 0-d arrays among the gradients become NumPy
    scalars, as everywhere in the API. The value is computed, not skipped, so that a
    call raises where the function does (math.log(-1.0))."""
    names = [f"a{i}" for i in range(count)]
    tests = " and ".join(f"(type(a{i}) is float or type(a{i}) is FLOAT64)" for i in checked)
    lines = ["def gradient(*args, **kwargs):",
             "    __tracebackhide__ = True  # IPython and pytest show the caller's frame",
             f"    if not kwargs and len(args) == {count}:"]
    if names:
        lines.append(f"        {', '.join(names)}, = args")
    lines += [f"        if {tests or 'True'}:",
              "            call = cell[0]",
              "            if call is not None and not cell[1].changed():",
              f"                value, grads = call({', '.join(names)})"]
    if gradients is None:
        arrays = "type(grads) is ARRAY"
    else:
        arrays = " or ".join(f"type(grads[{k}]) is ARRAY" for k in range(gradients)) \
            or "False"
    result = "(value, grads)" if with_value else "grads"
    lines += [f"                if {arrays}:",
              "                    grads = scalars(grads)",
              f"                return {result}",
              "    try:",
              "        return slow(*args, **kwargs)",
              "    except GradcError as error:  # one frame shown: this one",
              "        raise error.with_traceback(None) from None"]
    namespace = {"slow": slow, "cell": cell, "scalars": _scalars(), "ARRAY": np.ndarray,
                 "FLOAT64": np.float64, "GradcError": GradcError}
    exec("\n".join(lines), namespace)  # noqa: S102 (text built above from counts only)
    return namespace["gradient"]


def _scalars():
    from .api import as_numpy_scalars

    return as_numpy_scalars
