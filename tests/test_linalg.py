"""Linear algebra: np.dot (and a.dot(b)), np.inner, np.outer, np.tensordot, np.trace and
np.einsum, over a grid of operand ranks, in reverse mode (against finite differences),
forward mode (against the reverse gradient) and forward over reverse (Hessian-vector
products against differences of the gradient); einsum's rejections and generated code."""

import textwrap

import numpy as np
import pytest

import gradc
from gradc.pipeline import compile_source

# (id, parameters, expression, operand shapes): each case differentiates
#     def f(<parameters>): return np.sum(np.tanh(<expression>) * <fixed weights>)
# with respect to every parameter (see case_function), so the gradient is never constant.
DOTS = [
    ("dot-0d-1d", "a, b", "np.dot(a, b)", [(), (4,)]),
    ("dot-1d-0d", "a, b", "np.dot(a, b)", [(4,), ()]),
    ("dot-1d-1d", "a, b", "np.dot(a, b)", [(4,), (4,)]),
    ("dot-2d-1d", "a, b", "np.dot(a, b)", [(2, 4), (4,)]),
    ("dot-1d-2d", "a, b", "np.dot(a, b)", [(4,), (4, 3)]),
    ("dot-2d-2d", "a, b", "np.dot(a, b)", [(2, 4), (4, 3)]),
    ("dot-3d-1d", "a, b", "np.dot(a, b)", [(2, 3, 4), (4,)]),
    ("dot-3d-2d", "a, b", "np.dot(a, b)", [(2, 3, 4), (4, 5)]),
    ("dot-2d-3d", "a, b", "np.dot(a, b)", [(2, 4), (3, 4, 5)]),
    ("dot-3d-3d", "a, b", "np.dot(a, b)", [(2, 3, 4), (2, 4, 3)]),
    ("dot-1d-3d", "a, b", "np.dot(a, b)", [(4,), (2, 4, 3)]),
    ("dot-0d-0d", "a, b", "np.dot(a, b)", [(), ()]),
    ("dot-2d-0d", "a, b", "np.dot(a, b)", [(2, 3), ()]),
    ("method-dot-2d-1d", "a, b", "a.dot(b)", [(2, 4), (4,)]),
    ("method-dot-2d-2d", "a, b", "a.dot(b)", [(2, 4), (4, 3)]),
    ("method-dot-3d-2d", "a, b", "a.dot(b)", [(2, 3, 4), (4, 5)]),
]
INNERS = [
    ("inner-1d-1d", "a, b", "np.inner(a, b)", [(4,), (4,)]),
    ("inner-2d-1d", "a, b", "np.inner(a, b)", [(3, 4), (4,)]),
    ("inner-1d-2d", "a, b", "np.inner(a, b)", [(4,), (3, 4)]),
    ("inner-2d-2d", "a, b", "np.inner(a, b)", [(3, 4), (2, 4)]),
    ("inner-3d-2d", "a, b", "np.inner(a, b)", [(2, 3, 4), (5, 4)]),
    ("inner-0d-2d", "a, b", "np.inner(a, b)", [(), (3, 4)]),
    ("inner-2d-0d", "a, b", "np.inner(a, b)", [(3, 4), ()]),
    ("inner-0d-0d", "a, b", "np.inner(a, b)", [(), ()]),
    ("inner-2d-3d", "a, b", "np.inner(a, b)", [(2, 4), (3, 2, 4)]),
]
OUTERS = [
    ("outer-1d-1d", "a, b", "np.outer(a, b)", [(3,), (4,)]),
    ("outer-2d-2d", "a, b", "np.outer(a, b)", [(2, 3), (2, 2)]),
    ("outer-2d-1d", "a, b", "np.outer(a, b)", [(2, 3), (4,)]),
    ("outer-3d-1d", "a, b", "np.outer(a, b)", [(2, 1, 2), (3,)]),
    ("outer-0d-1d", "a, b", "np.outer(a, b)", [(), (3,)]),
]
# Axis lists out of order (the pairing is by position, the adjoint's axes come out in
# each operand's order) once transposed the adjoints wrongly; equal sizes hid it.
TENSORDOTS = [
    ("tensordot-out-of-order", "a, b", "np.tensordot(a, b, axes=([1, 0], [0, 1]))",
     [(3, 2, 4), (2, 3, 5)]),
    ("tensordot-out-of-order-square", "a, b", "np.tensordot(a, b, axes=([1, 0], [0, 1]))",
     [(3, 3, 4), (3, 3, 5)]),
    ("tensordot-reversed-b", "a, b", "np.tensordot(a, b, axes=([0, 1], [1, 0]))",
     [(3, 2, 4), (2, 3, 5)]),
    ("tensordot-negative-out-of-order", "a, b",
     "np.tensordot(a, b, axes=([-1, -2], [0, 1]))", [(4, 3, 2), (2, 3, 5)]),
    ("tensordot-axes0", "a, b", "np.tensordot(a, b, axes=0)", [(2, 3), (4,)]),
    ("tensordot-axes1", "a, b", "np.tensordot(a, b, axes=1)", [(2, 3), (3, 4)]),
    ("tensordot-axes1-positional", "a, b", "np.tensordot(a, b, 1)", [(2, 3, 4), (4, 2)]),
    ("tensordot-default", "a, b", "np.tensordot(a, b)", [(2, 3, 4), (3, 4, 5)]),
    ("tensordot-axes2", "a, b", "np.tensordot(a, b, axes=2)", [(2, 3), (2, 3)]),
    ("tensordot-axes0-scalar", "a, b", "np.tensordot(a, b, axes=0)", [(), (3,)]),
    ("tensordot-axes3", "a, b", "np.tensordot(a, b, axes=3)", [(2, 3, 4), (2, 3, 4)]),
    ("tensordot-lists", "a, b", "np.tensordot(a, b, axes=([0, 1], [1, 2]))",
     [(3, 2, 4), (5, 3, 2)]),
    ("tensordot-nested-lists", "a, b", "np.tensordot(a, b, axes=[[0, 2], [1, 2]])",
     [(3, 4, 2), (5, 3, 2)]),
    ("tensordot-singleton-lists", "a, b", "np.tensordot(a, b, axes=([0], [1]))",
     [(3, 4), (2, 3)]),
    ("tensordot-list-of-ints", "a, b", "np.tensordot(a, b, axes=[1, 0])", [(3, 4), (4, 2)]),
    ("tensordot-ints", "a, b", "np.tensordot(a, b, axes=(1, 0))", [(3, 4), (4, 5)]),
    ("tensordot-ints-3d", "a, b", "np.tensordot(a, b, axes=(0, 2))", [(4, 3), (2, 5, 4)]),
    ("tensordot-negative-ints", "a, b", "np.tensordot(a, b, axes=(-1, -2))",
     [(2, 3), (3, 4)]),
    ("tensordot-negative-int-first", "a, b", "np.tensordot(a, b, axes=(-2, 0))",
     [(3, 4, 2), (4, 3)]),
    ("tensordot-negative-lists", "a, b", "np.tensordot(a, b, axes=([-2, -1], [0, -2]))",
     [(2, 3, 4), (3, 4, 5)]),
]
TRACES = [
    ("trace-square", "a", "np.trace(a)", [(3, 3)]),
    ("trace-wide", "a", "np.trace(a)", [(3, 5)]),
    ("trace-tall", "a", "np.trace(a)", [(5, 2)]),
    ("trace-3d", "a", "np.trace(a)", [(3, 4, 2)]),
    ("trace-4d", "a", "np.trace(a)", [(3, 3, 2, 2)]),
    ("trace-1x1", "a", "np.trace(a)", [(1, 1)]),
    ("trace-of-outer", "a, b", "np.trace(np.outer(a, b))", [(3,), (3,)]),
    ("trace-of-product", "a, b", "np.trace(a @ b)", [(3, 4), (4, 3)]),
]
EINSUMS = [
    ("einsum-matmul", "a, b", 'np.einsum("ij,jk->ik", a, b)', [(2, 3), (3, 4)]),
    ("einsum-frobenius", "a, b", 'np.einsum("ij,ij->", a, b)', [(2, 3), (2, 3)]),
    ("einsum-outer", "a, b", 'np.einsum("i,j->ij", a, b)', [(3,), (4,)]),
    ("einsum-batched", "a, b", 'np.einsum("bij,bjk->bik", a, b)', [(2, 3, 4), (2, 4, 5)]),
    ("einsum-transpose", "a", 'np.einsum("ij->ji", a)', [(2, 3)]),
    ("einsum-trace", "a", 'np.einsum("ii->", a)', [(3, 3)]),
    ("einsum-diagonal", "a", 'np.einsum("ii->i", a)', [(3, 3)]),
    ("einsum-row-sums", "a", 'np.einsum("ij->i", a)', [(2, 3)]),
    ("einsum-matvec", "a, b", 'np.einsum("ij,j->i", a, b)', [(2, 3), (3,)]),
    ("einsum-chain", "a, b, c", 'np.einsum("ij,jk,kl->il", a, b, c)',
     [(2, 3), (3, 4), (4, 2)]),
    ("einsum-bilinear", "a, b, c", 'np.einsum("i,ij,j->", a, b, c)', [(2,), (2, 3), (3,)]),
    ("einsum-same-operand", "a", 'np.einsum("ij,ij->", a, a)', [(2, 3)]),
    ("einsum-implicit", "a, b", 'np.einsum("ij,jk", a, b)', [(2, 3), (3, 4)]),
    ("einsum-implicit-reordered", "a, b", 'np.einsum("jk,ij", a, b)', [(3, 4), (2, 3)]),
    ("einsum-spaces", "a, b", 'np.einsum("ij, jk -> ik", a, b)', [(2, 3), (3, 4)]),
    ("einsum-sum-all", "a", 'np.einsum("ij->", a)', [(2, 3)]),
    ("einsum-column-sums-times-vector", "a, b", 'np.einsum("ij,k->jk", a, b)',
     [(2, 3), (4,)]),
    ("einsum-transposed-output", "a, b", 'np.einsum("ij,jk->ki", a, b)', [(2, 3), (3, 4)]),
    ("einsum-permute-3d", "a", 'np.einsum("ijk->kij", a)', [(2, 3, 4)]),
    ("einsum-diagonal-dot", "a, b", 'np.einsum("ii,i->", a, b)', [(3, 3), (3,)]),
    ("einsum-diagonal-3d", "a", 'np.einsum("iii->i", a)', [(2, 2, 2)]),
    ("einsum-split-diagonal", "a", 'np.einsum("iji->j", a)', [(2, 3, 2)]),
    ("einsum-partial-diagonal", "a, b", 'np.einsum("iij,j->i", a, b)', [(3, 3, 2), (2,)]),
    ("einsum-square-of-matrix", "a", 'np.einsum("ij,jk->ik", a, a)', [(3, 3)]),
    ("einsum-trace-of-square", "a", 'np.einsum("ij,ji->", a, a)', [(3, 3)]),
    ("einsum-hadamard-three", "a, b, c", 'np.einsum("ij,ij,ij->i", a, b, c)',
     [(2, 3), (2, 3), (2, 3)]),
    ("einsum-scalar-operand", "a, b", 'np.einsum(",i->i", a, b)', [(), (4,)]),
    ("einsum-implicit-single", "a", 'np.einsum("ji", a)', [(3, 4)]),
    ("einsum-implicit-trace", "a", 'np.einsum("ii", a)', [(3, 3)]),
    ("einsum-capital-letters", "a, b", 'np.einsum("iJ,Jk->ik", a, b)', [(2, 3), (3, 4)]),
    ("mixed-chain", "a, b", "np.dot(np.tanh(a), np.einsum('ij->ji', b)).dot(a)",
     [(3, 4), (3, 4)]),
]
CASES = DOTS + INNERS + OUTERS + TENSORDOTS + TRACES + EINSUMS
BY_ID = {case[0]: case for case in CASES}

