"""Vector-Jacobian product rules, one per differentiable primitive.

Each rule reads like the math and builds IR through ``Ops``: it receives the incoming
gradient ``g``, the instruction's arguments and its output, and returns one contribution
per argument (``None``: no gradient flows there). Accumulating contributions, skipping
inactive arguments and undoing broadcasting are the driver's job (reverse_ad), never a
rule's. Elementwise functions share one rule that lowers their sympy-derived template.
"""

from ..errors import GradcError
from ..ir.core import Builder, Const, Instr, Loc
from ..ir.primitives import PRIMITIVES, keyword_arguments
from .array_rules import ARRAY_RULES
from .derivatives import derived_functions, template


class Ops:
    """Builds IR for a rule: arithmetic methods and calls of elementwise primitives,
    spelled as the primal instruction was (math functions on floats; np.power and
    math.pow as calls, so the adjoint keeps their semantics)."""

    def __init__(self, builder: Builder, loc: Loc, primal: Instr | None = None):
        self.builder, self.loc = builder, loc
        self.lib = primal.param("lib", "numpy") if primal else "numpy"
        self.pow_call = primal is not None and primal.op == "pow" and primal.param("form")

    def __getattr__(self, op):
        if op not in PRIMITIVES:
            raise AttributeError(op)
        return lambda *args, **keywords: self.call(op, *args, **keywords)

    def call(self, op, *args, **keywords):
        use_math = self.lib == "math" and PRIMITIVES[op].math is not None
        params = (("lib", "math"),) if use_math else ()
        if op == "pow" and self.pow_call:
            params += (("form", "call"),)
        params += tuple(sorted(keywords.items()))
        return self.builder.emit(op, args, params=params, loc=self.loc)


# ---- arithmetic

def _add(ops, g, x, y, out):
    return g, g


def _sub(ops, g, x, y, out):
    return g, ops.neg(g)


def _mul(ops, g, x, y, out):
    return ops.mul(g, y), ops.mul(g, x)


def _div(ops, g, x, y, out):
    g_over_y = ops.div(g, y)
    return g_over_y, ops.neg(ops.mul(g_over_y, out))


def _pow(ops, g, x, y, out):
    # d(x**y)/dx = y * x**(y-1) (no division by x, so x = 0 is fine); d/dy = x**y log x
    return (ops.mul(ops.mul(g, y), ops.pow(x, ops.sub(y, Const(1)))),
            ops.mul(ops.mul(g, out), ops.log(x)))


def _mod(ops, g, x, y, out):  # x % y = x - floor(x / y) * y, with floor's slope 0
    return g, ops.neg(ops.mul(g, ops.floor_divide(x, y)))


def _neg(ops, g, x, out):
    return (ops.neg(g),)


def _where(ops, g, condition, x, y, out):
    return None, ops.where(condition, g, Const(0.0)), ops.where(condition, Const(0.0), g)


# ---- reductions and shape bookkeeping: each is the transpose of another

def _sum(ops, g, x, out, axis=None, keepdims=False):
    if axis is not None and not keepdims and not isinstance(g, Const):
        g = ops.expand_dims(g, axis=axis)  # put back the summed axes, as size 1
    return (ops.broadcast_like(g, x),)


def reduced_count(ops, x, axis):
    """How many entries of x each output of a reduction along axis combines. Read from
    x alone, so the adjoint needs no reduced value (the gradient may skip computing it)."""
    if axis is None:
        return ops.size(x)
    count = None
    for a in (axis,) if isinstance(axis, int) else axis:
        size = ops.size(x, axis=a)
        count = size if count is None else ops.mul(count, size)
    return count


def _mean(ops, g, x, out, axis=None, keepdims=False):
    (spread,) = _sum(ops, g, x, out, axis, keepdims)
    return (ops.div(spread, reduced_count(ops, x, axis)),)


def tie_weights(ops, x, out, axis=None, keepdims=False):
    """Where x attains its max (or min) along ``axis``, 1 / (number of ties); else 0.
    Written with sign: 1 - |sign(x - m)| is 1 exactly where x equals m."""
    if axis is not None and not keepdims:
        out = ops.expand_dims(out, axis=axis)
    hit = ops.sub(Const(1), ops.abs(ops.sign(ops.sub(x, out))))
    return ops.div(hit, ops.sum(hit, axis=axis, keepdims=True))


def _extremum(ops, g, x, out, axis=None, keepdims=False):
    if axis is not None and not keepdims and not isinstance(g, Const):
        g = ops.expand_dims(g, axis=axis)
    return (ops.mul(tie_weights(ops, x, out, axis, keepdims), g),)


# ---- gradc.nn, in terms of the outputs (no exp of large inputs anywhere)

def _sigmoid(ops, g, x, out):
    return (ops.mul(ops.mul(g, out), ops.sub(Const(1), out)),)


def _softplus(ops, g, x, out):
    return (ops.mul(g, ops.sigmoid(x)),)


def _log_sigmoid(ops, g, x, out):  # d/dx log sigmoid(x) = 1 - sigmoid(x) = 1 - exp(y)
    return (ops.mul(g, ops.sub(Const(1), ops.exp(out))),)


def _relu(ops, g, x, out):
    return (ops.where(ops.greater(x, Const(0.0)), g, Const(0.0)),)


def _logsumexp(ops, g, x, out, axis=None, keepdims=False):
    if axis is not None and not keepdims:
        g, out = ops.expand_dims(g, axis=axis), ops.expand_dims(out, axis=axis)
    return (ops.mul(g, ops.exp(ops.sub(x, out))),)


