"""gradc against hand-written NumPy and its peers, on the rows of the performance issue.

    python benchmarks/peers.py [--rounds 9] [--budget 0.03] [--only NAME] [--memory]

Each row is one function and its inputs; each column one way to get its gradient:

    hand        a gradient written by hand in NumPy (the yardstick, ratio 1)
    gradc.grad  the callable gradc.grad returns
    grad_f      the generated grad_<name>, loaded from the wrapper's file, called directly
    specialize  gradc.grad(..., specialize=True) (after its first call for these shapes)
    jax         jax.jit(jax.grad(...)), where JAX can jit the function (a Python while
                loop on values cannot be: that row runs jax.grad without jit, marked *);
                the RNN row uses lax.scan, as a JAX user writes it
    torch       torch.autograd.grad of the function written with torch tensors (eager)
    autograd    autograd.grad (HIPS autograd)

The JAX, PyTorch and autograd columns appear only when they import (none is a gradc
dependency). The peers run the NumPy spelling of each function, with ``np`` bound to
their own module; inputs are converted once, outside the timing. Every gradient is
checked against the hand one (np.allclose) before timing.

Timing: CPU time (time.process_time) of batches of calls, each batch about ``budget``
seconds, the columns interleaved within each of ``rounds`` rounds; the tables print
the median per-call time of the hand gradient and every column's median as a ratio to
it. Single-threaded BLAS. ``--memory`` adds the peak traced memory (tracemalloc) of one
call of grad_f, gradc.grad and specialize, as ratios to the hand gradient's (rows whose
hand gradient peaks under 64 KiB are left out).
"""

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("GRADC_CACHE_DIR", tempfile.mkdtemp(prefix="gradc-bench-"))

import numpy as np  # noqa: E402
from _timing import fmt_time, load_path, table  # noqa: E402
from example1 import hand_grad_math, hand_grad_np  # noqa: E402
from loops import MODULE as RNN  # noqa: E402
from loops import hand_rnn  # noqa: E402
from mlp import MODULE as MLP_SOURCE  # noqa: E402
from mlp import data as mlp_data  # noqa: E402
from mlp import hand_grad as hand_mlp  # noqa: E402

import gradc  # noqa: E402

PEERS = [name for name in ("jax", "torch", "autograd")
         if importlib.util.find_spec(name) is not None]

EX1_NP = '''\
import numpy as np


def f(x: float, z: float):
    a = x * z
    b = np.log(x)
    c = np.sin(b)
    d = np.exp(a)
    e = a / b
    f = c / a
    y = d + e + f
    return y
'''

EX1_MATH = '''\
import math


def f(x, z):
    a = x * z
    b = math.log(x)
    c = math.sin(b)
    d = math.exp(a)
    e = a / b
    f = c / a
    y = d + e + f
    return y
'''

EX1_ARRAYS = EX1_NP.replace("x: float, z: float", "x, z").replace("return y", "return np.sum(y)")

WHILE = '''\
import numpy as np


def newton(c):
    y = c
    while abs(y * y - c) > 1e-12:
        y = 0.5 * (y + c / y)
    return y


def fixed_point(a):
    x = a
    step = 1.0
    while abs(step) > 1e-12:
        x_new = 0.5 * np.cos(x) + a
        step = x_new - x
        x = x_new
    return x
'''

LOGISTIC = '''\
import numpy as np


def logistic(w, X, y):
    m = y * (X @ w)
    return np.mean(np.log(1.0 + np.exp(-m)))
'''


def hand_newton(c):
    """Reverse over the saved iterates of y <- (y + c / y) / 2."""
    y, saved = c, []
    while abs(y * y - c) > 1e-12:
        saved.append(y)
        y = 0.5 * (y + c / y)
    y_bar, c_bar = 1.0, 0.0
    for y in reversed(saved):
        c_bar += y_bar * 0.5 / y
        y_bar = y_bar * 0.5 * (1.0 - c / (y * y))
    return c_bar + y_bar


def hand_fixed_point(a):
    """Reverse over the saved iterates of x <- cos(x) / 2 + a."""
    x, step, saved = a, 1.0, []
    while abs(step) > 1e-12:
        saved.append(x)
        x_new = 0.5 * np.cos(x) + a
        step = x_new - x
        x = x_new
    x_bar, a_bar = 1.0, 0.0
    for x in reversed(saved):
        a_bar += x_bar
        x_bar = x_bar * -0.5 * np.sin(x)
    return a_bar + x_bar


