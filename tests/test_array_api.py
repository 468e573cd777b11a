"""Generated gradients on other array libraries, through the array-API target.

The matrix: five models (ridge, softmax with fancy indexing, a loop with a tape and a
join, an MLP with gradc.nn, worked example 1 on vectors), the examples and a sample of
primitives (every row of tests/test_array_rows.py and a few more), each on
array_api_strict (the standard's own checker), Dask, JAX and PyTorch on the CPU, and
CuPy when a GPU is present. Each gradient must come back in the inputs' library and
dtype and match NumPy's float64 gradient to that dtype's precision. Needs the arrays
extra: ``pip install -e ".[test,arrays]"`` (``.ci/run`` installs it in its first suite).
"""

import importlib.util
import sys

import numpy as np
import pytest
from conftest import ROOT

import gradc
from gradc import nn

pytest.importorskip("array_api_compat", reason="the array-API tests need the arrays "
                    "extra: pip install -e '.[test,arrays]'")

from test_array_rows import ROWS, loss_module  # noqa: E402

# ---- the five models of the matrix (gradc reads this file's source)


def ridge(w, X, y, lam):
    r = X @ w - y
    return np.mean(r * r) + lam * np.sum(w * w)


def softmax_fancy(W, X, labels):
    logp = nn.log_softmax(X @ W, axis=1)
    return -np.mean(logp[np.arange(X.shape[0]), labels])


def tape_join(x, h0):
    h = h0
    loss = 0.0
    for t in range(x.shape[0]):
        h = np.tanh(0.5 * h + x[t])
        loss = loss + np.sum(h * h)
    z = np.concatenate([h, x[0]])
    return loss + np.sum(z ** 2)


def mlp(W1, b1, W2, b2, X, Y):
    h = nn.relu(X @ W1 + b1)
    return nn.softmax_cross_entropy(h @ W2 + b2, Y)


def example1(x, z):
    a = x * z
    b = np.log(x)
    c = np.sin(b)
    d = np.exp(a)
    e = a / b
    f = c / a
    y = d + e + f
    return np.sum(y)


def writes(x, y):
    z = x * 2.0
    z[1:] = y[1:] ** 2
    z[0] += 3.0 * y[0]
    return np.sum(z * x)


WEIGHTS = np.array([0.5, -1.0, 2.0, 0.25])


def weighted(x):
    return np.sum(WEIGHTS * x ** 2)


def _model_cases():
    rng = np.random.default_rng(0)
    n, d, k = 8, 4, 3
    return {
        "ridge": (ridge, (rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n),
                          0.1), (0, 1, 3)),
        "softmax_fancy": (softmax_fancy, (rng.normal(size=(d, k)), rng.normal(size=(n, d)),
                                          rng.integers(0, k, n)), (0, 1)),
        "tape_join": (tape_join, (rng.normal(size=(5, 3)), rng.normal(size=3)), (0, 1)),
        "mlp": (mlp, (rng.normal(size=(d, 5)), rng.normal(size=5), rng.normal(size=(5, k)),
                      rng.normal(size=k), rng.normal(size=(n, d)),
                      np.eye(k)[rng.integers(0, k, n)]), (0, 1, 2, 3)),
        "example1": (example1, (rng.uniform(1.5, 2.5, 4), rng.uniform(0.5, 1.0, 4)), (0, 1)),
    }


MODELS = _model_cases()


# ---- the libraries

class Library:
    """How to make a library's arrays from NumPy's and read them back."""

    def __init__(self, name):
        self.name = name
        if name == "cupy":
            cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
            try:
                gpus = cupy.cuda.runtime.getDeviceCount()
            except Exception:  # CuPy without a driver
                gpus = 0
            if not gpus:
                pytest.skip("CuPy needs a GPU: none on this machine")
        module = {"array_api_strict": "array_api_strict", "dask": "dask.array",
                  "jax": "jax.numpy", "torch": "torch", "cupy": "cupy"}[name]
        self.xp = pytest.importorskip(module, reason=f"{name} is not installed (the arrays "
                                      "extra installs it)")
        # JAX computes in float32 unless x64 is enabled for the whole process
        self.dtypes = ("float32",) if name == "jax" else ("float64", "float32")

    def array(self, value, dtype="float64", chunks=2):
        value = np.asarray(value)
        if value.dtype.kind == "f":
            value = value.astype(dtype)
        if self.name == "dask":
            return self.xp.from_array(value, chunks=chunks)
        return self.xp.asarray(value)

    def arguments(self, args, dtype):
        return tuple(a if isinstance(a, float) else self.array(a, dtype) for a in args)

    def numpy(self, value):
        if self.name == "dask":
            value = value.compute()
        if self.name == "array_api_strict":
            return np.asarray(value._array)  # its arrays refuse NumPy's conversion
        if self.name == "cupy":
            return value.get()
        if self.name == "torch":
            return value.numpy()
        return np.asarray(value)

    def is_own(self, value):
        module = type(value).__module__
        return module.startswith({"array_api_strict": "array_api_strict", "dask": "dask",
                                  "jax": "jax", "torch": "torch", "cupy": "cupy"}[self.name])

    def dtype_name(self, value):
        return str(value.dtype).rsplit(".", 1)[-1]


