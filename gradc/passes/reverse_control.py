"""The adjoints of control flow, for the reverse sweep (passes/reverse_ad.py).

An ``if`` is reversed by an ``if`` on the same condition, each branch reversing its own
block; its outs are the adjoints the branches changed. A loop is reversed by a loop over
the same iterations backwards (``reversed(range(...))``, or ``range(trips)`` where only
the trip count says how many ran), carrying the adjoints of its carried values and
accumulating those of the values it reads from outside.

Values computed inside a loop change every iteration, so those the adjoint reads are
kept on a tape: a list that the block defining them appends to (one tuple per run of
the block) and the block's adjoint pops from. Nothing outside loops needs a tape: an
``if``'s adjoint reads the branch's values directly, under the same condition.

    %s = for 0, %n, 1, %x {(%i, %s.1) -> (%s.2)}        (s.2 = sin(s.1))
  ->
    %tape = tape
    %s = for 0, %n, 1, %x {(%i, %s.1) -> push %tape, %s.1; (%s.2)}
    ...
    %s_bar.0 = for 0, %n, 1, %g reversed=True {(%i, %g.1) -> %s.3 = pop %tape;
                                                %t = cos %s.3; (%g.1 * %t)}
"""

from dataclasses import replace

from ..ir.control import (
    carried_params,
    counts_trips,
    for_instr,
    if_instr,
    loop_body,
    loop_inits,
    next_values,
    rename_block,
    rename_instr,
)
from ..ir.core import Block, Builder, Const, Instr, Var, free_values, uses
from ..primitives.arithmetic import ADD
from ..primitives.control import IF, POP, PUSH, TAPE
from ..primitives.shaping import FULL_LIKE


def count_trips(fn, builder):
    """Loops whose adjoint needs their trip count (``while``, a ``for`` with ``break``)
    count it in one more carried value."""
    return fn.with_body(_counted(fn.body, builder))


def _counted(body, builder):
    out = []
    for instr in body:
        if instr.regions:
            regions = tuple(replace(b, body=tuple(_counted(b.body, builder)))
                            for b in instr.regions)
            instr = replace(instr, regions=regions)
            if counts_trips(instr):
                instr = _with_counter(instr, builder)
        out.append(instr)
    return out


def _with_counter(instr, builder):
    regions = []
    for block in instr.regions:
        count = builder.fresh("trips")
        results = block.results
        body = block.body
        if block is loop_body(instr):
            following = builder.fresh("trips")
            body += (Instr((following,), ADD, (count, Const(1)), loc=instr.loc),)
            results += (following,)
        regions.append(Block(block.params + (count,), body, results))
    return replace(instr, args=instr.args + (Const(0),), regions=tuple(regions),
                   outs=instr.outs + (builder.fresh("trips"),))


def with_pushes(body, pushes):
    """``body`` with each block that has a tape appending its values at its end."""
    out = []
    for instr in body:
        if instr.regions:
            regions = []
            for block in instr.regions:
                inner = tuple(with_pushes(block.body, pushes))
                if id(block) in pushes:
                    inner += (pushes[id(block)],)
                regions.append(replace(block, body=inner))
            instr = replace(instr, regions=tuple(regions))
        out.append(instr)
    return out


