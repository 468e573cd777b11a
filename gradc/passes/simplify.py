"""Algebraic simplification and constant folding, one forward sweep.

    %t.2 = mul %g.1, 1.0                     (x*1 -> x)
    %u.3 = neg %x.0;  %v.4 = neg %u.3        (double negation -> %x.0)
    %w.5 = add %a.2, %u.3                    -> %w.5 = sub %a.2, %x.0
    %k.6 = mul 2.0, 3.0                      -> 6.0

Named constants (``EPS``, ``np.pi``) are not folded, so the code keeps their names.
Zero products (0*x -> 0) are only folded in adjoint code, where a zero stands for "no
gradient" of whatever shape; in primal or tangent code they would change a shape.
"""

import math
from dataclasses import replace

import numpy as np

from ..ir.control import drop_constant_carries
from ..ir.core import Const, Function, Instr, Var, substitute, walk
from ..primitives.control import IF
from ..primitives.rewrites import in_adjoint


def simplify(fn: Function) -> Function:
    mapping: dict[Var, Var | Const] = {}
    body = _sweep(fn.body, mapping, {})
    return fn.with_body(body, [substitute(r, mapping) for r in fn.results])


def _sweep(instrs, mapping, defs) -> list:
    body = []
    for instr in instrs:
        instr = replace(instr, args=tuple(substitute(a, mapping) for a in instr.args))
        if instr.op is IF and isinstance(instr.args[0], Const):  # known when compiling
            taken = instr.regions[0 if instr.args[0].value else 1]
            body += _sweep(taken.body, mapping, defs)
            mapping.update(zip(instr.outs, (substitute(r, mapping) for r in taken.results)))
            continue
        if instr.regions:
            instr = _control(instr, mapping, defs)
            if instr is not None:
                body.append(instr)
            continue
        result = _rewrite(instr, defs)
        if isinstance(result, Instr):
            body.append(result)
            defs[result.out] = result
        else:
            mapping[instr.out] = result
    return body


def _control(instr, mapping, defs):
    """Blocks simplified; an ``if`` out that is the same on both paths, or that is the
    condition itself, and a loop's carried value that never changes, become atoms."""
    regions = tuple(replace(b, body=tuple(_sweep(b.body, mapping, defs)),
                            results=tuple(substitute(r, mapping) for r in b.results))
                    for b in instr.regions)
    instr = replace(instr, regions=regions)
    if instr.op is IF:
        return _fold_if(instr, mapping, defs)
    return drop_constant_carries(instr, mapping)


def _fold_if(instr, mapping, defs):
    cond = instr.args[0]
    boolean = isinstance(cond, Var) and cond in defs and defs[cond].op.boolean
    then, orelse = instr.regions
    keep = []
    for k, (a, b) in enumerate(zip(then.results, orelse.results)):
        if _same(a, b) and not _defined_in(a, instr):
            mapping[instr.outs[k]] = a
        elif boolean and _is_truth(a, True, cond) and _is_truth(b, False, cond):
            mapping[instr.outs[k]] = cond  # c if c else False, True if c else c: c
        else:
            keep.append(k)
    if not keep and not then.body and not orelse.body:
        return None
    return replace(instr, outs=tuple(instr.outs[k] for k in keep), regions=tuple(
        replace(b, results=tuple(b.results[k] for k in keep)) for b in instr.regions))


def _same(a, b) -> bool:
    """The same value, constants of the same type too (1.0 is not True)."""
    return a == b and type(getattr(a, "value", None)) is type(getattr(b, "value", None))


def _is_truth(atom, value: bool, cond) -> bool:
    """``atom`` is the truth value ``value``, or the condition itself."""
    return atom == cond or isinstance(atom, Const) and atom.value is value


def _defined_in(atom, instr):
    return isinstance(atom, Var) and any(atom in i.outs for b in instr.regions
                                         for i in walk(b.body))


def _rewrite(instr: Instr, defs):
    """A simpler instruction, or the atom the instruction's value equals."""
    if all(isinstance(a, Const) and not a.name for a in instr.args) and instr.op.foldable:
        folded = _fold(instr)
        if folded is not None:
            return folded
    if _zero_factor(instr):
        return Const(0)
    rule = instr.op.simplify  # the record's algebra (x * 1 -> x, ...)
    result = rule(instr, *instr.args, defs) if rule else None
    return instr if result is None else result


def _zero_factor(instr) -> bool:
    """In adjoint code, a multilinear operation of a zero (no gradient) is zero; but a
    zero spread over an array stays an array (a loop may carry it)."""
    linear = [instr.args[i] for i in instr.op.linear_in if i < len(instr.args)]
    return in_adjoint(instr) and instr.op.foldable and \
        any(isinstance(a, Const) and a.value == 0 for a in linear)


def _fold(instr):
    with np.errstate(all="ignore"):
        try:
            positional, keywords = instr.op.call_arguments(instr.params,
                                                           [a.value for a in instr.args])
            value = instr.op.implementation(instr.params)(*positional, **keywords)
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return None
    if isinstance(value, (bool, np.bool_)):
        return Const(bool(value))  # a condition known when compiling
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return None  # complex or array results stay as computed at run time
    if not math.isfinite(value):
        return None
    return Const(int(value) if isinstance(value, (int, np.integer)) else float(value))


