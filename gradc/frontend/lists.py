"""Python lists built in a loop: ``xs = []``, then one ``xs.append(v)`` per iteration of
a ``for`` loop, read after it by ``np.stack(xs)``, ``np.array(xs)``, ``len(xs)``,
``xs[i]`` or a loop over it. Such a list is kept as the array ``np.stack`` would make of
it: made at the first append, a row written at each (so its adjoint is that array's,
and a reverse loop pops nothing).

    xs = []                       %xs.1 = empty_list
    for t in range(n):            for ... {
        xs.append(h)                  %r = grow %xs.p, %h, %n      -- made when t == 0
                                      %xs.2 = setitem %r, %h, %t   index=(("arg", 0),)
    y = np.stack(xs)              %y = copy %xs.3

A list used any other way (xs + ys, xs * 2, an append in an ``if``) is refused: as an
array it would compute something else.
"""

import ast

from ..ir.core import Atom, Const, Var
from .context import LoweringHost

_HOW = ("gradc reads a list with np.stack(xs), np.array(xs), len(xs), xs[i] or a for "
        "loop over it")


class Lists(LoweringHost):
    """Part of the function lowering: lists built by append in a for loop."""

    def _new_list(self, name: str) -> None:
        atom = self._emit("empty_list")
        self.memory.lists.add(atom)
        self.memory.empty.add(atom)
        self.memory.arrays -= self.memory.of(atom)
        self._bind(name, atom)

    def _list(self, node) -> Atom | None:
        """The list ``node`` names, where a list may be read; None if it is no list."""
        if isinstance(node, ast.Name) and node.id in self.env \
                and self.env[node.id] in self.memory.lists:
            return self.env[node.id]
        return None

    def _refuse_list(self, node: ast.Name) -> None:
        raise self.info.error(node, f"'{node.id}' is a list, which gradc reads only as a "
                                    "whole", _HOW)

    def _trip_count(self, stmt: ast.For, bounds) -> Atom | None:
        """How many times a for loop that appends to a list runs (before the loop)."""
        if not any(appended_to(n) is not None for n in ast.walk(stmt)):
            return None
        start, stop, _ = bounds
        return stop if start == Const(0) and self._is_size(stop) else \
            self._emit("maximum", self._emit("sub", stop, start), Const(0))

    def _is_size(self, atom) -> bool:
        return any(instr.outs == (atom,) and instr.op.name == "size"
                   for instr in self.builder.body)

    def _append(self, call: ast.Call) -> None:
        """``xs.append(v)``: the row of this iteration, in the array that holds xs."""
        name = call.func.value.id  # type: ignore[attr-defined]
        rows = self.env[name]
        scope = self.memory.loops[-1] if self.memory.loops else None
        if len(call.args) != 1 or call.keywords:
            raise self.info.error(call, "append takes one value")
        if scope is None or scope.index is None or not _appends_once(scope.node, name) \
                or scope.bounds[2] != Const(1) or scope.count is None \
                or name not in scope.before \
                or scope.before[name] not in self.memory.empty:
            raise self.info.error(call, "gradc builds a list by one append per iteration "
                                        "of a for loop over a range or an array, at the top "
                                        "of its body, into a list empty before the loop",
                                  "append in an 'if' or twice per iteration: build two "
                                  "lists, or write rows of an array (x[i] = v)")
        value = self._single(call.args[0])
        start = scope.bounds[0]
        row = scope.index if start == Const(0) else self._emit("sub", scope.index, start)
        grown = self._emit("grow", rows, value, scope.count)
        grown = self.builder.rename(grown, len(self.builder.body) - 1, hint=name)
        appended = self._emit("setitem", grown, value, row,
                              params=(("index", (("arg", 0),)),))
        self._written(call, name, rows, appended, append=True)
        memory = self.memory
        if isinstance(appended, Var):
            memory.lists.add(appended)  # the list refers to the value, as Python's does
            memory.storage[appended] = memory.of(rows) | memory.of(value)


def appended_to(node) -> ast.expr | None:
    """``x`` where ``node`` is the statement ``x.append(...)``, else None."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "append":
        return node.value.func.value
    return None


def _appends_once(loop: ast.stmt, name: str) -> bool:
    """One ``name.append(...)`` statement at the top of the loop's body, none deeper."""
    def is_append(node):
        target = appended_to(node)
        return isinstance(target, ast.Name) and target.id == name
    top = [s for s in loop.body if is_append(s)]  # type: ignore[attr-defined]
    return len(top) == 1 and sum(map(is_append, ast.walk(loop))) == 1
