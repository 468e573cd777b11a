"""Loop-invariant views leave the loop: ``W.T`` in a reversed loop is taken once.

    for t in reversed(range(T)):            t4 = np.transpose(W)
        t4 = np.transpose(W)        ->      for t in reversed(range(T)):
        h_bar = t4 @ t1                         h_bar = t4 @ t1

Only transposes move: a view costs no memory however long it lives, and cannot raise,
so taking it before a loop that runs no iteration changes nothing.
"""

from dataclasses import replace

from ..ir.control import loop_body
from ..ir.core import Block, Function, Var, walk
from ..primitives.control import LOOPS
from ..primitives.shaping import TRANSPOSE


def hoist(fn: Function) -> Function:
    return fn.with_body(_body(fn.body))


def _body(body) -> list:
    kept = []
    for instr in body:
        if instr.regions:
            instr = replace(instr, regions=tuple(
                replace(b, body=tuple(_body(b.body))) for b in instr.regions))
        if instr.op in LOOPS:
            moved, instr = _invariant_views(instr)
            kept += moved
        kept.append(instr)
    return kept


def _invariant_views(loop):
    """(the transposes of the loop's body that read nothing the loop defines, the loop
    without them)."""
    block = loop_body(loop)
    defined = {p for b in loop.regions for p in b.params}
    defined |= {out for i in walk(block.body) for out in i.outs}
    moved, kept = [], []
    for instr in block.body:
        if instr.op is TRANSPOSE and not any(
                isinstance(a, Var) and a in defined for a in instr.args):
            # no heading of its own: the loop's statement keeps its comment inside it
            moved.append(replace(instr, loc=instr.loc and replace(instr.loc, text="")))
            defined -= set(instr.outs)
        else:
            kept.append(instr)
    if not moved:
        return [], loop
    body = Block(block.params, tuple(kept), block.results)
    return moved, replace(loop, regions=loop.regions[:-1] + (body,))
