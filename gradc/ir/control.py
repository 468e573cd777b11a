"""Structured control flow: the three instructions that nest blocks.

    %y = if %c {then: () -> (%a)} {else: () -> (%b)}
        one block per branch; the outs are the values of the branch taken
    %h, %s = for %start, %stop, %step, %h0, %s0 {(%i, %h.1, %s.1) -> (%h.2, %s.2)}
        range(start, stop, step), or its reverse with param reversed=True; the body gets
        the index and the carried values and yields the next carried values, led, with
        param exits=True, by whether to stop (a break)
    %h, %n = while %h0, 0 {cond: (%h.1, %n.1) -> (%c)} {body: (%h.2, %n.2) -> (...)}
        the condition block and the body both get the carried values

Loops carry values explicitly, so every value stays single-assignment; the code
generator gives a carried value one Python name across the loop.
"""

from dataclasses import replace

from ..primitives.control import FOR, IF, WHILE
from .core import Block, Const, Instr, Var, substitute, walk


def is_control(instr: Instr) -> bool:
    return bool(instr.regions)


def if_instr(outs, cond, then: Block, orelse: Block, loc) -> Instr:
    return Instr(tuple(outs), IF, (cond,), (), loc, (then, orelse))


def for_instr(outs, bounds, inits, body: Block, loc, backwards=False) -> Instr:
    params = (("reversed", True),) if backwards else ()
    return Instr(tuple(outs), FOR, (*bounds, *inits), params, loc, (body,))


def while_instr(outs, inits, cond: Block, body: Block, loc) -> Instr:
    return Instr(tuple(outs), WHILE, tuple(inits), (), loc, (cond, body))


def loop_inits(instr: Instr) -> tuple:
    """The initial carried values of a loop (after a for loop's three bounds)."""
    return instr.args[3:] if instr.op is FOR else instr.args


def loop_body(instr: Instr) -> Block:
    return instr.regions[-1]


def block_carried(instr: Instr, block: Block) -> tuple:
    """A loop block's parameters for the carried values (after a for loop's index)."""
    return block.params[len(block.params) - len(loop_inits(instr)):]


def carried_params(instr: Instr) -> tuple:
    """The body's parameters for the carried values."""
    return block_carried(instr, loop_body(instr))


def stop_flag(instr: Instr):
    """What a loop that may exit (a break) yields first: whether to stop; else None."""
    return loop_body(instr).results[0] if instr.param("exits") else None


def next_values(instr: Instr) -> tuple:
    """The next carried values a loop's body yields (after the stop flag)."""
    results = loop_body(instr).results
    return results[1:] if instr.param("exits") else results


def counts_trips(instr: Instr) -> bool:
    """Only a count says how many iterations ran: a while loop, or a for loop with a
    break (their adjoints loop over range(trips))."""
    return instr.op is WHILE or bool(instr.param("exits"))


def keep_carried(instr: Instr, keep) -> Instr:
    """The loop with only the carried values at positions ``keep`` (in order)."""
    inits, stop = loop_inits(instr), stop_flag(instr)
    regions = []
    for block in instr.regions:
        params, carried = block.params[:len(block.params) - len(inits)], \
            block_carried(instr, block)
        results = block.results
        if block is loop_body(instr):
            results = (stop,) * (stop is not None) + tuple(next_values(instr)[k] for k in keep)
        regions.append(Block(params + tuple(carried[k] for k in keep), block.body, results))
    lead = len(instr.args) - len(inits)
    return replace(instr, outs=tuple(instr.outs[k] for k in keep),
                   args=instr.args[:lead] + tuple(inits[k] for k in keep),
                   regions=tuple(regions))


def drop_constant_carries(instr: Instr, mapping) -> Instr:
    """A loop without the carried values its body passes on unchanged: those read the
    initial value instead, and the loop's out is that value (recorded in ``mapping``)."""
    inits = loop_inits(instr)
    same = [k for k, (p, r) in enumerate(zip(carried_params(instr), next_values(instr)))
            if p == r]
    if not same:
        return instr
    for k in same:
        mapping[instr.outs[k]] = inits[k]
    inner = {block_carried(instr, b)[k]: inits[k] for b in instr.regions for k in same}
    kept = keep_carried(instr, [k for k in range(len(inits)) if k not in same])
    return replace(kept, regions=tuple(rename_block(b, inner) for b in kept.regions))


def rename_block(block: Block, mapping) -> Block:
    """``block`` reading ``mapping``'s replacements instead of the values it maps."""
    return Block(block.params, tuple(rename_instr(i, mapping) for i in block.body),
                 tuple(substitute(r, mapping) for r in block.results))


def rename_instr(instr: Instr, mapping) -> Instr:
    return replace(instr, args=tuple(substitute(a, mapping) for a in instr.args),
                   regions=tuple(rename_block(b, mapping) for b in instr.regions))


def truth_line(body, value) -> int | None:
    """The source line computing ``value`` when it can only be a truth value (a
    comparison, ``not``, True/False, or ``and``/``or``/``if`` choosing between them;
    0 for a bare constant), else None. A worklist, not recursion: ``a and b and ...``
    nests one ``if`` per operand."""
    defined = {out: instr for instr in walk(body) for out in instr.outs}
    pending, seen, line = [value], set(), None
    while pending:
        atom = pending.pop()
        if isinstance(atom, Const):
            if not isinstance(atom.value, bool):
                return None
            line = 0 if line is None else line
            continue
        instr = defined.get(atom) if isinstance(atom, Var) else None
        if instr is None or (instr.op is not IF and not instr.op.boolean):
            return None
        if line is None:
            line = instr.loc.line if instr.loc is not None else 0
        if instr.op is IF and atom not in seen:
            seen.add(atom)
            pending += [block.results[instr.outs.index(atom)] for block in instr.regions]
    return line
