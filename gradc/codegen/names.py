"""Readable Python names for SSA values.

Source names are kept (``a``, ``b``); the adjoint of ``a`` is ``a_bar``, its tangent
``a_dot``; temporaries are ``t1, t2, ...``. A name is reused for a new value once its
previous holder is dead, so ``a_bar = a_bar + t3`` reads as accumulation and a dead
temporary's array is freed when its name is taken again (peak memory close to
hand-written code); otherwise a suffix keeps values apart (``x_1``).
"""

import bisect
import heapq
import re

from ..ir.control import carried_params, loop_body, stop_flag
from ..ir.core import Function, Var, walk
from ..primitives.control import FOR, IF, LOOPS, POP, PUSH, WHILE
from ..primitives.indexing import ADD_AT, WRITES

_WORD = re.compile(r"[A-Za-z_]\w*")
_TEMPORARY = re.compile(r"t\d+")


def assign_names(fn: Function, reserved: set[str], order=None) -> dict[int, str]:
    """Map every value id of ``fn`` to a Python name (``order``: its LinearOrder)."""
    order = order or LinearOrder(fn)
    taken = set(reserved) | {p.name for p in fn.params}
    taken |= {v.hint for instr in walk(fn.body) for v in instr.outs if v.hint}
    # names quoted in '# grad of:' comments too, so a temporary never reads as one of them
    taken |= {word for instr in walk(fn.body) if instr.loc
              for word in _WORD.findall(instr.loc.text)}
    namer = _Namer(order.last_use, reserved, taken)
    namer.pushed = {i.args[0]: i.args[1:] for i in walk(fn.body) if i.op is PUSH}
    for p in fn.params:  # x, z, then tangents x_dot, z_dot (x_dot_1 if x_dot is taken)
        name = base = p.name or _preferred(p.var, namer.names)
        while name in namer.holder or (name in reserved and not p.name):
            name = f"{base}_{len(namer.holder)}"
        namer.give(p.var, name)
    namer.body(fn.body, order)
    return namer.names


class LinearOrder:
    """Positions of a structured body read top to bottom: a control instruction's head,
    its blocks, its end (where its outs are defined). A value read inside a loop but
    defined outside it lives until the loop's end (``last_use``); ``defined`` says where
    each value is bound, ``at`` where each instruction's head and end are."""

    def __init__(self, fn):
        self.position, self.last_use, self.at = 0, {}, {}
        self.defined = {p.var.id: 0 for p in fn.params}  # value id -> where it is bound
        self.inside = {}  # a loop -> the ids of the values it defines
        self._body(fn.body, [])
        self._next()
        for result in fn.results:
            self._use(result, [])

    def _next(self):
        self.position += 1
        return self.position

    def _use(self, atom, loops):
        if isinstance(atom, Var):
            end = max([self.at[id(loop)][1] for loop in loops
                       if atom.id not in self.inside[id(loop)]], default=self.position)
            self.last_use[atom.id] = max(self.last_use.get(atom.id, 0), self.position, end)

    def _body(self, body, loops):
        for instr in body:
            head = self._next()
            self.at[id(instr)] = (head, None)
            if instr.regions:
                self.at[id(instr)] = (head, head + _span(instr))
            for position, arg in enumerate(instr.args):
                if not (instr.op is ADD_AT and position == instr.op.shape_only):
                    self._use(arg, loops)  # _add_at(x_bar, index, g) reads no shape
            for bound in instr.args[:3] if instr.op is FOR else ():
                if isinstance(bound, Var):  # kept through the loop, for a reader
                    self.last_use[bound.id] = max(self.last_use[bound.id], head + _span(instr))
            self.defined.update({p.id: head for b in instr.regions for p in b.params})
            inner = loops
            if instr.op in LOOPS:
                inner = loops + [instr]
                self.inside[id(instr)] = _defined_inside(instr)
            for block in instr.regions:
                self._body(block.body, inner)
                self._next()
                for result in block.results:
                    self._use(result, inner)
            if instr.regions:
                self.position = self.at[id(instr)][1]
            self.defined.update({v.id: self.position for v in instr.outs})


def _span(instr):
    """How many positions a control instruction takes, head to end."""
    count = 0
    for block in instr.regions:
        for inner in block.body:
            count += 1 + (_span(inner) if inner.regions else 0)
        count += 1
    return count + 1


def _defined_inside(loop) -> set[int]:
    ids = {v.id for b in loop.regions for i in walk(b.body) for v in i.outs}
    ids |= {p.id for i in walk([loop]) for b in i.regions for p in b.params}
    return ids


