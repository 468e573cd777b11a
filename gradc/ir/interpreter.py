"""Reference interpreter: the meaning of an IR function, the oracle for every pass test."""

import numpy as np

from ..primitives.control import FOR, IF, POP, WHILE
from .core import Const, Function


def run(fn: Function, *args, **kwargs):
    """Evaluate ``fn`` on Python/NumPy values; returns one value or a tuple of results."""
    env = {}
    bound = _bind(fn, args, kwargs)
    for param, value in zip(fn.params, bound):
        env[param.var] = value
    with np.errstate(all="ignore"):
        _run_body(fn.body, env)
    results = tuple(_read(env, r) for r in fn.results)
    return results[0] if len(results) == 1 else results


def _read(env, atom):
    return atom.value if isinstance(atom, Const) else env[atom]


def _run_body(body, env):
    for instr in body:
        values = [_read(env, a) for a in instr.args]
        if instr.regions:
            outs = _CONTROL[instr.op](instr, values, env)
        elif instr.op is POP:  # a tuple of values: one per out
            outs = values[0].pop()
        else:
            impl = instr.op.implementation(instr.params)
            positional, keywords = instr.op.call_arguments(instr.params, values)
            outs = (impl(*positional, **keywords),)
        for out, value in zip(instr.outs, outs):
            env[out] = value


def _run_block(block, env, values):
    for param, value in zip(block.params, values):
        env[param] = value
    _run_body(block.body, env)
    return [_read(env, r) for r in block.results]


def _if(instr, values, env):
    then, orelse = instr.regions
    return _run_block(then if values[0] else orelse, env, ())


def _for(instr, values, env):
    start, stop, step, *carried = values
    indices = range(start, stop, step)
    for index in reversed(indices) if instr.param("reversed") else indices:
        carried, stop = _next(instr, _run_block(instr.regions[0], env, (index, *carried)))
        if stop:
            break
    return carried


def _next(instr, results):
    """(next carried values, whether to stop)."""
    if instr.param("exits"):
        return results[1:], results[0]
    return results, False


def _while(instr, values, env):
    cond, body = instr.regions
    carried = values
    while _run_block(cond, env, carried)[0]:
        carried, stop = _next(instr, _run_block(body, env, carried))
        if stop:
            break
    return carried


_CONTROL = {IF: _if, FOR: _for, WHILE: _while}


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