def hand_logistic(w, X, y):
    m = y * (X @ w)
    m_bar = -1.0 / (1.0 + np.exp(m)) / m.shape[0]
    return X.T @ (y * m_bar)


def ex1_arrays(n):
    rng = np.random.default_rng(n)
    return rng.uniform(1.5, 2.5, n), rng.uniform(0.5, 1.5, n)


def rnn_args(hidden, T, inputs=8):
    rng = np.random.default_rng(hidden * 10_000 + T)
    W = 0.9 * rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    U = 0.5 * rng.standard_normal((hidden, inputs)) / np.sqrt(inputs)
    return W, U, 0.1 * rng.standard_normal(hidden), rng.standard_normal((T, inputs))


def logistic_args(n, d):
    rng = np.random.default_rng(n + d)
    X = rng.standard_normal((n, d))
    return 0.1 * rng.standard_normal(d), X, np.sign(rng.standard_normal(n))


class Row:
    """One workload: gradc's source (as a user writes it), the peers' NumPy spelling,
    the function, its arguments, wrt, and the hand gradient."""

    def __init__(self, label, source, name, args, wrt, hand, peer_source=None,
                 jax_jit=True):
        self.label, self.source, self.name, self.args = label, source, name, args
        self.wrt, self.hand, self.jax_jit = wrt, hand, jax_jit
        self.peer_source = peer_source or source


def rows():
    return [
        Row("worked example 1, floats (np, annotated)", EX1_NP, "f", (2.0, 3.0), (0, 1),
            hand_grad_np),
        Row("worked example 1, floats (math, as written)", EX1_MATH, "f", (2.0, 3.0),
            (0, 1), hand_grad_math, peer_source=EX1_NP),
        Row("worked example 1, arrays of 1e6", EX1_ARRAYS, "f", ex1_arrays(10**6), (0, 1),
            hand_grad_np),
        *[Row(f"MLP ({b}, {w})", MLP_SOURCE, "loss", mlp_data(b, w), (0, 1, 2), hand_mlp)
          for b, w in ((1, 8), (64, 32), (1024, 128))],
        *[Row(f"RNN hidden {h}, T {T}", RNN, "rnn", rnn_args(h, T), (0, 1, 2), hand_rnn)
          for h, T in ((16, 10), (16, 1000), (128, 10), (128, 1000))],
        Row("while: Newton sqrt", WHILE, "newton", (2.0,), 0, hand_newton, jax_jit=False),
        Row("while: fixed point", WHILE, "fixed_point", (0.3,), 0, hand_fixed_point,
            jax_jit=False),
        Row("logistic regression (10000, 100)", LOGISTIC, "logistic",
            logistic_args(10_000, 100), 0, hand_logistic),
    ]


# ---- the columns

def gradc_columns(row, folder):
    """gradc.grad, grad_<name> direct and specialize=True for ``row``."""
    stem = f"peers_{abs(hash(row.source)) % 10**8}"
    path = Path(folder) / f"{stem}.py"
    path.write_text(row.source)
    module = load_path(path, stem)
    f = getattr(module, row.name)
    wrapper = gradc.grad(f, wrt=row.wrt)
    generated = getattr(load_path(wrapper.path, f"{stem}_{row.name}_grad"),
                        f"grad_{row.name}")
    specialized = gradc.grad(f, wrt=row.wrt, specialize=True)
    specialized(*row.args)
    return {"gradc.grad": wrapper, "grad_f": generated, "specialize": specialized}


def peer_column(peer, row):
    """The gradient through ``peer``: a callable of the NumPy arguments (converted once
    here), or None where the peer cannot run the row."""
    wrt = row.wrt if isinstance(row.wrt, tuple) else (row.wrt,)
    if peer == "autograd":
        import autograd
        import autograd.numpy as anp

        f = _peer_function(row, anp)
        g = autograd.grad(f, argnum=row.wrt)
        return lambda: g(*row.args)
    if peer == "jax":
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        f = _jax_rnn if row.name == "rnn" else _peer_function(row, jnp)
        g = jax.grad(f, argnums=row.wrt)
        g = jax.jit(g) if row.jax_jit else g
        args = tuple(jnp.asarray(a) for a in row.args)
        return lambda: jax.block_until_ready(g(*args))
    import torch

    f = _peer_function(row, _TorchNumpy(torch))
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=i in wrt)
               for i, a in enumerate(row.args)]
    inputs = [tensors[i] for i in wrt]
    return lambda: torch.autograd.grad(f(*tensors), inputs)


