"""Algebraic simplification and constant folding, one forward sweep.

    %t.2 = mul %g.1, 1.0                     (x*1 -> x)
    %u.3 = neg %x.0;  %v.4 = neg %u.3        (double negation -> %x.0)
    %w.5 = add %a.2, %u.3                    -> %w.5 = sub %a.2, %x.0
    %k.6 = mul 2.0, 3.0                      -> 6.0

Named constants (``EPS``, ``np.pi``) are not folded, so the code keeps their names.
Zero products (0*x -> 0) are only folded in adjoint code, where a zero stands for "no
gradient" of whatever shape; in primal or tangent code they would change a shape.
"""

import math
from dataclasses import replace

import numpy as np

from ..ir.control import drop_constant_carries
from ..ir.core import Const, Function, Instr, Var, substitute, walk
from ..ir.primitives import call_arguments, implementation

_UNFOLDABLE = {"unbroadcast", "broadcast_like", "full_like"}


def simplify(fn: Function) -> Function:
    mapping: dict[Var, Var | Const] = {}
    body = _sweep(fn.body, mapping, {})
    return fn.with_body(body, [substitute(r, mapping) for r in fn.results])


def _sweep(instrs, mapping, defs) -> list:
    body = []
    for instr in instrs:
        instr = replace(instr, args=tuple(substitute(a, mapping) for a in instr.args))
        if instr.op == "if" and isinstance(instr.args[0], Const):  # known when compiling
            taken = instr.regions[0 if instr.args[0].value else 1]
            body += _sweep(taken.body, mapping, defs)
            mapping.update(zip(instr.outs, (substitute(r, mapping) for r in taken.results)))
            continue
        if instr.regions:
            instr = _control(instr, mapping, defs)
            if instr is not None:
                body.append(instr)
            continue
        result = _rewrite(instr, defs)
        if isinstance(result, Instr):
            body.append(result)
            defs[result.out] = result
        else:
            mapping[instr.out] = result
    return body


def _control(instr, mapping, defs):
    """Blocks simplified; an ``if`` out that is the same on both paths, or that is the
    condition itself, and a loop's carried value that never changes, become atoms."""
    regions = tuple(replace(b, body=tuple(_sweep(b.body, mapping, defs)),
                            results=tuple(substitute(r, mapping) for r in b.results))
                    for b in instr.regions)
    instr = replace(instr, regions=regions)
    if instr.op == "if":
        return _fold_if(instr, mapping, defs)
    return drop_constant_carries(instr, mapping)


def _fold_if(instr, mapping, defs):
    cond = instr.args[0]
    boolean = isinstance(cond, Var) and cond in defs and defs[cond].op in _BOOLEAN
    then, orelse = instr.regions
    keep = []
    for k, (a, b) in enumerate(zip(then.results, orelse.results)):
        if a == b and not _defined_in(a, instr):
            mapping[instr.outs[k]] = a
        elif boolean and (a, b) in ((Const(True), Const(False)), (cond, Const(False)),
                                    (Const(True), cond)):
            mapping[instr.outs[k]] = cond
        else:
            keep.append(k)
    if not keep and not then.body and not orelse.body:
        return None
    return replace(instr, outs=tuple(instr.outs[k] for k in keep), regions=tuple(
        replace(b, results=tuple(b.results[k] for k in keep)) for b in instr.regions))


_BOOLEAN = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
            "logical_not"}


def _defined_in(atom, instr):
    return isinstance(atom, Var) and any(atom in i.outs for b in instr.regions
                                         for i in walk(b.body))


def _rewrite(instr: Instr, defs):
    """A simpler instruction, or the atom the instruction's value equals."""
    if all(isinstance(a, Const) and not a.name for a in instr.args) \
            and instr.op not in _UNFOLDABLE:
        folded = _fold(instr)
        if folded is not None:
            return folded
    rule = _RULES.get(instr.op)
    result = rule(instr, *instr.args, defs) if rule else None
    return instr if result is None else result


