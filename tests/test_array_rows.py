"""Every primitive that is not elementwise, one row each, in every mode: the gradient
against finite differences, forward mode against the gradient, and Hessian-vector
products (forward over reverse) against finite differences of the gradient.

A row is a loss built around the primitive and the shapes of its inputs; its inputs are
drawn from a normal distribution (or, with ``positive``, from [0.5, 1.5]). The
completeness test fails when a primitive is added without a row here, a row in
tests/test_primitives.py (elementwise ones) or a place in ``INTERNAL``.
"""

import itertools
from dataclasses import dataclass

import numpy as np
import pytest

import gradc
from gradc.primitives import PRIMITIVES


@dataclass(frozen=True)
class Row:
    loss: str                   # the returned expression, of x (and y)
    shapes: tuple               # the shapes of x (and y)
    positive: bool = False      # inputs in [0.5, 1.5] rather than normal
    second_order: str = ""      # why Hessians are refused ("" if they are not)


ROWS = {
    "sum": Row("np.sum(np.sum(x * x, axis=1) ** 2)", ((3, 4),)),
    "mean": Row("np.sum(np.mean(np.sin(x), axis=0, keepdims=True) ** 2)", ((3, 4),)),
    "var": Row("np.sum(np.var(x, axis=1))", ((3, 4),)),
    "std": Row("np.sum(np.std(x, axis=0))", ((3, 4),)),
    "prod": Row("np.sum(np.prod(x, axis=1)) + np.prod(x[0] * x[0])", ((3, 4),)),
    "max": Row("np.sum(np.max(x, axis=1) ** 2)", ((3, 4),)),
    "min": Row("np.min(x * x)", ((5,),)),
    "float": Row("float(np.sum(x * x)) ** 2 * np.sum(x)", ((3,),)),
    "norm": Row("np.linalg.norm(x) ** 3 + np.linalg.norm(x, 'fro') "
                "+ np.sum(np.linalg.norm(x, 1, axis=1) ** 2) "
                "+ np.sum(np.linalg.norm(x, np.inf, axis=0) ** 2) "
                "+ np.sum(np.linalg.norm(x, -np.inf, axis=0)) "
                "+ np.sum(np.linalg.norm(x, 3, axis=-1, keepdims=True) * x) "
                "+ np.sum(np.linalg.norm(x, axis=0) * y)", ((3, 4), (4,))),
    "cumsum": Row("np.sum(np.sin(np.cumsum(x * y, axis=1)))", ((3, 4), (4,))),
    "cumprod": Row("np.sum(np.cumprod(x * y, axis=0) ** 2) + np.sum(np.cumprod(x))",
                   ((3, 4), (4,))),
    "full": Row("np.sum(np.full((2, x.shape[0]), x[0] * y) ** 3)", ((3,), ())),
    "repeat": Row("np.sum(np.repeat(x, 2, axis=1) ** 3) + np.sum(np.repeat(x, [1, 0, 2]) ** 2)",
                  ((1, 3),)),
    "tile": Row("np.sum(np.tile(x, (2, 1, 3)) ** 3 * np.arange(36.0).reshape(2, 3, 6))",
                ((3, 2),)),
    "roll": Row("np.sum(np.roll(x, 1, axis=0) * y) + np.sum(np.roll(x, (1, -2)) ** 3)",
                ((3, 2), (3, 2))),
    "diff": Row("np.sum(np.diff(x) ** 3) + np.sum(np.diff(x, n=2, axis=0) * y) "
                "+ np.sum(np.diff(x, prepend=1.0) ** 2)", ((4, 3), (2, 3))),
    "atleast_1d": Row("np.sum(np.atleast_1d(x) ** 3)", ((),)),
    "atleast_2d": Row("np.sum(np.atleast_2d(x) ** 3 @ y)", ((3,), (3, 2))),
    "atleast_3d": Row("np.sum(np.atleast_3d(x) ** 3 * y)", ((2, 3), (2, 3, 1))),
    "cross": Row("np.sum(np.cross(x, y) ** 2) + np.sum(np.cross(x[0], y) ** 3)",
                 ((2, 3), (2, 3))),
    "det": Row("np.linalg.det(x) ** 2 + np.sum(np.linalg.det(np.stack([x, x @ x])))",
               ((3, 3),)),
    "logabsdet": Row("np.linalg.slogdet(x)[1] ** 2 "
                     "+ np.sum(np.linalg.slogdet(np.stack([x, x @ x]))[1])", ((3, 3),)),
    "inv": Row("np.sum(np.linalg.inv(x) * y) + np.sum(np.linalg.inv(np.stack([x, y])) ** 2)",
               ((3, 3), (3, 3))),
    "solve": Row("np.sum(np.linalg.solve(x, y[0]) ** 2) + np.sum(np.linalg.solve(x, y) * y)",
                 ((3, 3), (3, 3))),
    "cholesky": Row("np.sum(np.linalg.cholesky(x @ np.transpose(x) + np.eye(3)) ** 3) "
                    "+ np.sum(np.linalg.cholesky(np.tril(x) @ np.triu(y) + 9 * np.eye(3)))",
                    ((3, 3), (3, 3))),
    "tril": Row("np.sum(np.tril(x) ** 3) + np.sum(np.tril(x, k=-1) * y)", ((3, 3), (3, 3))),
    "triu": Row("np.sum(np.triu(x, 1) ** 3) + np.sum(np.triu(x) * y)", ((3, 3), (3, 3))),
    "swapaxes": Row("np.sum(np.swapaxes(x, 0, 2) ** 3 * y)", ((2, 3, 4), (4, 3, 2))),
    "flip": Row("np.sum(np.flip(x, axis=0) * y)", ((3, 2), (3, 2))),
    "transpose": Row("np.sum(np.transpose(x) @ y)", ((3, 2), (3, 4))),
    "reshape": Row("np.sum(np.reshape(x, (2, 6)) ** 3)", ((3, 4),)),
    "ravel": Row("np.sum(np.ravel(x) * y)", ((2, 3), (6,))),
    "squeeze": Row("np.sum(np.squeeze(x, axis=1) ** 2)", ((3, 1),)),
    "broadcast_to": Row("np.sum(np.sin(np.broadcast_to(x, (2, 3))))", ((3,),)),
    "expand_dims": Row("np.sum(np.expand_dims(x, axis=0) * y)", ((3,), (2, 3))),
    "copy": Row("np.sum(np.copy(x) * x.copy() * np.array(x))", ((3,),)),
    "getitem": Row("np.sum(x[1:, 0] ** 2) + x[0, 1] * x[2, 2]", ((3, 3),)),
    "concatenate": Row("np.sum(np.concatenate([x, x * y], axis=0) ** 2)", ((2, 3), (2, 3))),
    "stack": Row("np.sum(np.stack([x, y], axis=1) ** 3)", ((3,), (3,))),
    "hstack": Row("np.sum(np.hstack([x, y]) ** 2)", ((3,), (2,))),
    "vstack": Row("np.sum(np.vstack([x, y]) ** 2)", ((2, 3), (1, 3))),
    "array": Row("np.sum(np.array([x[0] * y[1], x[1], y[0]]) ** 2)", ((2,), (2,))),
    "matmul": Row("np.sum((x @ y) ** 2)", ((2, 3), (3, 4))),
    "dot": Row("np.sum(np.dot(x, y) ** 2)", ((2, 3), (3,))),
    "inner": Row("np.inner(x, y) ** 2", ((3,), (3,))),
    "outer": Row("np.sum(np.outer(x, y) ** 2)", ((2,), (3,))),
    "tensordot": Row("np.sum(np.tensordot(x, y, axes=1) ** 2)", ((2, 3), (3, 2))),
    "trace": Row("np.trace(x @ y) ** 2", ((3, 3), (3, 3))),
    "einsum": Row("np.sum(np.einsum('ij,jk->ik', x, y) ** 2)", ((2, 3), (3, 2))),
    "logsumexp": Row("np.sum(nn.logsumexp(x, axis=1))", ((3, 4),)),
    "softmax": Row("np.sum(nn.softmax(x, axis=-1) * y)", ((3, 4), (3, 4))),
    "log_softmax": Row("np.sum(nn.log_softmax(x) * y)", ((2, 3), (2, 3))),
}

