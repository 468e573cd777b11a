"""Public API: grad / value_and_grad conventions, the on-disk cache, check_grad and the
errors a user meets at call time."""

import inspect
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import gradc

SOURCE = '''
import numpy as np

def loss(w, b, scale=2.0):
    u = np.tanh(w * b)
    return scale * u * u + b

def constant_in_b(w, b):
    return np.exp(w)
'''


@pytest.fixture
def model(module_from_source):
    return module_from_source(textwrap.dedent(SOURCE))


def expected(w, b, scale=2.0):
    u = np.tanh(w * b)
    du = 2 * scale * u * (1 - u * u)
    return du * b, du * w + 1


def test_wrt_conventions(model):
    dw, db = expected(0.3, -0.8)
    assert gradc.grad(model.loss)(0.3, -0.8) == pytest.approx(dw)
    assert gradc.grad(model.loss, wrt=1)(0.3, -0.8) == pytest.approx(db)
    assert gradc.grad(model.loss, wrt="b")(0.3, -0.8) == pytest.approx(db)
    assert gradc.grad(model.loss, wrt=-2)(0.3, -0.8) == pytest.approx(db)  # b, as in Python
    pair = gradc.grad(model.loss, wrt=(0, "b"))(0.3, -0.8)
    assert isinstance(pair, tuple) and pair == pytest.approx((dw, db))
    single = gradc.grad(model.loss, wrt=(1,))(0.3, -0.8)
    assert isinstance(single, tuple) and len(single) == 1


def test_keyword_defaults_and_keyword_calls(model):
    g = gradc.grad(model.loss, wrt=(0, 1, 2))
    dw, db, dscale = g(0.3, b=-0.8, scale=3.0)
    assert (dw, db) == pytest.approx(expected(0.3, -0.8, 3.0))
    assert dscale == pytest.approx(np.tanh(0.3 * -0.8) ** 2)


def test_value_and_grad(model):
    value, grads = gradc.value_and_grad(model.loss, wrt=(0, 1))(0.3, -0.8)
    assert value == pytest.approx(model.loss(0.3, -0.8), rel=1e-15)
    assert grads == pytest.approx(expected(0.3, -0.8))


def test_decorator_forms(module_from_source):
    module = module_from_source(textwrap.dedent('''
        import gradc
        import numpy as np

        @gradc.grad
        def f(x):
            return np.sin(x) * x

        @gradc.grad(wrt=(0, 1))
        def g(x, y):
            return x * y

        @gradc.value_and_grad(wrt="y")
        def h(x, y):
            return x * y * y
    '''))
    assert module.f(0.5) == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5))
    assert module.g(2.0, 5.0) == (5.0, 2.0)
    assert module.h(2.0, 3.0) == (18.0, 12.0)
    assert module.f.primal(0.5) == pytest.approx(np.sin(0.5) * 0.5)


def test_inputs_the_output_ignores_get_zeros(model):
    assert gradc.grad(model.constant_in_b, wrt=1)(0.2, 0.3) == 0.0
    zeros = gradc.grad(model.constant_in_b, wrt=1)(np.float64(0.2), np.array(0.3))
    assert np.shape(zeros) == () and zeros == 0.0


def test_attributes_source_path_primal(model):
    g = gradc.grad(model.loss)
    with open(g.path) as handle:
        assert handle.read() == g.source
    assert "def value_and_grad_loss(w, b, scale=2.0):" in g.source
    assert g.primal is model.loss
    assert g.__name__ == "loss" and inspect.signature(g) == inspect.signature(model.loss)


def test_tracebacks_point_into_the_generated_file(module_from_source):
    module = module_from_source("import math\ndef f(x):\n    return math.log(x)\n")
    g = gradc.grad(module.f)
    with pytest.raises(ValueError) as caught:
        g(-1.0)
    frames = [str(entry.path) for entry in caught.traceback]
    assert g.path in frames


def test_integer_inputs_are_rejected(model):
    g = gradc.grad(model.loss, wrt=(0, 1))
    for bad in (1, True, np.int64(1), np.arange(3)):
        with pytest.raises(gradc.NonDifferentiableError, match="real-valued input"):
            g(bad, 0.5)
    with pytest.raises(TypeError):  # NonDifferentiableError is a TypeError too
        g(0.5, 2)
    assert gradc.grad(model.loss, wrt=0)(0.5, 2) == pytest.approx(expected(0.5, 2.0)[0])


