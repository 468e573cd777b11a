"""Reference interpreter: the meaning of an IR function, the oracle for every pass test."""

import numpy as np

from .core import Const, Function
from .primitives import call_arguments, implementation


def run(fn: Function, *args, **kwargs):
    """Evaluate ``fn`` on Python/NumPy values; returns one value or a tuple of results."""
    env = {}
    bound = _bind(fn, args, kwargs)
    for param, value in zip(fn.params, bound):
        env[param.var] = value

    def read(atom):
        return atom.value if isinstance(atom, Const) else env[atom]

    with np.errstate(all="ignore"):
        for instr in fn.body:
            impl = implementation(instr.op, instr.params)
            positional, keywords = call_arguments(instr.op, instr.params, map(read, instr.args))
            env[instr.out] = impl(*positional, **keywords)
    results = tuple(read(r) for r in fn.results)
    return results[0] if len(results) == 1 else results


def _bind(fn, args, kwargs):
    values = list(args)
    for param in fn.params[len(args):]:
        if param.name in kwargs:
            values.append(kwargs[param.name])
        elif param.default is not None:
            values.append(param.default.value)
        else:
            raise TypeError(f"{fn.name}() missing argument {param.name!r}")
    return values
