"""Arrays: np.sum with every axis form, the shape bookkeeping primitives (expand_dims,
broadcast_like, unbroadcast), and exact broadcasting adjoints over a grid of shapes."""

import itertools
import textwrap

import numpy as np
import pytest

import gradc
from gradc.pipeline import Options, compile_source
from gradc.primitives import PRIMITIVES

SHAPES = [(), (4,), (3, 4), (1, 4), (3, 1)]
OPERATORS = ["+", "-", "*", "/", "**"]


def broadcastable(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def value(shape, rng, low=0.5, high=1.5):
    return float(rng.uniform(low, high)) if shape == () else rng.uniform(low, high, shape)


@pytest.fixture
def ops_module(module_from_source):
    lines = ["import numpy as np", ""]
    for k, op in enumerate(OPERATORS):  # plain: the seed reaches the operands unchanged
        lines += [f"def op{k}(x, y):", f"    return np.sum(np.sin(x {op} y))", ""]
        lines += [f"def plain{k}(x, y):", f"    return np.sum(x {op} y)", ""]
    return module_from_source("\n".join(lines), "broadcast_ops")


@pytest.mark.parametrize("kind", ["op", "plain"])
@pytest.mark.parametrize("op", range(len(OPERATORS)), ids=OPERATORS)
@pytest.mark.parametrize("x_shape, y_shape", [
    (a, b) for a, b in itertools.product(SHAPES, SHAPES) if broadcastable(a, b)])
def test_broadcasting_adjoints_have_operand_shapes(ops_module, kind, op, x_shape, y_shape):
    rng = np.random.default_rng(len(x_shape) * 7 + len(y_shape))
    x, y = value(x_shape, rng), value(y_shape, rng)
    f = getattr(ops_module, f"{kind}{op}")
    dx, dy = gradc.grad(f, wrt=(0, 1))(x, y)
    assert np.shape(dx) == x_shape and np.shape(dy) == y_shape
    assert gradc.check_grad(f, x, y, wrt=(0, 1)) < 1e-6


AXES = [None, 0, 1, -1, (0, 1), (0, -1), (-1,)]


@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_axes_reverse_and_forward(module_from_source, axis, keepdims):
    source = textwrap.dedent(f'''
        import numpy as np

        def f(x, w):
            s = np.sum(np.tanh(x * w), axis={axis!r}, keepdims={keepdims})
            return np.sum(s * s)
    ''')
    module = module_from_source(source, "sums")
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    assert gradc.check_grad(module.f, x, w, wrt=(0, 1)) < 1e-6
    dx, dw = gradc.grad(module.f, wrt=(0, 1))(x, w)
    vx, vw = rng.normal(size=x.shape), rng.normal(size=w.shape)
    _, tangent = gradc.jvp(module.f, (x, w), (vx, vw))
    assert tangent == pytest.approx(np.sum(dx * vx) + np.sum(dw * vw), rel=1e-12)


def test_sum_in_generated_code_reads_like_numpy():
    source = "import numpy as np\ndef f(x):\n    return np.sum(np.exp(x), axis=(0, -1))\n"
    text = compile_source(source, "m.py", options=Options(mode="forward"))
    assert "t2 = np.sum(t2, axis=(0, -1))" in text  # the tangent, reduced the same way
    source = "import numpy as np\ndef f(x):\n    return np.sum(np.sum(x * x, axis=1) ** 2)\n"
    text = compile_source(source, "m.py")
    assert "np.expand_dims(t1, axis=1)" in text and "_broadcast_like(t1, x)" in text
    assert "_unbroadcast" not in text  # a reduction's adjoint is spread, never summed back


def test_nested_full_reductions(module_from_source):
    module = module_from_source("import numpy as np\ndef f(x):\n"
                                "    return np.sum(np.sum(x * x, axis=1))\n", "nested")
    x = np.arange(6.0).reshape(2, 3)
    assert np.allclose(gradc.grad(module.f)(x), 2 * x)


def test_expand_dims_and_full_like_are_user_functions(module_from_source):
    module = module_from_source(textwrap.dedent('''
        import numpy as np

        def f(x):
            e = np.expand_dims(x, axis=0) * np.ones_like(x)
            return np.sum(e * np.zeros_like(x) + e ** 2)
    '''), "shapes")
    x = np.array([0.5, -1.0, 2.0])
    assert np.allclose(gradc.grad(module.f)(x), 2 * x)


# adjoint helpers that only a second reverse pass would meet (hessians are forward over
# reverse); the tangents of np.prod's and np.cumprod's adjoints, with no third derivative
NO_SECOND_ORDER = {"product_of_others_tangent", "cumprod_tangent", "cumprod_adjoint_tangent"}
REVERSE_ONLY_ONCE = {"tensordot_adjoint_a", "tensordot_adjoint_b", "part_of",
                     "cumprod_adjoint", "product_of_others", "written_part",
                     "add_at"} | NO_SECOND_ORDER


def test_array_primitives_have_reverse_and_forward_rules():
    for name, prim in PRIMITIVES.items():
        if prim.elementwise or not prim.differentiable:
            continue
        assert (prim.vjp is not None) != (name in REVERSE_ONLY_ONCE), name
        if name not in NO_SECOND_ORDER:
            assert prim.jvp is not None or prim.join, \
                f"{name}: forward mode needs a rule (multilinear ops reuse themselves)"


def test_hessian_through_a_sum():
    """Forward over reverse also works across reductions (generated code is re-read)."""
    source = "import numpy as np\ndef f(x):\n    return np.sum(x * x * x)\n"
    text = compile_source(source, "m.py", wrt=0, options=Options(mode="hvp", verify=True))
    namespace = {}
    exec(text, namespace)
    x, v = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -1.0])
    grad, hv = namespace["hvp_f"](x, v)
    assert np.allclose(grad, 3 * x * x) and np.allclose(hv, 6 * x * v)


