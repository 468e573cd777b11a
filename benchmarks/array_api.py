"""gradc's array-API gradients on other libraries: XLA through jax.jit, and Dask.

    python benchmarks/array_api.py [--baseline PATH_TO_AN_OLDER_CHECKOUT]

Needs the arrays extra (``pip install -e ".[arrays]"``). Three tables, medians of
per-call times in interleaved rounds (``_timing.interleaved``):

1. ``jax.jit`` of the callable ``gradc.grad`` returns (it runs the array-API module on
   JAX arrays; jit traces it once) against ``jax.jit(jax.grad(f))`` of the same function
   written with jax.numpy, in float32 on the CPU: the seed's MLP (worked example 2 on a
   batch, as in benchmarks/mlp.py) and the RNN of examples/loops.py (its loop over 20
   steps unrolls when traced).
2. Dask: the gradient of the logistic loss of examples/dask_logistic.py on data that
   fits in memory, through the array-API module on a chunked Dask array (threads), and
   through the NumPy module on the same data as one NumPy array: samples per second.
3. With ``--baseline``: the NumPy gradient's wrapper (``gradc.grad``'s callable on
   NumPy arrays, where the new dispatch runs first) here and in the older checkout, in
   alternating fresh processes, on worked example 1 (floats) and the MLP.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("GRADC_CACHE_DIR", tempfile.mkdtemp(prefix="gradc-bench-"))

import numpy as np  # noqa: E402
from _timing import REPO, fmt_time, interleaved, load_path, table  # noqa: E402
from mlp import MODULE as MLP  # noqa: E402  (worked example 2 on a batch)
from mlp import data as mlp_data  # noqa: E402

import gradc  # noqa: E402


def jax_functions():
    """The MLP and the RNN written with jax.numpy, as a JAX user writes them."""
    import jax.numpy as jnp

    def sigmoid(u):
        return 1.0 / (1.0 + jnp.exp(-u))

    def mlp(alpha1, alpha2, alpha3, X, y):
        z1 = sigmoid(X @ alpha1)
        z2 = sigmoid(z1 @ alpha2)
        yhat = sigmoid(z2 @ alpha3)
        return jnp.mean(-(y * jnp.log(yhat) + (1.0 - y) * jnp.log(1.0 - yhat)))

    def rnn(W, U, h0, X):
        h, loss = h0, 0.0
        for t in range(X.shape[0]):
            h = jnp.tanh(W @ h + U @ X[t])
            loss = loss + jnp.sum(h * h)
        return loss

    return mlp, rnn


def rnn_data(hidden, steps, rng):
    return (rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
            rng.standard_normal((hidden, 3)), rng.standard_normal(hidden),
            rng.standard_normal((steps, 3)))


def blocking(fn):
    """``fn`` waiting for JAX's asynchronous result."""
    import jax

    return lambda *args: jax.block_until_ready(fn(*args))


def on_dask(grad, *args):
    """The gradient computed by Dask's threads."""
    import dask

    return dask.compute(*grad(*args), scheduler="threads")


def jit_table(folder):
    import jax
    import jax.numpy as jnp

    sys.path.insert(0, folder)
    import array_bench_mlp

    loops = load_path(REPO / "examples" / "loops.py", "loops_example")
    mlp, rnn = jax_functions()
    rng = np.random.default_rng(0)
    cases = [("MLP", array_bench_mlp.loss, mlp, mlp_data(b, w), (0, 1, 2))
             for b, w in [(64, 32), (1024, 128), (4096, 512)]]
    cases += [("RNN", loops.rnn_loss, rnn, rnn_data(h, s, rng), (0, 1, 2))
              for h, s in [(16, 20), (128, 20), (512, 20)]]
    rows = []
    for label, f, jax_f, args, wrt in cases:
        args32 = [jnp.asarray(a, dtype=jnp.float32) for a in args]
        ours = jax.jit(gradc.grad(f, wrt=wrt))
        theirs = jax.jit(jax.grad(jax_f, argnums=wrt))
        want = gradc.grad(f, wrt=wrt)(*args)  # the NumPy module, float64
        for got in (ours(*args32), theirs(*args32)):
            for g, w in zip(got, want):
                assert np.allclose(np.asarray(g), w, rtol=2e-3, atol=2e-4), label

        t_ours, t_theirs = interleaved([(blocking(ours), *args32), (blocking(theirs), *args32)],
                                       rounds=5)
        shape = " x ".join(str(s) for s in np.shape(args[1 if label == "MLP" else 0])) + (
            f", batch {len(args[3])}" if label == "MLP" else f", {len(args[3])} steps")
        rows.append([f"{label} ({shape})", fmt_time(t_ours), fmt_time(t_theirs),
                     f"{t_ours / t_theirs:.2f}"])
    print("jax.jit of gradc's array-API gradient vs jax.jit(jax.grad(f)), float32, CPU "
          "(medians of 5 interleaved rounds)\n")
    table(["case", "jit(gradc)", "jit(jax.grad)", "ratio"], rows)