class _Namer:
    def __init__(self, last_use, reserved, taken):
        self.last_use, self.reserved = last_use, reserved
        self.names: dict[int, str] = {}
        self.holder: dict[str, int] = {}   # name -> id of the value it holds now
        self.temporaries = _Temporaries(taken)
        self.coalesced: dict[Var, str] = {}  # a branch's value -> its if's out name
        self.pushed: dict = {}  # a tape -> the values pushed on it (named alike when popped)

    def give(self, var, name):
        self.names[var.id] = name
        self.holder[name] = var.id

    def name(self, var, index):
        preferred = _preferred(var, self.names)
        if var in self.coalesced:
            return self.coalesced.pop(var)
        if preferred is None:
            return self.temporaries.take(var, self.last_use.get(var.id, -1))
        return _free_variant(preferred, self.holder, self.last_use, index, self.reserved)

    def _name_like(self, pushed, var, index):
        """The pushed value's name, so ``t3, h = tape.pop()`` reads as what was pushed;
        a temporary's number only if it is free again."""
        name = self.names.get(pushed.id) if isinstance(pushed, Var) else None
        if name is None:
            return self.name(var, index)
        if _TEMPORARY.fullmatch(name):
            last_use = self.last_use.get(var.id, -1)
            return self.temporaries.claim(int(name[1:]), var, last_use) or \
                self.name(var, index)
        return _free_variant(name, self.holder, self.last_use, index, self.reserved)

    def body(self, body, order):
        for instr in body:
            head, end = order.at[id(instr)]
            if instr.op in WRITES:
                self._write(instr, head)
                continue
            self.temporaries.release_dead(head, self.holder)
            if instr.op in LOOPS:
                self._loop(instr, order, head, end)
            elif instr.op is IF:
                self._if(instr, order, end)
            elif instr.op is POP:  # a value read back from a tape keeps its name
                for var, pushed in zip(instr.outs, self.pushed[instr.args[0]]):
                    self.give(var, self._name_like(pushed, var, head))
            else:
                self.temporaries.enter(_block_key(instr), self._numbers_read(instr))
                for var in instr.outs:
                    self.give(var, self.name(var, head))

    def _write(self, instr, head):
        """A write (out[i] = v) names its result as the array it writes, where that dies
        here (then it may write in place); never as another value it reads, which the
        copy it writes into (out = x.copy()) would overwrite before the write reads it."""
        self.temporaries.release_dead(head - 1, self.holder)
        x, out = instr.args[0], instr.out
        if isinstance(x, Var) and self.last_use.get(x.id, -1) <= head:
            name = self.names[x.id]
            self.give(out, name)
            if _TEMPORARY.fullmatch(name):
                self.temporaries.hand_over(int(name[1:]), out, self.last_use.get(out.id, -1))
        else:
            self.give(out, self.name(out, head - 1))

    def _numbers_read(self, instr) -> set[int]:
        names = [self.names.get(a.id, "") for a in instr.args if isinstance(a, Var)]
        return {int(name[1:]) for name in names if _TEMPORARY.fullmatch(name)}

    def _if(self, instr, order, end):
        """A temporary out is named first, and a branch's temporary that only feeds it
        takes the same name, so the branch needs no copy (t3 = t2)."""
        named = {}
        for k, out in enumerate(instr.outs):
            if _preferred(out, self.names) is None:
                named[k] = self.temporaries.take(out, self.last_use.get(out.id, -1))
                for block in instr.regions:
                    result = block.results[k]
                    if isinstance(result, Var) and _preferred(result, self.names) is None \
                            and any(result in i.outs for i in block.body) \
                            and self.last_use.get(result.id, 0) <= end \
                            and block.results.count(result) == 1:
                        self.coalesced[result] = named[k]
        for block in instr.regions:
            self.body(block.body, order)
        for k, out in enumerate(instr.outs):
            self.give(out, named[k] if k in named else self.name(out, end))

    def _loop(self, instr, order, head, end):
        """A carried value has one name: before, throughout and after the loop."""
        body = loop_body(instr)
        for position, param in enumerate(body.params):
            name = self.name(param, head)
            if instr.op is WHILE:  # the condition block reads the same values
                self.give(instr.regions[0].params[position], name)
            self.give(param, name)  # the body's value holds the name through the body
        for block in instr.regions:
            self.body(block.body, order)
        stop = stop_flag(instr)
        if isinstance(stop, Var) and \
                self.names[stop.id] in {self.names[p.id] for p in body.params}:
            # read after the carried values are copied: a copy under a name of its own
            self.names[("stop", id(instr))] = self.temporaries.take(stop, end, unused=True)
        for out, param in zip(instr.outs, carried_params(instr)):
            name = self.names[param.id]
            self.give(out, name)  # the out now holds the name: it is free when the out dies
            if _preferred(param, self.names) is None:  # a temporary's number, not a hint
                self.temporaries.hand_over(int(name[1:]), out, self.last_use.get(out.id, -1))