SHAPE_PROGRAMS = {
    "mean": "np.sum(np.mean(np.tanh(x * w), axis={axis}, keepdims={keepdims}) ** 2)",
    "mean method": "(np.tanh(x * w).mean(axis={axis}, keepdims={keepdims}) ** 2).sum()",
    "max": "np.sum(np.max(np.tanh(x * w), axis={axis}, keepdims={keepdims}) ** 2)",
    "min": "np.sum(np.sin(np.min(x * w, axis={axis}, keepdims={keepdims})))",
    "var and std": "np.sum(np.var(x * w, axis={axis}, keepdims={keepdims}) + "
                   "np.std(x, axis={axis}, keepdims={keepdims}) * np.sum(w))",
    "prod": "np.sum(np.prod(np.tanh(x * w), axis={axis}, keepdims={keepdims}))",
    "norm": "np.linalg.norm(x * w) + np.linalg.norm(np.sum(x, axis=0))",
    "transpose": "np.sum(np.transpose(np.tanh(x * w)) * np.transpose(x))",
    "T and axes": "np.sum(np.transpose(x * w, (1, 0)).T ** 3)",
    "reshape": "np.sum(np.sin(np.reshape(x * w, (4, 3))) * np.reshape(x, -1).reshape(4, 3))",
    "reshape method":
        "np.sum(np.sin(x.reshape(12) * 2.0)) + ((x * w).reshape((2, 6)) ** 2).sum()",
    "ravel": "np.sum(np.ravel(x * w) ** 2 + x.ravel())",
}


SHAPE_CASES = [(name, axis, keepdims) for name in sorted(SHAPE_PROGRAMS)
               for axis, keepdims in ([(None, False), (0, True), (-1, False), ((0, 1), False)]
                                      if "{axis}" in SHAPE_PROGRAMS[name] else [(None, False)])]


