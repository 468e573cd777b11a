"""Stable text form of the IR, for ``gradc compile --emit ir`` and golden tests.

    func f(%x.0, %z.1, %n.2):
      %a.3 = mul %x.0, %z.1                    ; line 2
      %s.7 = for 0, %n.2, 1, %a.3 (%i.4, %s.5): ; line 4
        %s.6 = mul %s.5, %x.0                    ; line 5
        yield %s.6
      return %s.7

Each value prints under one name, the one its definition gives it: a use may hold a
``Var`` without the definition's hint (equality is by id), so uses go through a table
of names built from the definitions.
"""

from ..primitives.control import FOR, IF, WHILE
from .core import Function, Instr, Var, walk


def name_table(fn: Function) -> dict[int, str]:
    """Each value's display name by id, from its defining parameter, block parameter
    or instruction out."""
    names = {p.var.id: str(p.var) for p in fn.params}
    names.update(_defined_names(fn.body))
    return names


def _defined_names(body) -> dict[int, str]:
    names: dict[int, str] = {}
    for instr in walk(body):
        defined = [*instr.outs, *(v for block in instr.regions for v in block.params)]
        for var in defined:
            names.setdefault(var.id, str(var))
    return names


def _name(atom, names) -> str:
    """A value by its defined name (its own if undefined: broken IR); constants as is."""
    return names.get(atom.id, str(atom)) if isinstance(atom, Var) else str(atom)


def _names(atoms, names) -> str:
    return ", ".join(_name(a, names) for a in atoms)


def format_instr(instr: Instr, names: dict[int, str] | None = None) -> str:
    """One instruction; ``names`` (from ``name_table``) names the values it reads,
    else only the values it defines are known by their defined names."""
    if names is None:
        names = _defined_names([instr])
    operands = [_names(instr.args, names)] if instr.args else []  # no trailing space
    operands += [f"{k}={v}" for k, v in instr.params]
    text = " ".join([f"{_names(instr.outs, names)} = {instr.op}", *operands])
    if instr.op is FOR:
        text += f" ({_names(instr.regions[-1].params, names)}):"
    if instr.loc is not None:
        role = "" if instr.loc.role == "primal" else f" {instr.loc.role}"
        text = f"{text:<40} ; line {instr.loc.line}{role}"
    return text


def _format_body(body, indent, names) -> list[str]:
    lines = []
    for instr in body:
        lines.append(indent + format_instr(instr, names))
        labels = {IF: ("then:", "else:"), WHILE: ("cond:", "do:")}.get(instr.op, ("",))
        for label, block in zip(labels, instr.regions):
            inner = indent + "  "
            if label:
                params = _names(block.params, names)
                lines.append(inner + (f"{label[:-1]} ({params}):" if params else label))
                inner += "  "
            lines += _format_body(block.body, inner, names)
            lines.append(inner + "yield " + _names(block.results, names))
    return lines


def format_function(fn: Function) -> str:
    names = name_table(fn)
    params = []
    for p in fn.params:
        text = names[p.var.id]
        if p.shape is not None:
            text += f": shape{p.shape}"
        if p.default is not None:
            text += f" = {p.default}"
        params.append(text)
    lines = [f"func {fn.name}({', '.join(params)}):"]
    lines += _format_body(fn.body, "  ", names)
    lines.append("  return " + _names(fn.results, names))
    return "\n".join(lines) + "\n"
