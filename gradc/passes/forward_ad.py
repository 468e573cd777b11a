"""Forward-mode differentiation (dual numbers) on SSA IR.

Every parameter ``x`` gets a tangent parameter ``x_dot``; every instruction is followed
by the instructions computing its output's tangent from its inputs' tangents, so each
value travels with its tangent, as a dual number would. The function then returns its
results followed by their tangents.

    func f(%x.0):                        func f(%x.0, %x_dot.1):
      %y.2 = sin %x.0           ->         %y.2 = sin %x.0
      return %y.2                          %3 = cos %x.0
                                           %y_dot.4 = mul %x_dot.1, %3
                                           return %y.2, %y_dot.4

Each primitive's record gives its tangent rule (gradc/primitives): for an elementwise
one the Jacobian is diagonal, so the rule is its vjp rule with the tangent in place of
the cotangent; a multilinear one is itself with the tangent in an argument's place.
"""

from dataclasses import replace

from ..ir.core import Builder, Const, Function, Loc, Param, Var
from ..primitives.control import POP, PUSH
from ..primitives.ops import Ops, apply_jvp
from ..primitives.rewrites import is_number
from ..primitives.shaping import FULL_LIKE
from .activity import vary
from .forward_control import ControlTangents
from .shapes import broadcast_class, shape_classes


def forward(fn: Function, wrt: tuple[int, ...] | None = None) -> Function:
    """``fn`` taking ``(*params, *tangents)`` and returning ``(*results, *tangents)``:
    a tangent for each parameter in ``wrt`` (all by default); the others are constants."""
    builder = Builder.after(fn)
    tangents: dict[Var, Var] = {}
    params = list(fn.params)
    for index in range(len(fn.params)) if wrt is None else wrt:  # tangents in wrt's order
        p = fn.params[index]
        tangents[p.var] = builder.fresh(of=p.var, suffix="dot")
        params.append(Param(tangents[p.var], shape=p.shape))
    varied = set(tangents)
    vary(fn.body, varied)
    _Sweep(builder, tangents, varied, shape_classes(fn)).body(fn.body)
    draft = replace(fn, params=tuple(params), body=tuple(builder.body))
    classes = shape_classes(draft)
    out_tangents = [_result_tangent(builder, r, tangents.get(r) if isinstance(r, Var) else None,
                                    classes) for r in fn.results]
    return replace(draft, body=tuple(builder.body), results=fn.results + tuple(out_tangents))

class _Sweep(ControlTangents):
    """The forward sweep: each instruction, then its output's tangent."""

    def __init__(self, builder, tangents, varied, shapes):
        self.builder, self.tangents, self.varied = builder, tangents, varied
        self.shapes = shapes  # the primal values' shape classes
        self.tape_tangents = {}  # a tape -> the entries pushed with their tangents

    def body(self, instrs):
        for instr in instrs:
            if instr.regions:
                self.control(instr)
            elif instr.op in (PUSH, POP):
                self.tape(instr)
            else:
                self.primitive(instr)

    def primitive(self, instr):
        self.builder.body.append(instr)
        active = [(i, self.tangents[a]) for i, a in enumerate(instr.args)
                  if isinstance(a, Var) and a in self.tangents]
        if active and instr.op.differentiable:
            tangent = _tangent(self.builder, instr, active, self.shapes)
            if not is_number(tangent, 0):  # a constant's tangent: nothing to carry forward
                self.tangents[instr.out] = tangent


def _tangent(builder, instr, active, shapes):
    """The sum over active arguments of (partial derivative) * (argument's tangent),
    each spread over the output's shape where a broadcast operand carried it."""
    loc = replace(instr.loc, role="tangent", note=instr.op.kink)
    ops = Ops(builder, loc, instr)
    if instr.op.join:
        return _join_tangent(ops, instr, dict(active))
    total, carried = None, []
    for index, tangent in active:
        start = len(builder.body)
        contribution = apply_jvp(ops, instr, index, tangent)
        if contribution is None or is_number(contribution, 0):  # np.where's condition, or an
            builder.keep_since(start, [])                    # argument read for its shape
            continue
        builder.keep_since(start, [contribution])
        carried.append(shapes.get(instr.args[index]))
        if total is None:
            total = contribution
        else:
            total = builder.emit("add", (total, contribution), loc=loc)
    if total is None:
        return Const(0)
    if instr.op.elementwise and broadcast_class(carried) != shapes.get(instr.out):
        total = ops.broadcast_like(total, instr.out).atom  # x + c, c an array: x_dot spreads
    if isinstance(total, Var) and not total.hint and total.of is None:
        total = builder.rename(total, len(builder.body) - 1, of=instr.out, suffix="dot")
    return total


def _join_tangent(ops, instr, tangents):
    """A join is linear in all its parts together: join the parts' tangents (zeros for
    parts without one)."""
    parts = [tangents[i] if i in tangents else
             Const(0.0) if isinstance(arg, Const) else ops.full_like(arg, Const(0.0))
             for i, arg in enumerate(instr.args)]
    tangent = ops.call(instr.op, *parts, **instr.op.keyword_arguments(instr.params)).atom
    return ops.builder.rename(tangent, len(ops.builder.body) - 1, of=instr.out, suffix="dot")


def _result_tangent(builder, result, tangent, classes):
    """A result's tangent with the result's shape: zeros where no input reaches it, and
    broadcast where only a smaller operand carried a tangent (x + c for an array c)."""
    if isinstance(result, Const):
        return Const(0.0)
    if tangent is not None and classes.get(tangent, ()) == classes[result]:
        return tangent
    fill = Const(0.0) if tangent is None else tangent
    loc = Loc(0, "", role="tangent")
    return builder.emit(FULL_LIKE, (result, fill), loc=loc, of=result, suffix="dot")