class _Temporaries:
    """Names t1, t2, ... for temporaries; a name is reused (lowest number first) once the
    value holding it is dead, which frees that value's array."""

    def __init__(self, taken):
        self.taken = taken
        self.count = 0
        self.free: list[int] = []                      # heap of reusable numbers
        self.expiring: list[tuple[int, int, int]] = []  # heap of (last use, number, var id)
        # within one source line's block, a number is reused only by a value computed
        # from the one it held (t1 = np.cos(b); t1 = g * t1), never for an unrelated one
        self.block: tuple | None = None
        self.named_in_block: set[int] = set()
        self.reading: set[int] = set()

    def enter(self, block, reading) -> None:
        """The next names are for an instruction of ``block`` reading ``reading``."""
        if block != self.block:
            self.block, self.named_in_block = block, set()
        self.reading = reading

    def release_dead(self, index, holder):
        while self.expiring and self.expiring[0][0] <= index:
            _, number, var_id = heapq.heappop(self.expiring)
            if holder.get(f"t{number}") == var_id:
                heapq.heappush(self.free, number)

    def claim(self, number, var, last_use) -> str | None:
        """``t<number>`` for ``var`` if that number is free, else None."""
        if number not in self.free:
            return None
        self.free.remove(number)
        heapq.heapify(self.free)
        heapq.heappush(self.expiring, (last_use, number, var.id))
        return f"t{number}"

    def hand_over(self, number, var, last_use) -> None:
        """``t<number>`` passes to ``var`` (a loop's out, after its carried value)."""
        if number in self.free:
            self.free.remove(number)
            heapq.heapify(self.free)
        heapq.heappush(self.expiring, (last_use, number, var.id))

    def take(self, var, last_use, unused=False) -> str:
        """``unused``: a number no value has had yet."""
        reusable = [n for n in self.free
                    if n not in self.named_in_block or n in self.reading]
        if reusable and not unused:
            number = min(reusable)
            self.free.remove(number)
            heapq.heapify(self.free)
        else:
            self.count += 1
            while f"t{self.count}" in self.taken:
                self.count += 1
            number = self.count
        self.named_in_block.add(number)
        heapq.heappush(self.expiring, (last_use, number, var.id))
        return f"t{number}"


def _block_key(instr):
    """The source line an instruction's comment heads (codegen/emit.py's blocks)."""
    loc = instr.loc
    return None if loc is None else (loc.role, loc.line, loc.text)


def _preferred(var: Var, names):
    if var.hint:
        return var.hint
    # x_bar / x_dot for source names only: a temporary's name is reused, so "t1_bar" would
    # not say which t1 it belongs to; a temporary's derivative is a temporary too
    stem = var.of.hint if var.of is not None else ""
    if var.of is not None and not stem and not var.of.of:
        return None
    stem = names.get(var.of.id, stem) if var.of is not None else ""
    return f"{stem}_{var.suffix}" if stem else None


def _free_variant(base, holder, last_use, index, reserved):
    """``base`` or ``base_1``, ``base_2``...: the first whose holder is dead by ``index``."""
    candidate, n = base, 0
    while candidate in reserved or (candidate in holder
                                    and last_use.get(holder[candidate], -1) > index):
        n += 1
        candidate = f"{base}_{n}"
    return candidate




def released_after(fn: Function, names: dict, classes: dict) -> dict[int, list[str]]:
    """Top-level instruction index -> the names to release (``del``) after it: primal
    values with a name of the source that may be arrays (shape class not ``()``) and are
    dead there, while nothing else has taken their name, so their memory goes before
    the rest of the adjoint runs (not just at ``return``)."""
    order = LinearOrder(fn)
    kept = {p.var.id for p in fn.params} | {r.id for r in fn.results if isinstance(r, Var)}
    defined: dict = {}  # name -> the positions at which a value takes it
    for instr in walk(fn.body):
        for out in instr.outs:
            defined.setdefault(names.get(out.id), []).append(order.at[id(instr)][0])
    heads = [order.at[id(i)][0] for i in fn.body]  # increasing: found by bisection
    released: dict[int, list[str]] = {}
    for index, instr in enumerate(fn.body[:-1]):
        if instr.regions or instr.loc is None or instr.loc.role != "primal":
            continue
        for out in instr.outs:
            name, death = names.get(out.id), order.last_use.get(out.id)
            if name is None or out.id in kept or death is None or \
                    _TEMPORARY.fullmatch(name) or classes.get(out) == ():
                continue
            at = bisect.bisect_right(heads, death) - 1  # the instruction where it dies
            positions = defined[name]  # is the name taken again from here to there?
            first = bisect.bisect_right(positions, heads[index])
            taken = first < len(positions) and \
                positions[first] <= heads[min(at + 1, len(heads) - 1)]
            if not taken and at < len(fn.body) - 1:
                released.setdefault(at, []).append(name)
    return released
