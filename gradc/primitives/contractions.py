"""Products: a @ b, np.dot, np.inner, np.outer, np.tensordot, np.trace and np.einsum,
and the adjoint helpers their rules use (linear maps, so their own rules close the
family and Hessians need nothing more).

    c = a @ b                            ->  a_bar = _matmul_adjoint_a(g, a, b)
    y = np.einsum("ij,jk->ik", a, b)     ->  a_bar = np.einsum("ik,jk->ij", g, b)
"""

from .ops import REVERSE_TWICE, linear_jvp
from .record import Primitive, register

_ANY = tuple(range(64))  # multilinear in every argument (np.einsum's operands)


def _matmul_vjp(ops, g, a, b, out):
    return ops.matmul_adjoint_a(g, a, b), ops.matmul_adjoint_b(g, a, b)


# The adjoints of a @ b are linear maps of (g, b) and (g, a); their own adjoints close the
# family: <h, adjoint_a(g, a, b)> = <g, h @ b> and <h, adjoint_b(g, a, b)> = <g, a @ h>.
def _matmul_adjoint_a_vjp(ops, h, g, a, b, out):
    return h @ b, None, ops.matmul_adjoint_b(g, h, b)


def _matmul_adjoint_b_vjp(ops, h, g, a, b, out):
    return a @ h, ops.matmul_adjoint_a(g, a, h), None


def _matmul_adjoint_a_plain(emit, instr, shape):
    """For 1-D and 2-D operands, the adjoint as plain NumPy once shapes are known."""
    g, a, b = instr.args
    forms = {(2, 2): lambda: emit("matmul", g, emit("transpose", b)),
             (2, 1): lambda: emit("outer", g, b),
             (1, 2): lambda: emit("matmul", b, g),
             (1, 1): lambda: emit("mul", g, b)}
    form = forms.get((len(shape[a]), len(shape[b])))
    return form() if form else None


def _matmul_adjoint_b_plain(emit, instr, shape):
    g, a, b = instr.args
    forms = {(2, 2): lambda: emit("matmul", emit("transpose", a), g),
             (2, 1): lambda: emit("matmul", emit("transpose", a), g),
             (1, 2): lambda: emit("outer", a, g),
             (1, 1): lambda: emit("mul", g, a)}
    form = forms.get((len(shape[a]), len(shape[b])))
    return form() if form else None


def _contraction_vjp(axes):
    def rule(ops, g, a, b, out, **keywords):
        how = keywords.get("axes", 2) if axes is None else axes
        return (ops.tensordot_adjoint_a(g, a, b, axes=how),
                ops.tensordot_adjoint_b(g, a, b, axes=how))
    return rule


def _outer_vjp(ops, g, a, b, out):  # np.outer flattens both operands
    return ops.reshape_like(g @ ops.ravel(b), a), ops.reshape_like(ops.ravel(a) @ g, b)


def _trace_vjp(ops, g, x, out):
    return (ops.trace_adjoint(g, x),)


def _trace_adjoint_vjp(ops, h, g, like, out):
    return ops.trace(h), None


def _einsum_vjp(ops, g, *operands_and_out, subscripts):
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


def _einsum_spread_vjp(ops, h, g, like, out, subscripts):
    kept, full = subscripts.split("->")
    return ops.einsum(h, subscripts=f"{full}->{kept}"), None


def _cross_vjp(ops, g, a, b, out, axis=-1):
    """<g, a x b> = <a, b x g> = <b, g x a>, each summed back where it was broadcast."""
    along = {} if axis == -1 else {"axis": axis}
    return (ops.unbroadcast(ops.cross(b, g, **along), a),
            ops.unbroadcast(ops.cross(g, a, **along), b))


def _product(name, arity, vjp, linear_in=(0, 1), **flags):
    return Primitive(name, arity, name, elementwise=False, linear_in=linear_in, vjp=vjp,
                     jvp=linear_jvp, **flags)


def _adjoint(name, arity, vjp=None, linear_in=(0, 1), **flags):
    """An adjoint helper, called by generated code (a copy of ir/helpers.py's)."""
    return Primitive(name, arity, None, elementwise=False, linear_in=linear_in, vjp=vjp,
                     jvp=linear_jvp, helper=f"_{name}", no_vjp="" if vjp else REVERSE_TWICE,
                     **flags)


register(
    _product("matmul", 2, _matmul_vjp, operator="@", syntax="operator"),
    _product("dot", 2, _contraction_vjp("dot")),
    _product("inner", 2, _contraction_vjp("inner")),
    _product("outer", 2, _outer_vjp),
    _product("tensordot", 2, _contraction_vjp(None), keywords=("axes",)),
    _product("cross", 2, _cross_vjp, keywords=("axis",)),
    _product("trace", 1, _trace_vjp, linear_in=(0,)),
    _product("einsum", None, _einsum_vjp, linear_in=_ANY, keywords=("subscripts",),
             positional="before", call_form="einsum", view=True),  # "ij->ji" is a view
    # the two adjoints of a @ b (g: the output's adjoint), for any operand ndim
    _adjoint("matmul_adjoint_a", 3, _matmul_adjoint_a_vjp, linear_in=(0, 2),
             helper_needs=("_as_matrices", "_unbroadcast"),
             specialize=_matmul_adjoint_a_plain),
    _adjoint("matmul_adjoint_b", 3, _matmul_adjoint_b_vjp, linear_in=(0, 1),
             helper_needs=("_as_matrices", "_unbroadcast"),
             specialize=_matmul_adjoint_b_plain),
    # the adjoints of np.dot, np.inner, np.tensordot (axes: "dot", "inner" or tensordot's)
    _adjoint("tensordot_adjoint_a", 3, linear_in=(0, 2), keywords=("axes",),
             helper_needs=("_contracted_axes",)),
    _adjoint("tensordot_adjoint_b", 3, linear_in=(0, 1), keywords=("axes",),
             helper_needs=("_contracted_axes",)),
    _adjoint("trace_adjoint", 2, _trace_adjoint_vjp, linear_in=(0,), shape_of=1,
             shape_only=1),
    # np.einsum's adjoint where an operand has a repeated or a summed-away index
    _adjoint("einsum_spread", 2, _einsum_spread_vjp, linear_in=(0,),
             keywords=("subscripts",), shape_of=1, shape_only=1, view=True),
)
