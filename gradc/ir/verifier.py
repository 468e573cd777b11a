"""Structural checks on IR, run after every pass in the tests.

Checks: every value is defined once, before it is used (a loop body's values only inside
it); each op is a declared primitive called with its arity, or a control-flow
instruction whose blocks match its operands and outs; results are defined.
"""

from ..primitives import PRIMITIVES
from ..primitives.control import IF, LOOPS
from .control import carried_params, loop_inits, next_values
from .core import Function, Var


class VerificationError(Exception):
    """The IR breaks an invariant: a compiler bug, never a user error."""


def verify(fn: Function) -> Function:
    _Verifier(fn.name).function(fn)
    return fn


class _Verifier:
    def __init__(self, name):
        self.name = name
        self.ever: set[int] = set()

    def fail(self, message):
        raise VerificationError(f"{self.name}: {message}")

    def function(self, fn):
        visible = set()
        for param in fn.params:
            self.define(param.var, visible)
        self.body(fn.body, visible)
        self.use(fn.results, visible, "return")

    def define(self, var, visible):
        if var.id in self.ever:
            self.fail(f"{var} defined twice")
        self.ever.add(var.id)
        visible.add(var.id)

    def use(self, atoms, visible, where):
        for atom in atoms:
            if isinstance(atom, Var) and atom.id not in visible:
                self.fail(f"{atom} used before definition in {where}")

    def body(self, body, visible):
        for instr in body:
            self.use(instr.args, visible, instr.op)
            if instr.regions:
                self.control(instr, visible)
            else:
                self.primitive(instr)
            for out in instr.outs:
                self.define(out, visible)

    def block(self, block, visible, arity):
        if len(block.params) != arity:
            self.fail(f"a block takes {arity} parameters, got {len(block.params)}")
        for param in block.params:
            self.define(param, visible)
        self.body(block.body, visible)
        self.use(block.results, visible, "a block's results")

    def control(self, instr, visible):
        if instr.op is IF:
            for branch in instr.regions:  # branch values stay visible (Python scoping)
                self.block(branch, visible, 0)
                self.count(branch.results, instr.outs, "if")
            return
        if instr.op not in LOOPS:
            self.fail(f"unknown control-flow instruction {instr.op!r}")
        inits = loop_inits(instr)
        self.count(inits, instr.outs, instr.op)
        for block in instr.regions:  # a loop body's values stay inside it
            self.block(block, set(visible), len(block.params))
        self.count(carried_params(instr), inits, instr.op)
        self.count(next_values(instr), inits, instr.op)

    def count(self, got, wanted, what):
        if len(got) != len(wanted):
            self.fail(f"{what}: {len(got)} values where {len(wanted)} are carried")

    def primitive(self, instr):
        prim = instr.op
        if PRIMITIVES.get(prim.name) is not prim:
            self.fail(f"unknown primitive {prim!r}")
        if prim.arity is not None and len(instr.args) != prim.arity:
            self.fail(f"{instr.op} takes {prim.arity} arguments, got {len(instr.args)}")
