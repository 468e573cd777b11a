"""Dead-code elimination: one backward liveness sweep from the results.

    %t.3 = exp %x.0        (never used)         ->   (removed)
    %y.4 = mul %x.0, 2.0                             %y.4 = mul %x.0, 2.0
    return %y.4                                      return %y.4
"""

from ..ir.core import Function, Var


def dce(fn: Function) -> Function:
    live = {r for r in fn.results if isinstance(r, Var)}
    kept = []
    for instr in reversed(fn.body):
        if any(out in live for out in instr.outs):
            kept.append(instr)
            live.update(a for a in instr.args if isinstance(a, Var))
    return fn.with_body(reversed(kept))
