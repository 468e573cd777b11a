"""Indexing reads, joins, squeeze and broadcast_to, constructors and the array methods:
each program in reverse mode (against central finite differences, with gradients in
their inputs' shapes), forward mode (the tangent along v is <gradient, v>) and, for a
representative subset, forward over reverse (Hessian-vector products against central
differences of the gradient); exact gradients where they are easy to write down (an
integer array's repeated entries accumulate), and the rejections, located to the column."""

import re
import textwrap

import numpy as np
import pytest

import gradc
from gradc.pipeline import compile_source

# The parameters a program may use: a shape is a random float input (differentiated),
# anything else is passed as it is (integer arrays and ints, never differentiated). A
# program's function takes the parameters its expression names, in this order.
PARAMETERS = {
    "x": (4,), "y": (4,), "A": (2, 3), "B": (2, 3), "W": (4, 4), "Z": (2, 3, 4),
    "S": (3, 1, 4), "idx": np.array([0, 2, 2, 3]), "idx2": np.array([[0, 1], [3, 3]]), "k": 3,
}

INDEXING = {
    "integers": "np.sin(x[1]) * x[-1] + x[-2] ** 2 + x[0]",
    "2-D integers": "A[1, 2] * A[-1, 0] + np.sum(np.sin(A[0]) * A[-1])",
    "3-D integers": "Z[1, -1, 2] * Z[0, 0, 0] + np.sum(np.tanh(Z[1]) ** 2)",
    "steps": "np.sum(np.sin(x[::2]) * x[1::2])",
    "reversed": "np.sum(x[::-1] * np.tanh(x))",
    "negative steps": "np.sum(np.sin(x[3:0:-2]) * x[2::-2])",
    "open negative step": "np.sum(np.exp(x[:0:-1]) * x[-2::-1])",
    "negative bounds": "np.sum(np.sin(x[-3:-1]) * x[-1:-3:-1])",
    "run-time negative step": "np.sum(np.sin(x[k::-1]) * np.arange(1, 5))",
    "empty slice": "np.sum(x[4:]) + np.sum(np.sin(x[2:2])) + np.sum(x ** 3)",
    "2-D slices": "np.sum(np.tanh(A[:, ::-2]) * A[::-1, 1:])",
    "3-D tuple": "np.sum(Z[1, :, ::2] ** 2) + np.sum(np.sin(Z[:, -1, 1:3]) * Z[::-1, 0, :2])",
    "None": "np.sum(np.tanh(x[:, None] * y[None, :]))",
    "np.newaxis": "np.sum(np.sin(A[:, np.newaxis, :] + A[np.newaxis, ::-1, :]))",
    "ellipsis last": "np.sum(np.sin(Z[..., 0]) * Z[..., -1])",
    "ellipsis first": "np.sum(Z[1, ...] ** 2) + np.sum(np.cos(Z[0, ..., 1:]))",
    "ellipsis and None": "np.sum(np.tanh(A[..., None] * x[None, None, :3]))",
    "None around ellipsis": "np.sum(np.sin(x[None, ..., None]) * np.arange(1, 5)[:, None])",
    "scalar read, then None": "np.sum(np.sin(x[0][None]) * x[1:2])",
    "integer array": "np.sum(np.sin(x[idx]) * x[idx])",
    "integer array of rows": "np.sum(np.tanh(W[idx]) * W[idx[::-1]])",
    "slice and integer array": "np.sum(np.sin(W[:, idx]) ** 2)",
    "integer and integer array": "np.sum(np.sin(W[1, idx]) * W[idx, -1])",
    "two integer arrays": "np.sum(np.sin(W[idx, idx[::-1]]) * x)",
    "2-D integer arrays": "np.sum(np.sin(W[idx2])) + np.sum(W[idx2, idx2[::-1]] ** 2)",
    "integer arrays around a slice": "np.sum(np.sin(Z[idx2[0], :, idx[:2]]) * np.arange(1, 4))",
    "integer array and ellipsis": "np.sum(np.sin(Z[idx2[0], ..., 0]) * np.arange(1, 4))",
    "constant list": "np.sum(np.sin(x[[0, 2, 2]]) * x[[3, 1, 0]])",
    "constant list and slice": "np.sum(W[[1, 1, 3], 2:] ** 3)",
    "run-time integers": "x[len(x) - 1] * np.sum(x[:len(x) - 2] ** 2)",
    "run-time shape": "np.sum(np.sin(W[W.shape[0] - 1, :W.shape[1] - 1]) * W[1:, 0])",
    "integer argument": "np.sum(np.sin(x[k:]) ** 2) + x[k] * x[k - 3] + np.sum(W[:k, k])",
    "computed value": "np.sum((x * y)[1:] ** 2) + np.sin(x + y)[-1]",
    "chained": "np.sum(np.tanh(W[1:][::-1][:, 2]) * x[1:][::2][0])",
    "matmul result": "np.sum(np.sin((W @ x)[::2]))",
}