def test_non_scalar_output_is_rejected(model):
    with pytest.raises(gradc.NonDifferentiableError, match=r"scalar, got shape \(3,\)"):
        gradc.grad(model.loss)(np.ones(3), np.ones(3))


def test_bad_wrt(model):
    with pytest.raises(gradc.ArgumentError, match="no argument 'q'"):
        gradc.grad(model.loss, wrt="q")
    with pytest.raises(gradc.ArgumentError, match="out of range"):
        gradc.grad(model.loss, wrt=5)
    with pytest.raises(gradc.ArgumentError, match="twice"):
        gradc.grad(model.loss, wrt=(0, "w"))
    with pytest.raises(ValueError):  # ArgumentError is a ValueError too
        gradc.grad(model.loss, wrt=1.5)


def test_only_python_functions(model):
    with pytest.raises(gradc.ArgumentError, match="Python functions"):
        gradc.grad(np.sin)


def test_unsupported_syntax_surfaces_at_decoration(module_from_source):
    source = ("import gradc\n@gradc.grad\ndef f(x):\n    while x > 0:\n        x = -x\n"
              "    else:\n        x = 1.0\n    return x\n")
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:
        module_from_source(source)
    assert caught.value.lineno == 4


def test_check_grad_passes_and_reports(model, module_from_source):
    assert gradc.check_grad(model.loss, 0.3, -0.8, wrt=(0, 1)) < 1e-7
    assert gradc.check_grad(model.loss, np.array(0.3), -0.8, wrt="w") < 1e-7


def test_check_grad_catches_a_wrong_gradient(module_from_source, monkeypatch):
    import dataclasses

    from gradc.primitives import PRIMITIVES

    def wrong_sin(ops, g, x, out):
        return (g * out,)  # d sin(x)/dx is cos(x), not sin(x)

    wrong = dataclasses.replace(PRIMITIVES["sin"], vjp=wrong_sin)
    monkeypatch.setitem(PRIMITIVES, "sin", wrong)
    module = module_from_source("import numpy as np\ndef wrongly(x):\n    return np.sin(x)\n")
    with pytest.raises(gradc.GradientCheckError, match="analytic .* vs numeric"):
        gradc.check_grad(module.wrongly, 0.4)


# ---- the cache

