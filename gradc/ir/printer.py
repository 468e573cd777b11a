"""Stable text form of the IR, for ``gradc compile --emit ir`` and golden tests.

    func f(%x.0, %z.1):
      %a.2 = mul %x.0, %z.1                 ; line 3
      return %a.2
"""

from .core import Function, Instr


def format_instr(instr: Instr) -> str:
    outs = ", ".join(map(str, instr.outs))
    args = ", ".join(map(str, instr.args))
    params = "".join(f" {k}={v}" for k, v in instr.params)
    text = f"{outs} = {instr.op} {args}{params}"
    if instr.loc is not None:
        role = "" if instr.loc.role == "primal" else f" {instr.loc.role}"
        text = f"{text:<40} ; line {instr.loc.line}{role}"
    return text


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
    lines += ["  " + format_instr(instr) for instr in fn.body]
    lines.append("  return " + ", ".join(map(str, fn.results)))
    return "\n".join(lines) + "\n"
