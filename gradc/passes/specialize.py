"""Shape specialisation: what the shapes known when compiling make plainer.

A constant spread over an array only to enter an elementwise operation whose other
operands already have the result's shape (its shape class, passes/shapes.py) is used as
the constant itself, whether or not the shapes are concrete; this is how a loss's seed
``_broadcast_like(1.0, x)`` leaves the code. Where every shape is known (the parameters'
shapes were given, as ``specialize=True`` sees them at a call), the shape-generic helpers
of the adjoint become the plain NumPy they reduce to (each record's ``specialize`` rule).

    %s = broadcast_like 1.0, %x;  %u = mul %s, %y    (y has u's shape)  ->  %u = mul 1.0, %y
    %a_bar = matmul_adjoint_a %g, %a, %b     (a, b 2-D)   ->  %t = transpose %b
                                                              %a_bar = matmul %g, %t
    %n = size %x                             (x (64,))    ->  64
"""

from dataclasses import replace

from ..ir.core import Builder, Const, Function, Instr, Var, substitute
from ..primitives.shaping import BROADCAST_LIKE
from .shapes import broadcast_class, shape_classes


def specialize(fn: Function) -> Function:
    classes = shape_classes(fn)
    builder = Builder.after(fn)
    mapping: dict[Var, Var | Const] = {}
    spread_constants: dict[Var, tuple] = {}  # broadcast constants: (constant, like)
    _sweep(fn.body, builder, mapping, classes, spread_constants)
    return fn.with_body(builder.body, [substitute(r, mapping) for r in fn.results])


def _sweep(instrs, builder, mapping, classes, spread_constants):
    for instr in instrs:
        instr = replace(instr, args=tuple(substitute(a, mapping) for a in instr.args))
        if instr.regions:  # the blocks of loops and branches, the same way
            builder.body.append(replace(instr, regions=tuple(
                _block(b, builder, mapping, classes, spread_constants)
                for b in instr.regions)))
            continue
        start = len(builder.body)
        result = _rewrite(builder, instr, classes, spread_constants) \
            if len(instr.outs) == 1 else None
        if isinstance(result, Instr):
            builder.body.append(result)
        elif result is None:
            builder.body.append(instr)
        elif len(builder.body) > start and builder.body[-1].outs == (result,):
            # the rewrite emitted what computes it (not an earlier value, a loop's out)
            builder.body[-1] = replace(builder.body[-1], outs=instr.outs)  # keep its name
        else:
            mapping[instr.out] = result
        kept = result if isinstance(result, Instr) else instr
        if kept.op is BROADCAST_LIKE and (isinstance(kept.args[0], Const) or
                                          classes.get(kept.args[0]) == ()):
            spread_constants[kept.out] = kept.args


def _block(block, builder, mapping, classes, spread_constants):
    saved, builder.body = builder.body, []
    _sweep(block.body, builder, mapping, classes, spread_constants)
    body, builder.body = builder.body, saved
    return replace(block, body=tuple(body),
                   results=tuple(substitute(r, mapping) for r in block.results))


def _concrete(c):
    return isinstance(c, tuple) and all(isinstance(n, int) for n in c)


def _rewrite(builder, instr, classes, spread_constants):
    """What the instruction becomes for the known shapes: an atom (the last instruction
    emitted computes it), a replacement instruction, or None to keep it."""
    if instr.op.elementwise and any(a in spread_constants for a in instr.args):
        return _unspread(builder, instr, classes, spread_constants)
    shape = {a: classes[a] if isinstance(a, Var) else () for a in instr.args}
    if not all(map(_concrete, [*shape.values(), classes.get(instr.out)])):
        return None  # a shape not known, or one that loops or branches leave open
    if instr.op.specialize is not None:  # the record's own plain form
        return instr.op.specialize(_emitter(builder, instr), instr, shape)
    return None


def _unspread(builder, instr, classes, spread_constants):
    """An elementwise operation on a broadcast number (a constant, or a value of shape
    class ``()``) can take the number itself when its other operands already give the
    result's shape; on numbers alone, it is the broadcast of its value (computed once,
    on the numbers: ``broadcast_like(1.0, x) / n`` is ``broadcast_like(1.0 / n, x)``)."""
    args = tuple(spread_constants[a][0] if a in spread_constants else a for a in instr.args)
    spread = {k for k, a in enumerate(instr.args) if a in spread_constants}
    others = [classes[a] for k, a in enumerate(args)
              if isinstance(a, Var) and k != instr.op.condition and k not in spread]
    if not others and any(isinstance(a, Var) and k not in spread
                          for k, a in enumerate(args)):
        return None  # np.where(c, 1.0, 0.0): the spread operands give its precision
    if not others or broadcast_class(others) == ():
        likes = [spread_constants[a][1] for a in instr.args if a in spread_constants]
        if any(classes[like] != classes[instr.out] for like in likes):
            return None
        if any(isinstance(a, Var) for a in args):  # the numbers, then their spread
            number = _emitter(builder, instr)(instr.op.name, *args, params=instr.params)
            classes[number] = ()
            return replace(instr, op=BROADCAST_LIKE, args=(number, likes[0]), params=())
    if not others:
        likes = [spread_constants[a][1] for a in instr.args if a in spread_constants]
        if any(classes[like] != classes[instr.out] for like in likes):
            return None
        value = instr.op.implementation(instr.params)(*(a.value for a in args))
        return replace(instr, op=BROADCAST_LIKE, args=(Const(float(value)), likes[0]),
                       params=())
    if broadcast_class(others) != classes[instr.out]:
        return None  # the constant's spread gives the result its shape
    return replace(instr, args=args)


def _emitter(builder, instr):
    """emit(op, *args) appends ``op`` of ``args`` at ``instr``'s line, returns its value."""
    def emit(op, *args, params=()):
        return builder.emit(op, args, params=params, loc=instr.loc)
    return emit
