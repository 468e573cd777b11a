"""Elementwise functions: one row each, and sympy writes the derivative.

A row gives the function's spellings (NumPy, and ``math`` where it has one) and its
sympy form; ``derived.py`` differentiates the form once (lazily: sympy is imported only
when a rule is first needed) and ``_derived_vjp`` lowers the result to IR. Adding
np.cbrt is one row: ``_row("cbrt", "cbrt(a0)", math="cbrt")``.
"""

from ..ir.core import Const
from .derived import template
from .ops import diagonal_jvp
from .record import Primitive, register


def _derived_vjp(spelled, rewrites):
    def rule(ops, g, *args_and_out):
        *args, out = args_and_out
        return tuple(_lower(ops, tree, g, args, out) for tree in template(spelled, rewrites))
    return rule


def _lower(ops, tree, g, args, out):
    head = tree[0]
    if head == "g":
        return g
    if head == "out":
        return out
    if head == "arg":
        return args[tree[1]]
    if head == "const":
        return Const(tree[1])
    return ops.call(head, *(_lower(ops, t, g, args, out) for t in tree[1:]))


def _row(name, spelled, numpy=None, math=None, rewrites=(), **flags):
    arity = 1 + ("a1" in spelled) + ("a2" in spelled)
    return Primitive(name, arity, numpy or name, math, sympy=spelled, sympy_rewrites=rewrites,
                     vjp=_derived_vjp(spelled, rewrites), jvp=diagonal_jvp, **flags)


def _logaddexp_vjp(ops, g, x, y, out):
    """Each argument's share exp(a - out) <= 1: no exp of a large input overflows."""
    return g * ops.exp(x - out), g * ops.exp(y - out)


def _where_vjp(ops, g, condition, x, y, out):  # no gradient flows to the condition
    return None, ops.where(condition, g, 0.0), ops.where(condition, 0.0, g)


register(
    _row("exp", "exp(a0)", math="exp"),
    _row("log", "log(a0)", math="log"),
    _row("log2", "log(a0) / log(2)", math="log2"),
    _row("log10", "log(a0) / log(10)", math="log10"),
    _row("log1p", "log(1 + a0)", math="log1p"),
    _row("expm1", "exp(a0) - 1", math="expm1", rewrites=(("exp(a0)", "Y + 1"),)),
    _row("sqrt", "sqrt(a0)", math="sqrt",
         kink="sqrt: the derivative at 0 is infinite (inf with numpy, ZeroDivisionError "
              "on floats with math)"),
    _row("square", "a0**2"),
    _row("cbrt", "cbrt(a0)", kink="cbrt: the derivative at 0 is infinite"),
    _row("reciprocal", "1 / a0"),
    _row("abs", "Abs(a0)", "abs", "fabs", kink="abs: the derivative at 0 is taken as 0"),
    _row("sin", "sin(a0)", math="sin"),
    _row("cos", "cos(a0)", math="cos"),
    _row("tan", "tan(a0)", math="tan"),
    _row("arcsin", "asin(a0)", math="asin"),
    _row("arccos", "acos(a0)", math="acos"),
    _row("arctan", "atan(a0)", math="atan"),
    _row("sinh", "sinh(a0)", math="sinh"),
    _row("cosh", "cosh(a0)", math="cosh"),
    _row("tanh", "tanh(a0)", math="tanh"),
    _row("arcsinh", "asinh(a0)", math="asinh"),
    _row("arccosh", "acosh(a0)", math="acosh"),
    _row("arctanh", "atanh(a0)", math="atanh"),
    _row("maximum", "Max(a0, a1)", commutative=True,
         kink="maximum: tied arguments split the gradient evenly"),
    _row("minimum", "Min(a0, a1)", commutative=True,
         kink="minimum: tied arguments split the gradient evenly"),
    _row("arctan2", "atan2(a0, a1)", math="atan2"),
    _row("hypot", "sqrt(a0**2 + a1**2)", math="hypot", commutative=True),
    _row("clip", "Min(Max(a0, a1), a2)",
         kink="clip: at a bound the gradient is split evenly, as for maximum"),
    Primitive("logaddexp", 2, "logaddexp", commutative=True, vjp=_logaddexp_vjp,
              jvp=diagonal_jvp),
    Primitive("sign", 1, "sign", differentiable=False, jvp=diagonal_jvp),  # slope 0
    Primitive("where", 3, "where", condition=0, vjp=_where_vjp, jvp=diagonal_jvp),
)
