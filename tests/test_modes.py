"""The mode API of gradc.modes: vjp, jacobian (fwd / rev / auto), hvp and hessian, their
pipeline modes ("vjp", "hvp"), the CLI's --hessian, and the invariant that makes forward
over reverse possible: generated gradient code is itself inside the accepted language.

Oracles: central finite differences of the primal (Jacobians, cotangents), finite
differences of the compiled gradient (Hessians), analytic derivatives, and agreement
between the modes. Conventions are JAX's: vjp_fn returns one cotangent per primal,
Jacobians have shape out.shape + in.shape, Hessians of a tuple wrt are nested blocks.
"""

import ast
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT

import gradc
import gradc.modes
from gradc.modes import choose_mode
from gradc.pipeline import Options, compile_source

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

SOURCE = '''
import math

import numpy as np


def vec(x, c):
    return np.sin(x) * x + np.exp(-x) * c


def scaled(s, c):
    return np.sin(s) * c + s * s


def ignores(x, c):
    return c * 2.0


def prod(x, y):
    return x * y + np.tanh(y)


def smooth(x, k=2.0):
    return np.tanh(x * k) + x * x


def ints(n, x):
    return x * n


def pair(x, y):
    p = x * y
    q = np.sin(x) - y * y
    return p, q


def three(x, y, z):
    a = x * y * z
    b = x + np.exp(y)
    c = math.cos(z) * x
    return a, b, c


def two_of_three(x, y, z):
    a = x * np.sin(y) + z
    b = np.exp(x * z) - y
    return a, b


def unnamed_pair(x, y):
    return x * y, np.sin(x) - y * y


def twice(x):
    return x, x


def quartic(x, y):
    return x ** 4 + x * x * y + np.sin(y) * 3.0


def net(w1, w2, w3, w4, v1, v2, x1=0.5, x2=-1.25, target=0.3):
    h1 = np.tanh(w1 * x1 + w2 * x2)
    h2 = 1.0 / (1.0 + np.exp(-(w3 * x1 + w4 * x2)))
    y = v1 * h1 + v2 * h2
    return 0.5 * (y - target) ** 2
'''

X = np.array([0.3, 1.2, -0.5])
WEIGHTS = (0.4, -0.7, 1.1, 0.25, 0.9, -1.3)

@pytest.fixture
def m(module_from_source):
    return module_from_source(SOURCE, "modes_model")


@pytest.fixture
def ex1():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_modes_backprop_ex1",
                                                  ROOT / "examples" / "backprop_ex1.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- helpers

def numeric_jacobian(f, args, index, h=1e-6):
    """Central differences of f in argument ``index``: shape out.shape + in.shape."""
    args = list(args)
    x = np.asarray(args[index], dtype=float)
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = h * max(1.0, abs(x.flat[k]))
        shifted = []
        for sign in (1.0, -1.0):
            moved = list(args)
            moved_x = x + sign * step.reshape(x.shape)
            moved[index] = moved_x if x.ndim else float(moved_x)
            shifted.append(np.asarray(f(*moved), dtype=float))
        columns.append(np.ravel((shifted[0] - shifted[1]) / (2 * step[k])))
    out_shape = np.shape(np.asarray(f(*args)))
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


def five_point(g, x, h):
    """Five-point central difference of g (array-valued) at scalar x."""
    return (8 * (g(x + h) - g(x - h)) - (g(x + 2 * h) - g(x - 2 * h))) / (12 * h)


def hessian_of_gradient(f, args, wrt):
    """H[i][j] = d grad_i / d arg_j by five-point differences of gradc's compiled gradient."""
    g = gradc.grad(f, wrt=tuple(wrt))
    H = np.zeros((len(wrt), len(wrt)))
    for j, index in enumerate(wrt):
        def along(t, index=index):
            moved = list(args)
            moved[index] = t
            return np.array(g(*moved), dtype=float)
        H[:, j] = five_point(along, args[index], 1e-3 * max(1.0, abs(args[index])))
    return H