def _fold(instr):
    with np.errstate(all="ignore"):
        try:
            positional, keywords = call_arguments(instr.op, instr.params,
                                                  [a.value for a in instr.args])
            value = implementation(instr.op, instr.params)(*positional, **keywords)
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return None
    if isinstance(value, (bool, np.bool_)):
        return Const(bool(value))  # a condition known when compiling
    if not isinstance(value, (int, float, np.integer, np.floating)):
        return None  # complex or array results stay as computed at run time
    if not math.isfinite(value):
        return None
    return Const(int(value) if isinstance(value, (int, np.integer)) else float(value))


def _is(atom, number):
    return isinstance(atom, Const) and atom.value == number


def _negated(atom, defs):
    """x when ``atom`` is defined as -x, else None."""
    instr = defs.get(atom) if isinstance(atom, Var) else None
    return instr.args[0] if instr is not None and instr.op == "neg" else None


def _with(instr, op, *args):
    return replace(instr, op=op, args=args)


def _add(instr, x, y, defs):
    if _is(y, 0):
        return x
    if _is(x, 0):
        return y
    if (ny := _negated(y, defs)) is not None:
        return _with(instr, "sub", x, ny)
    if (nx := _negated(x, defs)) is not None:
        return _with(instr, "sub", y, nx)
    return None


def _sub(instr, x, y, defs):
    if _is(y, 0):
        return x
    if _is(x, 0):
        return _with(instr, "neg", y)
    if (ny := _negated(y, defs)) is not None:
        return _with(instr, "add", x, ny)
    return None


def _mul(instr, x, y, defs):
    for a, b in ((x, y), (y, x)):
        if _is(a, 1):
            return b
        if _is(a, 0) and _in_adjoint(instr):
            return Const(0)
        if _is(a, -1):
            return _with(instr, "neg", b)
    nx, ny = _negated(x, defs), _negated(y, defs)
    if nx is not None and ny is not None:
        return _with(instr, "mul", nx, ny)
    return None


def _div(instr, x, y, defs):
    if _is(y, 1):
        return x
    if _is(x, 0) and _in_adjoint(instr):
        return Const(0)
    return None


def _pow(instr, x, y, defs):
    if _is(y, 1):
        return x
    if _is(y, 0):
        return Const(1) if _in_adjoint(instr) else None
    return None


def _neg(instr, x, defs):
    """--a -> a, and -(-a * b) -> a * b (likewise for /), so sign flips cancel."""
    if (inner := _negated(x, defs)) is not None:
        return inner
    product = defs.get(x) if isinstance(x, Var) else None
    if product is not None and product.op in ("mul", "div"):
        a, b = product.args
        if (na := _negated(a, defs)) is not None:
            return _with(instr, product.op, na, b)
        if (nb := _negated(b, defs)) is not None:
            return _with(instr, product.op, a, nb)
    return None


def _spreading(instr, g, like, defs):
    """A constant adjoint belongs to a scalar value (the seed of a scalar output, folded
    with other constants), and stays itself when given size-1 axes or summed back."""
    return g if isinstance(g, Const) and _in_adjoint(instr) else None


def _reducing(instr, g, defs):
    """A zero adjoint stays zero whatever axes are added or summed."""
    return g if isinstance(g, Const) and g.value == 0 and _in_adjoint(instr) else None


def _in_adjoint(instr):
    """Adjoint code only: a tangent, like a primal value, must keep its shape."""
    return instr.loc is not None and instr.loc.role == "grad"


_RULES = {"add": _add, "sub": _sub, "mul": _mul, "div": _div, "pow": _pow, "neg": _neg,
          # not broadcast_like/reshape_like: a constant spread over an array must stay an
          # array, or a later unbroadcast would not know how many copies to sum
          "unbroadcast": _spreading,
          "expand_dims": lambda instr, g, defs: _spreading(instr, g, None, defs),
          "transpose": lambda instr, g, defs: _spreading(instr, g, None, defs),
          "sum": _reducing}