JOINS = {
    "concatenate axis 0": "np.sum(np.sin(np.concatenate([x, np.tanh(y), x * y], axis=0))"
                          " * np.arange(12))",
    "concatenate axis 1": "np.sum(np.sin(np.concatenate([A, B ** 2, A[:, :1]], axis=1))"
                          " * np.arange(7))",
    "concatenate axis -1": "np.sum(np.tanh(np.concatenate([Z, Z[..., :1] * 2.0], axis=-1))"
                           " * np.arange(5))",
    "concatenate axis None": "np.sum(np.sin(np.concatenate([A, x], axis=None))"
                             " * np.arange(10))",
    "concatenate default axis": "np.sum(np.sin(np.concatenate([A, B])) * np.arange(3))",
    "concatenate axis -2": "np.sum(np.sin(np.concatenate([Z, Z[:, :1] ** 2], axis=-2))"
                           " * np.arange(1, 5))",
    "concatenate a constant array": "np.sum(np.sin(np.concatenate([x, np.ones(2)]))"
                                    " * np.arange(6))",
    "concatenate the same array twice": "np.sum(np.sin(np.concatenate([x, x]))"
                                        " * np.arange(8))",
    "stack axis 0": "np.sum(np.sin(np.stack([x, y, x * y], axis=0)) * np.arange(4))",
    "stack axis 1": "np.sum(np.sin(np.stack([x, y], axis=1)) * np.arange(1, 3))",
    "stack axis -1": "np.sum(np.tanh(np.stack([A, B, A * B], axis=-1)) * np.arange(3))",
    "stack default axis": "np.sum(np.sin(np.stack([A, B])) * np.arange(3))",
    "stack axis -2": "np.sum(np.sin(np.stack([Z, Z ** 2], axis=-2)) * np.arange(1, 5))",
    "stack of scalars": "np.sum(np.sin(np.stack([x[0], x[1] * x[2]])) * np.arange(1, 3))",
    "stack the same array twice": "np.sum(np.sin(np.stack([x, x], axis=1)) * np.arange(2))",
    "hstack 1-D": "np.sum(np.sin(np.hstack([x, y[:2], x * y])) * np.arange(10))",
    "hstack 2-D": "np.sum(np.sin(np.hstack([A, B[:, :1]])) * np.arange(4))",
    "hstack with a float": "np.sum(np.sin(np.hstack([x, 1.0])) * np.arange(5))",
    "hstack 3-D": "np.sum(np.sin(np.hstack([Z, Z[:, :1] ** 2])) * np.arange(1, 5))",
    "hstack of scalars": "np.sum(np.sin(np.hstack([x[0], x[1] * x[2], 2.0])) * np.arange(1, 4))",
    "vstack 1-D": "np.sum(np.sin(np.vstack([x, y, y ** 2])) * np.arange(4))",
    "vstack 2-D": "np.sum(np.sin(np.vstack([A, B[:1]])) * np.arange(3))",
    "vstack 1-D and 2-D": "np.sum(np.sin(np.vstack([A, x[:3]])) * np.arange(3))",
    "vstack 3-D": "np.sum(np.sin(np.vstack([Z, Z[:1] ** 2])) * np.arange(1, 5))",
    "array of arrays": "np.sum(np.sin(np.array([x, y * 2.0])) * np.arange(1, 5))",
    "array of scalars": "np.sum(np.sin(np.array([x[0], x[1] * x[2], 3.0])) * np.arange(3))",
    "nested array": "np.sum(np.tanh(np.array([[x[0], x[1]], [x[2], 1.0]])) * np.arange(1, 3))",
    "array as a matrix": "np.sum((np.array([[x[0], -x[1]], [x[1] * y[0], x[0]]]) @ y[2:]) ** 2)",
}