# Forward over reverse for a representative subset: every primitive, the awkward ranks.
HVP_IDS = ["dot-0d-1d", "dot-2d-2d", "dot-3d-2d", "dot-2d-3d", "method-dot-2d-1d",
           "inner-3d-2d", "inner-0d-2d", "outer-2d-2d", "tensordot-axes0", "tensordot-lists",
           "tensordot-negative-lists", "tensordot-ints-3d", "trace-3d", "trace-4d",
           "trace-of-product", "einsum-matmul", "einsum-diagonal", "einsum-trace",
           "einsum-partial-diagonal", "einsum-bilinear", "einsum-same-operand",
           "einsum-implicit", "einsum-column-sums-times-vector", "mixed-chain"]


def sample(shape, rng):
    """A float for a 0-d operand, an array otherwise; small enough that tanh is not flat."""
    return float(rng.normal(scale=0.7)) if shape == () else rng.normal(scale=0.7, size=shape)


def output_shape(case):
    """The shape NumPy gives the expression on the case's operand shapes."""
    _, params, expression, shapes = case
    names = [p.strip() for p in params.split(",")]
    operands = [1.0 if s == () else np.ones(s) for s in shapes]
    return np.shape(eval(expression, dict(zip(names, operands), np=np)))


def case_function(make, case):
    """f = sum(tanh(y) * w) with fixed weights w that differ entry by entry, so that a result
    permuted or transposed by mistake changes the value and the gradient."""
    name, params, expression, _ = case
    shape = output_shape(case)
    weights = f"np.reshape(np.cos(np.arange({int(np.prod(shape))}) + 0.5), {shape})"
    source = textwrap.dedent(f'''
        import numpy as np

        def f({params}):
            y = np.tanh({expression})
            return np.sum(y * {weights if shape else "1.5"})
    ''')
    return make(source, name.replace("-", "_")).f