def _softmax(ops, g, x, out, axis=-1):
    return (ops.mul(out, ops.sub(g, ops.sum(ops.mul(g, out), axis=axis, keepdims=True))),)


def _log_softmax(ops, g, x, out, axis=-1):
    return (ops.sub(g, ops.mul(ops.exp(out), ops.sum(g, axis=axis, keepdims=True))),)


def spread_back(ops, g, axis, keepdims):
    """g with the reduced axes put back as size 1, ready to broadcast against x."""
    if axis is not None and not keepdims and not isinstance(g, Const):
        return ops.expand_dims(g, axis=axis)
    return g


def centered_and_count(ops, x, out, axis):
    """x minus its mean along axis, and how many entries each output averages."""
    centered = ops.sub(x, ops.mean(x, axis=axis, keepdims=True))
    return centered, reduced_count(ops, x, axis)


def _var(ops, g, x, out, axis=None, keepdims=False):
    centered, count = centered_and_count(ops, x, out, axis)
    scale = ops.div(ops.mul(Const(2), spread_back(ops, g, axis, keepdims)), count)
    return (ops.mul(scale, centered),)


def _std(ops, g, x, out, axis=None, keepdims=False):
    centered, count = centered_and_count(ops, x, out, axis)
    spread = ops.mul(count, spread_back(ops, out, axis, keepdims))
    return (ops.mul(ops.div(spread_back(ops, g, axis, keepdims), spread), centered),)


def _prod(ops, g, x, out, axis=None, keepdims=False):
    others = ops.product_of_others(x, axis=axis) if axis is not None else \
        ops.product_of_others(x)
    return (ops.mul(spread_back(ops, g, axis, keepdims), others),)


def _norm(ops, g, x, out):
    return (ops.mul(ops.div(g, out), x),)


def _transpose(ops, g, x, out, axes=None):
    inverse = None if axes is None else tuple(sorted(range(len(axes)), key=axes.__getitem__))
    return (ops.transpose(g, axes=inverse) if inverse else ops.transpose(g),)


def _reshape(ops, g, x, out, shape=None):
    return (ops.reshape_like(g, x),)


def _reshape_like(ops, g, x, like, out):
    return ops.reshape_like(g, x), None


def _matmul(ops, g, a, b, out):
    return ops.matmul_adjoint_a(g, a, b), ops.matmul_adjoint_b(g, a, b)


# The adjoints of a @ b are linear maps of (g, b) and (g, a); their own adjoints close the
# family: <h, adjoint_a(g, a, b)> = <g, h @ b> and <h, adjoint_b(g, a, b)> = <g, a @ h>.
def _matmul_adjoint_a(ops, h, g, a, b, out):
    return ops.matmul(h, b), None, ops.matmul_adjoint_b(g, h, b)


def _matmul_adjoint_b(ops, h, g, a, b, out):
    return ops.matmul(a, h), ops.matmul_adjoint_a(g, a, h), None


def _expand_dims(ops, g, x, out, axis):
    return (ops.sum(g, axis=axis),)


def _broadcast_like(ops, g, x, like, out):
    return ops.unbroadcast(g, x), None


def _unbroadcast(ops, g, x, like, out):
    return ops.broadcast_like(g, x), None


# ---- elementwise functions: sympy-derived templates

def _elementwise(name):
    def rule(ops, g, *args_and_out):
        *args, out = args_and_out
        return tuple(_lower(ops, tree, g, args, out) for tree in template(name))
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


VJP_RULES = {"add": _add, "sub": _sub, "mul": _mul, "div": _div, "pow": _pow, "neg": _neg,
             "mod": _mod, "where": _where,
             "sum": _sum, "expand_dims": _expand_dims, "broadcast_like": _broadcast_like,
             "unbroadcast": _unbroadcast, "mean": _mean, "transpose": _transpose,
             "reshape": _reshape, "ravel": _reshape, "reshape_like": _reshape_like,
             "max": _extremum, "min": _extremum, "var": _var, "std": _std, "prod": _prod,
             "norm": _norm, "sigmoid": _sigmoid, "softplus": _softplus,
             "log_sigmoid": _log_sigmoid, "relu": _relu, "logsumexp": _logsumexp,
             "softmax": _softmax, "log_softmax": _log_softmax,
             "matmul": _matmul, "matmul_adjoint_a": _matmul_adjoint_a,
             "matmul_adjoint_b": _matmul_adjoint_b, **ARRAY_RULES}
for _name in sorted(derived_functions()):
    if _name in VJP_RULES:
        raise RuntimeError(f"two vjp rules for {_name}")
    VJP_RULES[_name] = _elementwise(_name)


def vjp(ops: Ops, instr: Instr, g):
    """Contributions to each argument's adjoint from ``instr``'s output adjoint ``g``."""
    if not PRIMITIVES[instr.op].differentiable:
        return (None,) * len(instr.args)
    if instr.op not in VJP_RULES:  # adjoint helpers reached by a second reverse pass
        raise GradcError(f"{instr.op} (in a derivative) has no reverse-mode rule: for second "
                         "derivatives use gradc.hvp or gradc.hessian (forward over reverse)")
    keywords = keyword_arguments(instr.op, instr.params)
    return VJP_RULES[instr.op](ops, g, *instr.args, instr.out, **keywords)