class ControlAdjoints:
    """Mixin of the sweep (passes/reverse_ad.py), which provides what is declared here
    and the methods ``body``, ``accumulate`` and ``witnessed``."""

    builder: Builder
    adjoints: dict[Var, Var | Const]   # a value -> its adjoint accumulated so far
    active: set[Var]                   # the values that need adjoints
    shapes: dict                       # shape classes (passes/shapes.py)
    tapes: list[Instr]                 # the tapes loops' adjoints read
    pushes: dict[int, Instr]           # a loop body (by id) -> the push it gets
    loop_depth: int

    def control(self, instr):
        if instr.op is IF:
            self._if(instr)
        else:
            self._loop(instr)

    # ---- if

    def _if(self, instr):
        seeds = [self.adjoints.pop(out, None) for out in instr.outs]
        if all(g is None for g in seeds):
            return
        loc = replace(instr.loc, role="grad")
        outer = list(dict.fromkeys(v for block in instr.regions for v in free_values(block)
                                   if v in self.active))
        start = {v: self.adjoints.get(v) for v in outer}
        branches = [self._adjoint_block(block, start, zip(block.results, seeds), loc)
                    for block in instr.regions]
        changed = [v for v in outer if any(finals[v] is not start[v] for _, finals in branches)]
        if not changed:
            return
        blocks = []
        for (body, finals), block in zip(branches, instr.regions):
            results = self._closed(body, [finals[v] for v in changed], changed, loc)
            blocks.append(self._taped(block, Block((), tuple(body), tuple(results))))
        outs = [self.builder.fresh(of=v) for v in changed]
        self.builder.body.append(if_instr(outs, instr.args[0], *blocks, loc))
        self.adjoints.update(zip(changed, outs))

    def _adjoint_block(self, block, start, seeded, loc, report=()):
        """(adjoint instructions, final adjoints of ``start``'s and ``report``'s values)
        of ``block``: its results' adjoints given by ``seeded``, the outer ones starting
        at ``start``."""
        saved_body, saved_adjoints = self.builder.body, self.adjoints
        self.builder.body = []
        self.adjoints = {v: g for v, g in start.items() if g is not None}
        for result, g in seeded:
            if g is not None:
                self.accumulate(result, g, loc, 0)
        self.body(block.body)
        finals = {v: self.adjoints.get(v) for v in [*start, *report]}
        body = self.witnessed(self.builder.body)
        self.builder.body, self.adjoints = saved_body, saved_adjoints
        return body, finals

    def _closed(self, body, adjoints, values, loc):
        """Adjoints that stayed absent become zeros shaped like their value."""
        return [self._zero(v, body, loc) if g is None else g for g, v in zip(adjoints, values)]

    def _zero(self, value, body, loc):
        if self.shapes.get(value) == ():
            return Const(0.0)
        zero = self.builder.fresh(of=value)
        body.append(Instr((zero,), FULL_LIKE, (value, Const(0.0)), loc=loc))
        return zero

    # ---- loops

    def _loop(self, instr):
        inits, params, body = loop_inits(instr), carried_params(instr), loop_body(instr)
        counted = counts_trips(instr)
        slots = len(inits) - counted  # the trip count is not differentiated
        seeds = [self.adjoints.pop(out, None) for out in instr.outs[:slots]]
        active = [k for k in range(slots) if params[k] in self.active]
        if all(seeds[k] is None for k in active):
            return
        outer = [v for v in free_values(body) if v in self.active and v not in params]
        loc = replace(instr.loc, role="grad")
        head = []
        carried_init = [self._zero(instr.outs[k], head, loc) if seeds[k] is None else seeds[k]
                        for k in active]
        outer_init = [self._zero(v, head, loc) if self.adjoints.get(v) is None else
                      self.adjoints[v] for v in outer]
        self.builder.body += head
        index = self.builder.fresh("_" if counted else body.params[0].hint)
        carried_in = [self.builder.fresh(of=params[k]) for k in active]
        accumulators = [self.builder.fresh(of=v) for v in outer]
        results = next_values(instr)
        self.loop_depth += 1
        adjoint, finals = self._adjoint_block(
            body, dict(zip(outer, accumulators)),
            [(results[k], g) for k, g in zip(active, carried_in)], loc,
            report=[params[k] for k in active])
        if not counted:  # the same index, counted down
            adjoint = [rename_instr(i, {body.params[0]: index}) for i in adjoint]
        values = [params[k] for k in active] + outer
        closed = self._closed(adjoint, [finals[v] for v in values], values, loc)
        block = self._taped(body, Block((index, *carried_in, *accumulators), tuple(adjoint),
                                        tuple(closed)))
        self.loop_depth -= 1
        outs = [self.builder.fresh(of=v) for v in [params[k] for k in active] + outer]
        bounds = (Const(0), instr.outs[-1], Const(1)) if counted else instr.args[:3]
        backwards = not counted and not instr.param("reversed")  # the other way round
        self.builder.body.append(for_instr(outs, bounds, carried_init + outer_init, block,
                                           loc, backwards))
        self.adjoints.update(zip(outer, outs[len(active):]))
        for k, out in zip(active, outs):
            self.accumulate(inits[k], out, loc, len(self.builder.body))

    # ---- tapes

    def _taped(self, forward: Block, adjoint: Block) -> Block:
        """Inside a loop, the values of ``forward`` that ``adjoint`` reads go on a tape:
        appended at the end of ``forward``, popped at the start of ``adjoint``."""
        if self.loop_depth == 0:
            return adjoint
        defined = set(forward.params) | {out for i in forward.body for out in i.outs}
        adjoint = self._fewer_witnesses(adjoint, defined)
        needed = [v for v in free_values(adjoint) if v in defined]
        if not needed:
            return adjoint
        tape = self.builder.fresh("tape")
        self.tapes.append(Instr((tape,), TAPE, ()))
        self.pushes[id(forward)] = Instr((self.builder.fresh(),), PUSH, (tape, *needed))
        kept = [Var(self.builder.fresh().id, v.hint, v.of, v.suffix) for v in needed]
        renamed = rename_block(adjoint, dict(zip(needed, kept)))
        pop = Instr(tuple(kept), POP, (tape,))
        return Block(adjoint.params, (pop, *renamed.body), renamed.results)

    def _fewer_witnesses(self, adjoint: Block, defined) -> Block:
        """A value read only for its shape is replaced by one of the same shape class
        that goes on the tape anyway (x for sin(x) * x under a sum, say)."""
        read = [v for instr in adjoint.body if instr.regions for v in uses(instr)]
        read += [v for instr in adjoint.body if not instr.regions
                 for position, v in enumerate(instr.args)
                 if isinstance(v, Var) and instr.op.shape_only != position]
        read += [r for r in adjoint.results if isinstance(r, Var)]
        kept: dict = {}  # a shape class -> a value with it that the adjoint keeps
        for v in read:
            if v in defined:
                kept.setdefault(self.shapes.get(v), v)
        body = []
        for instr in adjoint.body:
            position = instr.op.shape_only
            like = instr.args[position] if position is not None and not instr.regions \
                else None
            if position is not None and like in defined and like not in read \
                    and self.shapes.get(like) in kept:
                args = list(instr.args)
                args[position] = kept[self.shapes[like]]
                instr = replace(instr, args=tuple(args))
            body.append(instr)
        return replace(adjoint, body=tuple(body))
