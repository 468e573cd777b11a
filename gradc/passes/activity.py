"""Activity analysis: the values that both depend on the ``wrt`` inputs and reach the
results. Only these get adjoints; everything else is left to the primal code (or DCE).

    f(x, c): a = x * x; b = c * 2; y = a + b    wrt x   ->   active = {x, a, y}

A loop's carried value depends on ``wrt`` if its initial value does or its body makes
it so, which may take a second sweep of the body. Inside blocks every value counts as
reaching the results (an approximation on the safe side).
"""

from ..ir.control import block_carried, carried_params, loop_inits, next_values
from ..ir.core import Function, Var, uses, walk
from ..primitives.control import IF, POP, PUSH


def active_values(fn: Function, wrt: list[Var]) -> set[Var]:
    varied = set(wrt)
    vary(fn.body, varied)
    useful = {r for r in fn.results if isinstance(r, Var)}
    for instr in reversed(fn.body):
        if any(out in useful for out in instr.outs):
            useful.update(uses(instr))
            useful.update(v for i in walk([instr]) for v in i.outs)
            useful.update(p for i in walk([instr]) for b in i.regions for p in b.params)
    return varied & useful


def vary(body, varied):
    """Add to ``varied`` the values of ``body`` that depend on those in it. A tape
    entry depends on them if the value pushed in its place does."""
    for instr in body:
        if instr.op is PUSH:
            tape = instr.args[0]
            varied.update(("tape", tape, k) for k, v in enumerate(instr.args[1:])
                          if _in(v, varied))
        elif instr.op is POP:
            varied.update(out for k, out in enumerate(instr.outs)
                          if ("tape", instr.args[0], k) in varied)
        elif instr.op is IF:
            for block in instr.regions:
                vary(block.body, varied)
            for k, out in enumerate(instr.outs):
                if any(_in(b.results[k], varied) for b in instr.regions):
                    varied.add(out)
        elif instr.regions:
            _vary_loop(instr, varied)
        elif instr.op.differentiable and any(_in(a, varied) for a in instr.args):
            varied.update(instr.outs)  # a comparison's or a size's value does not vary


def _vary_loop(instr, varied):
    inits = loop_inits(instr)
    while True:
        for block in instr.regions:
            for k, (init, param) in enumerate(zip(inits, block_carried(instr, block))):
                if _in(init, varied) or instr.outs[k] in varied:
                    varied.add(param)
            vary(block.body, varied)
        grown = {instr.outs[k] for k, r in enumerate(next_values(instr))
                 if _in(r, varied) or carried_params(instr)[k] in varied} - varied
        if not grown:
            return
        varied.update(grown)


def _in(atom, varied):
    return isinstance(atom, Var) and atom in varied