def assemble(blocks):
    return np.array([[float(b) for b in row] for row in blocks])


def namespace(text, filename="<generated>"):
    ns: dict = {}
    exec(compile(text, filename, "exec"), ns)
    return ns


# ---------------------------------------------------------------- 1. vjp

def test_vjp_array_function(m):
    c = 2.0
    value, vjp_fn = gradc.vjp(m.vec, X, c)
    np.testing.assert_allclose(value, m.vec(X, c), rtol=1e-15)
    u = np.array([0.5, -1.5, 2.0])
    cx, cc = vjp_fn(u)
    assert np.shape(cx) == X.shape and np.shape(cc) == ()
    diag = np.cos(X) * X + np.sin(X) - np.exp(-X) * c
    np.testing.assert_allclose(cx, u * diag, rtol=1e-12)
    np.testing.assert_allclose(cc, np.sum(u * np.exp(-X)), rtol=1e-12)
    np.testing.assert_allclose(cx, u @ numeric_jacobian(m.vec, (X, c), 0), rtol=1e-7)
    np.testing.assert_allclose(cc, u @ numeric_jacobian(m.vec, (X, c), 1), rtol=1e-7)


def test_vjp_scalar_function_and_defaults(m):
    value, vjp_fn = gradc.vjp(m.smooth, 0.4)
    assert value == pytest.approx(m.smooth(0.4), rel=1e-15)
    (dx,) = vjp_fn(1.0)  # one cotangent per primal passed: the default k gets none
    assert float(dx) == pytest.approx(2 * (1 - np.tanh(0.8) ** 2) + 0.8, rel=1e-13)
    assert len(vjp_fn(-2.0)) == 1 and float(vjp_fn(-2.0)[0]) == pytest.approx(-2 * dx)

    value, vjp_fn = gradc.vjp(m.smooth, 0.4, 3.0)
    assert value == pytest.approx(np.tanh(1.2) + 0.16, rel=1e-15)
    dx, dk = vjp_fn(1.0)
    assert float(dx) == pytest.approx(3 * (1 - np.tanh(1.2) ** 2) + 0.8, rel=1e-13)
    assert float(dk) == pytest.approx(0.4 * (1 - np.tanh(1.2) ** 2), rel=1e-13)


def test_vjp_tuple_output(m):
    value, vjp_fn = gradc.vjp(m.pair, 0.4, 1.5)
    assert value == pytest.approx(m.pair(0.4, 1.5), rel=1e-15)
    assert isinstance(value, tuple) and len(value) == 2
    J = np.array([[1.5, 0.4], [np.cos(0.4), -3.0]])  # rows: p, q; columns: x, y
    for u in [(1.0, 0.0), (0.0, 1.0), (0.5, -2.0)]:
        cotangents = vjp_fn(u)
        assert isinstance(cotangents, tuple) and len(cotangents) == 2
        np.testing.assert_allclose(np.array(cotangents, dtype=float), np.array(u) @ J,
                                   rtol=1e-13)


@pytest.mark.parametrize("name, args", [
    pytest.param("unnamed_pair", (0.4, 1.5), id="unnamed-results"),
    pytest.param("twice", (0.4,), id="same-name-twice"),
])
def test_vjp_tuple_output_not_named(m, name, args):
    f = getattr(m, name)
    value, vjp_fn = gradc.vjp(f, *args)
    assert value == f(*args)
    J = np.array([[numeric_jacobian(lambda *a, k=k: f(*a)[k], args, i) for i in range(len(args))]
                  for k in range(2)])
    u = np.array([0.5, -2.0])
    cotangents = vjp_fn(tuple(u))
    assert len(cotangents) == len(args)
    np.testing.assert_allclose(np.array(cotangents, dtype=float), u @ J, rtol=1e-7)


