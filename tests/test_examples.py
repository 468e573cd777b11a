"""The seed's worked example 1 reproduces its reference values, in every spelling and
through every way a user meets gradc."""

import importlib.util
import math

import numpy as np
import pytest
from conftest import ROOT

import gradc

DX, DZ = 1208.3812151266095, 809.707479218564


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("stem", ["backprop_ex1", "backprop_ex1_math"])
def test_decorator_api_reproduces_reference(stem):
    example = load(ROOT / "examples" / f"{stem}.py", f"example_{stem}")
    dx, dz = gradc.grad(example.f, wrt=(0, 1))(2.0, 3.0)
    assert dx == pytest.approx(DX, rel=1e-12)
    assert dz == pytest.approx(DZ, rel=1e-12)
    value, (dx2, dz2) = gradc.value_and_grad(example.f, wrt=("x", "z"))(2.0, 3.0)
    assert value == pytest.approx(example.f(2.0, 3.0), rel=1e-15)
    assert (dx2, dz2) == (dx, dz)


@pytest.mark.parametrize("stem", ["backprop_ex1", "backprop_ex1_math"])
def test_committed_generated_module_reproduces_reference(stem):
    generated = load(ROOT / "generated" / f"{stem}_grad.py", f"generated_{stem}")
    dx, dz = generated.grad_f(2.0, 3.0)
    assert dx == pytest.approx(DX, rel=1e-12) and dz == pytest.approx(DZ, rel=1e-12)


def test_hand_derived_backward_pass_of_the_lecture():
    """SEED.md section 4's backward pass, written out, agrees with gradc."""
    x, z = 2.0, 3.0
    a, b = x * z, math.log(x)
    c = math.sin(b)
    g_c = 1 / a
    g_b = -a / b**2 + g_c * math.cos(b)
    g_a = math.exp(a) + 1 / b - c / a**2
    assert g_a * z + g_b / x == pytest.approx(DX, rel=1e-12)
    assert g_a * x == pytest.approx(DZ, rel=1e-12)


def test_generated_example_shares_intermediates():
    """a is used three times and b twice: each is computed once, adjoints are sums."""
    text = (ROOT / "generated" / "backprop_ex1_grad.py").read_text()
    body = text.split("def value_and_grad_f")[1].split("def grad_f")[0]
    code = [line.strip() for line in body.splitlines() if not line.strip().startswith("#")]
    assert sum("np.log(" in line for line in code) == 1
    assert sum("np.exp(" in line for line in code) == 1
    assert code.count("a = x * z") == 1
    assert "a_bar = a_bar + d" in code
    assert "_unbroadcast" not in text  # x and z are declared float


ACTIVATIONS = ["sigmoid_unit", "tanh_unit", "relu_unit", "softplus_unit", "cross_entropy_unit"]


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("point", [(0.7, 1.3, 0.2), (-1.1, 0.4, 0.9), (2.0, -0.8, 1.0)])
def test_activation_units_match_finite_differences(name, point):
    example = load(ROOT / "examples" / "activations.py", "example_activations")
    assert gradc.check_grad(getattr(example, name), *point, wrt=(0, 1, 2)) < 1e-7


def test_relu_gradient_is_clipped_below_zero_and_sigmoid_saturates():
    generated = load(ROOT / "generated" / "activations_grad.py", "generated_activations")
    assert generated.grad_relu_unit(-1.0, 2.0, 0.5) == (0.0, 0.0, 0.5)
    dw_small, _, _ = generated.grad_sigmoid_unit(0.1, 1.0, 1.0)
    dw_saturated, _, _ = generated.grad_sigmoid_unit(20.0, 1.0, 0.0)
    assert abs(dw_saturated) < 1e-8 < abs(dw_small)  # the vanishing gradient of SEED.md 6