def test_cases_mean_what_numpy_means():
    """The table itself: every expression runs in NumPy on its shapes (guards the shapes)."""
    rng = np.random.default_rng(0)
    for name, params, expression, shapes in CASES:
        names = [p.strip() for p in params.split(",")]
        namespace = dict(zip(names, (sample(s, rng) for s in shapes)), np=np)
        assert np.isfinite(eval(expression, namespace)).all(), name


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_reverse_and_forward_modes(module_from_source, case):
    f = case_function(module_from_source, case)
    shapes = case[3]
    wrt = tuple(range(len(shapes)))
    rng = np.random.default_rng(sum(len(s) * 10 ** k for k, s in enumerate(shapes)))
    args = [sample(s, rng) for s in shapes]

    assert gradc.check_grad(f, *args, wrt=wrt) < 1e-6
    grads = gradc.grad(f, wrt=wrt)(*args)
    assert [np.shape(g) for g in grads] == list(shapes)
    assert all(np.all(np.isfinite(g)) for g in grads)

    tangents = [sample(s, rng) for s in shapes]
    value, tangent = gradc.jvp(f, tuple(args), tuple(tangents))
    assert value == pytest.approx(f(*args), rel=1e-12)
    expected = sum(np.sum(g * v) for g, v in zip(grads, tangents))
    assert tangent == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("case_id", HVP_IDS)
