"""Lowering of control flow: ``if``, loops, ``break``/``continue``/``return`` inside them,
and the expressions that branch (``and``, ``or``, ``a if c else b``, chained comparisons).

Names assigned in a branch or a loop body become the outs of the ``if`` or the carried
values of the loop (ir/control.py). Jumps become flags in the environment, under names
no source name can take: ``$skip`` (the rest of this iteration does not run), ``$exit``
(the loop stops after this iteration), ``$ret`` and ``$value0...`` (the function has
returned, and with what). Statements after one that may jump run under ``if not $skip``.
A ``return`` outside loops needs no flag: the statements after an ``if`` that may return
are lowered into each branch that may fall through, so every path ends in its return.

    if x > 0:                     %y = if %c {then: ... -> (%a)} {else: () -> (%x)}
        y = 2 * x          ->
    for i in range(n):            %s.3 = for 0, %n, 1, %s.1 {(%i, %s.2) -> (%s.4)}
        s = s * x
"""

import ast
from dataclasses import replace

from ..ir.control import for_instr, if_instr, while_instr
from ..ir.core import Block, Const

_FALSE, _TRUE = Const(False), Const(True)
_FLAGS = ("$skip", "$exit")


class ControlFlow:
    """Mixin of the function lowering: needs ``info``, ``env``, ``builder``, ``loc``,
    ``_statement``, ``_single``, ``_values`` and ``_emit``."""

    in_loop = False

    # ---- sequences of statements

    def _run_statements(self, stmts) -> list | None:
        """Lower ``stmts``; the returned values if every path through them returns."""
        for index, stmt in enumerate(stmts):
            rest = stmts[index + 1:]
            self.loc = self._loc(stmt)
            if isinstance(stmt, ast.Return):
                return self._jump_return(stmt) if self.in_loop else self._return(stmt)
            if isinstance(stmt, ast.Break | ast.Continue):
                self._jump(stmt)
                return None
            if isinstance(stmt, ast.If) and not self.in_loop and _returns_in(stmt):
                return self._returning_if(stmt, rest)
            self._statement(stmt)
            if not self.in_loop and self.env.get("$ret", _FALSE) != _FALSE:
                return self._after_returning_loop(rest)
            if self.in_loop and self.env.get("$skip", _FALSE) != _FALSE:
                self._guarded(rest)
                return None
        return None

    def _jump(self, stmt):
        if not self.in_loop:
            word = "break" if isinstance(stmt, ast.Break) else "continue"
            raise self.info.error(stmt, f"'{word}' outside a loop")
        self.env["$skip"] = _TRUE
        if isinstance(stmt, ast.Break):
            self.env["$exit"] = _TRUE

    def _jump_return(self, stmt):
        values = self._return(stmt)
        self._check_return_count(stmt, len(values))
        for index, value in enumerate(values):
            self.env[f"$value{index}"] = value
        self.env.update({"$ret": _TRUE, "$skip": _TRUE, "$exit": _TRUE})
        return None

    def _check_return_count(self, stmt, count):
        expected = getattr(self, "return_count", None)
        if expected is not None and expected != count:
            raise self.info.error(stmt, f"this return gives {count} values, another "
                                        f"gives {expected}")
        self.return_count = count

    def _guarded(self, rest):
        """The statements after a possible jump run only if it did not happen."""
        skip = self.env["$skip"]
        if skip == _TRUE or not rest:
            return

        def skipped():
            self.env["$skip"] = _TRUE

        def run_rest():  # where the rest runs, nothing jumped
            self.env.update({flag: _FALSE for flag in _FLAGS})
            self._run_statements(rest)
        self._branches(skip, skipped, run_rest)

    def _returning_if(self, stmt, rest) -> list:
        """``if`` with a return in it: the rest of the function goes into each branch
        that may fall through, so the ``if``'s outs are the function's results."""
        cond = self._condition(stmt.test)
        then, orelse = stmt.body + rest, (stmt.orelse or []) + rest
        return self._branches(cond, lambda: self._run_statements(then),
                              lambda: self._run_statements(orelse), returning=True)

    def _after_returning_loop(self, rest) -> list:
        """After a loop that may have returned: return its value, or run the rest."""
        returned = self.env.pop("$ret")
        count = self.return_count
        values = [self.env.pop(f"$value{i}") for i in range(count)]
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
        outs = [self.builder.fresh(_hint(name)) for name in names]
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
        jumped = [env.get("$skip") == _TRUE or self.info.generated
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

    def _forget(self, name, before, why):
        if not name.startswith("$"):
            self.unavailable[name] = why

    def _block(self, params, lower):
        """Lower into a fresh instruction list: (block, environment after, results)."""
        saved, start = self.builder.body, self.statement_start
        self.builder.body, self.statement_start = [], 0
        results = lower()
        block = Block(tuple(params), tuple(self.builder.body), ())
        self.builder.body, self.statement_start = saved, start
        return block, self.env, results

    # ---- loops

    def _for(self, stmt: ast.For):
        self._check_no_else(stmt, "for")
        bounds, bind, backwards = self._iteration(stmt)
        carried = self._carried(stmt)
        inits = [self.env[name] for name in carried]
        hidden = not _is_call(stmt.iter, "range") and not _is_call(stmt.iter, "reversed") \
            and not _is_call(stmt.iter, "enumerate")
        index = self.builder.fresh("index" if hidden else _target_hint(stmt.target))
        params = [self.builder.fresh(_hint(name)) for name in carried]

        def body():
            bind(index)
            return self._loop_body(stmt.body, carried)
        self._loop(stmt, carried, inits, params, body, [index],
                   lambda outs, block: for_instr(outs, bounds, inits, block, self.loc,
                                                 backwards))
        self._unbind_target(stmt.target)

    def _while(self, stmt: ast.While):
        self._check_no_else(stmt, "while")
        carried = self._carried(stmt)
        inits = [self.env[name] for name in carried]
        cond_params = [self.builder.fresh(_hint(name)) for name in carried]
        before = dict(self.env)
        self.env.update(zip(carried, cond_params))
        block, _, test = self._block(cond_params, lambda: self._condition(stmt.test))
        cond = Block(block.params, block.body, (test,))
        self.env = before
        params = [self.builder.fresh(_hint(name)) for name in carried]
        self._loop(stmt, carried, inits, params,
                   lambda: self._loop_body(stmt.body, carried), [],
                   lambda outs, block: while_instr(outs, inits, cond, block, self.loc))

    def _loop(self, stmt, carried, inits, params, body, leading, make):
        loc, start = self._loc(stmt), self.statement_start
        before, was_in_loop = dict(self.env), self.in_loop
        self.env.update(zip(carried, params))
        self.env.update({flag: _FALSE for flag in _FLAGS})
        self.in_loop = True
        block, _, results = self._block([*leading, *params], body)
        self.in_loop = was_in_loop
        outs = [self.builder.fresh(_hint(name)) for name in carried]
        self.loc = loc
        instr = make(outs, Block(block.params, block.body, tuple(results)))
        if len(results) > len(carried):  # led by whether to stop
            instr = replace(instr, params=instr.params + (("exits", True),))
        self.builder.body.append(instr)
        self.env = before
        self.env.update(zip(carried, outs))
        for name in _assigned(stmt.body) - set(carried):
            self._forget(name, before, "is assigned only inside a loop")
            self.env.pop(name, None)
        self.statement_start = start
        if self.in_loop and "$ret" in carried:  # a return inside leaves this loop too
            self.env["$skip"] = self.env["$exit"] = self.env["$ret"]

    def _loop_body(self, stmts, carried) -> list:
        """The next carried values, led by whether to stop when the loop may exit."""
        self._run_statements(stmts)
        results = [self.env[name] for name in carried]
        exit_flag = self.env["$exit"]
        if exit_flag == _FALSE:
            return results
        return [exit_flag, *results]

    def _carried(self, stmt) -> list:
        """The names the loop reassigns that exist before it, and the return flags."""
        names = sorted(name for name in _assigned(stmt.body) if name in self.env)
        if not _returns_in(stmt):
            return names
        if "$ret" not in self.env:  # the outermost loop with a return in it
            self._check_return_count(stmt, _return_count(self.info, stmt))
            self.env["$ret"] = _FALSE
            for index in range(self.return_count):
                self.env[f"$value{index}"] = Const(0.0)
        return names + ["$ret"] + [f"$value{i}" for i in range(self.return_count)]

    def _check_no_else(self, stmt, word):
        if stmt.orelse:
            raise self.info.error(stmt, f"'{word} ... else' is not supported",
                                  "use a flag set before 'break'")

    def _unbind_target(self, target):
        for name in _target_names(target):
            self.env.pop(name, None)
            self.unavailable[name] = "is a loop variable, not available after its loop"

    # ---- what a for loop iterates over

    def _iteration(self, stmt):
        """(range bounds, a binder of the target from the index, reversed?)."""
        node, target = stmt.iter, stmt.target
        backwards = _is_call(node, "reversed")
        if backwards:
            if not _is_call(node.args[0], "range"):
                raise self.info.error(node, "reversed() is supported over range() only")
            node = node.args[0]
        if _is_call(node, "range"):
            bounds = self._range_bounds(node)
            return bounds, lambda index: self._bind_target(target, index), backwards
        if _is_call(node, "enumerate"):
            if len(node.args) != 1 or not _is_pair(target):
                raise self.info.error(node, "use: for i, item in enumerate(sequence)")
            length, read = self._sequence_reader(node.args[0])

            def bind(index):
                self._bind_target(target.elts[0], index)
                self._bind_target(target.elts[1], read(index))
            return (Const(0), length, Const(1)), bind, False
        if _is_call(node, "zip"):
            readers = [self._sequence_reader(arg) for arg in node.args]
            names = target.elts if isinstance(target, ast.Tuple) else []
            if len(names) != len(readers):
                raise self.info.error(target, f"unpack zip's {len(readers)} items into "
                                              f"{len(readers)} names")
            length = readers[0][0]
            for other, _ in readers[1:]:
                length = self._emit("minimum", length, other)

            def bind(index):
                for name, (_, read) in zip(names, readers):
                    self._bind_target(name, read(index))
            return (Const(0), length, Const(1)), bind, False
        length, read = self._sequence_reader(node)
        return (Const(0), length, Const(1)), \
            lambda index: self._bind_target(target, read(index)), False

    def _range_bounds(self, node):
        if node.keywords or not 1 <= len(node.args) <= 3:
            raise self.info.error(node, "range() takes 1 to 3 arguments")
        args = [self._single(a) for a in node.args]
        if len(args) == 1:
            return Const(0), args[0], Const(1)
        return args[0], args[1], args[2] if len(args) == 3 else Const(1)

    def _sequence_reader(self, node):
        """(length, item at a run-time index) for an array (its rows) or a range."""
        if _is_call(node, "range"):
            start, stop, step = self._range_bounds(node)
            if step != Const(1):
                raise self.info.error(node, "enumerate/zip over range() take step 1 only")
            length = self._emit("maximum", self._emit("sub", stop, start), Const(0))
            return length, lambda index: self._emit("add", start, index)
        array = self._single(node)
        length = self._emit("size", array, params=(("axis", 0),))
        return length, lambda index: self._emit("getitem", array, index,
                                                params=(("index", (("arg", 0),)),))

    def _bind_target(self, target, atom):
        if not isinstance(target, ast.Name):
            raise self.info.error(target, "the loop target must be a name here")
        self._bind(target.id, atom)

    # ---- conditions and the expressions that branch

    def _condition(self, node):
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
            rights = []  # the right operand, the next comparison's left

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
        self.builder.body.append(if_instr(
            [out], cond, Block((), then_block.body, (a,)), Block((), else_block.body, (b,)),
            self.loc))
        return out


def _hint(name):
    if name.startswith("$value") or name.startswith("result"):
        return ""
    return name.lstrip("$")


def _target_hint(target):
    """The loop index's name: the target's, or enumerate's first; ``index`` when hidden."""
    if isinstance(target, ast.Tuple) and target.elts:
        target = target.elts[0]
    return target.id if isinstance(target, ast.Name) else "index"


def _target_names(target):
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _is_call(node, name):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == name and len(node.args) >= 1)


def _is_pair(target):
    return isinstance(target, ast.Tuple) and len(target.elts) == 2


def _assigned(stmts) -> set[str]:
    names = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _returns_in(stmt) -> bool:
    return any(isinstance(node, ast.Return) for node in ast.walk(stmt))


def _return_count(info, stmt) -> int:
    counts = {len(n.value.elts) if isinstance(n.value, ast.Tuple) else 1
              for n in ast.walk(stmt) if isinstance(n, ast.Return) and n.value is not None}
    if len(counts) > 1:
        raise info.error(stmt, "the returns in this loop give different numbers of values")
    return counts.pop() if counts else 1