@pytest.mark.parametrize("name, axis, keepdims", SHAPE_CASES)
def test_shape_operations_in_both_modes(module_from_source, name, axis, keepdims):
    expression = SHAPE_PROGRAMS[name].format(axis=axis, keepdims=keepdims)
    module = module_from_source(f"import numpy as np\n\ndef f(x, w):\n    return {expression}\n",
                                "shape_ops")
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(4,))
    assert gradc.check_grad(module.f, x, w, wrt=(0, 1)) < 1e-6
    dx, dw = gradc.grad(module.f, wrt=(0, 1))(x, w)
    assert dx.shape == x.shape and dw.shape == w.shape
    vx, vw = rng.normal(size=x.shape), rng.normal(size=w.shape)
    _, tangent = gradc.jvp(module.f, (x, w), (vx, vw))
    assert tangent == pytest.approx(np.sum(dx * vx) + np.sum(dw * vw), rel=1e-11)


def test_methods_read_as_numpy_functions():
    source = ("import numpy as np\ndef f(x):\n"
              "    return (x.T.reshape(2, 6) * x.ravel().reshape(2, 6)).mean()\n")
    text = compile_source(source, "m.py")
    for call in ("np.transpose(x)", "np.reshape(t1, (2, 6))", "np.ravel(x)", "np.mean("):
        assert call in text, call


MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 5)), ((2, 3), (3,)), ((2, 3), (3, 5)),
                 ((4, 2, 3), (3, 5)), ((2, 3), (4, 3, 5)), ((4, 2, 3), (1, 3, 5)),
                 ((3,), (4, 3, 5))]


@pytest.fixture
def matmuls(module_from_source):
    return module_from_source(textwrap.dedent('''
        import numpy as np

        def by_operator(a, b):
            return np.sum(np.tanh(a @ b))

        def by_function(a, b):
            return np.sum(np.sin(np.matmul(a, b)) * 2.0)
    '''), "matmuls")


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["by_operator", "by_function"])
def test_matmul_every_operand_rank(matmuls, name, a_shape, b_shape):
    f = getattr(matmuls, name)
    rng = np.random.default_rng(len(a_shape) * 10 + len(b_shape))
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    assert gradc.check_grad(f, a, b, wrt=(0, 1)) < 1e-6
    da, db = gradc.grad(f, wrt=(0, 1))(a, b)
    assert da.shape == a_shape and db.shape == b_shape
    va, vb = rng.normal(size=a_shape), rng.normal(size=b_shape)
    _, tangent = gradc.jvp(f, (a, b), (va, vb))
    assert tangent == pytest.approx(np.sum(da * va) + np.sum(db * vb), rel=1e-11)


@pytest.mark.parametrize("a_shape, b_shape", MATMUL_SHAPES[:5], ids=str)
def test_matmul_hessian_by_forward_over_reverse(matmuls, a_shape, b_shape):
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    grad = gradc.grad(matmuls.by_operator, wrt=(0, 1))
    va, vb = rng.normal(size=a_shape), rng.normal(size=b_shape)
    ha, hb = gradc.hvp(matmuls.by_operator, wrt=(0, 1))(a, b, v=(va, vb))
    h = 1e-6
    plus, minus = grad(a + h * va, b + h * vb), grad(a - h * va, b - h * vb)
    assert np.allclose(ha, (plus[0] - minus[0]) / (2 * h), rtol=1e-5, atol=1e-7)
    assert np.allclose(hb, (plus[1] - minus[1]) / (2 * h), rtol=1e-5, atol=1e-7)


def test_matmul_adjoints_are_closed_under_reverse_mode():
    """The adjoint helpers of a @ b have reverse rules of their own (reverse over reverse)."""
    from gradc.ir.helpers import _matmul_adjoint_a, _matmul_adjoint_b

    rng = np.random.default_rng(2)
    a, b, g = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    h_a, h_b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    # <h, adjoint_a(g, a, b)> = <g, h @ b> and <h, adjoint_b(g, a, b)> = <g, a @ h>
    assert np.sum(h_a * _matmul_adjoint_a(g, a, b)) == pytest.approx(np.sum(g * (h_a @ b)))
    assert np.sum(h_b * _matmul_adjoint_b(g, a, b)) == pytest.approx(np.sum(g * (a @ h_b)))


