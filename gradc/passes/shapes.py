"""Static shape classes: which values provably share a shape.

A class is a concrete shape tuple where the source declares one (``x: float`` is ``()``),
an opaque token per input otherwise, and for an elementwise result the broadcast of its
operands' classes, kept as the set of inputs it combines (broadcasting is associative
and commutative, so ``x * z`` and ``x_dot * z`` share a class). The reverse pass emits an
unbroadcast only where an operand's class differs from its result's.
"""

import numpy as np

from ..ir.core import Const, Function
from ..ir.primitives import PRIMITIVES, implementation, keyword_arguments, static_arguments


def shape_classes(fn: Function) -> dict:
    classes = {}
    for p in fn.params:  # a tangent parameter x_dot has the shape of x
        twin = p.var.of if p.var.of is not None and p.var.of in classes else None
        classes[p.var] = (classes[twin] if twin is not None else
                          p.shape if p.shape is not None else ("input", p.var.id))
    for instr in fn.body:
        args = [() if isinstance(a, Const) else classes[a] for a in instr.args]
        if instr.op in ("unbroadcast", "broadcast_like", "reshape_like", "full_like"):
            result = args[0] if instr.op == "full_like" else args[1]
        elif PRIMITIVES[instr.op].elementwise:
            result = _broadcast(args, instr.out.id)
        else:
            result = _reshaped(instr, args[0])
        for out in instr.outs:
            classes[out] = result
    return classes


def _reshaped(instr, operand):
    """Reductions and size-1 axes: exact on concrete shapes, a token for the operation
    on its operand's class otherwise (so the same reduction of the same input agrees)."""
    keywords = keyword_arguments(instr.op, instr.params)
    reduction = instr.op in ("sum", "mean", "max", "min", "logsumexp", "var", "std", "prod",
                             "norm")
    if instr.op == "product_of_others":
        return operand
    if instr.op in ("softmax", "log_softmax"):
        return operand
    if reduction and keywords.get("axis") is None and not keywords.get("keepdims"):
        return ()
    if instr.op == "size":  # a number, whatever the operand's shape
        return ()
    if _concrete(operand):
        positional, keywords = static_arguments(instr.op, instr.params)
        return np.shape(implementation(instr.op)(np.empty(operand), *positional, **keywords))
    return (instr.op, operand, tuple(sorted(keywords.items())))


def _concrete(c):
    return isinstance(c, tuple) and all(isinstance(n, int) for n in c)


def _broadcast(classes, out_id):
    parts = set()
    for c in classes:
        parts.update(c[1:] if c[:1] == ("broadcast",) else [c] if c != () else [])
    distinct = sorted(parts, key=repr)
    if not distinct:
        return ()
    if len(distinct) == 1:
        return distinct[0]
    if all(_concrete(c) for c in distinct):
        return tuple(np.broadcast_shapes(*distinct))
    return ("broadcast", *distinct)
