"""How derivative rules build IR: ``Ops`` emits instructions, and the values a rule
receives and returns (``Value``) have Python's operators, so a rule reads like the math:

    def _sigmoid_vjp(ops, g, x, out):
        return (g * out * (1 - out),)

Every operation is one instruction in the adjoint (or tangent) code, located at the
primal line it differentiates. Calls of other primitives are ``ops.<name>(...)``, spelled
as the primal was (math functions on floats; np.power and math.pow as calls, so the
derivative keeps their semantics).
"""

from ..errors import GradcError
from ..ir.core import Builder, Const, Instr, Loc, Var
from .record import PRIMITIVES, Primitive, lookup


class Value:
    """An IR atom inside a rule, with arithmetic that emits instructions."""

    __slots__ = ("ops", "atom")

    def __init__(self, ops: "Ops", atom):
        self.ops, self.atom = ops, atom

    @property
    def constant(self) -> Const | None:
        """The atom when it is a constant known when compiling (a seed, a zero)."""
        return self.atom if isinstance(self.atom, Const) else None

    def __add__(self, other):
        return self.ops.add(self, other)

    def __radd__(self, other):
        return self.ops.add(other, self)

    def __sub__(self, other):
        return self.ops.sub(self, other)

    def __rsub__(self, other):
        return self.ops.sub(other, self)

    def __mul__(self, other):
        return self.ops.mul(self, other)

    def __rmul__(self, other):
        return self.ops.mul(other, self)

    def __truediv__(self, other):
        return self.ops.div(self, other)

    def __rtruediv__(self, other):
        return self.ops.div(other, self)

    def __pow__(self, other):
        return self.ops.pow(self, other)

    def __matmul__(self, other):
        return self.ops.matmul(self, other)

    def __neg__(self):
        return self.ops.neg(self)


class Ops:
    """Builds IR for a rule; ``primal`` is the instruction being differentiated."""

    def __init__(self, builder: Builder, loc: Loc, primal: Instr | None = None):
        self.builder, self.loc = builder, loc
        self.lib = primal.param("lib", "numpy") if primal else "numpy"
        # np.power(x, y) written as a call keeps being one in its derivative
        self.called: Primitive | None = primal.op if primal is not None and \
            primal.param("form") == "call" else None

    def __getattr__(self, op):
        if op not in PRIMITIVES:
            raise AttributeError(op)
        return lambda *args, **keywords: self.call(op, *args, **keywords)

    def call(self, op, *args, **keywords) -> Value:
        prim = lookup(op)
        params: tuple = (("lib", "math"),) if self.lib == "math" and prim.math else ()
        if prim is self.called:
            params += (("form", "call"),)
        params += tuple(sorted(keywords.items()))
        atoms = tuple(atom_of(a) for a in args)
        return Value(self, self.builder.emit(prim, atoms, params=params, loc=self.loc))

    def wrap(self, atom) -> Value:
        return Value(self, atom)


def atom_of(value):
    """The IR atom for what a rule passes around: a Value, an atom or a Python number."""
    if isinstance(value, Value):
        return value.atom
    if isinstance(value, (Var, Const)):
        return value
    return Const(value)


def atoms_of(values) -> tuple:
    """A rule's results as atoms (None stays None: no derivative flows there)."""
    return tuple(None if v is None else atom_of(v) for v in values)


# ---- applying a record's rules (the drivers in passes/ call these)

# why an adjoint helper has no vjp rule of its own
REVERSE_TWICE = ("for second derivatives use gradc.hvp or gradc.hessian (forward over "
                 "reverse)")


def apply_vjp(ops: Ops, instr: Instr, g) -> tuple:
    """Contributions to each argument's adjoint from ``instr``'s output adjoint ``g``."""
    prim = instr.op
    if not prim.differentiable:
        return (None,) * len(instr.args)
    if prim.vjp is None:
        raise GradcError(f"{prim} (in a derivative) has no reverse-mode rule: {prim.no_vjp}")
    wrap = ops.wrap
    keywords = prim.keyword_arguments(instr.params)
    return atoms_of(prim.vjp(ops, wrap(g), *map(wrap, instr.args), wrap(instr.out),
                             **keywords))


def apply_jvp(ops: Ops, instr: Instr, index: int, tangent):
    """d out / d arg[index] applied to ``tangent`` (None: no derivative flows there)."""
    prim = instr.op
    if prim.jvp is None:
        raise GradcError(f"{prim} has no forward-mode rule yet ({prim.no_jvp})")
    result = prim.jvp(ops, instr, index, ops.wrap(tangent))
    return None if result is None else atom_of(result)


def diagonal_jvp(ops, instr, index, tangent):
    """An elementwise primitive's Jacobian is diagonal: its tangent rule is its vjp rule
    with the tangent in place of the cotangent."""
    return apply_vjp(ops, instr, tangent.atom)[index]


def linear_jvp(ops, instr, index, tangent):
    """Multilinear: the same operation with the tangent in that argument's place."""
    if index not in instr.op.linear_in:
        return Const(0)  # an argument that only gives a shape
    args = list(instr.args)
    args[index] = tangent
    return ops.call(instr.op, *args, **instr.op.keyword_arguments(instr.params))


def tangent_rule(rule):
    """A jvp rule from ``rule(ops, tangent, *args, out, **keywords)``, for a primitive
    with one argument that is neither elementwise nor linear."""
    def jvp(ops, instr, index, tangent):
        wrap = ops.wrap
        keywords = instr.op.keyword_arguments(instr.params)
        return rule(ops, tangent, *map(wrap, instr.args), wrap(instr.out), **keywords)
    return jvp
