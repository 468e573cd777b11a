"""Common-subexpression elimination by value numbering: one forward sweep keyed by
``(op, args, params)``; arguments of commutative ops are put in a canonical order.

    %a.2 = mul %x.0, %y.1                      %a.2 = mul %x.0, %y.1
    %b.3 = mul %y.1, %x.0       ->             %c.4 = add %a.2, %a.2
    %c.4 = add %a.2, %b.3

A block sees the expressions computed before it, but what it computes stays inside it
(a branch may not run; a loop body's values change every iteration). Tape operations
are never merged.
"""

from dataclasses import replace

from ..ir.core import Const, Function, substitute


def cse(fn: Function) -> Function:
    mapping: dict = {}
    body = _sweep(fn.body, {}, mapping)
    return fn.with_body(body, [substitute(r, mapping) for r in fn.results])


def _sweep(instrs, seen, mapping) -> list:
    """``seen``: key -> index in ``body`` of the instruction computing it."""
    body = []
    seen = {key: (None, var) for key, (_, var) in seen.items()}  # outer: by value only
    for instr in instrs:
        instr = replace(instr, args=tuple(substitute(a, mapping) for a in instr.args))
        if instr.regions:
            body.append(replace(instr, regions=tuple(
                _block(block, seen, mapping) for block in instr.regions)))
            continue
        key = _key(instr)
        if key is not None and key in seen:
            index, kept = seen[key]
            if index is not None and not kept.hint and kept.of is None and instr.out.hint:
                body[index] = replace(body[index], outs=(replace(kept, hint=instr.out.hint),))
                seen[key] = (index, body[index].out)
            mapping[instr.out] = seen[key][1]
            continue
        if key is not None:
            seen[key] = (len(body), instr.out)
        body.append(instr)
    return body


def _block(block, seen, mapping):
    body = _sweep(block.body, seen, mapping)
    return replace(block, body=tuple(body),
                   results=tuple(substitute(r, mapping) for r in block.results))


def _atom_key(atom):
    if isinstance(atom, Const):
        return ("const", type(atom.value).__name__, atom.value, atom.name)
    return ("var", atom.id)


def _key(instr):
    prim = instr.op
    if prim.effect or len(instr.outs) != 1:
        return None
    args = tuple(_atom_key(a) for a in instr.args)
    if prim.commutative:
        args = tuple(sorted(args, key=repr))
    return instr.op, args, instr.params