def lecture_backward_pass(alpha1, alpha2, alpha3, x, y):
    """SEED.md section 5's backward pass, written out by hand."""
    def sigma(u):
        return 1 / (1 + np.exp(-u))

    z0 = x
    z1 = sigma(alpha1.T @ z0)
    z2 = sigma(alpha2.T @ z1)
    z3 = sigma(alpha3.T @ z2)
    g_z3 = -(y / z3 - (1 - y) / (1 - z3))
    g_u3 = g_z3 * z3 * (1 - z3)
    g_alpha3, g_z2 = z2 * g_u3, alpha3 * g_u3
    g_u2 = g_z2 * z2 * (1 - z2)
    g_alpha2, g_z1 = np.outer(z1, g_u2), alpha2 @ g_u2
    g_u1 = g_z1 * z1 * (1 - z1)
    return np.outer(z0, g_u1), g_alpha2, g_alpha3


@pytest.mark.parametrize("seed", range(4))
def test_worked_example_2_matches_the_lectures_backward_pass(seed):
    example = load(ROOT / "examples" / "backprop_ex2.py", "example_backprop_ex2")
    rng = np.random.default_rng(seed)
    alpha1, alpha2, alpha3 = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    x, y = rng.normal(size=4), float(seed % 2)
    grads = gradc.grad(example.loss, wrt=(0, 1, 2))(alpha1, alpha2, alpha3, x, y)
    for ours, lecture in zip(grads, lecture_backward_pass(alpha1, alpha2, alpha3, x, y)):
        np.testing.assert_allclose(ours, lecture, rtol=1e-12, atol=1e-15)
    assert gradc.check_grad(example.loss, alpha1, alpha2, alpha3, x, y, wrt=(0, 1, 2)) < 1e-6
    generated = load(ROOT / "generated" / "backprop_ex2_grad.py", "generated_backprop_ex2")
    _, committed = generated.value_and_grad_loss(alpha1, alpha2, alpha3, x, y)
    for ours, theirs in zip(grads, committed):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_loops_example_matches_finite_differences_and_exact_values():
    """examples/loops.py: each function's gradient from the committed generated module
    against gradc.check_grad's finite differences, on both sides of its branches, and
    the values calculus gives."""
    example = load(ROOT / "examples" / "loops.py", "example_loops")
    generated = load(ROOT / "generated" / "loops_grad.py", "generated_loops")
    rng = np.random.default_rng(0)
    W, U = 0.3 * rng.normal(size=(4, 4)), rng.normal(size=(4, 3))
    h0, X = rng.normal(size=4), rng.normal(size=(5, 3))
    assert gradc.check_grad(example.rnn_loss, W, U, h0, X, wrt=(0, 1, 2, 3)) < 1e-7
    assert generated.value_and_grad_rnn_loss(W, U, h0, X)[0] == \
        pytest.approx(example.rnn_loss(W, U, h0, X), rel=1e-14)
    for r in (-3.0, -0.4, 0.7, 2.5):  # both branches of the Huber loss
        assert generated.grad_huber(r) == pytest.approx(np.clip(r, -1.0, 1.0), rel=1e-14)
    for c in (0.5, 2.0, 9.0):  # d sqrt(c) / dc
        assert generated.grad_newton_sqrt(c) == pytest.approx(0.5 / math.sqrt(c), rel=1e-9)
    x = np.array([0.2, -0.5, 1.5, 0.3, 2.0])
    dx, dlevel = generated.grad_sum_to_first_peak(x, 1.0)  # stops after x[2]
    assert np.array_equal(dx, [1.0, 1.0, 1.0, 0.0, 0.0]) and dlevel == 0.0


def test_indexing_example_matches_the_gradient_by_hand():
    """examples/indexing.py: each read x[...] sends its adjoint back to the entries it
    read, and x's gradient sums them."""
    example = load(ROOT / "examples" / "indexing.py", "example_indexing")
    generated = load(ROOT / "generated" / "indexing_grad.py", "generated_indexing")
    x, weight = np.array([0.3, -1.2, 0.8, 2.0, -0.5]), 0.7
    assert gradc.check_grad(example.roughness, x, weight, wrt=(0, 1)) < 1e-7
    d = np.diff(x)
    by_hand = np.zeros_like(x)
    by_hand[1:] += 2 * d
    by_hand[:-1] -= 2 * d
    by_hand[[0, -1]] += 2 * weight * x[[0, -1]]
    dx, dweight = generated.grad_roughness(x, weight)
    np.testing.assert_allclose(dx, by_hand, rtol=1e-14)
    assert dweight == pytest.approx(x[0] ** 2 + x[-1] ** 2, rel=1e-14)