LIBRARIES = ["array_api_strict", "dask", "jax", "torch", "cupy"]
TOLERANCE = {"float64": 1e-10, "float32": 2e-5}


@pytest.fixture(params=LIBRARIES)
def library(request):
    return Library(request.param)


def check_against_numpy(library, got, want, dtype):
    """Each gradient in the library's arrays and dtype, equal to NumPy's float64 one."""
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert library.is_own(g), type(g)
        assert library.dtype_name(g) == dtype
        scale = 1.0 + np.abs(w)
        assert np.max(np.abs(library.numpy(g) - w) / scale) < TOLERANCE[dtype]


# ---- the five models

@pytest.mark.parametrize("model", sorted(MODELS))
def test_model_gradients_on_every_library(library, model):
    f, args, wrt = MODELS[model]
    grad = gradc.grad(f, wrt=wrt)
    want = grad(*args)
    for dtype in library.dtypes:
        check_against_numpy(library, grad(*library.arguments(args, dtype)), want, dtype)


def test_writes_into_arrays_on_every_library(library):
    """x[i] = v and x[i] += v: a new array each in the array-API code (JAX's arrays cannot
    be written into)."""
    rng = np.random.default_rng(5)
    args = (rng.normal(size=4), rng.normal(size=4))
    grad = gradc.grad(writes, wrt=(0, 1))
    want = grad(*args)
    for dtype in library.dtypes:
        check_against_numpy(library, grad(*library.arguments(args, dtype)), want, dtype)


def test_a_module_level_numpy_array_moves_to_the_inputs_library(library):
    x = np.array([1.0, 2.0, -1.0, 0.5])
    want = gradc.grad(weighted)(x)
    for dtype in library.dtypes:
        got = gradc.grad(weighted)(library.array(x, dtype))
        assert library.is_own(got)
        assert np.allclose(library.numpy(got), want, rtol=1e-6)


# ---- the examples

def _load(relative, name):
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _example_cases():
    rng = np.random.default_rng(3)
    ex1 = _load("examples/backprop_ex1.py", "arrays_backprop_ex1")
    ex1_math = _load("examples/backprop_ex1_math.py", "arrays_backprop_ex1_math")
    ex2 = _load("examples/backprop_ex2.py", "arrays_backprop_ex2")
    activations = _load("examples/activations.py", "arrays_activations")
    indexing = _load("examples/indexing.py", "arrays_indexing")
    loops = _load("examples/loops.py", "arrays_loops")
    training = _load("examples/training/models.py", "arrays_training_models")
    dask_example = _load("examples/scaling/dask_logistic.py", "arrays_dask_logistic")
    X, y = rng.normal(size=(6, 2)), rng.integers(0, 2, 6).astype(float)
    cases = {
        "backprop_ex1.f": (ex1.f, (np.array(2.0), np.array(3.0)), (0, 1)),
        "backprop_ex1_math.f": (ex1_math.f, (np.array(2.0), np.array(3.0)), (0, 1)),
        "backprop_ex2.loss": (ex2.loss, (rng.normal(size=(2, 3)), rng.normal(size=(3, 3)),
                                         rng.normal(size=3), rng.normal(size=2), 1.0),
                              (0, 1, 2)),
        "indexing.roughness": (indexing.roughness, (rng.normal(size=6), 0.3), (0, 1)),
        "loops.rnn_loss": (loops.rnn_loss, (rng.normal(size=(3, 3)), rng.normal(size=(3, 2)),
                                            rng.normal(size=3), rng.normal(size=(4, 2))),
                           (0, 1, 2)),
        "loops.huber": (loops.huber, (np.array(2.5),), 0),
        "loops.newton_sqrt": (loops.newton_sqrt, (np.array(2.0),), 0),
        "loops.sum_to_first_peak": (loops.sum_to_first_peak,
                                    (np.array([0.1, 0.4, 2.0, 0.3]), 1.0), 0),
        "training.logistic_loss": (training.logistic_loss, (rng.normal(size=2), 0.1, X, y),
                                   (0, 1)),
        "training.network_loss": (training.network_loss,
                                  (rng.normal(size=(2, 3)), rng.normal(size=3),
                                   rng.normal(size=3), 0.2, X, y), (0, 1, 2, 3)),
        "scaling.dask_logistic": (dask_example.logistic_loss,
                                  (rng.normal(size=2), 0.1, X, y), (0, 1)),
    }
    for name in ("sigmoid_unit", "tanh_unit", "relu_unit", "softplus_unit",
                 "cross_entropy_unit"):
        cases[f"activations.{name}"] = (getattr(activations, name),
                                        (np.array(0.7), np.array(1.3), np.array(0.2)),
                                        (0, 1, 2))
    return cases


