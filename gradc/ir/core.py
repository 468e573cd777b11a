"""Core IR data types: a function is a list of single-assignment instructions, where
control flow (``if``, ``for``, ``while``) is structured: an instruction whose ``regions``
hold nested blocks.

Every value (``Var``) is defined exactly once, by a parameter, a block parameter or an
instruction, so the adjoint of a value is one accumulator and CSE/DCE are single sweeps.
Scoping follows Python's: a value defined in a branch of an ``if`` stays visible after it
(the adjoint of that branch reads it, under the same condition); a value defined in a
loop body is visible only inside that body.
"""

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..primitives.record import Primitive


@dataclass(frozen=True)
class Var:
    """An SSA value. ``hint`` is the source name it came from ('' for temporaries);
    a derivative value names its primal value in ``of`` and its kind in ``suffix``
    ('bar': adjoint, 'dot': tangent), so codegen can call it ``x_bar`` or ``x_dot``."""

    id: int
    hint: str = field(default="", compare=False)
    of: "Var | None" = field(default=None, compare=False, repr=False)
    suffix: str = field(default="bar", compare=False, repr=False)

    def __str__(self):
        name = self.hint or (f"{self.of.hint or self.of.id}_{self.suffix}" if self.of else "")
        return f"%{name}.{self.id}" if name else f"%{self.id}"


@dataclass(frozen=True)
class Const:
    """A literal number; ``name`` keeps a symbolic spelling such as ``EPS`` or ``np.pi``."""

    value: float
    name: str = ""

    def __str__(self):
        return self.name or repr(self.value)


Atom = Var | Const


@dataclass(frozen=True)
class Loc:
    """Where an instruction came from: a source line, and whether it computes the primal
    value or belongs to the adjoint of that line."""

    line: int
    text: str
    role: str = "primal"  # "primal" | "grad"
    note: str = ""        # convention at a kink, shown next to the adjoint code


@dataclass(frozen=True)
class Block:
    """A nested body: ``params`` are bound on entry (a loop's index and carried values),
    ``results`` are what it yields (an ``if``'s values, a loop's next carried values)."""

    params: tuple["Var", ...]
    body: tuple["Instr", ...]
    results: tuple["Atom", ...]


@dataclass(frozen=True)
class Instr:
    """``outs = op(*args; params)``: ``op`` is the primitive's record (gradc/primitives;
    given by name, it is looked up); control-flow ops (ir/control.py) nest ``regions``."""

    outs: tuple[Var, ...]
    op: "Primitive"
    args: tuple[Atom, ...]
    params: tuple[tuple[str, object], ...] = ()
    loc: Loc | None = None
    regions: tuple[Block, ...] = ()

    def __post_init__(self):
        if isinstance(self.op, str):
            from ..primitives import lookup  # the records' rules build IR with this module

            object.__setattr__(self, "op", lookup(self.op))

    @property
    def out(self) -> Var:
        return self.outs[0]

    def param(self, key, default=None):
        return dict(self.params).get(key, default)


@dataclass(frozen=True)
class Param:
    """A function parameter: its value, an optional constant default and a static
    shape when the source declares one (``x: float`` means shape ``()``)."""

    var: Var
    default: Const | None = None
    shape: tuple | None = None
    declared: str = "float"  # a scalar's annotation in generated signatures (int stays int)

    @property
    def name(self) -> str:
        return self.var.hint


@dataclass(frozen=True)
class Function:
    """A function in SSA form. ``results`` are the returned atoms in order."""

    name: str
    params: tuple[Param, ...]
    body: tuple[Instr, ...]
    results: tuple[Atom, ...]
    source_file: str = "<unknown>"
    doc: str = ""
    tuple_result: bool = False   # the source returns a tuple display, even of one value

    def with_body(self, body, results=None):
        return replace(self, body=tuple(body),
                       results=self.results if results is None else tuple(results))

    def max_id(self) -> int:
        ids = [p.var.id for p in self.params]
        for instr in walk(self.body):
            ids += [v.id for v in instr.outs]
            ids += [v.id for block in instr.regions for v in block.params]
        return max(ids, default=-1)


class Builder:
    """Appends instructions with fresh value ids; passes use it to build new bodies."""

    def __init__(self, next_id=0):
        self.body: list[Instr] = []
        self.next_id = next_id

    @classmethod
    def after(cls, fn: Function) -> "Builder":
        return cls(fn.max_id() + 1)

    def fresh(self, hint="", of=None, suffix="bar") -> Var:
        var = Var(self.next_id, hint, of, suffix)
        self.next_id += 1
        return var

    def emit(self, op, args, *, params=(), loc=None, hint="", of=None, suffix="bar") -> Var:
        out = self.fresh(hint, of, suffix)
        self.body.append(Instr((out,), op, tuple(args), tuple(params), loc))
        return out

    def rename(self, var: Var, since=0, hint="", of=None, suffix="bar") -> Var:
        """Give ``var`` a readable name if an instruction at index ``since`` or later
        defines it; returns the value as it is now named."""
        for index in range(len(self.body) - 1, since - 1, -1):
            instr = self.body[index]
            if instr.outs == (var,):
                renamed = Var(var.id, hint, of, suffix)
                self.body[index] = replace(instr, outs=(renamed,))
                return renamed
        return var


    def keep_since(self, start: int, kept) -> None:
        """Drop instructions emitted at ``start`` or later that ``kept`` does not need."""
        live = {k for k in kept if isinstance(k, Var)}
        needed = []
        for instr in reversed(self.body[start:]):
            if instr.out in live:
                needed.append(instr)
                live.update(a for a in instr.args if isinstance(a, Var))
        self.body[start:] = reversed(needed)


def walk(body):
    """Every instruction of ``body``, nested ones included, in program order."""
    for instr in body:
        yield instr
        for block in instr.regions:
            yield from walk(block.body)


def uses(instr: Instr):
    """The values an instruction reads: its arguments and, for control flow, what its
    blocks read from outside themselves."""
    found = [a for a in instr.args if isinstance(a, Var)]
    for block in instr.regions:
        found += free_values(block)
    return found


def free_values(block: Block) -> list:
    """The values a block reads that it does not define, in first-use order."""
    defined = set(block.params)
    found: dict[Var, None] = {}
    for instr in block.body:
        for var in uses(instr):
            if var not in defined:
                found.setdefault(var)
        defined.update(v for inner in walk([instr]) for v in inner.outs)
    for atom in block.results:
        if isinstance(atom, Var) and atom not in defined:
            found.setdefault(atom)
    return list(found)


def substitute(atom, mapping):
    """The atom ``mapping`` replaces ``atom`` with, following chains of replacements."""
    while isinstance(atom, Var) and atom in mapping:
        atom = mapping[atom]
    return atom
