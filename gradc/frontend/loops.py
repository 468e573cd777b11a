"""Lowering of loops: ``for`` over a range, an array's rows, ``enumerate`` and ``zip``;
``while``; with ``break``, ``continue`` and ``return`` inside them.

Names the body reassigns that exist before the loop become its carried values (ir/
control.py); names first assigned inside it are not available after it, nor is the loop
variable. A loop that may exit early yields whether to stop before its carried values.

    for i in range(n):            %s.3 = for 0, %n, 1, %s.1 {(%i, %s.2) -> (%s.4)}
        s = s * x
"""

import ast
from dataclasses import replace

from ..ir.control import for_instr, while_instr
from ..ir.core import Atom, Block, Const, Var
from ..primitives.indexing import ADD_AT
from .context import LoweringHost
from .control import FALSE, JUMP_FLAGS, name_hint, returns_in
from .lists import appended_to
from .storage import LoopScope


class Loops(LoweringHost):
    """Part of the function lowering: ``for`` and ``while`` loops."""

    # ---- loops

    def _for(self, stmt: ast.For):
        self._check_no_else(stmt, "for")
        bounds, bind, backwards = self._iteration(stmt)
        count = self._trip_count(stmt, bounds)
        carried = self._carried(stmt)
        inits = [self.env[name] for name in carried]
        hidden = not _is_call(stmt.iter, "range") and not _is_call(stmt.iter, "reversed") \
            and not _is_call(stmt.iter, "enumerate")
        index = self.builder.fresh("index" if hidden else _targetname_hint(stmt.target))
        params = [self.builder.fresh(name_hint(name)) for name in carried]

        def body():
            bind(index)
            return self._loop_body(stmt.body, carried)
        self._loop(stmt, carried, inits, params, body, [index],
                   lambda outs, block: for_instr(outs, bounds, inits, block, self.loc,
                                                 backwards), _runs(bounds),
                   (index, bounds, count))
        self._unbind_target(stmt.target)

    def _while(self, stmt: ast.While):
        self._check_no_else(stmt, "while")
        carried = self._carried(stmt)
        inits = [self.env[name] for name in carried]
        cond_params = [self.builder.fresh(name_hint(name)) for name in carried]
        for param, init in zip(cond_params, inits):
            self.memory.share(param, init)
        before = dict(self.env)
        self.env.update(zip(carried, cond_params))
        block, _, test = self._block(cond_params, lambda: self._condition(stmt.test))
        cond = Block(block.params, block.body, (test,))
        self.env = before
        params = [self.builder.fresh(name_hint(name)) for name in carried]
        self._loop(stmt, carried, inits, params,
                   lambda: self._loop_body(stmt.body, carried), [],
                   lambda outs, block: while_instr(outs, inits, cond, block, self.loc))

    def _loop(self, stmt, carried, inits, params, body, leading, make, runs=False,
              counted=(None, ())):
        """``runs``: the body certainly runs (a constant range that is not empty);
        ``counted``: a for loop's index and range bounds (lists append by them)."""
        loc, start = self._loc(stmt), self.statement_start
        before, was_in_loop = dict(self.env), self.in_loop
        self.env.update(zip(carried, params))
        followers = self._followers(stmt, carried, before)
        for name, leader in followers.items():  # a = x before the loop, which writes a[i]
            self.env[name] = self.env[leader]
        self.env.update({flag: FALSE for flag in JUMP_FLAGS})
        self.in_loop = True
        scope = LoopScope(before, set(carried) | set(followers), stmt, followers, *counted,
                          iterated=self.memory.iterated, reads_start=len(self.memory.reads))
        self.memory.iterated = []
        lists = self.memory.lists
        lists.update(p for p, init in zip(params, inits) if init in lists)
        block, _, results = self._scoped(scope, carried, followers, params, leading, body)
        self.in_loop = was_in_loop
        outs = [self.builder.fresh(name_hint(name)) for name in carried]
        exits = len(results) > len(carried)
        for out, init, result in zip(outs, inits, results[len(results) - len(carried):]):
            self.memory.share(out, result, *() if runs and not exits else (init,))
            if init in lists:
                lists.add(out)
        self.loc = loc
        instr = make(outs, Block(block.params, block.body, tuple(results)))
        if len(results) > len(carried):  # led by whether to stop
            instr = replace(instr, params=instr.params + (("exits", True),))
        self.builder.body.append(instr)
        self.env = before
        self.env.update(zip(carried, outs))
        for name, why in scope.stale_after.items():  # before the loop, seen by a write in it
            self.env.pop(name, None)
            self.memory.stale[name] = why
        for name, leader in followers.items():
            self.env[name] = self.env[leader]
        for name in _assigned(stmt.body) - set(carried):
            if before.get(name) in self.tapes:  # appended to in place, not carried
                continue
            self._forget(name, before, "is assigned only inside a loop")
            self.env.pop(name, None)
        self.statement_start = start
        if self.in_loop and "$ret" in carried:  # a return inside leaves this loop too
            self.env["$skip"] = self.env["$exit"] = self.env["$ret"]

    def _scoped(self, scope, carried, followers, params, leading, body):
        """The loop's block, lowered in its scope (frontend/writes.py): the carried
        values start with the storages of their values before the loop."""
        memory = self.memory
        for param, name in zip(params, carried):
            memory.share(param, scope.before[name])
        writes, first = len(memory.written), memory.count
        memory.loops.append(scope)
        try:
            lowered = self._block([*leading, *params], body)
        finally:
            memory.loops.pop()
        if len(memory.written) != writes and not self.info.generated:  # _check_writable
            results = lowered[2][len(lowered[2]) - len(carried):]
            self._check_carried_storages(scope.node, carried, params, results, first,
                                         memory.written[writes:])
        return lowered

    def _check_carried_storages(self, stmt, carried, params, results, first, written):
        """In a loop that writes into arrays, each carried value must hold at every
        iteration's start what it held at the first: its own array (written in place),
        or a new one (made after storage ``first``) that no other carried value holds
        but a list it was appended to; and such a value is not written into."""
        memory, seen, elements = self.memory, set(), set()
        for param, result in zip(params, results):
            if param in memory.lists:  # what the list refers to, appended in this loop
                elements |= memory.of(result) - memory.of(param)
        for name, param, result in zip(carried, params, results):
            if param in memory.lists:
                continue
            storages = memory.of(result)
            own = storages <= memory.of(param)
            new = all(s > first for s in storages) and not storages & seen
            if not (own or new):
                raise self.info.error(stmt, f"after an iteration, '{name}' may hold an array "
                                            "another name holds, and this loop writes into "
                                            "arrays: gradc cannot follow which is which",
                                      f"bind '{name}' to a copy (....copy())")
            if storages & elements and any(not append and changed & memory.of(param)
                                           for changed, append in written):
                raise self.info.error(stmt, f"'{name}' is appended to a list in this loop and "
                                            "written into: the list would see the write",
                                      f"append a copy ({name}.copy())")
            seen |= storages

    def _loop_body(self, stmts: list[ast.stmt], carried: list[str]) -> list[Atom]:
        """The next carried values, led by whether to stop when the loop may exit."""
        self._run_statements(stmts)
        self._check_still_bound(carried)
        results = [self.env[name] for name in carried]
        exit_flag = self.env["$exit"]
        if exit_flag == FALSE:
            return results
        return [exit_flag, *results]

    def _check_still_bound(self, carried):
        """A carried name that a write made unreadable, or a follower its leader left,
        would start the next iteration with an array that changed under it."""
        scope = self.memory.loops[-1]
        stmt, followers = scope.node, scope.followers
        for name in carried:
            if name not in self.env:
                raise self.info.error(stmt, f"'{name}' {self.memory.stale.get(name, '')}, "
                                            "in this loop: gradc cannot follow it from one "
                                            "iteration to the next",
                                      f"bind '{name}' to a copy (....copy())")
        for name, leader in followers.items():
            if self.env.get(name) != self.env.get(leader):
                raise self.info.error(stmt, f"'{name}' and '{leader}' are the same array "
                                            "before this loop, which binds one of them anew",
                                      f"copy it before the loop ({name} = {leader}.copy())")

    def _followers(self, stmt, carried, before) -> dict[str, str]:
        """Names bound before the loop to the value of a carried name that the loop only
        writes into (never binds anew): they stay the same array throughout."""
        rebound = _rebound(stmt.body)
        leaders = {before[name]: name for name in carried
                   if name not in rebound and isinstance(before.get(name), Var)}
        return {name: leaders[atom] for name, atom in before.items()
                if atom in leaders and name not in carried and not name.startswith("$")}

    def _carried(self, stmt: ast.For | ast.While) -> list[str]:
        """The names the loop reassigns that exist before it, and the return flags. The
        variable of a loop inside this one is not carried: after its own loop it is not
        available (whatever it held before), so it is not from the loop's start either."""
        for name in _inner_loop_variables(stmt.body):
            if name in self.env:
                self.env.pop(name)
                self.unavailable[name] = "is the variable of a loop inside this loop"
        names = sorted(name for name in _assigned(stmt.body)  # a tape is appended to in
                       if name in self.env and self.env[name] not in self.tapes)  # place
        if not returns_in(stmt):
            return names
        if "$ret" not in self.env:  # the outermost loop with a return in it
            self._check_return_count(stmt, _return_count(self.info, stmt))
            self.env["$ret"] = FALSE
            for name in self._returned_value_names():
                self.env[name] = Const(0.0)
        return names + ["$ret"] + self._returned_value_names()

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
        rows = self._list(node)  # a list built by append: the rows of its array
        array = self._single(node) if rows is None else rows
        self.memory.iterated.append(array)  # a write into it in the loop is refused
        length = self._emit("size", array, params=(("axis", 0),))
        return length, lambda index: self._emit("getitem", array, index,
                                                params=(("index", (("arg", 0),)),))

    def _bind_target(self, target, atom):
        if not isinstance(target, ast.Name):
            raise self.info.error(target, "the loop target must be a name here")
        self._bind(target.id, atom)


