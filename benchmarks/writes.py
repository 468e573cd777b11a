"""Loops that read rows and fill arrays: gradient / primal time as the size grows.

    python benchmarks/writes.py

Two functions, written to a module file (gradc reads source files):

    rows(x)   acc = acc + sum(sin(x[i]) * x[i]) for each row i of x (n, 3)
    fill(x)   out = zeros((n, 3)); out[i, :] = 2 tanh(x[i]) for each row; sum(out ** 2)

at n = 10, 1,000 and 100,000. The adjoint of a read adds at the entries read and a
write is made in place, so the ratio stays flat as n grows (linear, not quadratic).
Medians of interleaved rounds (primal, gradient, primal, ...), wall time.
"""

import importlib.util
import pathlib
import tempfile
import time

import numpy as np

import gradc

SOURCE = '''
import numpy as np


def rows(x):
    acc = 0.0
    for i in range(x.shape[0]):
        acc = acc + np.sum(np.sin(x[i]) * x[i])
    return acc


def fill(x):
    n = x.shape[0]
    out = np.zeros((n, 3))
    for i in range(n):
        out[i, :] = np.tanh(x[i]) * 2.0
    return np.sum(out * out)
'''


def _module():
    path = pathlib.Path(tempfile.mkdtemp()) / "writes_bench.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("writes_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _once(fn, x):
    start = time.perf_counter()
    fn(x)
    return time.perf_counter() - start


def main():
    module = _module()
    print("| function | n | primal | gradient | gradient / primal |")
    print("|---|---|---|---|---|")
    for name in ("rows", "fill"):
        f = getattr(module, name)
        grad = gradc.grad(f)
        for n in (10, 1_000, 100_000):
            x = np.random.default_rng(0).normal(size=(n, 3))
            grad(x)
            rounds = 3 if n >= 100_000 else 9
            primal, gradient = [], []
            for _ in range(rounds):
                primal.append(_once(f, x))
                gradient.append(_once(grad, x))
            p, g = np.median(primal), np.median(gradient)
            print(f"| {name} | {n:,} | {p * 1e3:.3f} ms | {g * 1e3:.3f} ms | {g / p:.2f} |")


if __name__ == "__main__":
    main()