def run_python(code, cache_dir):
    env = {"GRADC_CACHE_DIR": str(cache_dir), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cache_hit_needs_neither_compiler_nor_sympy(tmp_path):
    (tmp_path / "usermod.py").write_text(
        "import gradc\nimport numpy as np\n\n@gradc.grad\ndef f(x):\n    return np.tanh(x)\n")
    probe = f'''
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import usermod
        print(usermod.f(0.5), 'sympy' in sys.modules, 'gradc.pipeline' in sys.modules)
    '''
    cache = tmp_path / "cache"
    first = run_python(probe, cache).split()
    assert first[1:] == ["False", "True"]  # a miss compiles (the rule is stored: no sympy)
    second = run_python(probe, cache).split()
    assert second == [first[0], "False", "False"]  # a hit loads the cached module only
    assert len(list(cache.glob("*.py"))) == 1


def test_changed_source_is_recompiled(tmp_path):
    path = tmp_path / "changing.py"
    probe = f'''
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import changing, gradc
        print(gradc.grad(changing.f)(2.0))
    '''
    path.write_text("def f(x):\n    return x * x\n")
    assert float(run_python(probe, tmp_path / "cache")) == 4.0
    path.write_text("def f(x):\n    return x * x * x\n")
    assert float(run_python(probe, tmp_path / "cache")) == 12.0
    assert len(list((tmp_path / "cache").glob("changing_f_*.py"))) == 2


def test_cache_writes_leave_no_temporary_files(model):
    gradc.grad(model.loss, wrt="b")
    from gradc.cache import cache_dir
    assert not list(cache_dir().glob("*.tmp"))


SPECIALIZED = '''
import numpy as np


def mlp(w1, w2, X, y):
    h = np.tanh(X @ w1)
    return np.mean((h @ w2 - y) ** 2) + np.sum(w1 * w1) / X.shape[0]


def broadcasts(a, b):
    return np.sum(np.sin(a * b) + a / (1.0 + b * b))
'''


@pytest.mark.parametrize("shapes", [((1, 2), (2, 3), (3,), (1,)), ((5, 2), (2, 3), (3,), (5,)),
                                    ((4, 2), (2, 3), (3, 2), (4, 2))], ids=str)
def test_specialized_gradients_match_the_generic_ones(module_from_source, shapes):
    module = module_from_source(SPECIALIZED, "specialized")
    rng = np.random.default_rng(len(shapes[0]) + shapes[0][0])
    w2_shape, X_shape = shapes[2], shapes[0]
    args = (rng.normal(size=shapes[1]), rng.normal(size=w2_shape), rng.normal(size=X_shape),
            rng.normal(size=shapes[3]))
    generic = gradc.grad(module.mlp, wrt=(0, 1))
    special = gradc.value_and_grad(module.mlp, wrt=(0, 1), specialize=True)
    value, grads = special(*args)
    assert value == pytest.approx(module.mlp(*args), rel=1e-12)
    for got, want in zip(grads, generic(*args)):
        assert got.shape == want.shape and np.allclose(got, want, rtol=1e-12, atol=1e-14)
    text = special.source
    assert "_matmul_adjoint" not in text and "np.size" not in text and "_unbroadcast" not in text


def test_specialization_compiles_once_per_set_of_shapes(module_from_source):
    module = module_from_source(SPECIALIZED, "specialized")
    special = gradc.grad(module.broadcasts, wrt=(0, 1), specialize=True)
    assert special.source is None  # nothing compiled before the first call
    rng = np.random.default_rng(3)
    paths = []
    for a_shape, b_shape in [((3, 4), (4,)), ((3, 4), (3, 1)), ((3, 4), (4,)), ((), (2,))]:
        a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
        da, db = special(a, b)
        assert da.shape == a_shape and db.shape == b_shape
        assert gradc.check_grad(module.broadcasts, a, b, wrt=(0, 1)) < 1e-6
        want = gradc.grad(module.broadcasts, wrt=(0, 1))(a, b)
        assert np.allclose(da, want[0]) and np.allclose(db, want[1])
        paths.append(special.path)
    # the third call reuses the first compile, so the latest compile is still the second
    assert paths[2] == paths[1] and len(set(paths)) == 3


def test_argnums_is_jaxs_name_for_wrt(model):
    x, y = 0.3, -0.8
    assert gradc.grad(model.loss, argnums=1)(x, y) == gradc.grad(model.loss, wrt=1)(x, y)
    assert gradc.grad(model.loss, argnums=(0, 1))(x, y) == \
        gradc.grad(model.loss, wrt=(0, 1))(x, y)
    assert gradc.hessian(model.loss, argnums=1)(x, y) == gradc.hessian(model.loss, wrt=1)(x, y)
    assert gradc.check_grad(model.loss, x, y, argnums=(0, 1)) < 1e-7
    with pytest.raises(gradc.ArgumentError, match="not both"):
        gradc.grad(model.loss, wrt=1, argnums=1)
    with pytest.raises(gradc.ArgumentError, match="integers"):
        gradc.grad(model.loss, argnums="w")


def test_float32_is_kept_and_complex_refused(model, module_from_source):
    # arrays: NumPy 1 computes float32 scalars with Python floats in float64 itself
    m = module_from_source("import numpy as np\ndef f(x):\n    return np.sum(np.tanh(x) * 2.0)\n")
    assert gradc.grad(m.f)(np.array([0.3, -0.8], np.float32)).dtype == np.float32
    with pytest.raises(gradc.NonDifferentiableError, match="complex inputs"):
        gradc.grad(model.loss)(np.array([0.3 + 1j]), -0.8)


def test_compile_errors_come_without_gradc_internal_frames(module_from_source):
    import traceback

    m = module_from_source("import numpy as np\ndef f(x):\n    return np.sum(np.sort(x))\n")
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:
        gradc.grad(m.f)
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert [f.name for f in frames][1:] == ["wrapper"]  # after the caller: the API only


def test_input_checks_read_dtypes_without_a_kind():
    """An array of another library (torch.float32 has no .kind) is checked by its name."""
    from gradc.api import _kind

    class Tensor:
        def __init__(self, dtype):
            self.dtype = type("DType", (), {"__str__": lambda self: dtype})()

    kinds = [_kind(Tensor(d)) for d in ("torch.float32", "torch.int64", "torch.bool",
                                        "torch.complex64")]
    assert kinds == ["f", "i", "b", "c"]