SHAPES = {
    "squeeze": "np.sum(np.sin(np.squeeze(S)) * np.arange(4))",
    "squeeze axis": "np.sum(np.tanh(np.squeeze(S, axis=1)) ** 2)",
    "squeeze negative axis": "np.sum(np.sin(np.squeeze(S[..., :1], axis=-1)) * S[:, :, 1])",
    "squeeze axis tuple": "np.sum(np.sin(np.squeeze(S[:1], axis=(0, 1))) * np.arange(1, 5))",
    "broadcast_to": "np.sum(np.sin(np.broadcast_to(x, (3, 4))) * np.arange(3)[:, None])",
    "broadcast_to a column": "np.sum(np.tanh(np.broadcast_to(A[:, :1], (2, 5))) ** 2)",
    "broadcast_to a new axis": "np.sum(np.sin(np.broadcast_to(A, (2, 2, 3)))"
                               " * np.arange(1, 3)[:, None, None])",
    "broadcast_to of a scalar": "np.sum(np.sin(np.broadcast_to(x[0], (3,))) * np.arange(1, 4))",
}

CONSTRUCTORS = {
    "zeros": "np.sum((x[:k] + np.zeros((2, k))) ** 2)",
    "zeros of a length": "np.sum(np.sin(x + np.zeros((2, len(x)))))",
    "ones": "np.sum(np.ones(4) * np.sin(x) + np.ones((2, 4)) * x ** 2)",
    "eye": "np.sum(np.eye(4) * np.tanh(W))",
    "eye of an argument": "np.sum(np.eye(k) * np.sin(x[:k, None] * x[None, :k]))",
    "eye rectangular": "np.sum(np.sin(W[:3] + np.eye(3, 4)) * np.eye(3, 4))",
    "arange": "np.sum(np.arange(4) * np.sin(x))",
    "arange start stop step": "np.sum(np.arange(1, 7, 2) * x[:3] ** 2)",
    "arange of a length": "np.sum(np.arange(len(x)) * np.cos(x))",
}

METHODS = {
    "max": "np.sin(x.max()) + W.max() ** 2",
    "max keepdims": "np.sum(np.sin(W.max(axis=0, keepdims=True)) * W)",
    "min axis 0": "np.sum(np.tanh(W.min(axis=0)) * np.arange(4))",
    "prod": "np.sin(x.prod()) + A.prod(axis=1).sum()",
    "var": "x.var() + np.sin(W.var(axis=0)).sum()",
    "std axis 1": "np.sum(W.std(axis=1) * np.arange(4))",
    "dot": "np.sin(x.dot(y)) + np.sum(W.dot(x) ** 2) + np.sum(A.dot(W[:3]) ** 2)",
    "squeeze": "np.sum(np.sin(S.squeeze()) * S[:, 0, :])",
    "flatten": "np.sum(np.sin(A.flatten()) * np.arange(6))",
    "on a computed value": "(x * y).max() + np.sum(np.sin(A * B).flatten() ** 2)",
}

