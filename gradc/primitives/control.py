"""The instructions of structured control flow (ir/control.py builds and reads them) and
of a loop's tape, a plain list: what the adjoint needs is appended while the loop runs
(one tuple per iteration) and popped by the reversed loop.

Their derivatives are not rules of a record: the drivers (passes/reverse_control.py,
passes/forward_control.py) reverse a loop as a loop and a branch as a branch.
"""

from .record import Primitive, register


def _control(name):
    return Primitive(name, None, None, syntax=name, elementwise=False, differentiable=False,
                     control=True)


IF, FOR, WHILE = register(_control("if"), _control("for"), _control("while"))
LOOPS = (FOR, WHILE)


def _push(tape, *values):
    tape.append(values)


def _tape(name, arity, impl, syntax):
    return Primitive(name, arity, None, syntax=syntax, elementwise=False,
                     differentiable=False, effect=True, impl=impl)


TAPE, PUSH, POP = register(
    _tape("tape", 0, list, "list"),
    _tape("push", None, _push, "append"),
    _tape("pop", 1, lambda tape: tape.pop(), "pop"),
)
