"""What the records' simplification rules share (see passes/simplify.py).

A rule takes the instruction, its arguments and the definitions seen so far, and
returns a simpler instruction, the atom the value equals, or None to keep it.
"""

from dataclasses import replace

from ..ir.core import Const, Var


def is_number(atom, number) -> bool:
    """``atom`` is the number ``number`` (True is not 1 here)."""
    return isinstance(atom, Const) and type(atom.value) is not bool and atom.value == number


def unchanged(x, defs):
    """x, as the value of x + 0, x * 1, x / 1 or x ** 1; None where x is a truth value,
    which NumPy's arithmetic makes a number (1.0 * (x > 0) is a float array)."""
    definition = defs.get(x) if isinstance(x, Var) else None
    if definition is not None and definition.op.boolean:
        return None
    if isinstance(x, Const) and type(x.value) is bool:
        return None
    return x


def negated(atom, defs):
    """x when ``atom`` is defined as -x, else None."""
    instr = defs.get(atom) if isinstance(atom, Var) else None
    return instr.args[0] if instr is not None and instr.op.operator == "neg" else None


def rewritten(instr, op, *args):
    """``instr`` computing ``op`` (a record or a name) of ``args`` instead."""
    from .record import lookup

    return replace(instr, op=lookup(op), args=args)


def in_adjoint(instr) -> bool:
    """Adjoint code only: a tangent, like a primal value, must keep its shape, while a
    zero adjoint stands for "no gradient" of whatever shape."""
    return instr.loc is not None and instr.loc.role == "grad"


def spreading(instr, g, *rest):
    """A constant adjoint belongs to a scalar value (the seed of a scalar output, folded
    with other constants), and stays itself when given size-1 axes or summed back."""
    return g if isinstance(g, Const) and in_adjoint(instr) else None


def reducing(instr, g, defs):
    """A zero adjoint stays zero whatever axes are added or summed."""
    return g if isinstance(g, Const) and g.value == 0 and in_adjoint(instr) else None