PROGRAMS = {**{f"index: {k}": v for k, v in INDEXING.items()},
            **{f"join: {k}": v for k, v in JOINS.items()},
            **{f"shape: {k}": v for k, v in SHAPES.items()},
            **{f"constructor: {k}": v for k, v in CONSTRUCTORS.items()},
            **{f"method: {k}": v for k, v in METHODS.items()}}

# forward over reverse on a representative subset
HVP_PROGRAMS = [
    "index: 2-D slices", "index: 3-D tuple", "index: negative steps", "index: np.newaxis",
    "index: ellipsis first", "index: integer array", "index: slice and integer array",
    "index: constant list", "index: 2-D integer arrays", "index: integer arrays around a slice",
    "index: run-time integers", "index: computed value",
    "join: concatenate axis 1", "join: concatenate axis None", "join: stack axis -1",
    "join: hstack with a float", "join: vstack 1-D and 2-D", "join: nested array",
    "join: array as a matrix", "join: stack axis -2", "join: hstack 3-D",
    "shape: squeeze axis", "shape: broadcast_to", "shape: broadcast_to a new axis",
    "constructor: eye rectangular", "constructor: zeros",
    "method: max", "method: var", "method: std axis 1", "method: dot", "method: flatten",
]


def parameters_of(expression):
    return [name for name in PARAMETERS if re.search(rf"(?<![\w.]){name}\b", expression)]


def program(module_from_source, name):
    """The module-level function ``f`` for ``PROGRAMS[name]``, its arguments and wrt."""
    expression = PROGRAMS[name]
    names = parameters_of(expression)
    source = f"import numpy as np\n\ndef f({', '.join(names)}):\n    return {expression}\n"
    module = module_from_source(source, "indexing")
    rng = np.random.default_rng(sum(map(ord, name)))
    args = tuple(rng.normal(size=spec) if isinstance(spec, tuple) else spec
                 for spec in map(PARAMETERS.get, names))
    wrt = tuple(i for i, n in enumerate(names) if isinstance(PARAMETERS[n], tuple))
    return module.f, args, wrt, rng


def test_parameters_are_read_from_the_expression():
    assert parameters_of("np.sum(W[idx, k:]) + x.dot(y)") == ["x", "y", "W", "idx", "k"]
    assert parameters_of("np.sum(A.T) + S.squeeze()") == ["A", "S"]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_programs_in_reverse_and_forward_mode(module_from_source, name):
    f, args, wrt, rng = program(module_from_source, name)
    assert wrt, "every program differentiates something"
    assert gradc.check_grad(f, *args, wrt=wrt) < 1e-6
    grads = gradc.grad(f, wrt=wrt)(*args)
    assert [np.shape(g) for g in grads] == [np.shape(args[i]) for i in wrt]
    assert all(np.all(np.isfinite(g)) and np.any(g != 0.0) for g in grads)
    tangents = [rng.normal(size=np.shape(a)) if i in wrt else np.zeros_like(a)
                for i, a in enumerate(args)]
    value, tangent = gradc.jvp(f, args, tuple(tangents))
    assert value == pytest.approx(f(*args), rel=1e-12)
    expected = sum(np.sum(g * tangents[i]) for g, i in zip(grads, wrt))
    assert tangent == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", HVP_PROGRAMS)
def test_hessian_vector_products_by_forward_over_reverse(module_from_source, name):
    f, args, wrt, rng = program(module_from_source, name)
    v = tuple(rng.normal(size=np.shape(args[i])) for i in wrt)
    products = gradc.hvp(f, wrt=wrt)(*args, v=v)
    grad = gradc.grad(f, wrt=wrt)
    h = 1e-6

    def shifted(sign):
        moved = list(args)
        for i, d in zip(wrt, v):
            moved[i] = args[i] + sign * h * d
        return grad(*moved)

    plus, minus = shifted(1), shifted(-1)
    assert len(products) == len(wrt)
    for product, p, m, i in zip(products, plus, minus, wrt):
        assert np.shape(product) == np.shape(args[i])
        assert np.allclose(product, (p - m) / (2 * h), rtol=1e-5, atol=1e-7)