def _peer_function(row, numpy_module):
    namespace = {}
    exec(row.peer_source.replace("import numpy as np\n", ""), {"np": numpy_module},
         namespace)
    function = namespace[row.name]
    function.__globals__.update(namespace)  # helpers of the same source (sigmoid)
    return function


def _jax_rnn(W, U, h0, X):
    import jax
    import jax.numpy as jnp

    def step(carry, x):
        h, loss = carry
        h = jnp.tanh(W @ h + U @ x)
        return (h, loss + jnp.sum(h * h)), None

    return jax.lax.scan(step, (h0, 0.0), X)[0][1]


class _TorchNumpy:
    """The few np names the rows use, as torch functions."""

    def __init__(self, torch):
        for name in ("exp", "log", "sin", "cos", "tanh", "sum", "mean"):
            setattr(self, name, getattr(torch, name))


def as_tuple(grads):
    return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)


def check(label, column, got, want):
    got, want = as_tuple(got), as_tuple(want)
    got = tuple(np.asarray(g.detach() if hasattr(g, "detach") else g) for g in got)
    if len(got) != len(want) or not all(
            np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-7, atol=1e-10)
            for g, w in zip(got, want)):
        sys.exit(f"{label}: {column} differs from the hand gradient")


# ---- timing

def cpu_per_call(call, number):
    start = time.process_time()
    for _ in range(number):
        call()
    return (time.process_time() - start) / number


def calibrated(call, budget):
    """Calls per batch so that a batch takes about ``budget`` CPU seconds."""
    number = 1
    while True:
        spent = cpu_per_call(call, number) * number
        if spent >= budget / 4 or number >= 1 << 20:
            return max(1, int(number * budget / max(spent, 1e-9)))
        number *= 4


def interleaved_medians(calls, rounds, budget):
    numbers = {name: calibrated(call, budget) for name, call in calls.items()}
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            times[name].append(cpu_per_call(call, numbers[name]))
    return {name: statistics.median(spent) for name, spent in times.items()}


def peak(call):
    tracemalloc.start()
    call()
    used = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return used


# ---- main

def measure(row, folder, rounds, budget, memory):
    gradients = gradc_columns(row, folder)
    calls = {"hand": lambda: row.hand(*row.args)}
    calls.update({name: (lambda g=g: g(*row.args)) for name, g in gradients.items()})
    want = calls["hand"]()
    for name, call in list(calls.items())[1:]:
        check(row.label, name, call(), want)
    for peer in PEERS:
        call = peer_column(peer, row)
        check(row.label, peer, call(), want)
        calls[peer] = call
    times = interleaved_medians(calls, rounds, budget)
    peaks = {name: peak(calls[name]) for name in ("hand", *gradients)} if memory else {}
    return times, peaks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--budget", type=float, default=0.03,
                        help="CPU seconds per batch of calls")
    parser.add_argument("--only", help="run the rows whose label contains this")
    parser.add_argument("--memory", action="store_true",
                        help="also the peak traced memory, as a ratio to hand")
    options = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="gradc-peers-")
    sys.path.insert(0, folder)
    columns = ["gradc.grad", "grad_f", "specialize", *PEERS]
    timing, memory = [], []
    for row in rows():
        if options.only and options.only not in row.label:
            continue
        times, peaks = measure(row, folder, options.rounds, options.budget, options.memory)
        hand = times["hand"]
        marks = {"jax": "" if row.jax_jit else "*"}
        timing.append([row.label, fmt_time(hand)] +
                      [f"{times[c] / hand:.2f}{marks.get(c, '')}" for c in columns])
        if peaks and peaks["hand"] >= 2**16:  # a few floats' bytes say nothing
            memory.append([row.label, f"{peaks['hand'] / 2**20:.3g} MiB"] +
                          [f"{peaks[c] / peaks['hand']:.2f}" for c in columns[:3]])
        print(f"  measured: {row.label}", file=sys.stderr)
    print(f"CPU time per call, median of {options.rounds} interleaved rounds; columns: "
          "ratio to hand (lower is faster)" +
          ("; * jax.grad without jit" if "jax" in PEERS else ""))
    table(["row", "hand", *columns], timing)
    missing = [p for p in ("jax", "torch", "autograd") if p not in PEERS]
    if missing:
        print(f"(not installed, no column: {', '.join(missing)})")
    if memory:
        print("\nPeak traced memory of one call (tracemalloc), ratio to hand")
        table(["row", "hand", *columns[:3]], memory)


if __name__ == "__main__":
    main()
