"""Tangents through control flow, for the forward sweep (passes/forward_ad.py).

An ``if`` gets one more out per value whose tangent varies, each branch yielding its
tangent; a loop carries the tangents of its carried values next to them; a tape's
entries are pushed and popped with their tangents, so forward mode also runs through
gradc's own reverse-mode code (Hessian-vector products).

    %s = for 0, %n, 1, %x {(%i, %s.1) -> (%s.2)}
  ->
    %s, %s_dot = for 0, %n, 1, %x, %x_dot {(%i, %s.1, %s_dot.1) -> (%s.2, %s_dot.2)}
"""

from dataclasses import replace

from ..ir.control import block_carried, carried_params, loop_body, loop_inits, next_values
from ..ir.core import Block, Const, Instr
from ..primitives.control import IF, PUSH
from ..primitives.shaping import FULL_LIKE


class ControlTangents:
    """Mixin of the sweep: needs ``builder``, ``tangents``, ``varied``, ``tape_tangents``
    and ``body``."""

    def control(self, instr):
        if instr.op is IF:
            self._if(instr)
        else:
            self._loop(instr)

    def _if(self, instr):
        slots = [k for k, out in enumerate(instr.outs) if out in self.varied]
        blocks = []
        for block in instr.regions:
            body, extra = self._block(block.body, [block.results[k] for k in slots])
            blocks.append(Block((), body, block.results + extra))
        outs = self._tangent_outs(instr, slots)
        self.builder.body.append(replace(instr, outs=instr.outs + outs, regions=tuple(blocks)))

    def _loop(self, instr):
        inits = loop_inits(instr)
        slots = [k for k, p in enumerate(carried_params(instr)) if p in self.varied]
        init_tangents = [self.tangent_or_zero(inits[k], self.builder.body) for k in slots]
        blocks = []
        for block in instr.regions:
            params = [block_carried(instr, block)[k] for k in slots]
            extra_params = tuple(self.builder.fresh(of=p, suffix="dot") for p in params)
            self.tangents.update(zip(params, extra_params))
            is_body = block is loop_body(instr)
            wanted = [next_values(instr)[k] for k in slots] if is_body else []
            body, extra = self._block(block.body, wanted)
            blocks.append(Block(block.params + extra_params, body, block.results + extra))
        outs = self._tangent_outs(instr, slots)
        self.builder.body.append(replace(instr, outs=instr.outs + outs,
                                         args=instr.args + tuple(init_tangents),
                                         regions=tuple(blocks)))

    def _block(self, instrs, wanted):
        """(a block's instructions with tangents, the tangents of ``wanted``)."""
        saved, self.builder.body = self.builder.body, []
        self.body(instrs)
        extra = tuple(self.tangent_or_zero(atom, self.builder.body) for atom in wanted)
        body, self.builder.body = tuple(self.builder.body), saved
        return body, extra

    def _tangent_outs(self, instr, slots):
        outs = tuple(self.builder.fresh(of=instr.outs[k], suffix="dot") for k in slots)
        self.tangents.update(zip((instr.outs[k] for k in slots), outs))
        return outs

    def tangent_or_zero(self, atom, body):
        """``atom``'s tangent, or zeros shaped like it where it has none."""
        if atom in self.tangents:
            return self.tangents[atom]
        if isinstance(atom, Const):
            return Const(0.0)
        zero = self.builder.fresh(of=atom, suffix="dot")
        body.append(Instr((zero,), FULL_LIKE, (atom, Const(0.0))))
        return zero

    # ---- tapes

    def tape(self, instr):
        tape = instr.args[0]
        if instr.op is PUSH:
            values = instr.args[1:]
            slots = [k for k, v in enumerate(values) if v in self.tangents]
            self.tape_tangents[tape] = slots
            extra = tuple(self.tangents[values[k]] for k in slots)
            self.builder.body.append(replace(instr, args=instr.args + extra))
            return
        slots = self.tape_tangents.get(tape, [])
        outs = self._tangent_outs(instr, slots)
        self.builder.body.append(replace(instr, outs=instr.outs + outs))
