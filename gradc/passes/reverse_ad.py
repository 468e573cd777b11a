"""Reverse-mode differentiation (backpropagation) on SSA IR.

Sweeps the primal instructions backwards. Each active value has one adjoint
accumulator; every use contributes through its primitive's vjp rule and contributions
are summed (the chain rule in its third form: adjoints of a value used in several places
add up). Adjoint code refers to primal values by name, never recomputes or expands them.

    func f(%x.0, %z.1):                   ... primal instructions ...
      %a.2 = mul %x.0, %z.1        ->       %x_bar.4 = mul %a_bar.3, %z.1
      %b.3 = exp %a.2                       %z_bar.5 = mul %a_bar.3, %x.0
      return %b.3                           return %b.3, %x_bar.4, %z_bar.5
"""

from dataclasses import replace

from ..ir.core import Builder, Const, Function, Loc, Param, Var
from ..ir.primitives import PRIMITIVES
from .activity import active_values
from .shapes import shape_classes
from .vjp_rules import Ops, vjp


def reverse(fn: Function, wrt: tuple[int, ...], cotangents=False) -> Function:
    """``fn`` extended to return ``(*values, *gradients)``, one gradient per ``wrt`` index.

    The output's adjoint is seeded with 1.0 (a gradient of a scalar), or, with
    ``cotangents``, with one new parameter per result (``y_bar``): a vector-Jacobian
    product."""
    builder = Builder.after(fn)
    builder.body = list(fn.body)
    wrt_vars = [fn.params[i].var for i in wrt]
    active = active_values(fn, wrt_vars)
    shapes = shape_classes(fn)
    adjoints: dict[Var, Var | Const] = {}
    seeds = [Const(1.0)]
    if cotangents:
        seeds = [builder.fresh(f"{getattr(r, 'hint', '') or 'out'}_bar") for r in fn.results]
        fn = replace(fn, params=fn.params + tuple(Param(s) for s in seeds))
    for result, seed in zip(fn.results, seeds):
        if isinstance(result, Var) and result in active:
            previous = adjoints.get(result)
            adjoints[result] = seed if previous is None else builder.emit(
                "add", (previous, seed), loc=Loc(0, "", role="grad"), of=result)
    for instr in reversed(fn.body):
        g = adjoints.pop(instr.out, None)
        if g is None or _is_zero(g):
            continue
        loc = replace(instr.loc, role="grad", note=PRIMITIVES[instr.op].kink)
        start = len(builder.body)
        ops = Ops(builder, loc, instr)
        wanted = [(arg, c) for arg, c in zip(instr.args, vjp(ops, instr, g))
                  if c is not None and isinstance(arg, Var) and arg in active]
        # what a rule built for arguments needing no gradient goes (an inactive or
        # constant exponent must not evaluate log(x), even in unoptimized code)
        builder.keep_since(start, [c for _, c in wanted])
        for arg, contribution in wanted:
            if PRIMITIVES[instr.op].elementwise and shapes[arg] != shapes[instr.out]:
                # summed back to the operand's shape; to a scalar's, that is a plain sum
                contribution = ops.sum(contribution) if shapes[arg] == () else \
                    ops.unbroadcast(contribution, arg)
            _accumulate(builder, adjoints, arg, contribution, loc, start)
    grads = [adjoints.get(var, Const(0.0)) for var in wrt_vars]
    body = _earliest_shape_witnesses(builder.body, len(fn.body), shapes, fn.params)
    return fn.with_body(body, [*fn.results, *grads])


# arguments read only for their shape
_SHAPE_ONLY = {op: p.like for op, p in PRIMITIVES.items() if p.like is not None}
_SHAPE_ONLY["size"] = 0


def _earliest_shape_witnesses(body, primal_count, shapes, params):
    """Shape-only arguments point to the first value known to have that shape, so a
    value needed for nothing else (the loss under a mean, say) can be left uncomputed."""
    first = {}
    for var in [p.var for p in params] + [i.out for i in body[:primal_count]]:
        first.setdefault(shapes.get(var), var)
    rewritten = list(body[:primal_count])
    for instr in body[primal_count:]:
        position = _SHAPE_ONLY.get(instr.op)
        like = instr.args[position] if position is not None else None
        if isinstance(like, Var) and like in shapes:
            args = list(instr.args)
            args[position] = first[shapes[like]]
            instr = replace(instr, args=tuple(args))
        rewritten.append(instr)
    return rewritten


def _accumulate(builder, adjoints, arg, contribution, loc, start):
    previous = adjoints.get(arg)
    if previous is None:
        if isinstance(contribution, Var) and not contribution.hint:
            contribution = builder.rename(contribution, start, of=arg)
        adjoints[arg] = contribution
    else:
        adjoints[arg] = builder.emit("add", (previous, contribution), loc=loc, of=arg)


def materialize_gradients(fn: Function, wrt: tuple[int, ...]) -> Function:
    """Give constant gradients (after optimization) the shape of their input:
    ``np.full_like(x, c)``, or a float where the source declares ``x: float``."""
    builder = Builder.after(fn)
    builder.body = list(fn.body)
    values = len(fn.results) - len(wrt)
    grads = []
    for index, grad in zip(wrt, fn.results[values:]):
        param = fn.params[index]
        if isinstance(grad, Const) and param.shape == ():
            grad = Const(float(grad.value))
        elif isinstance(grad, Const):
            grad = builder.emit("full_like", (param.var, Const(float(grad.value))),
                                loc=Loc(0, "", role="grad"), of=param.var)
        grads.append(grad)
    return fn.with_body(builder.body, [*fn.results[:values], *grads])


def _is_zero(atom):
    return isinstance(atom, Const) and atom.value == 0