def test_hvp_of_a_single_argument_is_an_array(module_from_source):
    module = module_from_source("import numpy as np\n\ndef f(x, idx):\n"
                                "    return np.sum(x[idx] ** 3)\n", "single_hvp")
    x, idx, v = np.array([0.5, -1.0, 2.0, 1.5]), np.array([0, 2, 2, 3]), np.ones(4)
    # d/dx of the gradient 3 * count * x^2 along v: 6 * count * x * v
    product = gradc.hvp(module.f, wrt=0)(x, idx, v=v)
    assert isinstance(product, np.ndarray)
    assert np.allclose(product, 6 * np.array([1, 0, 2, 1]) * x * v, rtol=1e-12)


# ---- exact gradients

EXACT = {
    # repeated entries of an integer array accumulate their gradients
    "np.sum(x[idx] ** 2)": lambda x: [2 * x[0], 0.0, 4 * x[2], 2 * x[3]],
    "np.sum(x[[0, 2, 2]] ** 2)": lambda x: [2 * x[0], 0.0, 4 * x[2], 0.0],
    "np.sum(x[[3, 3]] * 1.5)": lambda x: [0.0, 0.0, 0.0, 3.0],
    "np.sum(x[[3, -1]] * 1.5)": lambda x: [0.0, 0.0, 0.0, 3.0],  # -1 is a literal too
    "x[-1] * x[0]": lambda x: [x[3], 0.0, 0.0, x[0]],
    "np.sum(x[::-1] * np.arange(4))": lambda x: [3.0, 2.0, 1.0, 0.0],
    "np.sum(x[3:0:-2] * np.array([10.0, 20.0]))": lambda x: [0.0, 20.0, 0.0, 10.0],
    "x[len(x) - 1] ** 2": lambda x: [0.0, 0.0, 0.0, 2 * x[3]],
    "np.sum(np.concatenate([x, x]) * np.arange(8))": lambda x: [4.0, 6.0, 8.0, 10.0],
    "np.sum(np.stack([x, 2.0 * x], axis=1) ** 2)": lambda x: 10 * x,
    "np.sum(np.hstack([x, 1.0]) * np.arange(5))": lambda x: [0.0, 1.0, 2.0, 3.0],
    "np.sum(np.array([x[0], x[1] * x[2], 3.0]) * np.arange(1, 4))":
        lambda x: [1.0, 2 * x[2], 2 * x[1], 0.0],
    "np.sum(np.array([[x[0], x[1]], [x[2], 1.0]]) @ np.array([1.0, 10.0]))":
        lambda x: [1.0, 10.0, 1.0, 0.0],
    "np.sum((x + np.zeros((2, len(x)))) ** 2)": lambda x: 4 * x,
    "np.sum(np.ones(4) * x) + np.sum(np.broadcast_to(x, (3, 4)))": lambda x: np.full(4, 4.0),
    "np.sum(np.arange(4) * x)": lambda x: [0.0, 1.0, 2.0, 3.0],
    "np.sum(np.arange(1, 7, 2) * x[:3] ** 2)": lambda x: [2 * x[0], 6 * x[1], 10 * x[2], 0.0],
    "np.sum(np.eye(4)[1] * x)": lambda x: [0.0, 1.0, 0.0, 0.0],
    "np.sum(np.eye(3, 4)[:, 1:] * x[1:])": lambda x: [0.0, 1.0, 1.0, 0.0],
    "x.max() + x.min()": lambda x: [0.0, 1.0, 1.0, 0.0],  # x: 0.5, -1.0 (min), 2.0 (max)
}