def test_hessian_vector_products_by_forward_over_reverse(module_from_source, case_id):
    case = BY_ID[case_id]
    f = case_function(module_from_source, case)
    shapes = case[3]
    wrt = tuple(range(len(shapes)))
    rng = np.random.default_rng(11 + len(shapes))
    args = [sample(s, rng) for s in shapes]
    v = [sample(s, rng) for s in shapes]
    products = gradc.hvp(f, wrt=wrt)(*args, v=tuple(v))
    grad = gradc.grad(f, wrt=wrt)
    h = 1e-6
    plus = grad(*(x + h * d for x, d in zip(args, v)))
    minus = grad(*(x - h * d for x, d in zip(args, v)))
    assert len(products) == len(shapes)
    for product, p, m, shape in zip(products, plus, minus, shapes):
        assert np.shape(product) == shape
        assert np.allclose(product, (p - m) / (2 * h), rtol=1e-5, atol=1e-7)


def test_hvp_with_a_single_wrt_is_an_array(module_from_source):
    f = module_from_source("import numpy as np\n\ndef f(a):\n"
                           "    return np.sum(np.tanh(np.einsum('ij,ij->', a, a)))\n",
                           "single_wrt").f
    rng = np.random.default_rng(5)
    a, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    # f(a) = tanh(s) with s = sum(a * a), t = tanh(s): grad = 2 (1 - t^2) a, so
    # H v = 2 (1 - t^2) v - 8 t (1 - t^2) <a, v> a
    s = np.sum(a * a)
    t = np.tanh(s)
    expected = -8 * t * (1 - t * t) * np.sum(a * v) * a + 2 * (1 - t * t) * v
    product = gradc.hvp(f, wrt=0)(a, v=v)
    assert np.shape(product) == (2, 3)
    assert np.allclose(product, expected, rtol=1e-10, atol=1e-12)


