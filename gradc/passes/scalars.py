"""Parameters that can only be numbers, inferred from how the function uses them.

Python itself refuses anything but a number (or a one-entry array) in some places: a
``math`` function's argument, ``int(x)`` and ``float(x)``, a ``range`` bound, and the
truth test of an ``if``, a ``while`` or ``not``. An elementwise result with one entry has
operands with one entry each, so the fact flows back through arithmetic to the
parameters: in ``math.log(x * z)`` both ``x`` and ``z`` are numbers.

Only uses that run on every call count: the function's own statements and the first test
of a ``while`` loop (on the loop's initial values), not a branch or a loop body, which
may never run. A parameter inferred this way gets the shape ``()``, as if declared
``x: float`` (``n: int`` when only a ``range`` bound tells), so no shape bookkeeping is
emitted for it; the API refuses an array with more than one dimension there
(``api.number_checker``), since a one-entry array would pass the truth test.
"""

from dataclasses import replace

from ..ir.control import block_carried, loop_inits
from ..ir.core import Function, Var
from ..primitives.arithmetic import FLOAT, INT, LOGICAL_NOT
from ..primitives.control import FOR, IF, WHILE


def infer_scalar_params(fn: Function) -> Function:
    """``fn`` with the parameters that can only be numbers given the shape ``()``."""
    numbers, ints = _one_entry_values(fn.body)
    params = tuple(
        replace(p, shape=(), declared="int" if p.var in ints - numbers else "float")
        if p.shape is None and (p.var in numbers or p.var in ints) else p
        for p in fn.params)
    return replace(fn, params=params)


def _one_entry_values(body):
    """(values a number must be, values a range bound must be): the seeds of every use
    that runs on each call, spread back through elementwise operations."""
    always = []  # (instr, renaming of a while condition's carried values to their inits)
    numbers: set = set()
    for instr in body:
        if instr.op is WHILE:
            cond = instr.regions[0]
            first = dict(zip(block_carried(instr, cond), loop_inits(instr)))
            always += [(i, first) for i in cond.body]
            _add(numbers, cond.results[0], first)
        always.append((instr, {}))
    ints: set = set()
    for instr, first in always:
        _seed(instr, numbers, ints, first)
    return _spread(numbers, always), _spread(ints, always)


def _spread(found: set, always) -> set:
    """``found`` with the operands of every elementwise operation whose result is in it
    (a one-entry result has one-entry operands)."""
    changed = True
    while changed:
        changed = False
        for instr, first in reversed(always):
            if instr.op.elementwise and not instr.regions and any(
                    out in found for out in instr.outs):
                before = len(found)
                for arg in instr.args:
                    _add(found, arg, first)
                changed |= len(found) != before
    return found


def _seed(instr, numbers, ints, first):
    """The values ``instr`` itself requires to be numbers (or integers)."""
    if instr.param("lib") == "math" or instr.op in (INT, FLOAT, LOGICAL_NOT):
        for arg in instr.args:
            _add(numbers, arg, first)
    elif instr.op is IF:
        _add(numbers, instr.args[0], first)
    elif instr.op is FOR:
        for bound in instr.args[:3]:
            _add(ints, bound, first)


def _add(found: set, atom, first):
    if isinstance(atom, Var):
        found.add(first.get(atom, atom))
