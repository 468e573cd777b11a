"""Arithmetic operators, integer arithmetic for sizes and loop bounds, comparisons and
truth: their records, derivative rules and algebraic simplifications.

    y = a / b      ->  a_bar = g / b;  b_bar = -(g / b) * y
    y = x ** p     ->  x_bar = g * p * x ** (p - 1);  p_bar = g * y * log(x)
"""

from ..ir.core import Const
from .ops import diagonal_jvp, linear_jvp
from .record import Primitive, register
from .rewrites import in_adjoint, is_number, negated, rewritten, unchanged

# ---- derivative rules


def _add_vjp(ops, g, x, y, out):
    return g, g


def _sub_vjp(ops, g, x, y, out):
    return g, -g


def _mul_vjp(ops, g, x, y, out):
    return g * y, g * x


def _div_vjp(ops, g, x, y, out):
    g_over_y = g / y
    return g_over_y, -(g_over_y * out)


def _pow_vjp(ops, g, x, y, out):
    # d(x**y)/dx = y * x**(y-1) (no division by x, so x = 0 is fine); d/dy = x**y log x
    return g * y * x ** (y - 1), g * out * ops.log(x)


def _mod_vjp(ops, g, x, y, out):  # x % y = x - floor(x / y) * y, with floor's slope 0
    return g, -(g * ops.floor_divide(x, y))


def _neg_vjp(ops, g, x, out):
    return (-g,)


# ---- simplifications: x + 0, x * 1, --x, a + -b, ...

def _add_simplify(instr, x, y, defs):
    if is_number(y, 0):
        return unchanged(x, defs)
    if is_number(x, 0):
        return unchanged(y, defs)
    if (ny := negated(y, defs)) is not None:
        return rewritten(instr, SUB, x, ny)
    if (nx := negated(x, defs)) is not None:
        return rewritten(instr, SUB, y, nx)
    return None


def _sub_simplify(instr, x, y, defs):
    if is_number(y, 0):
        return unchanged(x, defs)
    if is_number(x, 0):
        return rewritten(instr, NEG, y)
    if (ny := negated(y, defs)) is not None:
        return rewritten(instr, ADD, x, ny)
    return None


def _mul_simplify(instr, x, y, defs):
    for a, b in ((x, y), (y, x)):
        if is_number(a, 1):
            return unchanged(b, defs)
        if is_number(a, 0) and in_adjoint(instr):
            return Const(0)
        if is_number(a, -1):
            return rewritten(instr, NEG, b)
    nx, ny = negated(x, defs), negated(y, defs)
    if nx is not None and ny is not None:
        return rewritten(instr, MUL, nx, ny)
    return None


def _div_simplify(instr, x, y, defs):
    if is_number(y, 1):
        return unchanged(x, defs)
    if is_number(x, 0) and in_adjoint(instr):
        return Const(0)
    return None


def _pow_simplify(instr, x, y, defs):
    if is_number(y, 1):
        return unchanged(x, defs)
    if is_number(y, 0):
        return Const(1) if in_adjoint(instr) else None
    return None


def _neg_simplify(instr, x, defs):
    """--a -> a, and -(-a * b) -> a * b (likewise for /), so sign flips cancel."""
    if (inner := negated(x, defs)) is not None:
        return inner
    product = defs.get(x)
    if product is not None and product.op in (MUL, DIV):
        a, b = product.args
        if (na := negated(a, defs)) is not None:
            return rewritten(instr, product.op, na, b)
        if (nb := negated(b, defs)) is not None:
            return rewritten(instr, product.op, a, nb)
    return None


# ---- the records

def _operator(name, numpy, symbol, impl, vjp, simplify=None, **flags):
    return Primitive(name, 1 if symbol == "neg" else 2, numpy, operator=symbol,
                     syntax="operator", impl=impl, vjp=vjp, jvp=diagonal_jvp,
                     simplify=simplify, **flags)


ADD, SUB, MUL, DIV, POW, NEG, FLOOR_DIVIDE, MOD = register(
    _operator("add", "add", "+", lambda x, y: x + y, _add_vjp, _add_simplify,
              commutative=True),
    _operator("sub", "subtract", "-", lambda x, y: x - y, _sub_vjp, _sub_simplify),
    _operator("mul", "multiply", "*", lambda x, y: x * y, _mul_vjp, _mul_simplify,
              commutative=True),
    _operator("div", "divide", "/", lambda x, y: x / y, _div_vjp, _div_simplify),
    Primitive("pow", 2, "power", "pow", operator="**", syntax="operator",
              impl=lambda x, y: x ** y, vjp=_pow_vjp, jvp=diagonal_jvp,
              simplify=_pow_simplify),
    _operator("neg", "negative", "neg", lambda x: -x, _neg_vjp, _neg_simplify),
    # sizes and loop bounds: zero gradient, except x % y in x
    _operator("floor_divide", "floor_divide", "//", lambda x, y: x // y, None,
              differentiable=False),
    _operator("mod", "mod", "%", lambda x, y: x % y, _mod_vjp),
)


def _comparison(name, symbol, impl):
    return Primitive(name, 2, name, operator=symbol, syntax="compare", impl=impl,
                     differentiable=False, boolean=True)


COMPARISONS = register(
    _comparison("less", "<", lambda x, y: x < y),
    _comparison("less_equal", "<=", lambda x, y: x <= y),
    _comparison("greater", ">", lambda x, y: x > y),
    _comparison("greater_equal", ">=", lambda x, y: x >= y),
    _comparison("equal", "==", lambda x, y: x == y),
    _comparison("not_equal", "!=", lambda x, y: x != y),
)

def _float_vjp(ops, g, x, out):  # x may be a 0-d (or size-1) array: g in its shape
    return (ops.reshape_like(g, x),)


LOGICAL_NOT, INT, FLOAT = register(
    Primitive("logical_not", 1, None, syntax="not", elementwise=False,
              differentiable=False, boolean=True, impl=lambda x: not x),
    # int(n): a loop bound or size, no gradient
    Primitive("int", 1, None, syntax="builtin", elementwise=False, differentiable=False,
              scalar=True, impl=int),
    # float(x): a number, from a float or a one-entry array
    Primitive("float", 1, None, syntax="builtin", elementwise=False, linear_in=(0,),
              scalar=True, impl=float, vjp=_float_vjp, jvp=linear_jvp),
)