@pytest.mark.parametrize("cotangent", [1.0, (1.0,), (1.0, 0.0, 0.0), [1.0, 0.0]],
                         ids=["scalar", "short", "long", "list"])
def test_vjp_tuple_output_rejects_wrong_structure(m, cotangent):
    _, vjp_fn = gradc.vjp(m.pair, 0.4, 1.5)
    with pytest.raises(gradc.ArgumentError, match="structure"):
        vjp_fn(cotangent)


@pytest.mark.parametrize("cotangent", [
    (np.ones(3), np.ones(3)), (np.ones(3),), np.ones(2), np.ones((3, 3))],
    ids=["pair", "one-tuple", "short", "wrong-rank"])
def test_vjp_single_output_rejects_wrong_structure(m, cotangent):
    _, vjp_fn = gradc.vjp(m.vec, X, 2.0)
    with pytest.raises(gradc.ArgumentError):
        vjp_fn(cotangent)


def test_vjp_pipeline_mode(m):
    text = compile_source(SOURCE, "model.py", functions=["pair", "vec"],
                          options=Options(mode="vjp", verify=True))
    ns = namespace(text)
    value, cotangents = ns["vjp_pair"](0.4, 1.5, 0.5, -2.0)
    assert value == m.pair(0.4, 1.5)
    expected = np.array([0.5, -2.0]) @ np.array([[1.5, 0.4], [np.cos(0.4), -3.0]])
    np.testing.assert_allclose(np.array(cotangents, dtype=float), expected, rtol=1e-13)
    value, (cx, cc) = ns["vjp_vec"](X, 2.0, np.ones(3))
    np.testing.assert_allclose(value, m.vec(X, 2.0), rtol=1e-15)
    np.testing.assert_allclose(cx, np.diag(numeric_jacobian(m.vec, (X, 2.0), 0)), rtol=1e-7)


def test_vjp_pipeline_mode_unnamed_results():
    text = compile_source(SOURCE, "model.py", functions=["unnamed_pair"],
                          options=Options(mode="vjp", verify=True))
    value, cotangents = namespace(text)["vjp_unnamed_pair"](0.4, 1.5, 0.5, -2.0)
    expected = np.array([0.5, -2.0]) @ np.array([[1.5, 0.4], [np.cos(0.4), -3.0]])
    np.testing.assert_allclose(np.array(cotangents, dtype=float), expected, rtol=1e-13)


# ---------------------------------------------------------------- 2. jacobian

