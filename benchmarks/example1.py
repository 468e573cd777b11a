"""Worked example 1 (SEED.md section 4): generated gradient vs primal vs hand-written.

    python benchmarks/example1.py

Times, at (x, z) = (2.0, 3.0), the primal f, the generated grad_f called directly, the
same gradient through the ``gradc.grad`` wrapper and a hand-written gradient that
follows the lecture's backward pass, for the NumPy spelling (examples/backprop_ex1.py,
generated/backprop_ex1_grad.py) and the math spelling (examples/backprop_ex1_math.py,
generated/backprop_ex1_math_grad.py). Then the NumPy spelling on arrays of 1e5 elements,
where the arithmetic dominates (in child processes, with glibc malloc's default settings
and with settings that keep freed memory).
Targets: generated / hand-written <= 1.1, gradient / primal <= 3.
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import tracemalloc

import numpy as np
from _timing import REPO, fmt_time, load_path, per_call, table

# keep the user's cache out of it: the wrapper compiles into a throwaway directory
os.environ.setdefault("GRADC_CACHE_DIR", tempfile.mkdtemp(prefix="gradc-bench-"))

import gradc  # noqa: E402

REFERENCE = (1208.3812151266095, 809.707479218564)


def hand_grad_np(x, z):
    """SEED.md section 4's backward pass, g_d = g_e = g_f = 1, exp(a) reused as d."""
    a = x * z
    b = np.log(x)
    c = np.sin(b)
    d = np.exp(a)
    g_c = 1.0 / a
    g_b = -a / b**2 + g_c * np.cos(b)
    g_a = d + 1.0 / b - c / a**2
    return g_a * z + g_b / x, g_a * x


def hand_grad_math(x, z):
    """The same backward pass with the math module."""
    a = x * z
    b = math.log(x)
    c = math.sin(b)
    d = math.exp(a)
    g_c = 1.0 / a
    g_b = -a / b**2 + g_c * math.cos(b)
    g_a = d + 1.0 / b - c / a**2
    return g_a * z + g_b / x, g_a * x


def check(label, grads, atol=1e-9):
    for got, want in zip(grads, REFERENCE):
        if not math.isclose(float(got), want, rel_tol=1e-12, abs_tol=atol):
            sys.exit(f"{label}: gradient {grads} differs from the reference {REFERENCE}")


def scalar_rows():
    example = load_path(REPO / "examples" / "backprop_ex1.py", "backprop_ex1")
    committed = load_path(REPO / "generated" / "backprop_ex1_grad.py", "backprop_ex1_grad")
    math_example = load_path(REPO / "examples" / "backprop_ex1_math.py", "backprop_ex1_math")
    math_generated = load_path(REPO / "generated" / "backprop_ex1_math_grad.py",
                               "backprop_ex1_math_grad")
    variants = [
        ("numpy", example.f, committed, hand_grad_np),
        ("math", math_example.f, math_generated, hand_grad_math),
    ]
    args = (2.0, 3.0)
    times, ratios = [], []
    for label, primal, generated, hand in variants:
        wrapper = gradc.grad(primal, wrt=(0, 1))
        for which, fn in (("grad_f", generated.grad_f), ("wrapper", wrapper),
                          ("hand", hand)):
            check(f"{label} {which}", fn(*args))
        check(f"{label} value_and_grad_f", generated.value_and_grad_f(*args)[1])
        t_primal = per_call(primal, *args)
        t_gen = per_call(generated.grad_f, *args)
        t_vg = per_call(generated.value_and_grad_f, *args)
        t_wrap = per_call(wrapper, *args)
        t_hand = per_call(hand, *args)
        times.append([label, fmt_time(t_primal), fmt_time(t_gen), fmt_time(t_vg),
                      fmt_time(t_wrap), fmt_time(t_hand)])
        ratios.append([label, f"{t_gen / t_hand:.2f}", f"{t_wrap / t_hand:.2f}",
                       f"{t_gen / t_primal:.2f}", f"{t_vg / t_primal:.2f}",
                       f"{t_wrap / t_primal:.2f}", f"{t_hand / t_primal:.2f}"])
    return times, ratios


