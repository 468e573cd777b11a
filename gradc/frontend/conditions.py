"""Lowering of the expressions that branch: ``a and b``, ``a or b``, ``a if c else b`` and
chained comparisons, each an ``if`` instruction whose branches evaluate only what Python
would (``i < n and x[i] > 0`` never reads ``x[n]``).

    y = a if c else b             %y = if %c {then: () -> (%a)} {else: () -> (%b)}
"""

import ast

from ..ir.control import if_instr
from ..ir.core import Atom, Block
from .context import LoweringHost


class Conditions(LoweringHost):
    """Part of the function lowering: the expressions that branch."""

    def _condition(self, node: ast.expr) -> Atom:
        return self._single(node)  # any value: Python's truth testing decides

    def _boolean(self, node: ast.BoolOp):
        """``a and b``: b is evaluated only if a is true, as in Python."""
        value = self._single(node.values[0])
        for operand in node.values[1:]:
            other = lambda operand=operand: [self._single(operand)]  # noqa: E731
            keep = lambda value=value: [value]  # noqa: E731
            if isinstance(node.op, ast.And):
                value = self._choice(value, other, keep)
            else:
                value = self._choice(value, keep, other)
        return value

    def _if_expression(self, node: ast.IfExp):
        return self._choice(self._single(node.test), lambda: [self._single(node.body)],
                            lambda: [self._single(node.orelse)])

    def _chained_comparison(self, node: ast.Compare):
        """``a < b < c``: b is evaluated once, and c only if a < b."""
        left = self._single(node.left)
        value = None
        for op, right_node in zip(node.ops, node.comparators):
            rights: list[Atom] = []  # the right operand, the next comparison's left

            def compare(left=left, op=op, right_node=right_node, rights=rights):
                rights.append(self._single(right_node))
                return [self._comparison(op, left, rights[0])]
            if value is None:
                value = compare()[0]
            else:
                value = self._choice(value, compare, lambda value=value: [value])
            left = rights[0]
        return value

    def _choice(self, cond, then, orelse):
        """The value of ``then()`` if cond else of ``orelse()``, each lowered in its own
        branch."""
        saved_env = dict(self.env)
        then_block, _, (a,) = self._block((), then)
        self.env = dict(saved_env)
        else_block, _, (b,) = self._block((), orelse)
        self.env = saved_env
        out = self.builder.fresh()
        self.memory.share(out, a, b)
        self.builder.body.append(if_instr(
            [out], cond, Block((), then_block.body, (a,)), Block((), else_block.body, (b,)),
            self.loc))
        return out
