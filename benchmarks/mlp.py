"""Worked example 2 (SEED.md section 5) on a batch: generated gradient vs hand-written.

    python benchmarks/mlp.py

The lecture's network, three sigmoid layers and a cross-entropy loss averaged over a
batch: X is (batch, d), alpha1 (d, width), alpha2 (width, width), alpha3 (width,), the
labels y (batch,) are 0 or 1, and d = 2 (the lecture's 2-D data). The loss is written
to a module file in a temporary directory (gradc reads source files) and differentiated
with ``gradc.grad(loss, wrt=(0, 1, 2))``. Timed at each (batch, width):

    primal     the loss itself
    hand       the lecture's backward pass written by hand in NumPy: g_yhat, then per
               layer g_u = g_z * z * (1 - z), g_alpha = z_prev.T @ g_u,
               g_z_prev = g_u @ alpha.T
    generated  the generated grad_loss, loaded from the wrapper's ``path`` and called
               directly
    specialized  the same, compiled with ``specialize=True`` for this size's shapes
               (plain ``g @ b.T`` instead of the shape-generic matmul adjoint helpers)
    wrapper    the callable gradc.grad returns
    spec wrapper  the callable gradc.grad(..., specialize=True) returns (after its first
               call for these shapes it calls grad_loss directly, skipping the value)

The three gradients are checked against each other (np.allclose) at every size before
timing. Columns for autograd, JAX and PyTorch are added if they can be imported.
Everything runs in fresh child processes with single-threaded BLAS; the two larger sizes
run twice, with glibc malloc's default settings and with settings that keep freed
memory (see example1.py). Medians of per-call times over timeit repeats, in interleaved
rounds. Targets: generated / hand <= 1.1, gradient / primal <= 3.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# single-threaded BLAS, before NumPy is imported (the children inherit it)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
# keep the user's cache out of it: the wrapper compiles into a throwaway directory
os.environ.setdefault("GRADC_CACHE_DIR", tempfile.mkdtemp(prefix="gradc-bench-"))

import numpy as np  # noqa: E402
from _timing import fmt_time, interleaved, load_path, table  # noqa: E402

import gradc  # noqa: E402

MODULE = '''\
import numpy as np


def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def loss(alpha1, alpha2, alpha3, X, y):
    z1 = sigmoid(X @ alpha1)
    z2 = sigmoid(z1 @ alpha2)
    yhat = sigmoid(z2 @ alpha3)
    return np.mean(-(y * np.log(yhat) + (1.0 - y) * np.log(1.0 - yhat)))
'''

D = 2
SIZES = [(1, 8), (64, 32), (1024, 128), (4096, 512)]
LARGE = SIZES[2:]

# glibc malloc returns large blocks to the OS and maps them again on the next call, so
# array timings depend on the allocator's history; with these settings it keeps them.
KEEP_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**30)}

OTHERS = [name for name in ("autograd", "jax", "torch")
          if importlib.util.find_spec(name) is not None]


def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def hand_grad(alpha1, alpha2, alpha3, X, y):
    """SEED.md section 5's backward pass for the batch-mean cross-entropy."""
    z1 = sigmoid(X @ alpha1)
    z2 = sigmoid(z1 @ alpha2)
    yhat = sigmoid(z2 @ alpha3)
    g_yhat = ((1.0 - y) / (1.0 - yhat) - y / yhat) / y.shape[0]
    g_u3 = g_yhat * yhat * (1.0 - yhat)
    g_alpha3 = z2.T @ g_u3
    g_z2 = np.outer(g_u3, alpha3)
    g_u2 = g_z2 * z2 * (1.0 - z2)
    g_alpha2 = z1.T @ g_u2
    g_z1 = g_u2 @ alpha2.T
    g_u1 = g_z1 * z1 * (1.0 - z1)
    g_alpha1 = X.T @ g_u1
    return g_alpha1, g_alpha2, g_alpha3


def data(batch, width):
    """2-D inputs, 0/1 labels and weights scaled so the sigmoids do not saturate."""
    rng = np.random.default_rng(batch * 1000 + width)
    X = rng.standard_normal((batch, D))
    y = rng.integers(0, 2, batch).astype(float)
    alpha1 = rng.standard_normal((D, width)) / np.sqrt(D)
    alpha2 = rng.standard_normal((width, width)) / np.sqrt(width)
    alpha3 = rng.standard_normal(width) / np.sqrt(width)
    return alpha1, alpha2, alpha3, X, y


