"""Structural checks on IR, run after every pass in the tests.

Checks: every value is defined once, before it is used; each op is a declared primitive
called with its arity; results are defined.
"""

from .core import Function, Var
from .primitives import PRIMITIVES


class VerificationError(Exception):
    """The IR breaks an invariant: a compiler bug, never a user error."""


def verify(fn: Function) -> Function:
    defined: set[int] = set()

    def define(var):
        if var.id in defined:
            raise VerificationError(f"{fn.name}: {var} defined twice")
        defined.add(var.id)

    def use(atom, where):
        if isinstance(atom, Var) and atom.id not in defined:
            raise VerificationError(f"{fn.name}: {atom} used before definition in {where}")

    for param in fn.params:
        define(param.var)
    for instr in fn.body:
        prim = PRIMITIVES.get(instr.op)
        if prim is None:
            raise VerificationError(f"{fn.name}: unknown primitive {instr.op!r}")
        if prim.arity is not None and len(instr.args) != prim.arity:
            raise VerificationError(
                f"{fn.name}: {instr.op} takes {prim.arity} arguments, got {len(instr.args)}")
        for arg in instr.args:
            use(arg, instr.op)
        for out in instr.outs:
            define(out)
    for result in fn.results:
        use(result, "return")
    return fn
