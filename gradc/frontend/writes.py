"""Which values share memory, so a write reaches every name that sees it, as in NumPy.

Each array value has a storage: a fresh one for a new array (``x * 2``, ``np.zeros``,
``x.copy()``), its argument's for a view (``x[1:]``, ``x.T``, ``x.reshape(...)``) and for
``y = x`` (the same value). A write is a new value of its array (``setitem``); every
name bound to the written value takes the new one (``a = b; a[0] = 1`` changes ``b``),
and every other name whose value shares the storage (a view, or the base of a view)
becomes unreadable with the reason: gradc follows writes through one name only, and
refuses where it cannot follow them, rather than compute with an array NumPy changed.

    x = np.zeros(3)       %x.1 = zeros 3
    y = x                 (y is %x.1 too)
    y[0] = v              %x.2 = setitem %x.1, %v  index=(0,)   -- x and y are %x.2
"""

import ast

from ..ir.core import Atom, Const, Var
from ..primitives import PRIMITIVES
from .context import LoweringHost

# primitives whose values are arrays (not numbers) whatever their arguments
_ARRAY_FORMS = {"sizes", "range", "fill", "join", "array"}
_ARRAY_MAKERS = {"copy", "full_like", "setitem"}


class Writes(LoweringHost):
    """Part of the function lowering: storages of new values, and writes into arrays
    (``x[i] = v``, ``x[i] += v``, ``x += v`` on an array another name sees)."""

    # ---- storages of new values

    def _track(self, out: Var, op, args) -> None:
        """The storage of ``out``, computed by primitive ``op`` from ``args``."""
        prim = PRIMITIVES[op] if isinstance(op, str) else op
        memory = self.memory
        if prim.view and args:
            memory.share(out, args[0])
            if memory.holds_integers(args[0]):
                memory.integers |= memory.of(out)
            return
        array = (prim.call_form in _ARRAY_FORMS or prim.name in _ARRAY_MAKERS
                 or prim.elementwise and any(memory.is_array(a) for a in args))
        memory.new(out, len(self.call_stack), array, _integers(prim, args, memory))

    # ---- reading a name whose array another name wrote

    def _check_fresh(self, node: ast.Name) -> None:
        if node.id in self.memory.stale and node.id not in self.env:
            raise self.info.error(node, f"'{node.id}' {self.memory.stale[node.id]}",
                                  "gradc follows a write only through the names bound to "
                                  "the written array itself (a = b); read the array "
                                  "through the name written, or take a copy (b.copy()) "
                                  "before writing")

    # ---- writes

    def _write_entries(self, target: ast.Subscript, value: Atom, op: str | None = None):
        """``x[index] = value``, or ``x[index] op= value`` (NumPy reads x[index], then
        writes it back: where an integer array repeats an entry, the last write wins)."""
        if not isinstance(target.value, ast.Name):
            raise self.info.error(target, "only entries of a name can be written (x[i] = v)",
                                  "write x[i, j] = v rather than x[i][j] = v")
        name = target.value.id
        current = self._written_name(target.value)
        pattern, dynamic = self._index_pattern(target.slice)
        params = (("index", pattern),)
        if op is not None:
            value = self._emit(op, self._emit("getitem", current, *dynamic, params=params),
                               value)
        if self.memory.holds_integers(current) and isinstance(value, Var):
            raise self.info.error(target, f"'{name}' holds integers, so writing a computed "
                                          "value into it truncates it (no gradient)",
                                  f"make it float first, e.g. {name} = {name} * 1.0")
        self.memory.arrays |= self.memory.of(current)  # it has entries: an array
        self._written(target, name, current,
                      self._emit("setitem", current, value, *dynamic, params=params))

    def _add_at(self, call: ast.Call) -> None:
        """Generated code read back: _add_at(acc, np.s_[index], g) adds g in place."""
        acc, where, g = (call.args + [ast.Constant(None)] * 3)[:3]
        if not (len(call.args) == 3 and isinstance(acc, ast.Name)
                and isinstance(where, ast.Subscript) and isinstance(where.value, ast.Attribute)
                and where.value.attr == "s_"):
            raise self.info.error(call, "_add_at takes (acc, np.s_[index], g)")
        current = self._written_name(acc)
        pattern, dynamic = self._index_pattern(where.slice)
        total = self._emit("add_at", current, self._single(g), current, *dynamic,
                           params=(("index", pattern),))
        self._written(call, acc.id, current, total)

    def _write_whole(self, target: ast.Name, value: Atom, op: str) -> bool:
        """``x op= value`` where another name sees x's value (True): in place if it is
        an array; if it may be a number (not changed in place), x is bound anew and the
        names sharing its value become unreadable. False when no one else sees it (then
        binding x anew is the same)."""
        name, current = target.id, self._name(target)
        sharing = [other for other, atom in self.env.items() if other != name
                   and not other.startswith("$") and self.memory.overlaps(atom, current)]
        outside = self._seen_before_loop(current)
        if not sharing and not outside:
            return False
        if self.memory.is_array(current):
            self._written(target, name, current, self._emit(op, current, value))
            return True
        if outside:
            raise self.info.error(target, f"'{name}' shares its value with a name from "
                                          f"before the loop: '{name} {_SPELLING[op]}= ...' "
                                          "changes that name too if the value is an array, "
                                          "but not if it is a number, and gradc cannot tell "
                                          "which", f"write {name} = {name} {_SPELLING[op]} "
                                                   "... for a new value, or declare the "
                                                   "parameter an array (x: np.ndarray)")
        self._bind(name, self._emit(op, current, value))
        for other in sharing:
            del self.env[other]
            self.memory.stale[other] = (f"is the value '{name}' had before line "
                                        f"{target.lineno} updated it with "
                                        f"'{_SPELLING[op]}=', which changes it too if it is "
                                        "an array but not if it is a number: gradc cannot "
                                        "tell which")
        return True

    def _written_name(self, node: ast.Name) -> Atom:
        current = self._name(node)
        if isinstance(current, Const):
            raise self.info.error(node, f"'{node.id}' is a number: it has no entries to write")
        return current

    def _written(self, node, name: str, old: Atom, new: Atom, append=False) -> None:
        """After a write of ``old``'s array giving ``new``: names bound to ``old`` see
        ``new``; names viewing the same memory otherwise cannot be read any more."""
        self._check_writable(node, name, old)
        memory = self.memory
        memory.written.append((memory.of(old), append))
        if isinstance(new, Var):
            memory.storage[new] = memory.of(old)
        self._bind(name, new)
        new = self.env[name]
        why = (f"shares memory with '{name}', which line {node.lineno} wrote into after "
               "it was bound")
        for other, atom in list(self.env.items()):
            if other == name or other.startswith("$"):
                continue
            if atom == old:
                self.env[other] = new
            elif memory.overlaps(atom, old) and not self.info.generated:  # _check_writable
                del self.env[other]
                memory.stale[other] = why

    def _check_writable(self, node, name: str, old: Atom) -> None:
        """A write must reach every name that sees the array: refuse one into an array
        a caller of this helper holds, or that a name from before a loop holds and the
        loop does not carry. gradc's own code read back writes in place only where no
        one reads the old array again (codegen/inplace.py): its writes need no check."""
        memory = self.memory
        if self.info.generated:
            return
        if any(memory.depth[s] < len(self.call_stack) for s in memory.of(old)):
            raise self.info.error(node, f"this writes into '{name}', an array the caller of "
                                        f"{self.call_stack[-1]}() holds",
                                  "gradc follows writes within one function: return a new "
                                  "array (take a copy first: x = x.copy())")
        for scope in memory.loops:
            if any(memory.overlaps(array, old) for array in scope.iterated):
                raise self.info.error(node, f"this writes into the array the loop on line "
                                            f"{scope.node.lineno} takes its items from",
                                      "loop over a copy, or over range(len(...))")
            for other, atom in scope.before.items():
                if other in scope.writable or not memory.overlaps(atom, old):
                    continue
                if isinstance(scope.node, ast.For) and \
                        other not in memory.reads[scope.reads_start:]:
                    # unread in the loop so far: unreadable from here on, and after it
                    scope.stale_after[other] = (f"shares memory with '{name}', which line "
                                                f"{node.lineno} wrote into in the loop on "
                                                f"line {scope.node.lineno}")
                    continue
                raise self.info.error(node, f"this writes into the array '{other}' holds "
                                            f"from before the loop on line "
                                            f"{scope.node.lineno}, through '{name}', and the "
                                            "loop reads it", f"write through '{other}' "
                                            "itself (then the loop carries it), or copy it")

    def _seen_before_loop(self, atom: Atom) -> bool:
        """Whether a name from before an enclosing loop, which the loop does not carry,
        holds ``atom``'s array."""
        return any(other not in scope.writable and self.memory.overlaps(a, atom)
                   for scope in self.memory.loops for other, a in scope.before.items())


_SPELLING = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@",
             "floor_divide": "//", "mod": "%"}


def _integers(prim, args, memory) -> bool:
    """Whether a new array may hold integers: np.arange without a float constant,
    np.array, np.full or a join of integers, a copy of integers."""
    def integer(atom):
        return (isinstance(atom, Const) and type(atom.value) in (int, bool)
                or memory.holds_integers(atom))
    if prim.call_form == "range":
        return not any(isinstance(a, Const) and isinstance(a.value, float) for a in args)
    if prim.call_form in ("array", "join") or prim.name == "copy":
        return all(map(integer, args))
    return prim.call_form == "fill" and integer(args[0])