def test_contraction_gradients_have_closed_forms(module_from_source):
    """Exact values, not only agreement with finite differences."""
    module = module_from_source(textwrap.dedent('''
        import numpy as np

        def dot(a, b):
            return np.sum(np.dot(a, b) * np.dot(a, b))

        def trace(a):
            return np.trace(a) * np.trace(a)

        def outer(a, b):
            return np.sum(np.outer(a, b) ** 2)

        def diagonal(a):
            return np.sum(np.einsum("ii->i", a) ** 3)
    '''), "closed_forms")
    rng = np.random.default_rng(21)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5))
    da, db = gradc.grad(module.dot, wrt=(0, 1))(a, b)
    y = np.dot(a, b)
    assert np.allclose(da, 2 * np.einsum("ijl,kl->ijk", y, b))
    assert np.allclose(db, 2 * np.einsum("ijk,ijl->kl", a, y))
    m = rng.normal(size=(3, 5))
    assert np.allclose(gradc.grad(module.trace)(m), 2 * np.trace(m) * np.eye(3, 5))
    p, q = rng.normal(size=(2, 2)), rng.normal(size=(3,))
    dp, dq = gradc.grad(module.outer, wrt=(0, 1))(p, q)
    assert np.allclose(dp, 2 * p * np.sum(q * q))
    assert np.allclose(dq, 2 * q * np.sum(p * p))
    s = rng.normal(size=(3, 3))
    assert np.allclose(gradc.grad(module.diagonal)(s), np.diag(3 * np.diag(s) ** 2))


# ---- rejections: (id, source line, fragment of the message)
REJECTED = [
    ("ellipsis", 'np.einsum("...i,i->...", a, b)', "ellipsis"),
    ("too-few-operands", 'np.einsum("ij,jk->ik", a)', "do not match 1 operand"),
    ("too-many-operands", 'np.einsum("ij->ji", a, b)', "do not match 2 operands"),
    ("repeated-output", 'np.einsum("ij->ii", a)', "at most once"),
    ("unknown-output-index", 'np.einsum("ij->k", a)', "at most once"),
    ("not-a-letter", 'np.einsum("i1->i", a)', "do not match"),
    ("variable-subscripts", "np.einsum(s, a)", "subscript string"),
    ("non-string-subscripts", "np.einsum(3, a)", "subscript string"),
    ("no-subscripts", "np.einsum()", "subscript string"),
    ("keyword", 'np.einsum("ij->ji", a, optimize=True)', "subscript string"),
]


@pytest.mark.parametrize("expression, fragment", [r[1:] for r in REJECTED],
                         ids=[r[0] for r in REJECTED])
def test_unsupported_einsum_is_rejected_with_its_location(expression, fragment):
    source = ("import numpy as np\n\n\ndef f(a, b, s):\n"
              f"    return np.sum(np.tanh({expression}))\n")
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:
        compile_source(source, "m.py", wrt=(0, 1))
    error = caught.value
    assert isinstance(error, SyntaxError)
    assert error.lineno == 5
    assert error.col >= len("    return np.sum(np.tanh(")
    assert fragment in error.msg
    assert "m.py:5:" in str(error)


def test_rejection_through_grad(module_from_source):
    module = module_from_source("import numpy as np\n\ndef f(a):\n"
                                "    return np.sum(np.einsum('ij->ii', a))\n", "rejected")
    with pytest.raises(gradc.UnsupportedSyntaxError, match="at most once"):
        gradc.grad(module.f)(np.ones((2, 2)))


# ---- generated code


def test_einsum_adjoints_are_einsums():
    source = ('import numpy as np\n\ndef f(a, b):\n'
              '    return np.sum(np.tanh(np.einsum("ij,jk->ik", a, b)))\n')
    text = compile_source(source, "m.py", wrt=(0, 1))
    assert "np.einsum('ij,jk->ik', a, b)" in text  # the forward pass, as written
    assert "np.einsum('ik,jk->ij', " in text  # a_bar = y_bar contracted with b
    assert "np.einsum('ik,ij->jk', " in text  # b_bar = y_bar contracted with a
    assert "_unbroadcast" not in text and "_einsum_spread" not in text
    assert "tensordot" not in text and "transpose" not in text


