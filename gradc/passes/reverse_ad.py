"""Reverse-mode differentiation (backpropagation) on SSA IR.

Sweeps the primal instructions backwards. Each active value has one adjoint
accumulator; every use contributes through its primitive's vjp rule and contributions
are summed (the chain rule in its third form: adjoints of a value used in several places
add up). Adjoint code refers to primal values by name, never recomputes or expands them.

    func f(%x.0, %z.1):                   ... primal instructions ...
      %a.2 = mul %x.0, %z.1        ->       %x_bar.4 = mul %a_bar.3, %z.1
      %b.3 = exp %a.2                       %z_bar.5 = mul %a_bar.3, %x.0
      return %b.3                           return %b.3, %x_bar.4, %z_bar.5

Control flow is reversed structurally (passes/reverse_control.py): an ``if`` by an
``if`` on the same condition, a loop by a loop over the same iterations in reverse.
"""

from dataclasses import replace

from ..ir.control import loop_inits, next_values
from ..ir.core import Block, Builder, Const, Function, Loc, Param, Var, walk
from ..primitives.control import IF
from ..primitives.indexing import ADD_AT, SCATTER_LIKE
from ..primitives.ops import Ops, apply_vjp
from ..primitives.rewrites import is_number
from ..primitives.shaping import BROADCAST_LIKE, FULL_LIKE
from .activity import active_values
from .reverse_control import ControlAdjoints, count_trips, with_pushes
from .shapes import shape_classes


def reverse(fn: Function, wrt: tuple[int, ...], cotangents=False) -> Function:
    """``fn`` extended to return ``(*values, *gradients)``, one gradient per ``wrt`` index.

    The output's adjoint is seeded with 1.0 (a gradient of a scalar), or, with
    ``cotangents``, with one new parameter per result (``y_bar``): a vector-Jacobian
    product."""
    builder = Builder.after(fn)
    fn = count_trips(fn, builder)
    wrt_vars = [fn.params[i].var for i in wrt]
    sweep = _Sweep(builder, active_values(fn, wrt_vars), shape_classes(fn),
                   [p.var for p in fn.params] + [out for i in fn.body for out in i.outs])
    sweep.params = {p.var for p in fn.params}
    seeds: list[Var | Const] = [Const(1.0)]
    if cotangents:
        fresh = [builder.fresh(f"{getattr(r, 'hint', '') or 'out'}_bar") for r in fn.results]
        fn = replace(fn, params=fn.params + tuple(Param(s) for s in fresh))
        seeds = list(fresh)
    for result, seed in zip(fn.results, seeds):
        if isinstance(result, Var) and result in sweep.active:
            sweep.accumulate(result, seed, Loc(0, "", role="grad"), len(builder.body))
    sweep.body(fn.body)
    grads = [sweep.adjoints.get(var, Const(0.0)) for var in wrt_vars]
    adjoint = sweep.witnessed(builder.body)
    primal = with_pushes(fn.body, sweep.pushes)
    return fn.with_body([*sweep.tapes, *primal, *adjoint], [*fn.results, *grads])


