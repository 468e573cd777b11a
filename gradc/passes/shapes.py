"""Static shape classes: which values provably share a shape.

A class is a concrete shape tuple where the source declares one (``x: float`` is ``()``),
an opaque token per input otherwise, and for an elementwise result the broadcast of its
operands' classes, kept as the set of inputs it combines (broadcasting is associative
and commutative, so ``x * z`` and ``x_dot * z`` share a class). The reverse pass emits an
unbroadcast only where an operand's class differs from its result's.
"""

import numpy as np

from ..ir.control import block_carried, loop_inits, next_values
from ..ir.core import Const, Function, Var
from ..primitives.control import IF, POP, PUSH


def shape_classes(fn: Function) -> dict:
    classes: dict = {}
    for p in fn.params:  # a tangent parameter x_dot has the shape of x
        twin = p.var.of if p.var.of is not None and p.var.of in classes else None
        classes[p.var] = (classes[twin] if twin is not None else
                          p.shape if p.shape is not None else ("input", p.var.id))
    _sweep(fn.body, classes)
    return classes


def _sweep(body, classes):
    for instr in body:
        args = [_class(a, classes) for a in instr.args]
        if instr.regions:
            _control(instr, args, classes)
            continue
        if instr.op in (PUSH, POP):
            _tape(instr, args, classes)
            continue
        like = instr.op.shape_of
        if instr.param("lib") == "math":  # the math module returns a Python float
            result = ()
        elif like is not None:
            result = args[like]
        elif instr.op.elementwise:
            result = broadcast_class(args)
        else:
            result = _reshaped(instr, args)
        for out in instr.outs:
            classes[out] = result


def _tape(instr, args, classes):
    """A popped value has the class of the value pushed in its place."""
    key = ("tape", instr.args[0].id)
    if instr.op is PUSH:
        classes[key] = args[1:]
        return
    pushed = classes.get(key, ())
    for k, out in enumerate(instr.outs):
        classes[out] = pushed[k] if k < len(pushed) else ("popped", out.id)


def _class(atom, classes):
    return () if isinstance(atom, Const) else classes[atom]


def _control(instr, args, classes):
    """An ``if`` out has its branches' class where they agree; a carried value keeps
    its initial class if the body provably keeps it (else a class of its own), and a
    loop index or tape entry is a number of unknown kind."""
    if instr.op is IF:
        for block in instr.regions:
            _sweep(block.body, classes)
        for k, out in enumerate(instr.outs):
            then, orelse = (_class(b.results[k], classes) for b in instr.regions)
            classes[out] = then if then == orelse else ("phi", out.id)
        return
    inits = [_class(a, classes) for a in loop_inits(instr)]
    kept = [True] * len(inits)  # the body provably keeps this carried value's class
    while True:  # a class changes at most once, to one of the value's own
        for block in instr.regions:
            carried = block_carried(instr, block)
            for param in block.params[:len(block.params) - len(carried)]:
                classes[param] = ("index", param.id)
            for param, c, same in zip(carried, inits, kept):
                classes[param] = c if same else ("carried", param.id)
            _sweep(block.body, classes)
        results = [_class(r, classes) for r in next_values(instr)]
        narrowed = [same and r == c for same, r, c in zip(kept, results, inits)]
        if narrowed == kept:
            break
        kept = narrowed
    for out, c, same in zip(instr.outs, inits, kept):
        classes[out] = c if same else ("out", out.id)


def _reshaped(instr, args):
    """Reductions, joins, contractions: exact on concrete shapes, otherwise a token for
    the operation on its operands' classes (so the same operation on the same inputs
    agrees)."""
    keywords = instr.op.keyword_arguments(instr.params)
    if instr.op.reduction and keywords.get("axis") is None and not keywords.get("keepdims"):
        return ()
    if instr.op.scalar:  # a number, whatever the shape (np.size)
        return ()
    if _data_dependent(instr, args):
        return ("data", instr.out.id)  # two masked reads of x differ in length
    if all(_concrete(c) or _is_index(c) for c in args) and not _runtime_numbers(instr, args):
        shape = _evaluated_shape(instr, args)
        if shape is not None:
            return shape
    return (instr.op, *args, tuple(sorted(keywords.items())))


def _data_dependent(instr, args):
    """Whether the values of run-time arguments, not only their shapes, decide the
    result's shape: sizes (np.zeros(n)) and array indices (a boolean mask). An integer
    index (class ``()``) gives the same shape whatever its value."""
    runtime = _runtime_numbers(instr, args)
    return any(c != () for c in runtime) if instr.op.indices_from is not None else \
        bool(runtime)


def _runtime_numbers(instr, args):
    """The classes of the sizes or indices only known at run time (a loop index is an
    integer, whichever)."""
    start = instr.op.sizes_from if instr.op.sizes_from is not None else instr.op.indices_from
    if start is None:
        return []
    return [c for a, c in zip(instr.args[start:], args[start:])
            if isinstance(a, Var) and not _is_index(c)]


def _is_index(c):
    return isinstance(c, tuple) and c[:1] == ("index",)


def _evaluated_shape(instr, args):
    """The result's shape, from running the operation on empty arrays of known shape."""
    values = [a.value if isinstance(a, Const) else 0 if _is_index(c) else np.empty(c)
              for a, c in zip(instr.args, args)]
    positional, keywords = instr.op.call_arguments(instr.params, values)
    try:
        with np.errstate(all="ignore"):
            return np.shape(instr.op.implementation()(*positional, **keywords))
    except (TypeError, ValueError, IndexError):
        return None  # sizes or indices only known at run time


def _concrete(c):
    return isinstance(c, tuple) and all(isinstance(n, int) for n in c)


def broadcast_class(classes):
    """The class of the broadcast of values of ``classes``."""
    parts = set()
    for c in classes:  # a number (a loop index too) takes the other operands' shape
        parts.update(c[1:] if c[:1] == ("broadcast",) else [c] if c != () and not
                     _is_index(c) else [])
    distinct = sorted(parts, key=repr)
    if not distinct:
        return ()
    if len(distinct) == 1:
        return distinct[0]
    if all(_concrete(c) for c in distinct):
        return tuple(np.broadcast_shapes(*distinct))
    return ("broadcast", *distinct)
