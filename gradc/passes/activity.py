"""Activity analysis: the values that both depend on the ``wrt`` inputs and reach the
results. Only these get adjoints; everything else is left to the primal code (or DCE).

    f(x, c): a = x * x; b = c * 2; y = a + b    wrt x   ->   active = {x, a, y}
"""

from ..ir.core import Function, Var


def active_values(fn: Function, wrt: list[Var]) -> set[Var]:
    varied = set(wrt)
    for instr in fn.body:
        if any(isinstance(a, Var) and a in varied for a in instr.args):
            varied.update(instr.outs)
    useful = {r for r in fn.results if isinstance(r, Var)}
    for instr in reversed(fn.body):
        if any(out in useful for out in instr.outs):
            useful.update(a for a in instr.args if isinstance(a, Var))
    return varied & useful
