"""Readable Python names for SSA values.

Source names are kept (``a``, ``b``); the adjoint of ``a`` is ``a_bar``, its tangent
``a_dot``; temporaries are ``t1, t2, ...``. A name is reused for a new value once its
previous holder is dead, so ``a_bar = a_bar + t3`` reads as accumulation and a dead
temporary's array is freed when its name is taken again (peak memory close to
hand-written code); otherwise a suffix keeps values apart (``x_1``).
"""

import heapq
import re

from ..ir.core import Function, Var

_WORD = re.compile(r"[A-Za-z_]\w*")


def assign_names(fn: Function, reserved: set[str]) -> dict[int, str]:
    """Map every value id of ``fn`` to a Python name."""
    last_use = _last_uses(fn)
    taken = set(reserved) | {p.name for p in fn.params}
    taken |= {v.hint for instr in fn.body for v in instr.outs if v.hint}
    # names quoted in '# grad of:' comments too, so a temporary never reads as one of them
    taken |= {word for instr in fn.body if instr.loc for word in _WORD.findall(instr.loc.text)}
    names: dict[int, str] = {}
    holder: dict[str, int] = {}   # name -> id of the value it holds now
    for p in fn.params:  # x, z, then tangents x_dot, z_dot (x_dot_1 if x_dot is taken)
        name = base = p.name or _preferred(p.var, names)
        while name in holder or (name in reserved and not p.name):
            name = f"{base}_{len(holder)}"
        names[p.var.id] = name
        holder[name] = p.var.id
    temporaries = _Temporaries(taken)
    for index, instr in enumerate(fn.body):
        temporaries.release_dead(index, holder)
        for var in instr.outs:
            preferred = _preferred(var, names)
            if preferred is None:
                name = temporaries.take(var, last_use.get(var.id, -1))
            else:
                name = _free_variant(preferred, holder, last_use, index, reserved)
            names[var.id] = name
            holder[name] = var.id
    return names


class _Temporaries:
    """Names t1, t2, ... for temporaries; a name is reused (lowest number first) once the
    value holding it is dead, which frees that value's array."""

    def __init__(self, taken):
        self.taken = taken
        self.count = 0
        self.free: list[int] = []                      # heap of reusable numbers
        self.expiring: list[tuple[int, int, int]] = []  # heap of (last use, number, var id)

    def release_dead(self, index, holder):
        while self.expiring and self.expiring[0][0] <= index:
            _, number, var_id = heapq.heappop(self.expiring)
            if holder.get(f"t{number}") == var_id:
                heapq.heappush(self.free, number)

    def take(self, var, last_use) -> str:
        if self.free:
            number = heapq.heappop(self.free)
        else:
            self.count += 1
            while f"t{self.count}" in self.taken:
                self.count += 1
            number = self.count
        heapq.heappush(self.expiring, (last_use, number, var.id))
        return f"t{number}"


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


def _last_uses(fn: Function) -> dict[int, int]:
    last = {}
    for index, instr in enumerate(fn.body):
        for arg in instr.args:
            if isinstance(arg, Var):
                last[arg.id] = index
    end = len(fn.body)
    for result in fn.results:
        if isinstance(result, Var):
            last[result.id] = end
    return last