EXAMPLES = _example_cases()


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_gradients_on_every_library(library, example):
    f, args, wrt = EXAMPLES[example]
    grad = gradc.grad(f, wrt=wrt)
    want = grad(*args)
    for dtype in library.dtypes:
        check_against_numpy(library, grad(*library.arguments(args, dtype)), want, dtype)


# ---- a sample of primitives: every row of tests/test_array_rows.py, and these

EXTRA_ROWS = {
    "elementwise": "np.sum(np.exp(x) + np.log(x) + np.sqrt(x) + np.arcsin(x / 2) "
                   "+ np.arctan2(x, y) + np.hypot(x, y) + np.cbrt(x) + np.reciprocal(x) "
                   "+ np.power(x, y) + np.logaddexp(x, y) + np.maximum(x, y) * np.sign(x) "
                   "+ np.clip(x, 0.7, 1.2) + np.where(x > y, x, y) + np.tanh(x) "
                   "+ np.log1p(x) + np.expm1(x) + np.square(x) + np.arccosh(x + 1) "
                   "+ np.abs(x - 1))",
    "nn": "np.sum(nn.sigmoid(x) + nn.softplus(x) + nn.log_sigmoid(x) + nn.relu(x - 1) "
          "+ nn.tanh(x)) + nn.mse(x, y) + nn.binary_cross_entropy_with_logits(x, y)",
    "fancy": "np.sum(x[[0, 2, 2]] ** 2) + np.sum(x[:, [1, 1]] * 3.0) + np.sum(x[x > 1] ** 3)",
}
# what a library cannot run, and why (the README's table says the same)
LIMITS = {
    ("dask", "cholesky"): "Dask's cholesky needs square chunks",
    ("dask", "inv"): "Dask's LU decomposition needs square chunks",
    ("dask", "solve"): "Dask's LU decomposition needs square chunks",
    ("dask", "det"): "Dask has no determinant",
    ("dask", "logabsdet"): "Dask has no slogdet",
    ("dask", "cross"): "Dask has no cross product",
    ("dask", "reshape"): "Dask reshapes only along chunk boundaries",
    ("array_api_strict", "einsum"): "the array API standard has no einsum",
}
REFUSED = {"cumprod": "writes into arrays entry by entry"}


@pytest.fixture(scope="module")
def row_losses(tmp_path_factory):
    """One module with a loss per row and per extra row."""
    rows = {name: (row.loss, len(row.shapes)) for name, row in ROWS.items()}
    rows.update({name: (loss, 2) for name, loss in EXTRA_ROWS.items()})
    return loss_module(rows, tmp_path_factory.mktemp("array_api_rows"), "array_api_rows")


def _row_inputs(name):
    rng = np.random.default_rng(sorted(ROWS).index(name) if name in ROWS else 99)
    row = ROWS.get(name)
    shapes = row.shapes if row else ((3, 4), (3, 4))
    if row is None or row.positive:
        return tuple(rng.uniform(0.5, 1.5, s) for s in shapes)
    return tuple(rng.normal(size=s) for s in shapes)