# Primitives without a row here: elementwise ones (tests/test_primitives.py), adjoint
# helpers and shape bookkeeping the derivatives emit (tested through the rows),
# control flow and tapes (tests/test_control_flow.py), writes (a statement, not a loss:
# tests/test_writes.py), and values with no gradient.
INTERNAL = {name for name, p in PRIMITIVES.items()
            if p.elementwise or p.control or p.effect or not p.differentiable
            or (p.helper is not None and not p.nn) or name == "setitem"}


def test_every_primitive_has_a_row_or_a_place():
    missing = set(PRIMITIVES) - INTERNAL - set(ROWS)
    stale = set(ROWS) - set(PRIMITIVES)
    assert not missing, f"primitives without a row in ROWS: {sorted(missing)}"
    assert not stale, f"rows of primitives that do not exist: {sorted(stale)}"


def loss_module(losses, folder, name):
    """A module with ``loss_<key>(x[, y])`` returning each of ``losses`` (a key -> (the
    expression, its argument count)), written to ``folder`` and imported from its file
    as users' code is."""
    import importlib.util

    lines = ["import numpy as np", "from gradc import nn", ""]
    for key, (loss, count) in losses.items():
        lines += [f"def loss_{key}({'x, y' if count == 2 else 'x'}):", f"    return {loss}", ""]
    path = folder / f"{name}.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def losses(tmp_path_factory):
    """One module with a loss per row."""
    rows = {name: (row.loss, len(row.shapes)) for name, row in ROWS.items()}
    return loss_module(rows, tmp_path_factory.mktemp("rows"), "array_rows")