@pytest.mark.parametrize("expression", list(EXACT))
def test_exact_gradients(module_from_source, expression):
    module = module_from_source(f"import numpy as np\n\ndef f(x, idx):\n    return {expression}\n",
                                "exact")
    x = np.array([0.5, -1.0, 2.0, 1.5])
    idx = np.array([0, 2, 2, 3])
    expected = np.array(EXACT[expression](x), dtype=float)
    assert np.allclose(gradc.grad(module.f)(x, idx), expected, rtol=1e-14, atol=0.0)
    _, tangent = gradc.jvp(module.f, (x, idx), (np.ones(4), np.zeros(4, dtype=int)))
    assert tangent == pytest.approx(np.sum(expected), rel=1e-14, abs=1e-14)


def test_two_dimensional_exact_gradients(module_from_source):
    module = module_from_source(textwrap.dedent('''
        import numpy as np

        def columns(W, idx):
            return np.sum(W[:, idx])

        def diagonal(W):
            return np.sum(np.eye(3, 4) * W)

        def last_row(W):
            return np.sum(W[W.shape[0] - 1] * np.arange(4))
    '''), "exact_2d")
    W, idx = np.arange(12.0).reshape(3, 4), np.array([3, 0, 3])
    assert np.array_equal(gradc.grad(module.columns)(W, idx), [[1.0, 0.0, 0.0, 2.0]] * 3)
    assert np.array_equal(gradc.grad(module.diagonal)(W), np.eye(3, 4))
    expected = np.zeros((3, 4))
    expected[2] = np.arange(4)
    assert np.array_equal(gradc.grad(module.last_row)(W), expected)


def test_index_arrays_are_read_at_run_time(module_from_source):
    """One compiled gradient serves every index array (and run-time integer)."""
    module = module_from_source("import numpy as np\n\ndef f(x, idx, k):\n"
                                "    return np.sum(x[idx] * x[k:])\n", "runtime")
    grad = gradc.grad(module.f)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert np.array_equal(grad(x, np.array([0, 0]), 2), [3.0 + 4.0, 0.0, 1.0, 1.0])
    assert np.array_equal(grad(x, np.array([3, 1, 2]), 1), [0.0, 4.0 + 3.0, 2.0 + 4.0, 2.0 + 3.0])


def test_generated_code_indexes_like_numpy():
    source = "import numpy as np\ndef f(x, idx):\n    return np.sum(x[1:, idx] ** 2)\n"
    text = compile_source(source, "m.py", wrt=0)
    assert "x[1:, idx]" in text
    assert "_scatter_like(" in text and "np.add.at" in text


# ---- rejections

@pytest.mark.parametrize("expression, col, message", [
    ("x[1.5]", 10, "an index must be an integer"),
    ("x[[0, 1.5]]", 14, "an index must be an integer"),
    ("x[..., 0, ...]", 10, "an index can only have one ellipsis (...)"),
    ("np.concatenate(x)", 23, "np.concatenate takes a list of arrays written out here"),
    ("np.stack(x, axis=0)", 17, "np.stack takes a list of arrays written out here"),
    ("np.concatenate([])", 23, "np.concatenate takes a list of arrays written out here"),
    ("np.zeros(3.5) + x", 8, "np.zeros sizes must be integers"),
    ("np.eye(2.5) * x", 8, "np.eye sizes must be integers"),
    ("np.array([]) + x", 17, "np.array of an empty list has no shape"),
    ("np.einsum('...i->i', x)", 18, "np.einsum with ellipsis (...) is not supported"),
])
def test_rejections_are_located(module_from_source, expression, col, message):
    statement = f"    y = {expression}"
    module = module_from_source(f"import numpy as np\n\n\ndef f(x):\n{statement}\n"
                                "    return np.sum(y)\n", "rejected")
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:  # compiled on first use
        gradc.grad(module.f)(np.ones((2, 2)))
    error = caught.value
    assert isinstance(error, SyntaxError)
    assert (error.lineno, error.col) == (5, col), str(error)
    text = str(error)
    assert message in text and statement in text.splitlines()
    assert text.startswith(f"{module.__file__}:5:{col + 1}: error: ")