@pytest.mark.parametrize("name", sorted(set(ROWS) - set(REFUSED)) + sorted(EXTRA_ROWS))
def test_primitive_rows_on_every_library(library, row_losses, name):
    if (library.name, name) in LIMITS:
        pytest.skip(LIMITS[library.name, name])
    f, args = getattr(row_losses, f"loss_{name}"), _row_inputs(name)
    grad = gradc.grad(f, wrt=tuple(range(len(args))))
    want = grad(*args)
    dtype = library.dtypes[0]
    got = grad(*library.arguments(args, dtype))
    if dtype == "float32":  # rows such as cholesky lose more than float32's epsilon
        got = tuple(library.numpy(g) for g in got)
        for g, w in zip(got, want):
            assert np.allclose(g, w, rtol=2e-3, atol=2e-3), name
        return
    check_against_numpy(library, got, want, dtype)


def test_a_primitive_without_an_array_api_form_is_refused_where_it_is_written(
        row_losses):
    torch = pytest.importorskip("torch")
    x, y = _row_inputs("cumprod")
    with pytest.raises(gradc.GradcError) as error:
        gradc.grad(row_losses.loss_cumprod, wrt=(0, 1))(torch.asarray(x), torch.asarray(y))
    message = str(error.value)
    assert "array_api_rows.py:" in message and REFUSED["cumprod"] in message
    assert "np.cumprod" in message and "hint: compile for NumPy" in message


# ---- the callable picks its module; no host array inside a gradient


def test_numpy_inputs_run_the_numpy_module_and_others_the_array_api_one():
    torch = pytest.importorskip("torch")
    grad = gradc.grad(example1, wrt=(0, 1))
    source = grad.source
    x, z = np.array([2.0, 1.5]), np.array([3.0, 0.5])
    assert all(type(g) is np.ndarray for g in grad(x, z))
    assert all(isinstance(g, torch.Tensor) for g in grad(torch.asarray(x), torch.asarray(z)))
    assert grad.source == source and "np.log(x)" in source  # NumPy stays the spelling


def test_no_host_array_inside_a_gradient_on_another_device():
    """array_api_strict refuses to mix arrays of its devices (and NumPy arrays): every
    constant, seed, zero and scatter comes from the inputs' namespace and device."""
    xp = pytest.importorskip("array_api_strict")
    device = xp.Device("device1")
    for f, args, wrt in MODELS.values():
        moved = tuple(a if isinstance(a, float) else xp.asarray(a, device=device)
                      for a in args)
        for g in gradc.grad(f, wrt=wrt)(*moved):
            assert g.device == device


def test_inputs_of_two_libraries_are_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="[Mm]ultiple namespaces"):
        gradc.grad(example1)(torch.ones(2), np.ones(2))


def test_forward_mode_and_hessian_vector_products_on_another_library():
    torch = pytest.importorskip("torch")
    x, z = np.array([2.0, 1.5]), np.array([3.0, 0.5])
    tx, tz = torch.asarray(x), torch.asarray(z)
    value, tangent = gradc.jvp(example1, (tx, tz), (torch.ones(2, dtype=torch.float64), 0.0))
    want_value, want_tangent = gradc.jvp(example1, (x, z), (np.ones(2), 0.0))
    assert isinstance(tangent, torch.Tensor)
    assert np.allclose(tangent.numpy(), want_tangent) and np.allclose(value, want_value)
    _, vjp_fn = gradc.vjp(example1, tx, tz)
    assert np.allclose(vjp_fn(torch.tensor(1.0, dtype=torch.float64))[0].numpy(),
                       gradc.grad(example1)(x, z))
    product = gradc.hvp(example1, wrt=0)(tx, tz, v=torch.ones(2, dtype=torch.float64))
    assert np.allclose(product.numpy(), gradc.hvp(example1, wrt=0)(x, z, v=np.ones(2)))
    with pytest.raises(gradc.ArgumentError, match="jvp, gradc.vjp or gradc.hvp"):
        gradc.hessian(example1)(tx, tz)


# ---- jax.jit

def test_jax_jit_of_the_gradient(monkeypatch):
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    for f, args, wrt in MODELS.values():
        grad = gradc.grad(f, wrt=wrt)
        want = grad(*args)
        got = jax.jit(grad)(*[a if isinstance(a, float) else
                              jnp.asarray(a, dtype=jnp.float32 if a.dtype.kind == "f" else None)
                              for a in args])
        for g, w in zip(got, want):
            assert np.allclose(np.asarray(g), w, rtol=1e-4, atol=1e-5)


