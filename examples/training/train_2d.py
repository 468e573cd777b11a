"""Train the lecture's models on its 2-D data sets with gradients gradc generates.

    python examples/training/train_2d.py --dataset diagonal-band --hidden 2
    python examples/training/train_2d.py --dataset four-gaussians --hidden 3 --batch 32
    python examples/training/train_2d.py --all --plot plots/      # every experiment

Logistic regression and a one-hidden-layer network of logistic units (SEED.md section 7)
are trained by gradient descent (full batch) or mini-batch SGD: theta <- theta - lr * g.
``--plot DIR`` writes decision boundaries as PNG files; it needs matplotlib
(``pip install -e ".[examples]"``).
"""

import argparse
import sys
from pathlib import Path

import numpy as np

import gradc

sys.path.insert(0, str(Path(__file__).resolve().parent))
import datasets  # noqa: E402
import models  # noqa: E402


def initial_parameters(hidden, rng):
    """Logistic regression for hidden == 0, else a network with ``hidden`` units."""
    if hidden == 0:
        return [np.zeros(2), 0.0]
    return [rng.normal(size=(2, hidden)), rng.normal(size=hidden), rng.normal(size=hidden), 0.0]


def train(X, y, hidden, lr=2.0, epochs=3000, batch=None, seed=0, progress=False):
    """Fit by gradient descent (``batch=None``) or mini-batch SGD; returns the parameters
    and the final loss on the whole data set."""
    rng = np.random.default_rng(seed)
    params = initial_parameters(hidden, rng)
    loss = models.logistic_loss if hidden == 0 else models.network_loss
    gradient = gradc.grad(loss, wrt=tuple(range(len(params))))
    bar = _progress_bar(epochs) if progress else None
    for epoch in range(epochs):
        order = rng.permutation(len(y)) if batch else [slice(None)]
        for start in range(0, len(y), batch) if batch else [0]:
            rows = order[start:start + batch] if batch else order[0]
            grads = gradient(*params, X[rows], y[rows])
            params = [p - lr * g for p, g in zip(params, grads)]
        if bar is not None and (epoch % 50 == 49 or epoch == epochs - 1):
            bar.set_postfix(loss=f"{float(loss(*params, X, y)):.4f}", refresh=False)
            bar.update(epoch + 1 - bar.n)
    if bar is not None:
        bar.close()
    return params, float(loss(*params, X, y))


def predict(params, X):
    """Class-1 decisions of the model with these parameters."""
    logits = models.logistic_logits(*params, X) if len(params) == 2 else \
        models.network_logits(*params, X)
    return (logits > 0).astype(float)


def accuracy(params, X, y):
    return float(np.mean(predict(params, X) == y))


def _progress_bar(epochs):
    """A tqdm bar on stderr, or None without tqdm (pip install -e ".[examples]")."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, unit="epoch", leave=False)


def plot_boundary(params, X, y, title, path):
    try:
        import matplotlib
    except ImportError:
        sys.exit('plotting needs matplotlib: pip install -e ".[examples]"')
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = np.linspace(-3, 3, 300)
    gx, gy = np.meshgrid(grid, grid)
    decision = predict(params, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.contourf(gx, gy, decision, levels=[-0.5, 0.5, 1.5], colors=["#c8dcf3", "#f3d1c8"])
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=8, edgecolors="none")
    ax.set_title(title, fontsize=9)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run(dataset, hidden, args):
    X, y = datasets.DATASETS[dataset](args.points, np.random.default_rng(args.data_seed))
    model = "logistic regression" if hidden == 0 else f"{hidden} hidden units"
    print(f"{dataset}, {model}, seed {args.seed}:")
    params, loss = train(X, y, hidden, args.lr, args.epochs, args.batch, args.seed,
                         progress=True)
    score = accuracy(params, X, y)
    print(f"  loss {loss:.4f}, accuracy {score:.1%}")
    if args.plot:
        Path(args.plot).mkdir(parents=True, exist_ok=True)
        path = Path(args.plot) / f"{dataset}_{hidden}_hidden_seed{args.seed}.png"
        plot_boundary(params, X, y, f"{dataset}: {model}, accuracy {score:.1%}", path)
        print(f"  wrote {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=sorted(datasets.DATASETS), default="diagonal-band")
    parser.add_argument("--hidden", type=int, default=2,
                        help="hidden units; 0 for logistic regression (default 2)")
    parser.add_argument("--all", action="store_true",
                        help="logistic regression and 2, 3, 4 hidden units on every data set")
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate (default 2.0)")
    parser.add_argument("--epochs", type=int, default=3000, help="epochs (default 3000)")
    parser.add_argument("--batch", type=int, help="mini-batch size (default: full batch)")
    parser.add_argument("--seed", type=int, default=1, help="initialisation seed (default 1)")
    parser.add_argument("--data-seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument("--points", type=int, default=600, help="points (default 600)")
    parser.add_argument("--plot", metavar="DIR", help="write decision boundaries as PNG here")
    args = parser.parse_args(argv)
    experiments = [(d, h) for d in sorted(datasets.DATASETS) for h in (0, 2, 3, 4)] \
        if args.all else [(args.dataset, args.hidden)]
    for dataset, hidden in experiments:
        run(dataset, hidden, args)


if __name__ == "__main__":
    main()