class _Sweep(ControlAdjoints):
    """The backward sweep: adjoint code goes to ``builder.body``."""

    def __init__(self, builder, active, shapes, top_level):
        self.builder, self.active, self.shapes = builder, active, shapes
        self.adjoints: dict[Var, Var | Const] = {}
        self.first_of_shape = {}  # a shape class -> the first top-level value with it
        for var in top_level:
            self.first_of_shape.setdefault(shapes.get(var), var)
        self.tapes, self.pushes, self.loop_depth = [], {}, 0
        self.params: set[Var] = set()  # the function's parameters (their adjoints end)

    def body(self, instrs):
        for instr in reversed(instrs):
            if instr.regions:
                self.control(instr)
            else:
                self.primitive(instr)

    def primitive(self, instr):
        g = self.adjoints.pop(instr.out, None)
        if g is None or is_number(g, 0):
            return
        builder = self.builder
        loc = replace(instr.loc, role="grad", note=instr.op.kink)
        start = len(builder.body)
        ops = Ops(builder, loc, instr)
        wanted = [(arg, c) for arg, c in zip(instr.args, apply_vjp(ops, instr, g))
                  if c is not None and isinstance(arg, Var) and arg in self.active]
        # what a rule built for arguments needing no gradient goes (an inactive or
        # constant exponent must not evaluate log(x), even in unoptimized code)
        builder.keep_since(start, [c for _, c in wanted])
        for arg, contribution in wanted:
            if instr.op.elementwise and \
                    self.shapes.get(arg) != self.shapes.get(instr.out):
                # summed back to the operand's shape; to a scalar parameter's, that is a
                # plain sum (within the adjoint, np.sum of a Python float would be a
                # float64 that promotes float32 arrays: _unbroadcast leaves it a float)
                summed = ops.sum(contribution) if self.shapes.get(arg) == () and \
                    (arg in self.params or self._array_shaped(instr.out)) else \
                    ops.unbroadcast(contribution, arg)
                contribution = summed.atom
            self.accumulate(arg, contribution, loc, start)

    def _array_shaped(self, value) -> bool:
        """Whether ``value`` certainly has dimensions (its shape class says so)."""
        shape = self.shapes.get(value)  # () or a tuple of sizes, else a symbolic class
        return isinstance(shape, tuple) and len(shape) > 0 and \
            all(type(size) is int for size in shape)

    def accumulate(self, arg, contribution, loc, start):
        if not isinstance(arg, Var) or arg not in self.active:
            return
        previous = self.adjoints.get(arg)
        if previous is None:
            if isinstance(contribution, Var) and not contribution.hint:
                contribution = self.builder.rename(contribution, start, of=arg)
            self.adjoints[arg] = contribution
        elif not self._added_at(arg, previous, contribution, start):
            self.adjoints[arg] = self.builder.emit("add", (previous, contribution), loc=loc,
                                                   of=arg)

    def _added_at(self, arg, previous, contribution, start) -> bool:
        """A read's contribution (zeros with g at the entries read) added to an adjoint
        that is an array: g added at those entries instead (in place, in codegen), so a
        loop reading x[i] costs what it reads, not x's size per step."""
        if not isinstance(previous, Var):
            return False
        body = self.builder.body
        position = next((k for k in range(len(body) - 1, start - 1, -1)
                         if body[k].outs == (contribution,)), None)
        if position is None or body[position].op is not SCATTER_LIKE:
            return False
        scatter = body[position]
        g, like, *dynamic = scatter.args
        total = self.builder.fresh(of=arg)
        body[position] = replace(scatter, outs=(total,), op=ADD_AT,
                                 args=(previous, g, like, *dynamic))
        self.adjoints[arg] = total
        return True

    def witnessed(self, instrs):
        """Shape-only arguments point to the first value known to have that shape, so a
        value needed for nothing else (the loss under a mean, say) can be left
        uncomputed, and a loop's adjoint need not keep it."""
        rewritten = []
        for instr in instrs:
            position = instr.op.shape_only
            like = instr.args[position] if position is not None else None
            if isinstance(like, Var) and self.shapes.get(like) in self.first_of_shape:
                args = list(instr.args)
                args[position] = self.first_of_shape[self.shapes[like]]
                instr = replace(instr, args=tuple(args))
            rewritten.append(instr)
        return rewritten


def materialize_gradients(fn: Function, wrt: tuple[int, ...]) -> Function:
    """Give constant gradients (after optimization) the shape of their input:
    ``np.full_like(x, c)``, or a float where the source declares ``x: float``; likewise
    a constant a branch yields as a gradient (a zero the simplifier folded, say), and a
    gradient that branches or loops further up may leave a number is spread over its
    input's shape (``_broadcast_like(x_bar, x)``, which returns an array as it is)."""
    builder = Builder.after(fn)
    body = list(fn.body)
    values = len(fn.results) - len(wrt)
    grads = []
    for index, grad in zip(wrt, fn.results[values:]):
        builder.body = body
        param = fn.params[index]
        grad = _shaped_gradient(builder, grad, param)
        if param.shape != () and _may_be_number(grad, _definitions(builder.body)):
            grad = builder.emit(BROADCAST_LIKE, (grad, param.var),
                                loc=Loc(0, "", role="grad"), of=param.var)
        grads.append(grad)
        body = builder.body
    return fn.with_body(body, [*fn.results[:values], *grads])


def _definitions(body) -> dict:
    """Each value a branch or a loop defines -> (the instruction, the out's position)."""
    return {out: (instr, k) for instr in walk(body) if instr.regions
            for k, out in enumerate(instr.outs)}


def _may_be_number(atom, definitions, seen=None) -> bool:
    """Whether ``atom`` may be a constant on some path: a branch yields one, or a loop
    starts from or carries one."""
    if isinstance(atom, Const):
        return True
    seen = set() if seen is None else seen
    if atom not in definitions or atom in seen:
        return False
    seen.add(atom)
    instr, k = definitions[atom]
    if instr.op is IF:
        sources = [block.results[k] for block in instr.regions]
    else:
        sources = [loop_inits(instr)[k], next_values(instr)[k]]
    return any(_may_be_number(s, definitions, seen) for s in sources)


def _shaped_gradient(builder, grad, param):
    """``grad`` (appended to ``builder.body``, whose end defines it) with ``param``'s
    shape where it is a constant, in the branches of the ``if`` that yields it too."""
    if isinstance(grad, Const) and param.shape == ():
        return Const(float(grad.value))
    if isinstance(grad, Const):
        return builder.emit(FULL_LIKE, (param.var, Const(float(grad.value))),
                            loc=Loc(0, "", role="grad"), of=param.var)
    position, instr = next(((k, i) for k, i in enumerate(builder.body) if grad in i.outs),
                           (None, None))
    if instr is not None and instr.op is IF:
        slot = instr.outs.index(grad)
        builder.body[position] = replace(instr, regions=tuple(
            _branch_shaped(builder, block, slot, param) for block in instr.regions))
    return grad


def _branch_shaped(builder, block, slot, param):
    saved, builder.body = builder.body, list(block.body)
    result = _shaped_gradient(builder, block.results[slot], param)
    body, builder.body = builder.body, saved
    results = block.results[:slot] + (result,) + block.results[slot + 1:]
    return Block(block.params, tuple(body), results)