def inputs(name):
    row = ROWS[name]
    rng = np.random.default_rng(sorted(ROWS).index(name))
    if row.positive:
        return tuple(rng.uniform(0.5, 1.5, s) for s in row.shapes)
    return tuple(rng.normal(size=s) for s in row.shapes)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_gradient_and_tangent(losses, name):
    f, args = getattr(losses, f"loss_{name}"), inputs(name)
    wrt = tuple(range(len(args)))
    assert gradc.check_grad(f, *args, wrt=wrt) < 1e-6
    grads = gradc.grad(f, wrt=wrt)(*args)
    rng = np.random.default_rng(7)
    v = tuple(rng.normal(size=np.shape(a)) for a in args)
    _, tangent = gradc.jvp(f, args, v)
    expected = sum(np.sum(g * d) for g, d in zip(grads, v))
    assert tangent == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_hessian_vector_product(losses, name):
    f, args = getattr(losses, f"loss_{name}"), inputs(name)
    wrt = tuple(range(len(args)))
    v = tuple(np.random.default_rng(11).normal(size=np.shape(a)) for a in args)
    if ROWS[name].second_order:
        with pytest.raises(gradc.GradcError, match=ROWS[name].second_order):
            gradc.hvp(f, wrt=wrt)(*args, v=v)
        return
    products = gradc.hvp(f, wrt=wrt)(*args, v=v)
    grad, h = gradc.grad(f, wrt=wrt), 1e-6
    plus = grad(*(a + h * d for a, d in zip(args, v)))
    minus = grad(*(a - h * d for a, d in zip(args, v)))
    for product, p, m in itertools.zip_longest(products, plus, minus):
        assert np.allclose(product, (p - m) / (2 * h), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_row_in_float32(losses, name):
    """float32 in, float32 out: no constant or helper of the derivative promotes (where
    the function itself stays in float32: a float64 constant in it promotes in NumPy)."""
    f = getattr(losses, f"loss_{name}")
    wide = inputs(name)
    narrow = tuple(a.astype(np.float32) for a in wide)
    wrt = tuple(range(len(wide)))
    stays = np.asarray(f(*narrow)).dtype == np.float32
    for got, expected in zip(gradc.grad(f, wrt=wrt)(*narrow), gradc.grad(f, wrt=wrt)(*wide)):
        assert got.dtype == np.float32 or not stays, (name, got.dtype)
        assert np.allclose(got, expected, rtol=1e-3, atol=1e-4)
    _, tangent = gradc.jvp(f, narrow, narrow)
    assert np.asarray(tangent).dtype == np.asarray(f(*narrow)).dtype, name
def test_cumprod_gradient_and_tangent_with_zeros(losses):
    """np.cumprod's adjoint and tangents never divide by x: zeros give finite derivatives,
    first and second."""
    x, y = inputs("cumprod")
    x[1, 2] = x[0, 1] = 0.0
    assert gradc.check_grad(losses.loss_cumprod, x, y, wrt=(0, 1)) < 1e-6
    grads = gradc.grad(losses.loss_cumprod, wrt=(0, 1))(x, y)
    assert all(np.all(np.isfinite(g)) for g in grads)
    v = (np.ones_like(x), np.ones_like(y))
    _, tangent = gradc.jvp(losses.loss_cumprod, (x, y), v)
    assert tangent == pytest.approx(np.sum(grads[0]) + np.sum(grads[1]), rel=1e-9)
    products = gradc.hvp(losses.loss_cumprod, wrt=(0, 1))(x, y, v=v)
    grad, h = gradc.grad(losses.loss_cumprod, wrt=(0, 1)), 1e-6
    plus, minus = grad(x + h * v[0], y + h * v[1]), grad(x - h * v[0], y - h * v[1])
    for product, p, m in zip(products, plus, minus):
        assert np.allclose(product, (p - m) / (2 * h), rtol=1e-5, atol=1e-6)