# glibc malloc returns large blocks to the OS and maps them again on the next call, so
# array timings depend on the allocator's history; with these settings it keeps them.
KEEP_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**30)}


def peak_arrays(fn, x, z):
    """Peak memory of one call of ``fn(x, z)``, in arrays of x's size."""
    tracemalloc.start()
    fn(x, z)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / x.nbytes


def array_rows(size=100_000):
    """Time the NumPy spelling on arrays (run in a child process, see main)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(1.5, 2.5, size)  # positive, and away from log(x) = 0
    z = rng.uniform(0.5, 1.5, size)
    example = load_path(REPO / "examples" / "backprop_ex1.py", "backprop_ex1")
    generated = load_path(REPO / "generated" / "backprop_ex1_grad.py", "backprop_ex1_grad")
    for got, want in zip(generated.grad_f(x, z), hand_grad_np(x, z)):
        if not np.allclose(got, want, rtol=1e-12):
            sys.exit("array gradient differs from the hand-written one")
    fns = [example.f, generated.grad_f, generated.value_and_grad_f, hand_grad_np]
    t_primal, t_gen, t_vg, t_hand = (per_call(fn, x, z) for fn in fns)
    p_primal, p_gen, p_vg, p_hand = (peak_arrays(fn, x, z) for fn in fns)
    label = f"n={size:g}, " + ("malloc keeps" if "MALLOC_TRIM_THRESHOLD_" in os.environ
                               else "malloc default")
    times = [label, fmt_time(t_primal), fmt_time(t_gen), fmt_time(t_vg), "-",
             fmt_time(t_hand)]
    ratios = [label, f"{t_gen / t_hand:.2f}", "-", f"{t_gen / t_primal:.2f}",
              f"{t_vg / t_primal:.2f}", "-", f"{t_hand / t_primal:.2f}"]
    peaks = [f"n={size:g}"] + [f"{p:.0f}" for p in (p_primal, p_gen, p_vg, p_hand)]
    return times, ratios, peaks


def array_rows_in_child(extra_env):
    """``array_rows`` in a fresh process with ``extra_env`` added to the environment."""
    env = dict(os.environ, **extra_env)
    out = subprocess.run([sys.executable, __file__, "--arrays"], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    print(f"Worked example 1 at (x, z) = (2.0, 3.0), median per call; python "
          f"{sys.version.split()[0]}, numpy {np.__version__}")
    print("grad_f / value_and_grad_f: the generated functions called directly; wrapper: "
          "gradc.grad(f, wrt=(0, 1));")
    print("hand: SEED.md section 4's backward pass written by hand. All checked against "
          "the reference gradient.\n")
    times, ratios = scalar_rows()
    arrays = [array_rows_in_child(env) for env in ({}, KEEP_MEMORY)]
    table(["variant", "primal f", "grad_f", "value_and_grad_f", "wrapper", "hand"],
          times + [a[0] for a in arrays])
    print()
    table(["variant", "grad_f/hand", "wrapper/hand", "grad_f/primal",
           "value_and_grad_f/primal", "wrapper/primal", "hand/primal"],
          ratios + [a[1] for a in arrays])
    print("\ntargets: grad_f/hand <= 1.1, gradient/primal <= 3")
    print("\nPeak memory of one call on arrays, in arrays of n elements (tracemalloc):")
    table(["variant", "primal f", "grad_f", "value_and_grad_f", "hand"],
          [arrays[0][2]])
    print(f"'malloc keeps': run with {' '.join(f'{k}={v}' for k, v in KEEP_MEMORY.items())}"
          ", so freed arrays are\nreused instead of being unmapped and faulted in again.")


if __name__ == "__main__":
    if sys.argv[1:] == ["--arrays"]:
        print(json.dumps(array_rows()))
    else:
        main()
