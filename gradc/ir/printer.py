"""Stable text form of the IR, for ``gradc compile --emit ir`` and golden tests.

    func f(%x.0, %z.1):
      %a.2 = mul %x.0, %z.1                 ; line 3
      %s.5 = for 0, %n.3, 1, %a.2 (%i.6, %s.7): ; line 4
        %s.8 = mul %s.7, %x.0               ; line 5
        yield %s.8
      return %s.5
"""

from ..primitives.control import FOR, IF, WHILE
from .core import Function, Instr


def format_instr(instr: Instr) -> str:
    outs = ", ".join(map(str, instr.outs))
    args = ", ".join(map(str, instr.args))
    params = "".join(f" {k}={v}" for k, v in instr.params)
    text = f"{outs} = {instr.op} {args}{params}"
    if instr.op is FOR:
        text += " (" + ", ".join(map(str, instr.regions[-1].params)) + "):"
    if instr.loc is not None:
        role = "" if instr.loc.role == "primal" else f" {instr.loc.role}"
        text = f"{text:<40} ; line {instr.loc.line}{role}"
    return text


def _format_body(body, indent) -> list[str]:
    lines = []
    for instr in body:
        lines.append(indent + format_instr(instr))
        labels = {IF: ("then:", "else:"), WHILE: ("cond:", "do:")}.get(instr.op, ("",))
        for label, block in zip(labels, instr.regions):
            inner = indent + "  "
            if label:
                params = ", ".join(map(str, block.params))
                lines.append(inner + (f"{label[:-1]} ({params}):" if params else label))
                inner += "  "
            lines += _format_body(block.body, inner)
            lines.append(inner + "yield " + ", ".join(map(str, block.results)))
    return lines


def format_function(fn: Function) -> str:
    params = []
    for p in fn.params:
        text = str(p.var)
        if p.shape is not None:
            text += f": shape{p.shape}"
        if p.default is not None:
            text += f" = {p.default}"
        params.append(text)
    lines = [f"func {fn.name}({', '.join(params)}):"]
    lines += _format_body(fn.body, "  ")
    lines.append("  return " + ", ".join(map(str, fn.results)))
    return "\n".join(lines) + "\n"
