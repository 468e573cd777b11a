"""Common-subexpression elimination by value numbering: one forward sweep keyed by
``(op, args, params)``; arguments of commutative ops are put in a canonical order.

    %a.2 = mul %x.0, %y.1                      %a.2 = mul %x.0, %y.1
    %b.3 = mul %y.1, %x.0       ->             %c.4 = add %a.2, %a.2
    %c.4 = add %a.2, %b.3
"""

from dataclasses import replace

from ..ir.core import Const, Function, substitute
from ..ir.primitives import PRIMITIVES


def cse(fn: Function) -> Function:
    seen = {}   # key -> index in body of the instruction computing it
    mapping = {}
    body = []
    for instr in fn.body:
        instr = replace(instr, args=tuple(substitute(a, mapping) for a in instr.args))
        key = _key(instr)
        if key in seen:
            kept = body[seen[key]]
            if not kept.out.hint and kept.out.of is None and instr.out.hint:  # source name
                body[seen[key]] = kept = replace(kept, outs=(replace(kept.out,
                                                                     hint=instr.out.hint),))
            mapping[instr.out] = kept.out
            continue
        seen[key] = len(body)
        body.append(instr)
    return fn.with_body(body, [substitute(r, mapping) for r in fn.results])


def _atom_key(atom):
    if isinstance(atom, Const):
        return ("const", type(atom.value).__name__, atom.value, atom.name)
    return ("var", atom.id)


def _key(instr):
    args = tuple(_atom_key(a) for a in instr.args)
    if PRIMITIVES[instr.op].commutative:
        args = tuple(sorted(args, key=repr))
    return instr.op, args, instr.params
