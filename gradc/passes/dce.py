"""Dead-code elimination: one backward liveness sweep from the results.

    %t.3 = exp %x.0        (never used)         ->   (removed)
    %y.4 = mul %x.0, 2.0                             %y.4 = mul %x.0, 2.0
    return %y.4                                      return %y.4

Control flow: an ``if`` keeps the outs someone reads; a loop keeps the carried values
that its live outs, its condition or the rest of its body read; a tape's push keeps only
the entries its pop still gives out, and both go when none does.
"""

from dataclasses import replace

from ..ir.control import block_carried, keep_carried, next_values, stop_flag
from ..ir.core import Block, Function, Var, walk
from ..primitives.control import IF, LOOPS, POP, PUSH, WHILE


def dce(fn: Function) -> Function:
    live = {r for r in fn.results if isinstance(r, Var)}
    return fn.with_body(_sweep(fn.body, live, {}))


def _sweep(body, live, popped) -> list:
    """``popped``: tape -> which of its entries a live pop gives out."""
    kept = []
    for instr in reversed(body):
        instr = _live_part(instr, live, popped)
        if instr is not None:
            kept.append(instr)
            live.update(a for a in instr.args if isinstance(a, Var))
    return kept[::-1]


def _live_part(instr, live, popped):
    if instr.op is POP:
        wanted = tuple(out in live for out in instr.outs)
        if not any(wanted):
            return None
        popped[instr.args[0]] = wanted
        return replace(instr, outs=tuple(o for o, w in zip(instr.outs, wanted) if w))
    if instr.op is PUSH:
        wanted = popped.get(instr.args[0])
        if wanted is None:
            return None
        values = [v for v, w in zip(instr.args[1:], wanted) if w]
        return replace(instr, args=(instr.args[0], *values))
    if instr.op is IF:
        return _live_if(instr, live, popped)
    if instr.op in LOOPS:
        return _live_loop(instr, live, popped)
    return instr if any(out in live for out in instr.outs) else None


def _live_if(instr, live, popped):
    keep = [k for k, out in enumerate(instr.outs) if out in live]
    regions = []
    for block in instr.regions:
        inner = set(live) | {block.results[k] for k in keep if isinstance(block.results[k], Var)}
        body = _sweep(block.body, inner, popped)
        live.update(inner)
        regions.append(Block((), tuple(body), tuple(block.results[k] for k in keep)))
    if not keep and not any(block.body for block in regions):
        return None
    return replace(instr, outs=tuple(instr.outs[k] for k in keep), regions=tuple(regions))


def _live_loop(instr, live, popped):
    """The carried values that something reads: the loop's live outs, and those the
    kept part of the body or the condition needs, until that set stops growing. The
    loop itself goes if nothing reads it and it keeps no tape."""
    keep = {k for k, out in enumerate(instr.outs) if out in live}
    while True:
        inner, regions = _loop_sweep(instr, keep, live, dict(popped))
        needed = {k for block in instr.regions
                  for k, param in enumerate(block_carried(instr, block)) if param in inner}
        if needed <= keep:
            break
        keep |= needed
    inner, regions = _loop_sweep(instr, keep, live, popped)
    if not keep and not any(i.op is PUSH for r in regions for i in walk(r.body)):
        return None
    live.update(inner)
    return keep_carried(replace(instr, regions=regions), sorted(keep))


def _loop_sweep(instr, keep, live, popped):
    """(what the kept part of the loop reads, its blocks with only that part)."""
    inner = set(live)
    wanted = [next_values(instr)[k] for k in keep] + [stop_flag(instr)]
    inner.update(a for a in wanted if isinstance(a, Var))
    if instr.op is WHILE:
        inner.update(a for a in instr.regions[0].results if isinstance(a, Var))
    regions = tuple(replace(block, body=tuple(_sweep(block.body, inner, popped)))
                    for block in reversed(instr.regions))[::-1]
    return inner, regions
