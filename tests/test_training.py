"""The lecture's experiments (SEED.md section 7), trained with gradients gradc generates:
logistic regression fails on the diagonal band where two hidden units succeed, a pocket
needs a few units, and on four Gaussians random initialisations end in different minima."""

import sys

import numpy as np
import pytest
from conftest import ROOT

import gradc

sys.path.insert(0, str(ROOT / "examples" / "training"))
import datasets  # noqa: E402
import models  # noqa: E402
import train_2d  # noqa: E402


def data(name, seed=0):
    return datasets.DATASETS[name](600, np.random.default_rng(seed))


def fit(name, hidden, seed=1, **options):
    X, y = data(name)
    params, loss = train_2d.train(X, y, hidden, seed=seed, **options)
    return train_2d.accuracy(params, X, y), loss


def test_diagonal_band_logistic_regression_fails_two_hidden_units_succeed():
    logistic, _ = fit("diagonal-band", 0, lr=0.5, epochs=2000)
    network, _ = fit("diagonal-band", 2)
    assert logistic <= 0.70 and network >= 0.95


def test_one_pocket_needs_hidden_units():
    logistic, _ = fit("one-pocket", 0, lr=0.5, epochs=2000)
    network, _ = fit("one-pocket", 3)
    assert logistic <= 0.80 and network >= 0.95


def test_four_gaussians_initialisations_reach_different_minima():
    losses = {hidden: [fit("four-gaussians", hidden, seed=s)[1] for s in range(3)]
              for hidden in (3, 4)}
    for hidden, values in losses.items():
        assert max(values) - min(values) > 0.02, (hidden, values)  # non-convex
    assert min(losses[3]) < max(losses[4])  # 4 units are not simply better than 3


def test_mini_batch_sgd_is_reproducible():
    first = fit("four-gaussians", 3, seed=2, lr=0.5, epochs=30, batch=32)
    second = fit("four-gaussians", 3, seed=2, lr=0.5, epochs=30, batch=32)
    assert first == second and first[0] > 0.85


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_model_gradients_match_finite_differences(name):
    X, y = data(name)
    rng = np.random.default_rng(4)
    W1, b1, w2 = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=3)
    assert gradc.check_grad(models.network_loss, W1, b1, w2, 0.1, X[:50], y[:50],
                            wrt=(0, 1, 2, 3)) < 1e-6
    assert gradc.check_grad(models.logistic_loss, rng.normal(size=2), 0.3, X[:50], y[:50],
                            wrt=(0, 1)) < 1e-6


def test_plotting_without_matplotlib_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    with pytest.raises(SystemExit, match=r"pip install -e \".\[examples\]\""):
        train_2d.main(["--epochs", "1", "--plot", str(tmp_path)])


def test_plots_decision_boundaries_as_png(tmp_path):
    pytest.importorskip("matplotlib")  # the optional "examples" extra
    train_2d.main(["--dataset", "one-pocket", "--hidden", "3", "--epochs", "50",
                   "--plot", str(tmp_path)])
    (png,) = tmp_path.glob("*.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