def _targetname_hint(target):
    """The loop index's name: the target's, or enumerate's first; ``index`` when hidden."""
    if isinstance(target, ast.Tuple) and target.elts:
        target = target.elts[0]
    return target.id if isinstance(target, ast.Name) else "index"


def _target_names(target):
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _runs(bounds) -> bool:
    """Whether range(start, stop, step) certainly has an entry."""
    if not all(isinstance(b, Const) for b in bounds):
        return False
    start, stop, step = (b.value for b in bounds)
    return start < stop if step > 0 else start > stop


def _is_call(node, name):
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == name and len(node.args) >= 1)


def _is_pair(target):
    return isinstance(target, ast.Tuple) and len(target.elts) == 2


def _inner_loop_variables(stmts) -> set[str]:
    return {name for stmt in stmts for node in ast.walk(stmt) if isinstance(node, ast.For)
            for name in _target_names(node.target)}


def _assigned(stmts) -> set[str]:
    """Names bound or written into by ``stmts`` (x[i] = v; generated code's
    _add_at(x, np.s_[i], g))."""
    names = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            written = node.value if isinstance(node, ast.Subscript) and \
                isinstance(node.ctx, ast.Store) else _added_into(node)
            if isinstance(written, ast.Name):
                names.add(written.id)
    return names


def _added_into(node):
    """The name ``_add_at(x, ...)`` (generated code) or ``x.append(v)`` changes."""
    call = node.value if isinstance(node, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) \
            and call.func.id == ADD_AT.helper:
        return call.args[0] if call.args else None
    return appended_to(node)


def _rebound(stmts) -> set[str]:
    """Names ``stmts`` bind to a new value (not only write into, nor update with +=)."""
    names = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.For):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {n.id for t in targets for n in ast.walk(t)
                          if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _return_count(info, stmt) -> int:
    counts = {len(n.value.elts) if isinstance(n.value, ast.Tuple) else 1
              for n in ast.walk(stmt) if isinstance(n, ast.Return) and n.value is not None}
    if len(counts) > 1:
        raise info.error(stmt, "the returns in this loop give different numbers of values")
    return counts.pop() if counts else 1
