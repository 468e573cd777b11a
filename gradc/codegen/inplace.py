"""Which writes (``setitem``, ``add_at``) generated code may make in place.

The IR is functional: ``out.2 = setitem out.1, v`` is a new array. Written in place
(``out[i] = v``), it changes ``out.1``'s array, and with it every value sharing that
array: views of it, the array it views, a loop's carried value and its start, a
branch's value. So a write is in place only where none of those that hold the old
contents is read afterwards, the array is the generated function's own (not an
argument, not a value read back from a tape), and no tape keeps a reference to it;
otherwise codegen writes into a copy (``out = out.copy()``).
"""

from ..ir.control import carried_params, loop_inits, next_values
from ..ir.core import Function, Var, walk
from ..primitives.control import IF, LOOPS, POP, PUSH, WHILE
from ..primitives.indexing import WRITES


def writes_in_place(fn: Function, defined: dict[int, int], last_use: dict[int, int],
                    at: dict) -> set[int]:
    """The ids of the setitem instructions of ``fn`` that may write in place, given each
    value's position of definition, its last use, and each instruction's position."""
    writes = [i for i in walk(fn.body) if i.op in WRITES and isinstance(i.args[0], Var)]
    if not writes:
        return set()
    groups = _SharedArrays(fn)
    in_place = set()
    for instr in writes:
        position = at[id(instr)][0]
        members = groups.members(instr.args[0])
        if members & groups.foreign:
            continue
        if all(defined[m] >= position or last_use.get(m, 0) <= position for m in members):
            in_place.add(id(instr))
    return in_place


class _SharedArrays:
    """Values that may be one array (union-find over value ids); ``foreign`` holds the
    arrays the function does not own: its arguments, tape entries, pushed values."""

    def __init__(self, fn: Function):
        self.parent: dict[int, int] = {}
        self.foreign = {p.var.id for p in fn.params}
        for instr in walk(fn.body):
            self._instruction(instr)
        roots = {self.find(v) for v in self.foreign}
        self.foreign = {v for v in self.parent if self.find(v) in roots} | self.foreign
        self.by_root: dict[int, set[int]] = {}
        for v in self.parent:
            self.by_root.setdefault(self.find(v), set()).add(v)

    def find(self, v: int) -> int:
        self.parent.setdefault(v, v)
        while self.parent[v] != v:
            self.parent[v] = self.parent[self.parent[v]]
            v = self.parent[v]
        return v

    def union(self, *atoms) -> None:
        ids = [a.id for a in atoms if isinstance(a, Var)]
        for other in ids[1:]:
            self.parent[self.find(other)] = self.find(ids[0])

    def members(self, var: Var) -> set[int]:
        return self.by_root.get(self.find(var.id), set()) | {var.id}

    def _instruction(self, instr) -> None:
        if instr.op is POP:
            self.foreign |= {v.id for v in instr.outs}
        elif instr.op is PUSH:
            self.foreign |= {a.id for a in instr.args[1:] if isinstance(a, Var)}
        elif instr.op is IF:
            for k, out in enumerate(instr.outs):
                self.union(out, *(block.results[k] for block in instr.regions))
        elif instr.op in LOOPS:
            carried = zip(instr.outs, loop_inits(instr), carried_params(instr),
                          next_values(instr))
            for k, values in enumerate(carried):
                condition = (instr.regions[0].params[k],) if instr.op is WHILE else ()
                self.union(*values, *condition)
        elif (instr.op.view or instr.op in WRITES) and instr.args:
            self.union(instr.out, instr.args[0])
