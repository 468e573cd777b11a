"""gradc.nn: stable values and gradients for inputs up to 1e3, agreement with finite
differences in both modes, the losses, and every import spelling."""

import textwrap

import numpy as np
import pytest

import gradc
from gradc import nn

SOURCE = textwrap.dedent('''
    import numpy as np
    from gradc import nn

    def activations(x):
        return np.sum(nn.sigmoid(x) + nn.softplus(x) + nn.log_sigmoid(x) + nn.relu(x)
                      + nn.tanh(x))

    def reductions(x, axis_weights):
        return np.sum(nn.logsumexp(x, axis=0) * axis_weights) + np.sum(
            nn.softmax(x, axis=-1) * nn.log_softmax(x, axis=-1))

    def logsumexp_all(x):
        return nn.logsumexp(x)

    def losses(logits, labels, targets):
        return (nn.softmax_cross_entropy(logits, labels)
                + nn.binary_cross_entropy_with_logits(logits, targets)
                + nn.mse(nn.sigmoid(logits), targets))

    def naive(x):
        return np.sum(1 / (1 + np.exp(-x)) + np.log(1 + np.exp(x))) + np.log(np.sum(np.exp(x)))
''')


@pytest.fixture
def m(module_from_source):
    return module_from_source(SOURCE, "nn_user")


def test_values_and_gradients_stay_finite_at_large_inputs(m):
    x = np.array([-1000.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is fine
        for f in (nn.sigmoid, nn.softplus, nn.log_sigmoid, nn.relu, nn.softmax,
                  nn.log_softmax, nn.logsumexp):
            assert np.all(np.isfinite(f(x))), f.__name__
        value, grad = gradc.value_and_grad(m.activations)(x)
        _, tangent = gradc.jvp(m.activations, (x,), (np.ones_like(x),))
        lse_grad = gradc.grad(m.logsumexp_all)(x)
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.isfinite(tangent)
    assert np.allclose(lse_grad, nn.softmax(x)) and lse_grad[-1] == pytest.approx(1.0)
    assert nn.sigmoid(np.array(-1000.0)) == 0.0 and nn.softplus(np.array(1000.0)) == 1000.0


def test_activations_match_finite_differences_and_forward_mode(m):
    x = np.linspace(-4, 4, 9) + 0.05
    assert gradc.check_grad(m.activations, x) < 1e-7
    v = np.cos(np.arange(9.0))
    _, tangent = gradc.jvp(m.activations, (x,), (v,))
    assert tangent == pytest.approx(np.dot(gradc.grad(m.activations)(x), v), rel=1e-12)


def test_reductions_along_axes(m):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(3, 4)) * 3, rng.normal(size=4)
    assert gradc.check_grad(m.reductions, x, w, wrt=(0, 1)) < 1e-6
    v = rng.normal(size=(3, 4))
    _, tangent = gradc.jvp(m.reductions, (x, w), (v, np.zeros(4)))
    assert tangent == pytest.approx(np.sum(gradc.grad(m.reductions)(x, w) * v), rel=1e-11)
    np.testing.assert_allclose(nn.logsumexp(x, axis=0), np.log(np.sum(np.exp(x), axis=0)))
    np.testing.assert_allclose(nn.softmax(x).sum(axis=-1), 1.0)


def test_losses(m):
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(5, 3))
    labels = np.eye(3)[rng.integers(0, 3, 5)]
    targets = (rng.random((5, 3)) > 0.5) * 1.0
    assert gradc.check_grad(m.losses, logits, labels, targets) < 1e-7
    expected = -np.mean(np.sum(labels * np.log(nn.softmax(logits)), axis=-1))
    assert nn.softmax_cross_entropy(logits, labels) == pytest.approx(expected)
    p = 1 / (1 + np.exp(-logits))
    bce = -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
    assert nn.binary_cross_entropy_with_logits(logits, targets) == pytest.approx(bce)


def test_naive_spellings_still_differentiate_correctly(m):
    x = np.array([-2.0, 0.5, 1.5])
    assert gradc.check_grad(m.naive, x) < 1e-7


@pytest.mark.parametrize("header, call", [
    ("import gradc.nn as nn", "nn.sigmoid(x)"),
    ("import gradc", "gradc.nn.sigmoid(x)"),
    ("from gradc.nn import sigmoid", "sigmoid(x)"),
    ("from gradc import nn as layers", "layers.sigmoid(x)"),
])
def test_import_spellings(module_from_source, header, call):
    module = module_from_source(f"import numpy as np\n{header}\n\ndef f(x):\n"
                                f"    return np.sum({call})\n", "nn_spelling")
    x = np.array([0.3, -1.2])
    s = nn.sigmoid(x)
    assert np.allclose(gradc.grad(module.f)(x), s * (1 - s))


def test_generated_code_carries_the_stable_helpers(m):
    source = gradc.grad(m.losses).source
    assert "def _log_softmax(" in source and "def _logsumexp(" in source
    assert "import gradc" not in source and "from gradc" not in source
