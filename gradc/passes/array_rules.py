"""Vector-Jacobian product rules of the array operations beyond reductions: squeezing
and broadcasting, joins, indexing, contractions and np.einsum. Same contract as the rules
in vjp_rules (``ops`` builds IR; one contribution per argument, None where no gradient
flows).

    c = np.concatenate([a, b], axis=1)   ->  a_bar = _part_of(c_bar, [a, b], index=0, axis=1)
    y = x[1:, i]                         ->  x_bar = _scatter_like(y_bar, x, np.s_[1:, i])
    y = np.einsum("ij,jk->ik", a, b)     ->  a_bar = np.einsum("ik,jk->ij", y_bar, b)
"""

# Linear in all their arguments together (not in each separately, as a product is).
JOINS = ("concatenate", "stack", "hstack", "vstack", "array")


def _squeeze(ops, g, x, out, axis=None):
    return (ops.reshape_like(g, x),)


def _broadcast_to(ops, g, x, out, shape=None):
    return (ops.unbroadcast(g, x),)


# ---- joins: each operand's adjoint is the part of g it filled

def _join_axis(op, axis):
    """The axis np.<op> joins along (np.hstack: 1, or 0 for 1-D arrays; _part_of knows)."""
    return {"concatenate": axis, "stack": axis, "hstack": 1}.get(op, 0)


def _join(op):
    def rule(ops, g, *parts_and_out, axis=0):
        parts = parts_and_out[:-1]
        return tuple(ops.part_of(g, *parts, index=index, axis=_join_axis(op, axis))
                     for index in range(len(parts)))
    return rule


def _getitem(ops, g, x, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    return (ops.scatter_like(g, x, *dynamic, index=index),) + (None,) * len(dynamic)


def _scatter_like(ops, h, g, like, *dynamic_and_out, index):
    dynamic = dynamic_and_out[:-1]
    return (ops.getitem(h, *dynamic, index=index), None) + (None,) * len(dynamic)


# ---- contractions

def _contraction(axes):
    def rule(ops, g, a, b, out, **keywords):
        how = keywords.get("axes", 2) if axes is None else axes
        return (ops.tensordot_adjoint_a(g, a, b, axes=how),
                ops.tensordot_adjoint_b(g, a, b, axes=how))
    return rule


def _outer(ops, g, a, b, out):  # np.outer flattens both operands
    return (ops.reshape_like(ops.matmul(g, ops.ravel(b)), a),
            ops.reshape_like(ops.matmul(ops.ravel(a), g), b))


def _trace(ops, g, x, out):
    return (ops.trace_adjoint(g, x),)


def _trace_adjoint(ops, h, g, like, out):
    return ops.trace(h), None


def _einsum(ops, g, *operands_and_out, subscripts):
    operands = operands_and_out[:-1]
    inputs, output = subscripts.split("->")
    terms = inputs.split(",")
    return tuple(_einsum_operand_adjoint(ops, g, operands, terms, output, k)
                 for k in range(len(operands)))


def _einsum_operand_adjoint(ops, g, operands, terms, output, k):
    """g contracted with the other operands onto operand k's indices; an index that is
    repeated in term k, or appears nowhere else, is restored by einsum_spread."""
    others = [t for i, t in enumerate(terms) if i != k]
    elsewhere = set(output).union(*others)
    kept = "".join(dict.fromkeys(letter for letter in terms[k] if letter in elsewhere))
    spec = f"{','.join([output, *others])}->{kept}"
    other_operands = [o for i, o in enumerate(operands) if i != k]
    grad = g if spec == f"{kept}->{kept}" else ops.einsum(g, *other_operands, subscripts=spec)
    if kept != terms[k]:
        grad = ops.einsum_spread(grad, operands[k], subscripts=f"{kept}->{terms[k]}")
    return grad


def _einsum_spread(ops, h, g, like, out, subscripts):
    kept, full = subscripts.split("->")
    return ops.einsum(h, subscripts=f"{full}->{kept}"), None


ARRAY_RULES = {"squeeze": _squeeze, "broadcast_to": _broadcast_to, "getitem": _getitem,
               "scatter_like": _scatter_like, "dot": _contraction("dot"),
               "inner": _contraction("inner"), "tensordot": _contraction(None),
               "outer": _outer, "trace": _trace, "trace_adjoint": _trace_adjoint,
               "einsum": _einsum, "einsum_spread": _einsum_spread,
               **{op: _join(op) for op in JOINS}}
