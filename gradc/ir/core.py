"""Core IR data types: a function is a straight-line list of single-assignment instructions.

Every value (``Var``) is defined exactly once, by a parameter or an instruction, so the
adjoint of a value is one accumulator and CSE/DCE are single sweeps. Instructions carry a
``regions`` slot so structured control flow (if/loops) can nest bodies without changing
these types.
"""

from dataclasses import dataclass, field, replace


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
class Instr:
    """``outs = op(*args; params)``; ``regions`` will hold nested bodies for control flow."""

    outs: tuple[Var, ...]
    op: str
    args: tuple[Atom, ...]
    params: tuple[tuple[str, object], ...] = ()
    loc: Loc | None = None
    regions: tuple = ()

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
        ids += [v.id for instr in self.body for v in instr.outs]
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


def substitute(atom, mapping):
    """The atom ``mapping`` replaces ``atom`` with, following chains of replacements."""
    while isinstance(atom, Var) and atom in mapping:
        atom = mapping[atom]
    return atom