def other_grad(name):
    """The same gradient through autograd, JAX or PyTorch (only if importable)."""
    if name == "autograd":
        import autograd
        import autograd.numpy as anp

        def f(a1, a2, a3, X, y):
            z1 = 1.0 / (1.0 + anp.exp(-(X @ a1)))
            z2 = 1.0 / (1.0 + anp.exp(-(z1 @ a2)))
            yhat = 1.0 / (1.0 + anp.exp(-(z2 @ a3)))
            return anp.mean(-(y * anp.log(yhat) + (1.0 - y) * anp.log(1.0 - yhat)))

        return autograd.grad(f, argnum=(0, 1, 2))
    if name == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def f(a1, a2, a3, X, y):
            z1 = 1.0 / (1.0 + jnp.exp(-(X @ a1)))
            z2 = 1.0 / (1.0 + jnp.exp(-(z1 @ a2)))
            yhat = 1.0 / (1.0 + jnp.exp(-(z2 @ a3)))
            return jnp.mean(-(y * jnp.log(yhat) + (1.0 - y) * jnp.log(1.0 - yhat)))

        jitted = jax.jit(jax.grad(f, argnums=(0, 1, 2)))

        def run(*args):
            return tuple(np.asarray(g) for g in jax.block_until_ready(jitted(*args)))

        return run
    import torch

    torch.set_num_threads(1)

    def run(a1, a2, a3, X, y):
        params = [torch.tensor(a, requires_grad=True) for a in (a1, a2, a3)]
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        z1 = 1.0 / (1.0 + torch.exp(-(X @ params[0])))
        z2 = 1.0 / (1.0 + torch.exp(-(z1 @ params[1])))
        yhat = 1.0 / (1.0 + torch.exp(-(z2 @ params[2])))
        J = torch.mean(-(y * torch.log(yhat) + (1.0 - y) * torch.log(1.0 - yhat)))
        J.backward()
        return tuple(p.grad.numpy() for p in params)

    return run


def measure(folder, sizes):
    """Times (seconds) at each size, with the gradients checked first (in a child)."""
    sys.path.insert(0, folder)
    import mlp_bench_loss

    wrapper = gradc.grad(mlp_bench_loss.loss, wrt=(0, 1, 2))
    generated = load_path(wrapper.path, "mlp_bench_loss_grad").grad_loss
    others = [other_grad(name) for name in OTHERS]
    results = []
    for batch, width in sizes:
        args = data(batch, width)
        want = hand_grad(*args)
        specializing = gradc.grad(mlp_bench_loss.loss, wrt=(0, 1, 2), specialize=True)
        specializing(*args)  # compiles for these shapes
        specialized = load_path(specializing.path, f"mlp_{batch}_{width}").grad_loss
        for label, fn in [("generated", generated), ("specialized", specialized),
                          ("wrapper", wrapper), ("spec wrapper", specializing)] + list(
                zip(OTHERS, others)):
            got = fn(*args)
            if len(got) != len(want) or not all(
                    np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-9, atol=1e-12)
                    for g, w in zip(got, want)):
                sys.exit(f"({batch}, {width}): {label} gradient differs from the hand one")
        fns = [mlp_bench_loss.loss, hand_grad, generated, specialized, wrapper,
               specializing] + others
        results.append(interleaved([(fn, *args) for fn in fns]))
    return results


def in_child(folder, sizes, extra_env):
    """``measure`` in a fresh process with ``extra_env`` added to the environment."""
    env = dict(os.environ, **extra_env)
    out = subprocess.run([sys.executable, __file__, "--child", folder, json.dumps(sizes)],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    folder = tempfile.mkdtemp(prefix="gradc-mlp-")
    (Path(folder) / "mlp_bench_loss.py").write_text(MODULE, encoding="utf-8")
    runs = [("default", SIZES, {}), ("keeps", LARGE, KEEP_MEMORY)]
    rows = []
    for malloc, sizes, env in runs:
        for (batch, width), t in zip(sizes, in_child(folder, sizes, env)):
            t_primal, t_hand, t_gen, t_spec, t_wrap, t_spec_wrap, *t_others = t
            rows.append([f"({batch}, {width})", malloc, fmt_time(t_primal), fmt_time(t_hand),
                         fmt_time(t_gen), fmt_time(t_spec), fmt_time(t_wrap),
                         fmt_time(t_spec_wrap)]
                        + [fmt_time(s) for s in t_others]
                        + [f"{t_gen / t_hand:.2f}", f"{t_spec / t_hand:.2f}",
                           f"{t_wrap / t_hand:.2f}", f"{t_spec_wrap / t_hand:.2f}",
                           f"{t_gen / t_primal:.2f}",
                           f"{t_spec / t_primal:.2f}", f"{t_hand / t_primal:.2f}"]
                        + [f"{s / t_primal:.2f}" for s in t_others])
    print(f"Worked example 2 on a batch (d = {D}), median per call; python "
          f"{sys.version.split()[0]}, numpy {np.__version__}, single-threaded BLAS")
    print("generated: grad_loss called directly; specialized: the same compiled with "
          "specialize=True\nfor each size; wrapper: gradc.grad(loss, wrt=(0, 1, 2)); "
          "hand: the lecture's backward pass. Gradients checked to agree (np.allclose) at "
          "every size.")
    print("autograd / jax / torch: " + (", ".join(OTHERS) if OTHERS else
                                        "none importable, no columns") + "\n")
    table(["(batch, width)", "malloc", "primal", "hand", "generated", "specialized", "wrapper",
           "spec wrapper"]
          + OTHERS + ["gen/hand", "spec/hand", "wrapper/hand", "spec wrapper/hand",
                      "gen/primal", "spec/primal", "hand/primal"]
          + [f"{name}/primal" for name in OTHERS], rows)
    print("\ntargets: generated/hand <= 1.10, gradient/primal <= 3")
    print(f"malloc 'keeps': run with {' '.join(f'{k}={v}' for k, v in KEEP_MEMORY.items())}"
          ", so freed arrays are\nreused instead of being unmapped and faulted in again.")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(measure(sys.argv[2], [tuple(s) for s in json.loads(sys.argv[3])])))
    else:
        main()
