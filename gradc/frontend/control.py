"""Lowering of branches and jumps: ``if``, and ``break``/``continue``/``return`` anywhere
(loops: frontend/loops.py; ``and``, ``or``, ``a if c else b``: frontend/conditions.py).

Names assigned in a branch become the outs of the ``if`` (ir/control.py). Jumps become
flags in the environment, under names no source name can take: ``$skip`` (the rest of
this iteration does not run), ``$exit`` (the loop stops after this iteration), ``$ret``
and ``$value0...`` (the function has returned, and with what). Statements after one that
may jump run under ``if not $skip``. A ``return`` outside loops needs no flag: the
statements after an ``if`` that may return are lowered into each branch that may fall
through, so every path ends in its return.

    if x > 0:                     %y = if %c {then: ... -> (%a)} {else: () -> (%x)}
        y = 2 * x          ->
"""

import ast
from collections.abc import Callable, Sequence

from ..ir.control import if_instr
from ..ir.core import Atom, Block, Const, Var
from .context import Env, LoweringHost, Result

FALSE, TRUE = Const(False), Const(True)
JUMP_FLAGS = ("$skip", "$exit")


class ControlFlow(LoweringHost):
    """Part of the function lowering: sequences of statements, ``if`` and jumps."""

    in_loop = False
    return_count: int | None = None

    # ---- sequences of statements

    def _run_statements(self, stmts: list[ast.stmt]) -> list[Atom] | None:
        """Lower ``stmts``; the returned values if every path through them returns."""
        for index, stmt in enumerate(stmts):
            rest = stmts[index + 1:]
            self.loc = self._loc(stmt)
            if isinstance(stmt, ast.Return):
                return self._jump_return(stmt) if self.in_loop else self._return(stmt)
            if isinstance(stmt, ast.Break | ast.Continue):
                self._jump(stmt)
                return None
            if isinstance(stmt, ast.If) and not self.in_loop and returns_in(stmt):
                return self._returning_if(stmt, rest)
            self._statement(stmt)
            if not self.in_loop and self.env.get("$ret", FALSE) != FALSE:
                return self._after_returning_loop(rest, stmt)
            if self.in_loop and self.env.get("$skip", FALSE) != FALSE:
                self._guarded(rest)
                return None
        return None

    def _jump(self, stmt):
        if not self.in_loop:
            word = "break" if isinstance(stmt, ast.Break) else "continue"
            raise self.info.error(stmt, f"'{word}' outside a loop")
        self.env["$skip"] = TRUE
        if isinstance(stmt, ast.Break):
            self.env["$exit"] = TRUE

    def _jump_return(self, stmt):
        values = self._return(stmt)
        self._check_return_count(stmt, len(values))
        for index, value in enumerate(values):
            self.env[f"$value{index}"] = value
        self.env.update({"$ret": TRUE, "$skip": TRUE, "$exit": TRUE})
        return None

    def _check_return_count(self, stmt: ast.stmt, count: int) -> None:
        if self.return_count not in (None, count):
            raise self.info.error(stmt, f"this return gives {count} values, another "
                                        f"gives {self.return_count}")
        self.return_count = count

    def _returned_value_names(self) -> list[str]:
        """The names holding the values a return inside a loop gives: $value0..."""
        assert self.return_count is not None, "counted at the outermost loop with a return"
        return [f"$value{index}" for index in range(self.return_count)]

    def _guarded(self, rest):
        """The statements after a possible jump run only if it did not happen."""
        skip = self.env["$skip"]
        if skip == TRUE or not rest:
            return

        def skipped():
            self.env["$skip"] = TRUE

        def run_rest():  # where the rest runs, nothing jumped
            self.env.update({flag: FALSE for flag in JUMP_FLAGS})
            self._run_statements(rest)
        self._branches(skip, skipped, run_rest)

    def _returning_if(self, stmt, rest) -> list:
        """``if`` with a return in it: the rest of the function goes into each branch
        that may fall through, so the ``if``'s outs are the function's results."""
        cond = self._condition(stmt.test)
        then, orelse = stmt.body + rest, (stmt.orelse or []) + rest
        return self._branches(cond, lambda: self._run_statements(then),
                              lambda: self._run_statements(orelse), returning=True)

    def _after_returning_loop(self, rest, loop) -> list:
        """After a loop that may have returned: return its value, or run the rest (a
        ``while True:`` that only a return leaves has no rest: it returned)."""
        returned = self.env.pop("$ret")
        values = [self.env.pop(name) for name in self._returned_value_names()]
        if _left_only_by_return(loop):
            return values
        return self._branches(returned, lambda: values, lambda: self._run_statements(rest),
                              returning=True)

    # ---- if

    def _if(self, stmt: ast.If):
        cond = self._condition(stmt.test)
        self._branches(cond, lambda: self._run_statements(stmt.body),
                       lambda: self._run_statements(stmt.orelse))

    def _branches(self, cond, then, orelse, returning=False):
        """An ``if`` instruction from two branch lowerings. ``returning``: both branches
        return, and the outs are the function's results; otherwise the names whose
        values differ between the branches become its outs."""
        loc, start = self.loc, self.statement_start
        before = dict(self.env)
        then_block, then_env, then_results = self._block((), then)
        self.env = dict(before)
        else_block, else_env, else_results = self._block((), orelse)
        if returning:
            if then_results is None or else_results is None:
                raise self.info.error(self.info.functions[self.call_stack[-1]],
                                      "the function may end without returning a value")
            if len(then_results) != len(else_results):
                raise self.info.error(self.info.functions[self.call_stack[-1]],
                                      "the function's returns give different numbers of "
                                      "values")
            merged = list(zip(then_results, else_results))
            names = [f"result{i}" for i in range(len(merged))]
        else:
            names, merged = self._merge(before, then_env, else_env)
        outs = [self.builder.fresh(name_hint(name)) for name in names]
        for out, pair in zip(outs, merged):
            self.memory.share(out, *pair)
        then_block = Block((), then_block.body, tuple(m[0] for m in merged))
        else_block = Block((), else_block.body, tuple(m[1] for m in merged))
        self.builder.body.append(if_instr(outs, cond, then_block, else_block, loc))
        self.env.update(zip(names, outs))
        self.loc, self.statement_start = loc, start
        return outs if returning else None

    def _merge(self, before, then_env, else_env):
        """Names bound on both paths with different values (phis), and the rest."""
        names, merged = [], []
        self.env = {}
        # a name bound on one path only is kept, with a placeholder that is never read
        # from the other path, where that path jumped (it reads nothing more), and in
        # gradc's own code (an adjoint branch reads it under the same condition)
        jumped = [env.get("$skip") == TRUE or self.info.generated
                  for env in (then_env, else_env)]
        for name in then_env.keys() | else_env.keys():
            a, b = then_env.get(name), else_env.get(name)
            if ((a is None and jumped[0]) or (b is None and jumped[1])) and name not in before:
                names.append(name)
                merged.append((Const(0.0) if a is None else a, Const(0.0) if b is None else b))
            elif a is None or b is None:
                self._forget(name, before, "is assigned in only one branch of an 'if'")
            elif a == b:
                self.env[name] = a
            else:
                names.append(name)
                merged.append((a, b))
        order = sorted(range(len(names)), key=lambda k: names[k])
        return [names[k] for k in order], [merged[k] for k in order]

    def _forget(self, name: str, before: Env, why: str) -> None:
        if not name.startswith("$"):
            self.unavailable[name] = why

    def _block(self, params: Sequence[Var],
               lower: Callable[[], Result]) -> tuple[Block, Env, Result]:
        """Lower into a fresh instruction list: (block, environment after, results)."""
        saved, start = self.builder.body, self.statement_start
        self.builder.body, self.statement_start = [], 0
        results = lower()
        block = Block(tuple(params), tuple(self.builder.body), ())
        self.builder.body, self.statement_start = saved, start
        return block, self.env, results


def name_hint(name):
    """The hint of a value bound to ``name``: a flag keeps its word (skip, exit, ret), a
    returned value is a temporary."""
    if name.startswith("$value") or name.startswith("result"):
        return ""
    return name.lstrip("$")


def _left_only_by_return(loop) -> bool:
    """``while True:`` without a break of its own (breaks of inner loops are theirs)."""
    if not (isinstance(loop, ast.While) and isinstance(loop.test, ast.Constant)
            and loop.test.value is True):
        return False
    pending: list[ast.AST] = list(loop.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Break):
            return False
        if not isinstance(node, ast.For | ast.While | ast.FunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return True


def returns_in(stmt) -> bool:
    return any(isinstance(node, ast.Return) for node in ast.walk(stmt))