def test_einsum_adjoint_of_a_diagonal_spreads_onto_the_diagonal():
    source = 'import numpy as np\n\ndef f(a):\n    return np.sum(np.sin(np.einsum("ii->i", a)))\n'
    text = compile_source(source, "m.py", wrt=0)
    assert "_einsum_spread(" in text and "'i->ii'" in text
    assert "_unbroadcast" not in text


def test_dot_adjoints_are_contractions():
    source = "import numpy as np\n\ndef f(a, b):\n    return np.sum(np.tanh(np.dot(a, b)))\n"
    text = compile_source(source, "m.py", wrt=(0, 1))
    assert "np.dot(a, b)" in text
    assert "_tensordot_adjoint_a(" in text and "_tensordot_adjoint_b(" in text
    assert "axes='dot'" in text
    assert "_unbroadcast" not in text


def test_einsum_tangent_is_a_sum_of_einsums():
    """Forward mode: einsum is linear in each operand, so the tangent is one einsum per
    operand with that operand replaced by its tangent."""
    from gradc.pipeline import Options

    source = ('import numpy as np\n\ndef f(a, b):\n'
              '    return np.sum(np.einsum("ij,jk->ik", a, b))\n')
    text = compile_source(source, "m.py", options=Options(mode="forward"))
    assert text.count("np.einsum('ij,jk->ik', ") == 3


# ---- np.linalg: det, inv, solve, cholesky on well-conditioned inputs

LINALG_SOURCE = '''
import numpy as np

def chol(a):
    return np.sum(np.sin(np.linalg.cholesky(a)))

def slogdet(a):
    sign, logdet = np.linalg.slogdet(a)
    return sign * logdet ** 2 + np.linalg.slogdet(a @ a)[1]

def solved(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2) + np.log(np.linalg.det(a)) \\
        + np.sum(np.linalg.inv(a) * b[..., 0])
'''


def _spd(rng, n=4):
    m = rng.normal(size=(n, n))
    return m @ m.T + n * np.eye(n)


def test_cholesky_gradient_reads_the_lower_triangle_as_numpy_does(module_from_source):
    """Finite differences of each entry of an SPD input, the upper triangle included (NumPy
    ignores it, so its gradient is zero), and the tangent along a symmetric direction."""
    module = module_from_source(LINALG_SOURCE, "linalg_rules")
    a = _spd(np.random.default_rng(3))
    assert gradc.check_grad(module.chol, a) < 1e-6
    grad = gradc.grad(module.chol)(a)
    assert np.all(np.triu(grad, 1) == 0)
    v = np.random.default_rng(4).normal(size=a.shape)
    v = v + v.T
    _, tangent = gradc.jvp(module.chol, (a,), (v,))
    assert tangent == pytest.approx(np.sum(grad * v), rel=1e-9)
    h = 1e-6
    product = gradc.hvp(module.chol)(a, v=v)
    fd = (gradc.grad(module.chol)(a + h * v) - gradc.grad(module.chol)(a - h * v)) / (2 * h)
    assert np.allclose(product, fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("b_shape", [(4,), (4, 3)])
def test_solve_det_inv_gradients(module_from_source, b_shape):
    module = module_from_source(LINALG_SOURCE, "linalg_rules")
    rng = np.random.default_rng(5)
    a, b = _spd(rng), rng.normal(size=b_shape)
    assert gradc.check_grad(module.solved, a, b, wrt=(0, 1)) < 1e-6


def test_slogdet_unpacks_into_sign_and_logdet(module_from_source):
    module = module_from_source(LINALG_SOURCE, "linalg_rules")
    a = np.random.default_rng(6).normal(size=(3, 3))
    assert gradc.check_grad(module.slogdet, a) < 1e-6
    text = compile_source(LINALG_SOURCE, "m.py", functions=["slogdet"])
    assert "np.linalg.slogdet(a)[1]" in text


@pytest.mark.parametrize("body, message", [
    ("    y = np.linalg.slogdet(a)\n    return y", "this call returns 2 values"),
    ("    return np.linalg.slogdet(a)[2]", "index a call returning 2 values"),
    ("    s, l, m = np.linalg.slogdet(a)\n    return l", "cannot unpack 2 values"),
])
def test_slogdet_refusals(body, message):
    with pytest.raises(gradc.UnsupportedSyntaxError, match=message):
        compile_source(f"import numpy as np\n\ndef f(a):\n{body}\n", "m.py")