def test_jax_jit_refuses_a_branch_on_data():
    """The path of an `if` on an array's value is decided when the code runs; tracing
    does not see it, so JAX refuses at the generated line."""
    jax = pytest.importorskip("jax")
    loops = EXAMPLES["loops.huber"][0]
    grad = gradc.grad(loops)
    assert float(grad(jax.numpy.asarray(2.5))) == pytest.approx(1.0)  # without jit: fine
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.jit(grad)(jax.numpy.asarray(2.5))


# ---- the Dask example on a small chunked array

def test_dask_example_trains_on_a_local_cluster(capsys):
    pytest.importorskip("dask.distributed")
    pytest.importorskip("tqdm")
    example = _load("examples/scaling/dask_logistic.py", "arrays_dask_logistic_main")
    example.main(["--samples", "4000", "--chunk", "500", "--steps", "4", "--features", "4",
                  "--memory-limit", "300MB"])
    out = capsys.readouterr().out
    assert "in 8 chunks; workers: 2 x 300MB" in out
    before, after = (float(v) for v in out.split("loss ")[1].split(" in ")[0].split(" -> "))
    assert after < before


def test_dask_gradient_of_the_example_matches_numpy():
    da = pytest.importorskip("dask.array")
    example = EXAMPLES["scaling.dask_logistic"][0]
    X, y, _ = _load("examples/scaling/dask_logistic.py",
                    "arrays_dask_logistic_data").synthetic_data(3000, 5, 700)
    grad = gradc.grad(example, wrt=(0, 1))
    w = np.linspace(0.1, 0.5, 5)
    lazy = grad(da.asarray(w), 0.2, X, y)
    assert all(type(g).__module__.startswith("dask") for g in lazy)
    want = grad(w, 0.2, X.compute(), y.compute())
    for g, v in zip(lazy, want):
        assert np.allclose(g.compute(), v, rtol=1e-12)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def test_every_primitive_has_an_array_api_spelling_or_a_reason():
    """A primitive's NumPy name is the standard's (checked against array_api_strict),
    renamed, or a helper; a NumPy-target helper has an array-API twin or is refused."""
    strict = pytest.importorskip("array_api_strict")
    from gradc.codegen import array_api
    from gradc.ir import array_api_helpers
    from gradc.primitives import PRIMITIVES

    def in_standard(name):
        owner = strict
        for part in name.split("."):
            owner = getattr(owner, part, None)
        return owner is not None

    for prim in PRIMITIVES.values():
        if prim.helper:
            helper = array_api.WRITE_HELPERS.get(prim.helper, prim.helper)
            assert hasattr(array_api_helpers, helper) or helper in array_api.REFUSED, helper
        elif prim.numpy and prim.syntax in ("call", "fill", "full", "item"):
            helper = array_api.AS_HELPER.get(prim.numpy)
            spelled = array_api.RENAMED.get(prim.numpy, prim.numpy)
            assert (helper and hasattr(array_api_helpers, helper)) or in_standard(spelled), \
                f"{prim.name}: np.{prim.numpy} is not in the array API standard; map it in " \
                "gradc/codegen/array_api.py"


def test_the_cli_module_runs_on_any_library():
    """generated/array_api/ (gradc compile --target array-api) on floats, as the NumPy
    module is called, and on 0-d arrays of the standard's checker."""
    xp = pytest.importorskip("array_api_strict")
    module = _load("generated/array_api/backprop_ex1_grad_array_api.py", "ex1_array_api")
    assert module.grad_f(2.0, 3.0) == pytest.approx((1208.3812151266095, 809.707479218564))
    dx, dz = module.grad_f(xp.asarray(2.0), xp.asarray(3.0, dtype=xp.float32))
    assert dx.dtype == xp.float64 and float(dx) == pytest.approx(1208.3812151266095)


def test_an_unknown_target_is_refused():
    from gradc.options import Options

    with pytest.raises(gradc.ArgumentError, match="target must be one of numpy, array-api"):
        Options(target="cupy")


def test_specialized_gradients_on_the_standards_checker():
    """specialize=True writes plain operations for known shapes; on the array-API target
    too, and they stay within the standard."""
    xp = pytest.importorskip("array_api_strict")
    for f, args, wrt in MODELS.values():
        want = gradc.grad(f, wrt=wrt)(*args)
        got = gradc.grad(f, wrt=wrt, specialize=True)(
            *[a if isinstance(a, float) else xp.asarray(a) for a in args])
        for g, w in zip(got, want):
            assert np.allclose(np.asarray(g._array), w, rtol=1e-12, atol=1e-14)
