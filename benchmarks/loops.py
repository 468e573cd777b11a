"""Loops: generated gradients of for loops vs backprop through time written by hand.

    python benchmarks/loops.py

Two functions with a ``for`` loop, written to a module file in a temporary directory
(gradc reads source files) and differentiated with ``gradc.grad``:

    recurrence(x, a, steps)  s <- a sin(s) + 0.5 s, ``steps`` = 1000 times from s = x, on
                             Python floats; wrt=(0, 1)
    recurrence_typed         the same with ``x: float, a: float`` annotated: gradc then
                             knows every value is a scalar, as specialisation would
    rnn(W, U, h0, X)         h <- tanh(W @ h + U @ X[t]), loss += sum(h * h), for t over
                             X's T rows; hidden size 32, input size 8 (W (32, 32),
                             U (32, 8), h0 (32,), X (T, 8)), T = 10, 100, 1000;
                             wrt=(0, 1, 2)

Timed for each case:

    primal     the function itself
    hand       its gradient written by hand in NumPy: a forward loop that saves the
               states in a Python list, then a backward loop over them. recurrence:
               a_bar += s_bar sin(s), s_bar *= a cos(s) + 0.5; rnn (backprop through
               time): dh += 2 h, da = dh (1 - h^2), dW += outer(da, h_prev),
               dU += outer(da, x_t), dh = W.T @ da
    generated  the generated grad_<name>, loaded from the wrapper's ``path`` and called
               directly
    specialized  the same, compiled with ``specialize=True`` for this case's shapes
    wrapper    the callable gradc.grad returns
    autograd   autograd.grad of the same function, a column only if autograd imports

The gradients are checked against each other (np.allclose) before timing, at the timed
sizes and, except specialized and autograd, also at 0, 1, 2 and 10 steps / rows (at
1000 steps the recurrence has forgotten x, so d/dx is ~0 there). Then the memory: the
peak traced memory (tracemalloc) of one call of the generated gradient, the specialized
one and the hand one, at T = 10, 100, 1000, per step (peak / T) and per added step (the
growth in peak from the previous T, over the steps added), flat if memory is linear in T.

Everything runs in a fresh child process with single-threaded BLAS. Medians of per-call
times over timeit repeats, in interleaved rounds. A gradc that rejects loops
(UnsupportedSyntaxError) leaves the generated, specialized and wrapper columns empty
('-') and says why. Targets: generated / hand <= 1.25; memory linear in T.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import tracemalloc
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


def recurrence(x, a, steps):
    s = x
    for i in range(int(steps)):
        s = a * np.sin(s) + 0.5 * s
    return s


def recurrence_typed(x: float, a: float, steps):
    s = x
    for i in range(int(steps)):
        s = a * np.sin(s) + 0.5 * s
    return s


def rnn(W, U, h0, X):
    h = h0
    loss = 0.0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t])
        loss = loss + np.sum(h * h)
    return loss
'''

STEPS = 1000
TS = [10, 100, 1000]
HIDDEN, INPUT = 32, 8
CHECK_STEPS = [0, 1, 2, 10]  # checked as well as the timed sizes, not timed

HAS_AUTOGRAD = importlib.util.find_spec("autograd") is not None


def hand_recurrence(x, a, steps):
    """d recurrence / d(x, a): save every s going forward, accumulate going back."""
    s = x
    saved = []
    for _ in range(int(steps)):
        saved.append(s)
        s = a * np.sin(s) + 0.5 * s
    s_bar = 1.0
    a_bar = 0.0
    for s in reversed(saved):
        a_bar += s_bar * np.sin(s)
        s_bar = s_bar * (a * np.cos(s) + 0.5)
    return s_bar, a_bar


def hand_rnn(W, U, h0, X):
    """d rnn / d(W, U, h0) by backprop through time over the saved hidden states."""
    hs = [h0]
    h = h0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t])
        hs.append(h)
    W_bar = np.zeros_like(W)
    U_bar = np.zeros_like(U)
    h_bar = np.zeros_like(h0)
    for t in range(X.shape[0] - 1, -1, -1):
        h = hs[t + 1]
        h_bar = h_bar + 2.0 * h
        a_bar = h_bar * (1.0 - h * h)
        W_bar += np.outer(a_bar, hs[t])
        U_bar += np.outer(a_bar, X[t])
        h_bar = W.T @ a_bar
    return W_bar, U_bar, h_bar


def recurrence_args(steps):
    return 0.3, 0.9, steps


def rnn_args(T):
    """Weights scaled so that neither tanh saturates nor the gradient explodes."""
    rng = np.random.default_rng(T)
    W = 0.9 * rng.standard_normal((HIDDEN, HIDDEN)) / np.sqrt(HIDDEN)
    U = 0.5 * rng.standard_normal((HIDDEN, INPUT)) / np.sqrt(INPUT)
    h0 = 0.1 * rng.standard_normal(HIDDEN)
    X = rng.standard_normal((T, INPUT))
    return W, U, h0, X


def autograd_grads():
    """The two gradients through autograd (only called if it imports)."""
    import autograd
    import autograd.numpy as anp

    def recurrence(x, a, steps):
        s = x
        for _ in range(int(steps)):
            s = a * anp.sin(s) + 0.5 * s
        return s

    def rnn(W, U, h0, X):
        h = h0
        loss = 0.0
        for t in range(X.shape[0]):
            h = anp.tanh(W @ h + U @ X[t])
            loss = loss + anp.sum(h * h)
        return loss

    recurrence_grad = autograd.grad(recurrence, argnum=(0, 1))
    return recurrence_grad, recurrence_grad, autograd.grad(rnn, argnum=(0, 1, 2))


def peak_bytes(fn, *args):
    """Peak traced memory (bytes) of one call of ``fn(*args)``."""
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def check(label, got, want):
    if len(got) != len(want) or not all(
            np.shape(g) == np.shape(w) and np.allclose(g, w, rtol=1e-9, atol=1e-12)
            for g, w in zip(got, want)):
        sys.exit(f"{label} gradient differs from the hand one:\n  got  {got}\n  want {want}")


def compile_grad(module, name, wrt):
    """(wrapper, grad_<name>), or (None, why) if gradc rejects the function."""
    try:
        wrapper = gradc.grad(getattr(module, name), wrt=wrt)
    except gradc.UnsupportedSyntaxError as error:
        return None, str(error).splitlines()[0]
    return wrapper, getattr(load_path(wrapper.path, f"loops_bench_{name}_grad"),
                            f"grad_{name}")


def measure(folder):
    """Times (seconds), peaks (bytes) and why gradc failed, if it did (in a child)."""
    sys.path.insert(0, folder)
    import loops_bench

    cases = [("recurrence", (0, 1), hand_recurrence, recurrence_args, [STEPS]),
             ("recurrence_typed", (0, 1), hand_recurrence, recurrence_args, [STEPS]),
             ("rnn", (0, 1, 2), hand_rnn, rnn_args, TS)]
    peers = autograd_grads() if HAS_AUTOGRAD else (None, None, None)
    out = {"times": [], "memory": [], "errors": {}}
    for (name, wrt, hand, make_args, sizes), peer in zip(cases, peers):
        primal = getattr(loops_bench, name)
        wrapper, generated = compile_grad(loops_bench, name, wrt)
        if wrapper is None:
            out["errors"][name], generated = generated, None
        for n in CHECK_STEPS + sizes:
            args = make_args(n)
            want = hand(*args)
            labelled = [("generated", generated), ("wrapper", wrapper)]
            if n in sizes:  # autograd warns about unused inputs at 0 steps
                labelled.append(("autograd", peer))
            for label, fn in labelled:
                if fn is not None:
                    check(f"{name} at {n} steps: {label}", fn(*args), want)
        for n in sizes:
            args = make_args(n)
            specialized = None
            if wrapper is not None:
                specialized = specialized_grad(primal, name, wrt, args, n)
                check(f"{name} at {n} steps: specialized", specialized(*args), hand(*args))
            fns = [primal, hand, generated, specialized, wrapper, peer]
            timed = interleaved([(fn, *args) for fn in fns if fn is not None], rounds=5)
            out["times"].append([name, n] + [timed.pop(0) if fn is not None else None
                                             for fn in fns])
        for n in TS:  # memory at each T, for every case
            args = make_args(n)
            specialized = specialized_grad(primal, name, wrt, args, n) if wrapper else None
            out["memory"].append([name, n] + [peak_bytes(fn, *args) if fn is not None
                                              else None
                                              for fn in (generated, specialized, hand)])
    return out


def specialized_grad(primal, name, wrt, args, n):
    """grad_<name> compiled with specialize=True for the shapes of ``args``."""
    specializing = gradc.grad(primal, wrt=wrt, specialize=True)
    specializing(*args)  # compiles for these shapes
    return getattr(load_path(specializing.path, f"loops_{name}_{n}"), f"grad_{name}")


def in_child(folder):
    """``measure`` in a fresh process."""
    out = subprocess.run([sys.executable, __file__, "--child", folder],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def fmt_bytes(n):
    for unit, scale in (("MB", 2**20), ("kB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


def main():
    folder = tempfile.mkdtemp(prefix="gradc-loops-")
    (Path(folder) / "loops_bench.py").write_text(MODULE, encoding="utf-8")
    result = in_child(folder)
    print(f"Gradients of for loops, median per call; python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, single-threaded BLAS")
    print("generated: grad_<name> called directly; specialized: the same compiled with "
          "specialize=True for\neach case; wrapper: gradc.grad(f, wrt=...); hand: a forward "
          "loop saving the states, then a\nbackward loop. Gradients checked to agree "
          "(np.allclose) before timing.")
    print("autograd: " + ("autograd.grad(f, argnum=...)" if HAS_AUTOGRAD
                          else "not importable, no column"))
    for name, why in result["errors"].items():
        print(f"generated / specialized / wrapper for {name}: none, gradc rejects it: {why}")
    print()
    rows = []
    for name, n, t_primal, t_hand, t_gen, t_spec, t_wrap, t_auto in result["times"]:
        label = f"{name} steps={n}" if name.startswith("recurrence") else f"{name} T={n}"
        rows.append([label] + ["-" if t is None else fmt_time(t)
                               for t in (t_primal, t_hand, t_gen, t_spec, t_wrap, t_auto)]
                    [:6 if HAS_AUTOGRAD else 5]
                    + [ratio(t_gen, t_hand), ratio(t_spec, t_hand), ratio(t_gen, t_primal),
                       ratio(t_hand, t_primal)]
                    + ([ratio(t_auto, t_primal)] if HAS_AUTOGRAD else []))
    table(["case", "primal", "hand", "generated", "specialized", "wrapper"]
          + (["autograd"] if HAS_AUTOGRAD else [])
          + ["gen/hand", "spec/hand", "gen/primal", "hand/primal"]
          + (["autograd/primal"] if HAS_AUTOGRAD else []), rows)
    print("\ntarget: generated/hand <= 1.25")
    print("\nPeak traced memory of one gradient call (tracemalloc); per step = peak / T, "
          "per added step =\nthe growth in peak from the previous T over the steps added "
          "(flat if memory is linear in T):")
    rows, previous = [], {}
    for name, n, p_gen, p_spec, p_hand in result["memory"]:
        cells = [f"{name} T={n}" if name == "rnn" else f"{name} steps={n}"]
        for which, peak in (("generated", p_gen), ("specialized", p_spec), ("hand", p_hand)):
            if peak is None:
                cells += ["-", "-", "-"]
                continue
            before = previous.get((name, which))
            cells += [fmt_bytes(peak), fmt_bytes(peak / n),
                      "-" if before is None else fmt_bytes((peak - before[1]) / (n - before[0]))]
            previous[name, which] = (n, peak)
        rows.append(cells + [ratio(p_gen, p_hand), ratio(p_spec, p_hand)])
    table(["case", "generated", "per step", "per added step", "specialized", "per step",
           "per added step", "hand", "per step", "per added step", "gen/hand", "spec/hand"],
          rows)
    print("\ntarget: memory linear in T (per added step flat)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(measure(sys.argv[2])))
    else:
        main()
