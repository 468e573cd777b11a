"""The storages of a function's values: which values may share memory (frontend/writes.py
reads them to make a write reach every name that sees it).

A new array (``x * 2``, ``np.zeros``, ``x.copy()``) has a storage of its own; a view
(``x[1:]``, ``x.T``, ``x.reshape(...)``) has its argument's; a branch's or a loop's value
may have any of its incoming values'.
"""

import ast
from dataclasses import dataclass, field

from ..ir.core import Atom, Var


@dataclass
class LoopScope:
    """A loop being lowered: the names before it, and those it may write through."""

    before: dict[str, Atom]  # the names bound before the loop
    writable: set[str]
    node: ast.stmt  # the loop statement, where its errors point
    followers: dict[str, str]  # names bound to a carried name's array -> that name
    index: Atom | None = None  # a for loop's index, and its range's (start, stop, step)
    bounds: tuple = ()
    count: Atom | None = None  # how many times it runs, where a list is appended to
    iterated: list = field(default_factory=list)  # the arrays a for loop reads its items of
    reads_start: int = 0  # where the names its body reads begin in Memory.reads
    stale_after: dict[str, str] = field(default_factory=dict)  # names unreadable after it


@dataclass
class Memory:
    """The storages of the values of one function (its inlined helpers included)."""

    storage: dict[Var, frozenset[int]] = field(default_factory=dict)
    arrays: set[int] = field(default_factory=set)    # storages certainly arrays
    integers: set[int] = field(default_factory=set)  # storages holding integers
    depth: dict[int, int] = field(default_factory=dict)  # storage -> call depth made at
    loops: list[LoopScope] = field(default_factory=list)
    stale: dict[str, str] = field(default_factory=dict)  # unreadable names -> why
    lists: set[Var] = field(default_factory=set)  # values that are Python lists
    empty: set[Var] = field(default_factory=set)  # the empty ones, as made by []
    reads: list[str] = field(default_factory=list)  # the names read, in order
    iterated: list = field(default_factory=list)  # a for loop's arrays, until its scope
    # the storages each write lowered so far changed, and whether it was a list's append
    written: list[tuple[frozenset[int], bool]] = field(default_factory=list)
    count: int = 0

    def new(self, var: Var, depth: int, array=False, integers=False) -> None:
        self.count += 1
        self.storage[var] = frozenset({self.count})
        self.depth[self.count] = depth
        if array:
            self.arrays.add(self.count)
        if integers:
            self.integers.add(self.count)

    def of(self, atom) -> frozenset[int]:
        return self.storage.get(atom, frozenset()) if isinstance(atom, Var) else frozenset()

    def share(self, var: Var, *atoms) -> None:
        """``var`` may hold the array of any of ``atoms`` (a view, a branch's out)."""
        self.storage[var] = frozenset().union(*(self.of(a) for a in atoms))

    def overlaps(self, a, b) -> bool:
        return bool(self.of(a) & self.of(b))

    def is_array(self, atom) -> bool:
        storages = self.of(atom)
        return bool(storages) and storages <= self.arrays

    def holds_integers(self, atom) -> bool:
        return bool(self.of(atom) & self.integers)


