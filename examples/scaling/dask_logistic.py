"""Train the lecture's logistic regression on more data than the workers' memory holds,
with gradients gradc generates, run by Dask on a cluster.

    pip install -e ".[arrays]"
    python examples/scaling/dask_logistic.py                    # 5.1 GB of data, 3 GB of memory
    python examples/scaling/dask_logistic.py --samples 200000   # a quick run

The data (``--samples`` x ``--features`` float64, 40,000,000 x 16 = 5.1 GB by default)
is synthetic and lazy: Dask generates each chunk from its seed when a task needs it, so
it never exists in memory as a whole. The cluster is a ``dask.distributed.LocalCluster``
of ``--workers`` workers with ``--memory-limit`` each (2 x 1.5 GB by default, less than
the data; a worker holds a few chunks of 12.8 MB and its own Python, NumPy and Dask).
Each step of full-batch gradient descent runs gradc's generated gradient on the Dask
arrays: the callable ``gradc.value_and_grad`` returns sees Dask arrays and runs the
array-API module, which builds a task graph chunk by chunk (X @ w, the loss, X.T @ g);
``dask.compute`` runs it on the cluster and brings back the loss and the gradient (17
numbers). A tqdm bar shows the steps.
"""

import argparse
import time

import dask
import dask.array as da
import numpy as np
from dask.distributed import Client, LocalCluster
from tqdm import tqdm

import gradc
from gradc import nn

FEATURES = 16


def logistic_loss(w, b, X, y):
    """The lecture's logistic regression: the mean binary cross-entropy of X @ w + b."""
    return nn.binary_cross_entropy_with_logits(X @ w + b, y)


def synthetic_data(samples, features, chunk, seed=0):
    """Lazy (X, y, w_true): standard normal features and labels drawn from a logistic
    model with known weights, generated chunk by chunk when computed."""
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((samples, features), chunks=(chunk, features))
    w_true = np.linspace(-1.0, 1.0, features)
    p = 1.0 / (1.0 + da.exp(-(X @ w_true + 0.5)))
    y = (rng.random(samples, chunks=chunk) < p).astype(float)
    return X, y, w_true


def train(X, y, steps, rate, progress=True):
    """Full-batch gradient descent; returns (w, b, the loss before each step)."""
    value_and_grad = gradc.value_and_grad(logistic_loss, wrt=(0, 1))
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in tqdm(range(steps), desc="gradient steps", disable=not progress):
        loss, (w_bar, b_bar) = value_and_grad(da.asarray(w), b, X, y)
        loss, w_bar, b_bar = dask.compute(loss, w_bar, b_bar)
        w, b = w - rate * w_bar, b - rate * float(b_bar)
        losses.append(float(loss))
    return w, b, losses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40_000_000)
    parser.add_argument("--features", type=int, default=FEATURES)
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per chunk")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rate", type=float, default=2.0, help="the learning rate")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="1.5GB", help="per worker")
    args = parser.parse_args(argv)
    X, y, w_true = synthetic_data(args.samples, args.features, args.chunk)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1,
                      memory_limit=args.memory_limit) as cluster, Client(cluster):
        print(f"data: {X.nbytes / 1e9:.2f} GB in {X.numblocks[0]} chunks; workers: "
              f"{args.workers} x {args.memory_limit}")
        start = time.perf_counter()
        w, b, losses = train(X, y, args.steps, args.rate)
        seconds = time.perf_counter() - start
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.4f} in {args.steps} steps, "
          f"{seconds:.1f} s ({args.samples * args.steps / seconds / 1e6:.1f} M samples/s)")
    print(f"largest error of w against the true weights: {np.max(np.abs(w - w_true)):.3f}")


if __name__ == "__main__":
    main()
