"""Random programs of writes, views, aliases and list appends in a loop, against NumPy.

Not a test (pytest does not collect it, CI does not run it). From the repository root:

    python tests/fuzz/writes.py --seed 1 --programs 300

Each program starts from views and aliases of one array (``b = a``, ``c = a[1:3]``,
``d = a.copy()``), runs a random loop body of writes, ``+=``/``*=``, rebinding and
appends, then a random tail. gradc must either refuse it with a located error, or give
NumPy's value, a gradient equal to central differences of the source as NumPy runs it,
a jvp equal to the gradient along a tangent, and an hvp equal to differences of the
gradient. Prints the counts and each program that fails.
"""

import argparse
import importlib.util
import pathlib
import random
import tempfile
import traceback

import numpy as np

import gradc
from gradc.errors import UnsupportedSyntaxError

LOOP = ["a[i] = np.sin(x[i + 1])", "a[i] += x[i] * a[i + 1]", "b *= x",
        "out[i] = np.sum(a) * x[i]", "xs.append(a[i] * x[i])", "s = s + np.sum(c) * x[i]",
        "c = a[1:3]", "a = a * x", "b = a", "d = a.copy()", "d[i] = b[i] ** 2",
        "out[i:i + 2] += x[i] * 0.5", "s = s + np.sum(d * out)",
        "if x[i] > 0.3:\n            a[i] = 0.5 * a[i]"]
TAIL = ["s = s + np.sum(c)", "a[0] = s", "s = s + np.sum(b * d)", "out += a"]
START = ["a = x * 1.0", "b = a", "c = a[1:3]", "d = a.copy()", "out = np.zeros(5)", "xs = []",
         "s = 0.0"]
X = np.array([0.7, -0.4, 1.3, 0.55, 0.9])
T = np.array([0.3, -0.2, 0.5, 0.1, 0.7])


def program(rng: random.Random) -> str:
    body = [rng.choice(LOOP) for _ in range(rng.randint(1, 5))]
    stacked = "np.sum(np.stack(xs) ** 2)" if any("append" in ln for ln in body) else "0.0"
    lines = START + ["for i in range(3):"] + ["    " + ln for ln in body] + \
        [rng.choice(TAIL) for _ in range(rng.randint(0, 2))] + \
        [f"return s + np.sum(a * b) + np.sum(out * d) + {stacked}"]
    return "import numpy as np\n\n\ndef f(x):\n" + "".join(f"    {ln}\n" for ln in lines)


def load(source: str, k: int):
    path = pathlib.Path(tempfile.mkdtemp()) / f"writes_{k}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"writes_{k}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numpy_runs(f, x):
    return f(np.array(x, copy=True))  # programs write into arrays: never into x itself


def central(f, x, h=1e-6):
    return np.array([(numpy_runs(f, x + h * e) - numpy_runs(f, x - h * e)) / (2 * h)
                     for e in np.eye(x.size)])


def check(f) -> str:
    """'refused', 'ok', or what went wrong."""
    try:
        value, grad = gradc.value_and_grad(f)(X.copy())
        _, tangent = gradc.jvp(f, (X,), (T,))
        product = gradc.hvp(f)(X, v=T)
    except UnsupportedSyntaxError:
        return "refused"
    if not np.isclose(value, numpy_runs(f, X), rtol=1e-10):
        return "wrong value"
    if not np.allclose(grad, central(f, X), rtol=1e-5, atol=1e-6):
        return "wrong gradient"
    if not np.isclose(tangent, grad @ T, rtol=1e-8, atol=1e-10):
        return "wrong jvp"
    h = 1e-5
    expected = (gradc.grad(f)(X + h * T) - gradc.grad(f)(X - h * T)) / (2 * h)
    return "ok" if np.allclose(product, expected, rtol=1e-4, atol=1e-6) else "wrong hvp"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--programs", type=int, default=200)
    args = parser.parse_args()
    rng, counts = random.Random(args.seed), {}
    for k in range(args.programs):
        source = program(rng)
        try:
            outcome = check(load(source, k).f)
        except Exception:  # an internal error: a bug
            outcome = "internal error"
            traceback.print_exc()
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome not in ("ok", "refused"):
            print(f"---- {outcome}\n{source}")
    print(counts)


if __name__ == "__main__":
    main()
