"""Live functions through the Python API: closures, lambdas, functools.partial, helpers of
other modules, module-level arrays, functions passed as arguments, live defaults; the
cache key and the recompile when a name holds another value; located errors, and the
one-line refusal where Python kept no source."""

import functools
import linecache
import math
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import numpy as np
import pytest

import gradc
from gradc.frontend.live import read_live

X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])
Y = np.array([1.0, -2.0, 0.5])
EPS = 1e-3
W0 = np.array([0.3, -0.7])


def numeric_grad(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[k] = eps
        grad[k] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def check(f, x, **kwargs):
    """The compiled gradient of ``f`` against central differences."""
    np.testing.assert_allclose(gradc.grad(f, **kwargs)(x), numeric_grad(f, x), rtol=1e-6,
                               atol=1e-8)


# ---- closures, nested defs, lambdas

def make_loss(scale):
    def loss(w):
        return scale * np.sum((X @ w - Y) ** 2) + EPS
    return loss


def test_a_closure_reads_its_cell_and_module_level_arrays():
    check(make_loss(2.0), W0)


def test_closures_of_one_def_with_different_values_compile_apart():
    """The cache key holds the closure's values: the second never loads the first's
    module."""
    two, three = gradc.grad(make_loss(2.0)), gradc.grad(make_loss(3.0))
    np.testing.assert_allclose(three(W0), 1.5 * two(W0))
    assert "scale = 2.0" in two.source and "scale = 3.0" in three.source


def test_lambdas():
    np.testing.assert_allclose(gradc.grad(lambda x: np.sum(x ** 2))(W0), 2 * W0)
    check(lambda w: np.sum(np.tanh(X @ w)) * EPS, W0)
    square = lambda v: v * v  # noqa: E731  (a lambda bound to a name, called as a helper)
    check(lambda w: np.sum(square(X @ w - Y)), W0)


def test_two_lambdas_on_one_line_are_told_apart_by_their_parameters_or_columns():
    first, second = (lambda x: np.sum(x ** 2)), (lambda y: np.sum(y ** 3))
    np.testing.assert_allclose(gradc.grad(first)(W0), 2 * W0)
    np.testing.assert_allclose(gradc.grad(second)(W0), 3 * W0 ** 2)
    if sys.version_info >= (3, 11):  # code objects know their columns
        a, b = (lambda x: np.sum(x ** 2)), (lambda x: np.sum(x ** 3))
        np.testing.assert_allclose(gradc.grad(b)(W0), 3 * W0 ** 2)
        np.testing.assert_allclose(gradc.grad(a)(W0), 2 * W0)


def test_the_scipy_idiom_a_lambda_closing_over_data():
    def loss(theta, data, targets):
        return np.mean((data @ theta - targets) ** 2)
    check(lambda th: loss(th, X, Y), W0)


# ---- helpers of other modules, each read in its own namespace

HELPERS = '''
import numpy as numerics
from math import pi as PI

EPS = 0.5  # another EPS than the caller's
W = numerics.array([2.0, -1.0])

def penalty(w):
    return EPS * numerics.sum(w ** 2) + PI * numerics.sum(W * w)
'''


def test_a_helper_of_another_module_reads_its_own_names(module_from_source):
    penalty = module_from_source(HELPERS).penalty

    def loss(w):
        return np.sum(X @ w) * EPS + penalty(w)
    check(loss, W0)
    source = gradc.grad(loss).source
    assert "EPS = 0.001" in source and "EPS_1 = 0.5" in source


def test_numpy_and_math_however_imported():
    from numpy import exp as e
    from numpy.linalg import norm

    def f(w):
        return e(w[0]) * norm(w) + math.sin(w[1]) + np.pi
    check(f, W0)


# ---- functools.partial

def least_squares(w, data, targets, weight=1.0):
    return weight * np.sum((data @ w - targets) ** 2)


def test_partial_binds_data_by_keyword():
    check(functools.partial(least_squares, data=X, targets=Y), W0)


def test_partial_wrt_counts_the_parameters_left_as_jax_does():
    bound = functools.partial(least_squares, W0)  # (data, targets, weight) are left
    expected = -2 * (X @ W0 - Y)
    np.testing.assert_allclose(gradc.grad(bound, wrt=1)(X, Y), expected)
    np.testing.assert_allclose(gradc.grad(bound, argnums=1)(X, Y), expected)


def test_partial_refusals():
    with pytest.raises(gradc.ArgumentError, match="leaves 'targets' keyword-only"):
        gradc.grad(functools.partial(least_squares, data=X))
    bound = functools.partial(least_squares, data=X, targets=Y)  # weight: keyword-only
    weighted = gradc.grad(bound)
    np.testing.assert_allclose(weighted(W0, weight=2.0), 2 * weighted(W0))
    by_weight = gradc.grad(bound, wrt="weight")(W0, weight=2.0)
    assert by_weight == pytest.approx(np.sum((X @ W0 - Y) ** 2))
    assert gradc.jvp(bound, (W0, 1.0), (0.0, 1.0))[1] == pytest.approx(by_weight)
    with pytest.raises(gradc.ArgumentError, match="binds 'nope'"):
        gradc.grad(functools.partial(least_squares, nope=1.0))
    with pytest.raises(gradc.ArgumentError, match="Python functions"):
        gradc.grad(functools.partial(np.sum, axis=0))
    fixed = gradc.grad(functools.partial(least_squares, data=X, targets=Y))
    with pytest.raises(TypeError, match="partial\\(least_squares\\)"):
        fixed(W0, 1.0, 2.0, 3.0)


# ---- module-level arrays: data read when the code runs

def data_loss(w):
    return np.sum((X @ w - Y) ** 2)


def test_module_level_arrays_are_bound_not_written_into_the_module():
    gradient = gradc.grad(data_loss)
    assert "X = None" in gradient.source and "3.0" not in gradient.source
    check(data_loss, W0)


def test_arrays_in_every_mode():
    value, tangent = gradc.jvp(data_loss, (W0,), (np.array([1.0, 0.0]),))
    assert value == pytest.approx(data_loss(W0))
    assert tangent == pytest.approx(numeric_grad(data_loss, W0)[0])
    np.testing.assert_allclose(gradc.hessian(data_loss)(W0), 2 * X.T @ X)
    np.testing.assert_allclose(gradc.grad(data_loss, specialize=True)(W0),
                               numeric_grad(data_loss, W0), rtol=1e-6)
    np.testing.assert_allclose(gradc.jacobian(lambda w: X @ w)(W0), X)


def test_an_array_changed_in_place_is_seen_as_python_sees_it():
    data = X.copy()

    def loss(w):
        return np.sum(data @ w)
    gradient = gradc.grad(loss)
    data[0, 0] = 10.0
    np.testing.assert_allclose(gradient(W0), data.sum(axis=0))


def test_equal_code_with_different_arrays_does_not_share_a_module():
    def make(data):
        return lambda w: np.sum(data @ w)
    first, second = gradc.grad(make(X)), gradc.grad(make(2 * X))
    np.testing.assert_allclose(second(W0), 2 * first(W0))


# ---- what the compile read is checked before each call

COUNTER = {"scale": 2.0}
SCALE = 2.0


def scaled(w):
    return SCALE * np.sum(w ** 2)


def test_a_rebound_constant_recompiles(monkeypatch):
    gradient = gradc.grad(scaled)
    np.testing.assert_allclose(gradient(W0), 4 * W0)
    monkeypatch.setitem(globals(), "SCALE", 5.0)
    np.testing.assert_allclose(gradient(W0), 10 * W0)
    assert "SCALE = 5.0" in gradient.source
    np.testing.assert_allclose(gradc.jvp(scaled, (W0,), (W0,))[1], 10 * W0 @ W0)


def test_a_redefined_helper_recompiles(module_from_source):
    module = module_from_source("import numpy as np\n\ndef g(x):\n    return x * x\n\n"
                                "def f(x):\n    return np.sum(g(x))\n")
    gradient = gradc.grad(module.f)
    np.testing.assert_allclose(gradient(W0), 2 * W0)
    module.g = lambda x: x * x * x  # as a notebook cell run again rebinds it
    np.testing.assert_allclose(gradient(W0), 3 * W0 ** 2)


def test_the_key_covers_what_was_read():
    keys = {read_live(make_loss(s)).key for s in (2.0, 3.0)}
    assert len(keys) == 2
    assert read_live(data_loss).key == read_live(data_loss).key


# ---- functions passed as arguments, defs and lambdas inside compiled code

def runge_kutta(f, y, h, steps):
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + h / 2 * k1)
        k3 = f(y + h / 2 * k2)
        k4 = f(y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def decay(y):
    return -0.5 * y


def test_a_function_passed_to_a_solver_is_inlined_where_it_is_called():
    def final(y0):
        return np.sum(runge_kutta(decay, y0, 0.1, 10) ** 2)

    def with_rate(rate):
        return runge_kutta(lambda y: -rate * y * y, 1.0, 0.05, 8)
    check(final, W0)
    assert gradc.grad(with_rate)(0.7) == pytest.approx(
        numeric_grad(with_rate, np.array(0.7))[()], rel=1e-6)


def test_defs_and_lambdas_inside_compiled_code_see_names_as_python_does():
    def f(x):
        k = 2.0

        def scaled(v):
            return k * v
        k = 3.0  # read when scaled is called, as Python's closures do
        twice = lambda v: scaled(scaled(v))  # noqa: E731
        return np.sum(twice(x))
    assert f(W0) == pytest.approx(9 * W0.sum())
    check(f, W0)


def test_a_def_inside_a_loop_is_refused(module_from_source):
    module = module_from_source("def f(x):\n    for i in range(2):\n        def g(v):\n"
                                "            return v\n        x = g(x)\n    return x\n")
    with pytest.raises(gradc.UnsupportedSyntaxError, match="inside an 'if' or a loop"):
        gradc.grad(module.f)


# ---- live defaults

def test_defaults_are_the_values_python_evaluated():
    factor = 3.0

    def f(x, scale=2 * np.pi, power=factor):
        return scale * x ** power
    assert gradc.grad(f)(1.5) == pytest.approx(2 * np.pi * 3 * 1.5 ** 2)


# ---- located errors and refusals

def test_an_unresolved_name_is_named_and_located_at_the_call():
    def f(x):
        return x * undefined_name  # noqa: F821
    gradient = gradc.grad(f)  # as Python, which looks the name up when f runs
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:
        gradient(1.0)
    message = str(caught.value)
    assert "name 'undefined_name' is not defined" in message
    assert f"{__file__}:{f.__code__.co_firstlineno + 1}:" in message
    frames = traceback.extract_tb(caught.value.__traceback__)[1:]  # after this test's
    assert [frame.name for frame in frames] == ["gradient"]  # the API's, which re-raises


def test_errors_at_grad_show_no_frame_of_gradc_but_the_one_raising_them():
    def f(x):
        return x * np.sort(x)
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:
        gradc.grad(f)
    frames = traceback.extract_tb(caught.value.__traceback__)[1:]
    assert [frame.name for frame in frames] == ["wrapper"]


def test_a_value_gradc_cannot_read_is_named():
    options = {"scale": 2.0}

    def f(x):
        return x * options
    with pytest.raises(gradc.UnsupportedSyntaxError, match="'options' is a dict, which"):
        gradc.grad(f)


def test_a_derivative_called_inside_is_refused_with_the_reason():
    inner = gradc.grad(lambda x: x * x)
    with pytest.raises(gradc.UnsupportedSyntaxError, match="a derivative compiled by gradc"):
        gradc.grad(lambda x: inner(x) * x)


NO_SOURCE = textwrap.dedent("""
    import numpy as np, gradc
    def f(x):
        return np.sum(x ** 2)

    gradc.grad(f)
""")


@pytest.mark.parametrize("how", ["-c", "stdin"])
def test_where_python_kept_no_source_one_line_says_what_to_do(how):
    command = [sys.executable, "-c", NO_SOURCE] if how == "-c" else [sys.executable, "-i"]
    result = subprocess.run(command, input=None if how == "-c" else NO_SOURCE,
                            capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stderr.splitlines() if "Error" in line]
    if sys.version_info >= (3, 13):  # which keeps the source of -c and of each input
        assert result.returncode == 0 and not errors, result.stderr
        return
    assert len(errors) == 1, result.stderr
    assert "cannot read the source of f" in errors[0]
    assert "define it in a file and import it, or in a notebook" in errors[0]
    assert "pipeline.py" not in result.stderr and "live.py" not in result.stderr


# ---- the README's snippet

def test_the_readme_snippet_of_where_you_can_use_it_runs(module_from_source):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme.split("### Where you can use it", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    module = module_from_source(snippet, "readme_snippet")  # a file: functions have source
    expected = 2 * module.X.T @ (module.X @ module.w - module.y) / 3
    np.testing.assert_allclose(module.by_lambda, expected)
    np.testing.assert_allclose(module.by_partial, expected)
    np.testing.assert_allclose(module.by_closure, 2 * expected)
    h = 0.1
    assert module.rate == pytest.approx(-h + h * h * 0.5, rel=1e-12)  # d/dk (1 - hk + (hk)²/2)


def test_an_input_of_the_python_313_repl_is_read_from_linecache(monkeypatch):
    """Python 3.13's REPL keeps each input in linecache as <python-input-N>: gradc reads
    the input that defined f, and np from the namespace an earlier input filled."""
    namespace = {"__name__": "__main__"}
    inputs = ["import numpy as np", "def f(x):\n    return np.sum(np.sin(x))"]
    for n, text in enumerate(inputs):
        name = f"<python-input-{n}>"
        lines = [line + "\n" for line in text.splitlines()]
        monkeypatch.setitem(linecache.cache, name, (len(text), None, lines, name))
        exec(compile(text, name, "exec"), namespace)
    np.testing.assert_allclose(gradc.grad(namespace["f"])(W0), np.cos(W0))


def test_a_decorated_function_may_call_a_helper_defined_further_down(module_from_source):
    """At decoration the helper is not defined yet: the compile waits for the first call,
    as Python's own lookup of the name does."""
    module = module_from_source("import numpy as np\nimport gradc\n\n@gradc.grad\n"
                                "def f(x):\n    return np.sum(helper(x))\n\n"
                                "def helper(x):\n    return x * x\n")
    assert module.f.source is None
    np.testing.assert_allclose(module.f(W0), 2 * W0)
    assert "def grad_f" in module.f.source


def test_a_name_that_stays_undefined_is_refused_at_the_call(module_from_source):
    module = module_from_source("import gradc\n\n@gradc.grad\ndef f(x):\n"
                                "    return x * nowhere\n")
    with pytest.raises(gradc.UnsupportedSyntaxError, match="'nowhere' is not defined"):
        module.f(1.0)


def test_code_run_from_a_string_has_no_source_and_one_line_says_so():
    namespace: dict = {}
    exec(compile(NO_SOURCE.replace("gradc.grad(f)", ""), "<made up>", "exec"), namespace)
    with pytest.raises(gradc.ArgumentError) as caught:
        gradc.grad(namespace["f"])
    assert str(caught.value).startswith("cannot read the source of f: it was defined in "
                                        "<made up>, where Python keeps no source")
    assert "\n" not in str(caught.value)


def test_hessians_of_a_closure_and_a_partial():
    np.testing.assert_allclose(gradc.hessian(make_loss(2.0))(W0), 4 * X.T @ X)
    bound = functools.partial(least_squares, data=X, targets=Y)
    np.testing.assert_allclose(gradc.hvp(bound)(W0, v=W0), 2 * X.T @ X @ W0)


def test_the_command_line_reads_functions_passed_as_arguments_from_the_file(tmp_path):
    """The file is read, never run: a def passed to a solver and a lambda inside the
    function are inlined as they are from Python."""
    from gradc.pipeline import compile_source

    source = ("import numpy as np\n\ndef step(f, y, h):\n    return y + h * f(y)\n\n"
              "def decay(y):\n    return -0.5 * y\n\n"
              "def loss(y0, k):\n    y = step(decay, y0, 0.1)\n"
              "    return step(lambda v: -k * v * v, y, 0.1)\n")
    namespace: dict = {}
    exec(compile_source(source, "model.py", ["loss"], wrt=(0, 1)), namespace)
    value, (dy0, dk) = namespace["value_and_grad_loss"](1.0, 2.0)
    y = 0.95
    assert value == pytest.approx(y - 0.1 * 2.0 * y * y)
    assert dy0 == pytest.approx((1 - 0.4 * y) * 0.95)
    assert dk == pytest.approx(-0.1 * y * y)