def test_max_and_min_split_ties_evenly(module_from_source):
    """The documented convention, in both modes: tied extrema share the gradient."""
    module = module_from_source(textwrap.dedent('''
        import numpy as np

        def top(x):
            return np.max(x)

        def bottom_rows(x):
            return np.sum(np.min(x, axis=1) * np.array_like_weights)
    ''').replace(" * np.array_like_weights", " * 2.0"), "ties")
    x = np.array([1.0, 3.0, 3.0, 2.0])
    assert np.array_equal(gradc.grad(module.top)(x), [0.0, 0.5, 0.5, 0.0])
    assert gradc.jvp(module.top, (x,), (np.array([1.0, 2.0, 4.0, 8.0]),))[1] == 3.0
    rows = np.array([[0.0, 0.0, 1.0], [2.0, -1.0, 5.0]])
    expected = [[1.0, 1.0, 0.0], [0.0, 2.0, 0.0]]
    assert np.array_equal(gradc.grad(module.bottom_rows)(rows), expected)
    assert "tied entries split the gradient evenly" in gradc.grad(module.top).source


def test_where_clip_and_comparisons(module_from_source):
    module = module_from_source(textwrap.dedent('''
        import numpy as np

        def relu_by_where(x):
            return np.sum(np.where(x > 0.0, x, 0.0) ** 2)

        def clipped(x, lo, hi):
            return np.sum(np.clip(x, lo, hi) * x)

        def masked(x, y):
            return np.sum((x < y) * x * y + (x >= y) * np.sin(x))
    '''), "selection")
    x = np.array([-1.5, -0.2, 0.3, 2.0])
    assert np.allclose(gradc.grad(module.relu_by_where)(x), np.where(x > 0, 2 * x, 0.0))
    assert gradc.check_grad(module.relu_by_where, x) < 1e-7
    lo, hi = -1.0, 1.0
    dx, dlo, dhi = gradc.grad(module.clipped, wrt=(0, 1, 2))(x, lo, hi)
    inside = (x > lo) & (x < hi)
    assert np.allclose(dx, np.clip(x, lo, hi) + inside * x)
    assert dlo == pytest.approx(np.sum((x < lo) * x))
    assert dhi == pytest.approx(np.sum((x > hi) * x))
    y = np.array([0.0, -1.0, 1.0, 1.0])
    assert gradc.check_grad(module.masked, x, y, wrt=(0, 1)) < 1e-7
    _, tangent = gradc.jvp(module.masked, (x, y), (np.ones(4), np.zeros(4)))
    assert tangent == pytest.approx(np.sum(gradc.grad(module.masked)(x, y)))


def test_dimensions_shape_len_and_size(module_from_source):
    module = module_from_source(textwrap.dedent('''
        import numpy as np

        def mean_square(X, w):
            r = X @ w
            return np.sum(r * r) / X.shape[0] + np.sum(w * w) / len(w) + np.sum(X) / X.size
    '''), "dimensions")
    rng = np.random.default_rng(9)
    X, w = rng.normal(size=(5, 3)), rng.normal(size=3)
    dX, dw = gradc.grad(module.mean_square, wrt=(0, 1))(X, w)
    assert np.allclose(dw, 2 * X.T @ (X @ w) / 5 + 2 * w / 3)
    assert np.allclose(dX, 2 * np.outer(X @ w, w) / 5 + 1 / 15)
    assert "np.size(X, axis=0)" in gradc.grad(module.mean_square).source


def test_hessian_through_prod_with_a_zero_entry(module_from_source):
    """d2/dxi dxj prod(x) is the product of the other entries, zeros included: no division."""
    m = module_from_source("import numpy as np\ndef f(x):\n    return np.prod(x)\n", "prods")
    x = np.array([0.0, 2.0, 3.0])
    expected = np.array([[0.0, 3.0, 2.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    assert np.array_equal(gradc.hessian(m.f)(x), expected)
