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

from .core import Block, Instr, substitute

CONTROL = ("if", "for", "while")


def is_control(instr: Instr) -> bool:
    return bool(instr.regions)


def if_instr(outs, cond, then: Block, orelse: Block, loc) -> Instr:
    return Instr(tuple(outs), "if", (cond,), (), loc, (then, orelse))


def for_instr(outs, bounds, inits, body: Block, loc, backwards=False) -> Instr:
    params = (("reversed", True),) if backwards else ()
    return Instr(tuple(outs), "for", (*bounds, *inits), params, loc, (body,))


def while_instr(outs, inits, cond: Block, body: Block, loc) -> Instr:
    return Instr(tuple(outs), "while", tuple(inits), (), loc, (cond, body))


def loop_inits(instr: Instr) -> tuple:
    """The initial carried values of a loop (after a for loop's three bounds)."""
    return instr.args[3:] if instr.op == "for" else instr.args


def loop_body(instr: Instr) -> Block:
    return instr.regions[-1]


def carried_params(instr: Instr) -> tuple:
    """The body's parameters for the carried values (after a for loop's index)."""
    params = loop_body(instr).params
    return params[1:] if instr.op == "for" else params


def drop_constant_carries(instr: Instr, mapping) -> Instr:
    """A loop without the carried values its body passes on unchanged: those read the
    initial value instead, and the loop's out is that value (recorded in ``mapping``)."""
    inits, params = loop_inits(instr), carried_params(instr)
    exits = 1 if instr.param("exits") else 0
    results = instr.regions[-1].results[exits:]
    same = [k for k, (p, r) in enumerate(zip(params, results)) if p == r]
    if not same:
        return instr
    for k in same:
        mapping[instr.outs[k]] = inits[k]
    inner = {params[k]: inits[k] for k in same}
    if instr.op == "while":  # the condition block has its own parameters
        inner.update({instr.regions[0].params[k]: inits[k] for k in same})
    keep = [k for k in range(len(inits)) if k not in same]
    lead = len(instr.args) - len(inits)
    regions = []
    for block in instr.regions:
        offset = len(block.params) - len(inits)
        kept_params = block.params[:offset] + tuple(block.params[offset + k] for k in keep)
        is_body = block is instr.regions[-1]
        head = block.results[:exits] if is_body else block.results
        tail = tuple(block.results[exits + k] for k in keep) if is_body else ()
        regions.append(rename_block(Block(kept_params, block.body, head + tail), inner))
    return replace(instr, outs=tuple(instr.outs[k] for k in keep),
                   args=instr.args[:lead] + tuple(inits[k] for k in keep),
                   regions=tuple(regions))


def rename_block(block: Block, mapping) -> Block:
    """``block`` reading ``mapping``'s replacements instead of the values it maps."""
    return Block(block.params, tuple(rename_instr(i, mapping) for i in block.body),
                 tuple(substitute(r, mapping) for r in block.results))


def rename_instr(instr: Instr, mapping) -> Instr:
    return replace(instr, args=tuple(substitute(a, mapping) for a in instr.args),
                   regions=tuple(rename_block(b, mapping) for b in instr.regions))
