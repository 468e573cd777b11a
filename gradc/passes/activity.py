"""Activity analysis: the values that both depend on the ``wrt`` inputs and reach the
results. Only these get adjoints; everything else is left to the primal code (or DCE).

    f(x, c): a = x * x; b = c * 2; y = a + b    wrt x   ->   active = {x, a, y}

A loop's carried value depends on ``wrt`` if its initial value does or its body makes
it so, which may take a second sweep of the body. A value reaches the results through
differentiable operations only: a loop's carried value read only by its condition (a
step size tested against a tolerance) needs no adjoint.
"""

from ..ir.control import block_carried, carried_params, loop_body, loop_inits, next_values
from ..ir.core import Function, Var, uses, walk
from ..primitives.control import IF, POP, PUSH


def active_values(fn: Function, wrt: list[Var]) -> set[Var]:
    varied = set(wrt)
    vary(fn.body, varied)
    useful = {r for r in fn.results if isinstance(r, Var)}
    if any(i.op in (PUSH, POP) for i in walk(fn.body)):  # a tape: every value counts
        for instr in reversed(fn.body):
            if any(out in useful for out in instr.outs):
                useful.update(uses(instr))
                useful.update(v for i in walk([instr]) for v in i.outs)
                useful.update(p for i in walk([instr]) for b in i.regions for p in b.params)
    else:
        reach(fn.body, useful)
    return varied & useful


def reach(body, useful):
    """Add to ``useful`` the values of ``body`` whose value reaches those in it through
    differentiable operations: not a condition, a loop bound or a comparison's operand,
    which decide what runs but carry no gradient."""
    for instr in reversed(body):
        if instr.op is IF:
            for block in instr.regions:
                block_useful = {r for k, r in enumerate(block.results)
                                if isinstance(r, Var) and instr.outs[k] in useful}
                useful.update(block_useful)
                reach(block.body, useful)
        elif instr.regions:
            _reach_loop(instr, useful)
        elif instr.op.differentiable and any(out in useful for out in instr.outs):
            useful.update(a for a in instr.args if isinstance(a, Var))


def _reach_loop(instr, useful):
    """A carried value reaches the results if the loop's out does, or if the body's use
    of it reaches a carried value that does: a fixed point over the carried values."""
    carried = {k for k, out in enumerate(instr.outs) if out in useful}
    while True:
        useful.update(r for k, r in enumerate(next_values(instr))
                      if k in carried and isinstance(r, Var))
        reach(loop_body(instr).body, useful)
        grown = {k for k, p in enumerate(carried_params(instr)) if p in useful} - carried
        if not grown:
            break
        carried |= grown
    useful.update(p for k, p in enumerate(carried_params(instr)) if k in carried)
    useful.update(instr.outs[k] for k in carried)
    useful.update(a for k, a in enumerate(loop_inits(instr))
                  if k in carried and isinstance(a, Var))


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