MODES = ["fwd", "rev", "auto"]


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_elementwise_vector_function(m, mode):
    J = gradc.jacobian(m.vec, mode=mode)(X, 2.0)
    assert J.shape == X.shape + X.shape
    np.testing.assert_allclose(J, numeric_jacobian(m.vec, (X, 2.0), 0), rtol=1e-7, atol=1e-9)
    diag = np.cos(X) * X + np.sin(X) - np.exp(-X) * 2.0
    np.testing.assert_allclose(J, np.diag(diag), rtol=1e-13, atol=0)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_a_matrix_input(m, mode):
    x = np.linspace(-1.0, 1.5, 6).reshape(2, 3)
    J = gradc.jacobian(m.vec, wrt="x", mode=mode)(x, 0.5)
    assert J.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(J, numeric_jacobian(m.vec, (x, 0.5), 0), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_wrt_scalar_parameter(m, mode):
    J = gradc.jacobian(m.vec, wrt=1, mode=mode)(X, 2.0)
    assert J.shape == X.shape + ()
    np.testing.assert_allclose(J, np.exp(-X), rtol=1e-13)
    np.testing.assert_allclose(J, numeric_jacobian(m.vec, (X, 2.0), 1), rtol=1e-7)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_scalar_input_broadcast_to_an_array(m, mode):
    J = gradc.jacobian(m.scaled, wrt=0, mode=mode)(0.7, X)
    assert J.shape == (3,)
    np.testing.assert_allclose(J, np.cos(0.7) * X + 1.4, rtol=1e-13)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_an_input_the_output_ignores(m, mode):
    J = gradc.jacobian(m.ignores, wrt=0, mode=mode)(X, X + 1.0)
    assert J.shape == (3, 3) and not np.any(J)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_tuple_wrt_of_arrays(m, mode):
    y = np.array([0.5, -0.25, 2.0])
    Jx, Jy = gradc.jacobian(m.prod, wrt=(0, 1), mode=mode)(X, y)
    assert Jx.shape == Jy.shape == (3, 3)
    np.testing.assert_allclose(Jx, np.diag(y), rtol=1e-13)
    np.testing.assert_allclose(Jy, numeric_jacobian(m.prod, (X, y), 1), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_scalar_function_tuple_wrt(ex1, mode):
    jx, jz = gradc.jacobian(ex1.f, wrt=("x", "z"), mode=mode)(2.0, 3.0)
    assert np.shape(jx) == np.shape(jz) == ()
    assert float(jx) == pytest.approx(1208.3812151266095, rel=1e-13)
    assert float(jz) == pytest.approx(809.707479218564, rel=1e-13)


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
@pytest.mark.parametrize("name", ["pair", "three"])
def test_jacobian_of_tuple_output_is_refused(m, name, mode):
    """One array output per Jacobian: a tuple-valued f is refused in every mode."""
    f = getattr(m, name)
    args = (0.4, 1.5, 0.2)[:f.__code__.co_argcount]
    with pytest.raises(gradc.ArgumentError, match="return one array"):
        gradc.jacobian(f, wrt=tuple(range(len(args))), mode=mode)(*args)


def test_jacobian_modes_agree(m):
    x = np.array([0.1, -0.9, 1.7, 0.4])
    results = {mode: gradc.jacobian(m.vec, wrt=(0, 1), mode=mode)(x, -0.5) for mode in MODES}
    for mode in ("rev", "auto"):
        for mine, theirs in zip(results[mode], results["fwd"], strict=True):
            np.testing.assert_allclose(mine, theirs, rtol=1e-14, atol=1e-15)


def test_choose_mode_rule():
    assert choose_mode(1, 1) == "fwd"
    assert choose_mode(3, 3) == "fwd"
    assert choose_mode(2, 7) == "fwd"
    assert choose_mode(3, 1) == "rev"
    assert choose_mode(100, 99) == "rev"


@pytest.fixture
def recorded(monkeypatch):
    calls = []
    for name in ("_forward_jacobian", "_reverse_jacobian"):
        real = getattr(gradc.modes, name)

        def recording(*args, _real=real, _name=name):
            calls.append(_name)
            return _real(*args)

        monkeypatch.setattr(gradc.modes, name, recording)
    return calls


@pytest.mark.parametrize("call, expected", [
    (lambda m: gradc.jacobian(m.vec)(X, 2.0), "_forward_jacobian"),                 # 3 <= 3
    (lambda m: gradc.jacobian(m.vec, wrt=1)(X, 2.0), "_forward_jacobian"),          # 1 <= 3
    (lambda m: gradc.jacobian(m.prod, wrt=(0, 1))(X, X), "_reverse_jacobian"),      # 6 > 3
    (lambda m: gradc.jacobian(m.quartic, wrt=(0, 1))(0.5, 2.0), "_reverse_jacobian"),  # 2 > 1
    (lambda m: gradc.jacobian(m.quartic)(0.5, 2.0), "_forward_jacobian"),           # 1 <= 1
], ids=["square", "scalar-in", "two-arrays-in", "scalar-out", "one-one"])
def test_auto_mode_is_chosen_by_size(m, recorded, call, expected):
    call(m)
    assert recorded == [expected]


@pytest.mark.parametrize("mode, expected", [("fwd", "_forward_jacobian"),
                                            ("rev", "_reverse_jacobian")])
def test_explicit_mode_is_obeyed(m, recorded, mode, expected):
    gradc.jacobian(m.prod, wrt=(0, 1), mode=mode)(X, X)
    gradc.jacobian(m.vec, mode=mode)(X, 2.0)
    assert recorded == [expected, expected]


# ---------------------------------------------------------------- 3. hessian and hvp

def test_hessian_worked_example_one(ex1):
    H = gradc.hessian(ex1.f, wrt=(0, 1))(2.0, 3.0)
    assert isinstance(H, tuple) and len(H) == 2 and all(len(row) == 2 for row in H)
    assert all(np.shape(block) == () for row in H for block in row)
    matrix = assemble(H)
    numeric = hessian_of_gradient(ex1.f, (2.0, 3.0), (0, 1))
    np.testing.assert_allclose(matrix, numeric, rtol=1e-6)
    np.testing.assert_allclose(matrix, matrix.T, rtol=1e-12)
    assert H[0][1] == pytest.approx(H[1][0], rel=1e-12)


def test_hessian_order_of_wrt_permutes_blocks(ex1):
    H = assemble(gradc.hessian(ex1.f, wrt=(0, 1))(2.0, 3.0))
    swapped = assemble(gradc.hessian(ex1.f, wrt=("z", "x"))(2.0, 3.0))
    np.testing.assert_allclose(swapped, H[::-1, ::-1], rtol=1e-14)


def test_hvp_is_hessian_times_vector(ex1):
    H = assemble(gradc.hessian(ex1.f, wrt=(0, 1))(2.0, 3.0))
    product = gradc.hvp(ex1.f, wrt=(0, 1))
    for v in [(1.0, 0.0), (0.0, 1.0), (0.5, -1.0), (-0.3, 0.7)]:
        hv = product(2.0, 3.0, v=v)
        assert isinstance(hv, tuple) and len(hv) == 2
        np.testing.assert_allclose(np.array(hv, dtype=float), H @ np.array(v), rtol=1e-12)


def test_hessian_of_a_small_network(m):
    wrt = tuple(range(6))
    H = gradc.hessian(m.net, wrt=wrt)(*WEIGHTS)
    matrix = assemble(H)
    assert matrix.shape == (6, 6)
    np.testing.assert_allclose(matrix, matrix.T, rtol=1e-10, atol=1e-14)
    numeric = hessian_of_gradient(m.net, WEIGHTS + (0.5, -1.25, 0.3), wrt)
    np.testing.assert_allclose(matrix, numeric, rtol=1e-6, atol=1e-9)
    v = np.array([0.3, -1.0, 0.5, 0.2, -0.4, 1.1])
    hv = gradc.hvp(m.net, wrt=wrt)(*WEIGHTS, v=tuple(v))
    np.testing.assert_allclose(np.array(hv, dtype=float), matrix @ v, rtol=1e-10, atol=1e-14)


def test_hessian_network_wrt_names_and_a_default(m):
    """Mixed wrt: names, a subset of weights, and an input that has a default."""
    wrt = ("v1", 1, "x1")
    matrix = assemble(gradc.hessian(m.net, wrt=wrt)(*WEIGHTS))
    numeric = hessian_of_gradient(m.net, WEIGHTS + (0.5, -1.25, 0.3), (4, 1, 6))
    np.testing.assert_allclose(matrix, numeric, rtol=1e-6, atol=1e-9)


def test_hessian_single_wrt(m):
    H = gradc.hessian(m.quartic)(0.5, 2.0)
    assert np.shape(H) == ()
    assert float(H) == pytest.approx(12 * 0.25 + 2 * 2.0, rel=1e-13)
    assert float(gradc.hvp(m.quartic)(0.5, 2.0, v=2.0)) == pytest.approx(14.0, rel=1e-13)


def test_hessian_single_wrt_with_default(m):
    t = np.tanh(0.8)
    expected = 2.0 - 2 * 4.0 * t * (1 - t * t)  # d2/dx2 (tanh(2x) + x^2) at 0.4
    assert float(gradc.hessian(m.smooth)(0.4)) == pytest.approx(expected, rel=1e-13)


def test_hvp_pipeline_mode_worked_example_one(ex1):
    text = compile_source((ROOT / "examples" / "backprop_ex1.py").read_text(),
                          "backprop_ex1.py", functions=["f"], wrt=(0, 1),
                          options=Options(mode="hvp", verify=True))
    hvp_f = namespace(text)["hvp_f"]
    numeric = hessian_of_gradient(ex1.f, (2.0, 3.0), (0, 1))
    columns = []
    for v in [(1.0, 0.0), (0.0, 1.0)]:
        grads, product = hvp_f(2.0, 3.0, *v)
        assert float(grads[0]) == pytest.approx(1208.3812151266095, rel=1e-13)
        assert float(grads[1]) == pytest.approx(809.707479218564, rel=1e-13)
        columns.append(np.array(product, dtype=float))
    H = np.stack(columns, axis=-1)
    np.testing.assert_allclose(H, numeric, rtol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-12)
    _, product = hvp_f(2.0, 3.0, 0.5, -1.0)
    np.testing.assert_allclose(np.array(product, dtype=float), H @ [0.5, -1.0], rtol=1e-12)


def test_hvp_pipeline_mode_network(m):
    wrt = tuple(range(6))
    text = compile_source(SOURCE, "model.py", functions=["net"], wrt=wrt,
                          options=Options(mode="hvp", verify=True))
    hvp_net = namespace(text)["hvp_net"]
    rest = (0.5, -1.25, 0.3)
    columns = []
    for j in range(6):  # one tangent per differentiated argument: the six weights
        tangents = [0.0] * 6
        tangents[j] = 1.0
        grads, product = hvp_net(*WEIGHTS, *rest, *tangents)
        assert len(grads) == len(product) == 6
        columns.append(np.array(product, dtype=float))
    H = np.stack(columns, axis=-1)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-14)
    numeric = hessian_of_gradient(m.net, WEIGHTS + rest, wrt)
    np.testing.assert_allclose(H, numeric, rtol=1e-6, atol=1e-9)


def test_hvp_pipeline_mode_one_element_tuple_wrt():
    source = "def f(x):\n    return x * x * x\n"
    text = compile_source(source, "cube.py", wrt=(0,), options=Options(mode="hvp", verify=True))
    assert namespace(text)["hvp_f"](2.0, 1.0) == ((12.0,), (12.0,))


def test_jvp_of_one_element_tuple_return(module_from_source):
    one = module_from_source("def one(x):\n    return x * 2.0,\n").one
    assert gradc.jvp(one, (1.5,), (1.0,)) == ((3.0,), (2.0,))


def _grad_names(text):
    return [node.name for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("grad_")]


@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "unoptimized"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_generated_gradients_stay_in_the_language_examples(path, optimize):
    text = compile_source(path.read_text(), path.name,
                          options=Options(mode="reverse", optimize=optimize, verify=True))
    names = _grad_names(text)
    assert names
    for name in names:
        forward = compile_source(text, f"{path.stem}_grad.py", functions=[name],
                                 options=Options(mode="forward", optimize=optimize,
                                                 verify=True))
        assert f"def jvp_{name}(" in forward


try:
    import hypothesis  # noqa: F401
except ImportError:  # hypothesis is a test extra
    def test_random_generated_gradients_stay_in_the_language():
        pytest.skip("hypothesis is not installed")
else:
    from hypothesis import given, note, settings
    from test_random_programs import programs

    @settings(max_examples=15)
    @given(programs())
    def test_random_generated_gradients_stay_in_the_language(program):
        note(program.source.split("\n\n\n")[-1])
        text = compile_source(program.source, "prog.py", functions=["f"],
                              options=Options(mode="reverse", verify=True))
        forward = compile_source(text, "prog_grad.py", functions=["grad_f"],
                                 options=Options(mode="forward", verify=True))
        assert "def jvp_grad_f(" in forward


# ---------------------------------------------------------------- CLI --hessian

def test_cli_hessian(tmp_path, ex1):
    help_text = subprocess.run([sys.executable, "-m", "gradc", "compile", "--help"],
                               capture_output=True, text=True).stdout
    if "--hessian" not in help_text:
        pytest.skip("gradc compile has no --hessian option yet")
    source = ROOT / "examples" / "backprop_ex1.py"
    result = subprocess.run([sys.executable, "-m", "gradc", "compile", str(source),
                             "--hessian", "-o", "out"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out" / "backprop_ex1_hvp.py"
    assert out.exists() and not (tmp_path / "out" / "backprop_ex1_grad.py").exists()
    hvp_f = namespace(out.read_text(), str(out))["hvp_f"]
    numeric = hessian_of_gradient(ex1.f, (2.0, 3.0), (0, 1))
    for v in [(1.0, 0.0), (0.0, 1.0), (0.5, -1.0)]:
        _, product = hvp_f(2.0, 3.0, *v)
        np.testing.assert_allclose(np.array(product, dtype=float), numeric @ v, rtol=1e-6)


# ---------------------------------------------------------------- 4. errors

@pytest.mark.parametrize("args", [(np.arange(3), 2.0), (np.array([True, False]), 2.0)],
                         ids=["int-array", "bool-array"])
@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_integer_input(m, mode, args):
    with pytest.raises(gradc.NonDifferentiableError):
        gradc.jacobian(m.vec, mode=mode)(*args)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_of_integer_scalar_input(m, mode):
    with pytest.raises(gradc.NonDifferentiableError):
        gradc.jacobian(m.ints, wrt=0, mode=mode)(3, X)
    # an integer argument that is not differentiated is fine
    J = gradc.jacobian(m.ints, wrt=1, mode=mode)(3, X)
    np.testing.assert_allclose(J, 3 * np.eye(3))


@pytest.mark.parametrize("args", [(2, 3.0), (2.0, np.int64(3))], ids=["int", "np.int64"])
def test_hessian_of_integer_input(ex1, args):
    with pytest.raises(gradc.NonDifferentiableError):
        gradc.hessian(ex1.f, wrt=(0, 1))(*args)


def test_hvp_of_integer_input(ex1):
    with pytest.raises(gradc.NonDifferentiableError):
        gradc.hvp(ex1.f, wrt=(0, 1))(2, 3.0, v=(1.0, 0.0))


@pytest.mark.parametrize("mode", ["forward", "reverse", "FWD", None, ""])
def test_jacobian_bad_mode(m, mode):
    with pytest.raises(gradc.ArgumentError, match="mode"):
        gradc.jacobian(m.vec, mode=mode)


BAD_WRT = [2, -3, "nope", True, 1.0, (0, 5), ("x", "y"), None]


@pytest.mark.parametrize("wrt", BAD_WRT, ids=repr)
@pytest.mark.parametrize("api", ["jacobian", "hessian", "hvp"])
def test_bad_wrt(m, api, wrt):
    with pytest.raises(gradc.ArgumentError):
        getattr(gradc, api)(m.vec, wrt=wrt)


def test_derivatives_of_derivatives_are_refused(m):
    g = gradc.grad(m.quartic)
    for api in (gradc.jacobian, gradc.hessian, gradc.hvp):
        with pytest.raises(gradc.ArgumentError, match="already a derivative"):
            api(g)
    with pytest.raises(gradc.ArgumentError, match="already a derivative"):
        gradc.vjp(g, 0.5, 2.0)