def dask_table():
    import dask.array as da

    example = load_path(REPO / "examples" / "scaling" / "dask_logistic.py", "dask_example")
    grad = gradc.grad(example.logistic_loss, wrt=(0, 1))
    rows = []
    for samples, chunk in [(200_000, 50_000), (2_000_000, 250_000)]:
        rng = np.random.default_rng(1)
        X = rng.standard_normal((samples, example.FEATURES))
        y = (rng.random(samples) < 0.5).astype(float)
        w, b = np.zeros(example.FEATURES), 0.0
        lazy = (da.asarray(w), b, da.from_array(X, chunks=(chunk, -1)),
                da.from_array(y, chunks=chunk))
        got, want = on_dask(grad, *lazy), grad(w, b, X, y)
        assert all(np.allclose(g, v, rtol=1e-9) for g, v in zip(got, want))
        t_numpy, t_dask = interleaved([(grad, w, b, X, y), (on_dask, grad, *lazy)])
        rows.append([f"{samples:,} x {example.FEATURES}, chunks of {chunk:,}",
                     f"{samples / t_numpy / 1e6:.1f} M/s", f"{samples / t_dask / 1e6:.1f} M/s",
                     f"{t_dask / t_numpy:.2f}"])
    print("\nThe logistic gradient on data that fits: NumPy module vs array-API module on "
          "Dask (threads)\n")
    table(["data", "NumPy", "Dask", "time ratio"], rows)


CALLS = '''\
import sys, tempfile, pathlib, numpy as np
sys.path.insert(0, {bench!r}); sys.path.insert(0, {folder!r})
from _timing import per_call
import gradc, array_bench_mlp
ex1 = gradc.grad(__import__("backprop_ex1").f, wrt=(0, 1))
rng = np.random.default_rng(0)
mlp = gradc.grad(array_bench_mlp.loss, wrt=(0, 1, 2))
args = [rng.standard_normal(s) for s in [(2, 8), (8, 8), (8,), (1, 2)]] + [np.ones(1)]
print(per_call(ex1, 2.0, 3.0), per_call(mlp, *args))
'''


def baseline_table(folder, baseline):
    """Wrapper times here and in ``baseline``, in alternating fresh processes."""
    times = {"here": [], "baseline": []}
    for _ in range(5):
        for label, root in (("here", REPO), ("baseline", Path(baseline))):
            env = dict(os.environ, PYTHONPATH=f"{root}:{root / 'examples'}")
            code = CALLS.format(bench=str(REPO / "benchmarks"), folder=folder)
            out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                 capture_output=True, text=True, cwd=root).stdout
            times[label].append([float(t) for t in out.split()])
    rows = []
    for k, case in enumerate(["worked example 1 (floats)", "MLP (batch 1, width 8)"]):
        here = statistics.median(t[k] for t in times["here"])
        before = statistics.median(t[k] for t in times["baseline"])
        rows.append([case, fmt_time(before), fmt_time(here), f"{here / before:.2f}"])
    print(f"\nThe NumPy gradient through gradc.grad's callable: {baseline} vs this checkout\n")
    table(["case", "before", "now", "ratio"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="an older checkout of gradc to compare the "
                                           "NumPy wrapper with")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="gradc-array-api-")
    (Path(folder) / "array_bench_mlp.py").write_text(MLP, encoding="utf-8")
    jit_table(folder)
    dask_table()
    if args.baseline:
        baseline_table(folder, args.baseline)


if __name__ == "__main__":
    main()
