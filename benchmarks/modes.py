"""Forward vs reverse mode (SEED.md section 2), and Hessian-vector products vs gradients.

    python benchmarks/modes.py

1. Jacobians of f: R^A -> R^B at (A, B) = (1000, 1), (1, 1000), (100, 100) through
   ``gradc.jacobian`` in each mode: "fwd" makes one generated jvp pass per input entry,
   "rev" one generated vjp pass per output entry, so the lecture predicts fwd/rev ~ A/B.
   Each Jacobian is checked against the other mode before timing. The generated
   ``jvp_<name>`` / ``vjp_<name>`` are also timed directly, one pass each, to separate
   the passes from what the wrapper adds around them (basis vectors, zero tangents,
   stacking).
2. ``gradc.hvp`` (forward over reverse) vs ``gradc.grad`` for a scalar function of a
   vector of 10, 1000 and 100000 entries, checked against central differences of the
   gradient; again also the generated ``grad_<name>`` and ``hvp_<name>`` called directly.
   Target: hvp <= 4 x gradient. n = 100000 runs in fresh processes, with glibc malloc's
   default settings and with settings that keep freed memory (see example1.py).

The generated functions are reached through ``gradc.compiled.generated_function`` (with
the options gradc.modes uses), since the public API only returns wrappers.
All times are medians of per-call times over timeit repeats, in interleaved rounds.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _timing import fmt_time, load_path, per_call, table

# keep the user's cache out of it: gradc compiles into a throwaway directory
os.environ.setdefault("GRADC_CACHE_DIR", tempfile.mkdtemp(prefix="gradc-bench-"))

import gradc  # noqa: E402
from gradc.compiled import generated_function  # noqa: E402
from gradc.modes import choose_mode  # noqa: E402
from gradc.options import Options  # noqa: E402

MODULE = '''\
import numpy as np


def many_in(x):
    return np.sum(np.sin(x) * x + np.exp(-x * x))


def many_out(s, c):
    return np.sin(s * c) + s * s * c


def square(x):
    return np.tanh(x) * np.sum(x * x)


def scalar(x):
    return np.sum(np.tanh(x) * np.exp(-x * x) + np.sin(x) ** 2)
'''

# the options gradc.modes passes when it compiles each kind of derivative
OPTIONS = {
    "jvp": Options(mode="forward"),
    "vjp": Options(mode="vjp"),
    "hvp": Options(mode="hvp", wrt=(0,), as_tuple=True),
}


def load_functions():
    """Write MODULE to a temporary directory and import it (gradc reads its source)."""
    folder = Path(tempfile.mkdtemp(prefix="gradc-modes-"))
    (folder / "modes_bench.py").write_text(MODULE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    import modes_bench

    return modes_bench


def generated(f, prefix):
    """The generated ``<prefix>_<name>`` for ``f``, compiled as gradc.modes compiles it."""
    return generated_function(f, prefix, OPTIONS[prefix])


def unit(shape):
    """The first unit vector of a space of this shape (a float for a scalar)."""
    if shape == ():
        return 1.0
    e = np.zeros(shape)
    e.flat[0] = 1.0
    return e


def interleaved(calls, rounds=3):
    """Median per-call seconds of each ``(fn, *args)`` in ``calls``, timed in ``rounds``
    interleaved rounds (so a slow start or a noisy spell is not pinned on one of them)."""
    times = [[] for _ in calls]
    for _ in range(rounds):
        for spent, (fn, *args) in zip(times, calls):
            spent.append(per_call(fn, *args, repeat=3, budget=0.1))
    return [statistics.median(spent) for spent in times]


# ---- 1. Jacobians, forward vs reverse


def jacobian_case(label, f, args):
    """Times of one Jacobian (wrt argument 0) in each mode, and of single generated passes."""
    value = np.asarray(f(*args))
    inputs, outputs = np.size(args[0]), value.size
    jac = {mode: gradc.jacobian(f, wrt=0, mode=mode) for mode in ("fwd", "rev", "auto")}
    results = {mode: fn(*args) for mode, fn in jac.items()}
    want_shape = value.shape + np.shape(args[0])
    for mode, result in results.items():
        if np.shape(result) != want_shape:
            sys.exit(f"{label}: {mode} Jacobian has shape {np.shape(result)}, "
                     f"expected {want_shape}")
    if not np.allclose(results["fwd"], results["rev"], rtol=1e-10, atol=1e-12):
        sys.exit(f"{label}: forward and reverse Jacobians differ")
    if not np.allclose(results["auto"], results["fwd"], rtol=1e-10, atol=1e-12):
        sys.exit(f"{label}: auto Jacobian differs")

    # one generated pass each, called directly: tangent e_0 for argument 0 (zero for the
    # others), cotangent e_0 of the output's shape
    jvp_f, vjp_f = generated(f, "jvp"), generated(f, "vjp")
    tangents = [unit(np.shape(args[0]))] + [np.zeros_like(a) for a in args[1:]]
    t_f, t_fwd, t_rev, t_auto, t_jvp, t_vjp = interleaved(
        [(f, *args), (jac["fwd"], *args), (jac["rev"], *args), (jac["auto"], *args),
         (jvp_f, *args, *tangents), (vjp_f, *args, unit(value.shape))])

    chosen = choose_mode(inputs, outputs)
    name = f"({inputs}, {outputs}) {label}"
    times = [name, fmt_time(t_f), fmt_time(t_fwd), fmt_time(t_rev),
             f"{fmt_time(t_auto)} ({chosen})", f"{t_fwd / t_rev:.3g}"]
    evaluations = [name, f"{t_fwd / t_f:.3g}", f"{t_rev / t_f:.3g}"]
    passes = [name, fmt_time(t_jvp), fmt_time(t_vjp), fmt_time(inputs * t_jvp),
              fmt_time(outputs * t_vjp), f"{t_fwd / (inputs * t_jvp):.2f}",
              f"{t_rev / (outputs * t_vjp):.2f}"]
    return times, evaluations, passes


def jacobians(m):
    rng = np.random.default_rng(0)
    cases = [
        ("sum(sin(x) x + exp(-x^2))", m.many_in, (rng.uniform(-2, 2, 1000),)),
        ("sin(s c) + s^2 c", m.many_out, (0.7, rng.uniform(-2, 2, 1000))),
        ("tanh(x) sum(x^2)", m.square, (rng.uniform(-2, 2, 100),)),
    ]
    rows = [jacobian_case(*case) for case in cases]
    print("1. Jacobian of f: R^A -> R^B (wrt argument 0), gradc.jacobian(f, mode=...); "
          "fwd and rev checked\n   against each other. auto: the mode gradc chose.\n")
    table(["(A, B) f", "f", "fwd", "rev", "auto", "fwd/rev"], [r[0] for r in rows])
    print("\nThe same Jacobians in evaluations of f (time / time of f):\n")
    table(["(A, B) f", "fwd", "rev"], [r[1] for r in rows])
    print("\nOne generated pass called directly (jvp_<name>, vjp_<name>), the passes a "
          "Jacobian needs\n(A jvp, B vjp) and the wrapper's Jacobian time over that:\n")
    table(["(A, B) f", "jvp pass", "vjp pass", "A x jvp", "B x vjp", "fwd/(A x jvp)",
           "rev/(B x vjp)"], [r[2] for r in rows])


# ---- 2. Hessian-vector products vs gradients

# glibc malloc returns large blocks to the OS and maps them again on the next call, so
# timings on 1e5-element arrays depend on the allocator's history; with these settings
# (as in example1.py) it keeps them.
KEEP_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**30)}


def part(result, index):
    """Part ``index`` of a generated (gradient, H v) pair, 1-tuples unwrapped."""
    item = result[index]
    return item[0] if isinstance(item, tuple) else item


def hvp_row(m, size, label):
    rng = np.random.default_rng(size)
    x, v = rng.uniform(-2, 2, size), rng.standard_normal(size)
    grad_api, hvp_api = gradc.grad(m.scalar), gradc.hvp(m.scalar)
    grad_direct = load_path(grad_api.path, f"modes_grad_{size}").grad_scalar
    hvp_direct = generated(m.scalar, "hvp")

    # check once: H v against central differences of the gradient along v
    eps = 1e-5
    numeric = (grad_api(x + eps * v) - grad_api(x - eps * v)) / (2 * eps)
    for which, got in (("hvp_scalar", part(hvp_direct(x, v), 1)),
                       ("gradc.hvp", hvp_api(x, v=v))):
        if np.shape(got) != x.shape or not np.allclose(got, numeric, rtol=1e-6, atol=1e-6):
            sys.exit(f"n={size}: {which} differs from differences of the gradient")
    if not np.allclose(part(hvp_direct(x, v), 0), grad_direct(x), rtol=1e-12):
        sys.exit(f"n={size}: hvp_scalar's gradient part differs from grad_scalar")

    t_f, t_grad, t_hvp, t_grad_api, t_hvp_api = interleaved(
        [(m.scalar, x), (grad_direct, x), (hvp_direct, x, v), (grad_api, x),
         (lambda: hvp_api(x, v=v),)])
    return [label, fmt_time(t_f), fmt_time(t_grad), fmt_time(t_hvp),
            f"{t_hvp / t_grad:.2f}", fmt_time(t_grad_api), fmt_time(t_hvp_api),
            f"{t_hvp_api / t_grad_api:.2f}", f"{t_grad / t_f:.2f}"]


def hvp_row_in_child(size, extra_env, label):
    """``hvp_row`` in a fresh process with ``extra_env`` added to the environment."""
    env = dict(os.environ, **extra_env)
    out = subprocess.run([sys.executable, __file__, "--hvp", str(size), label], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def hessian_vector_products(m):
    rows = [hvp_row(m, size, f"n={size}") for size in (10, 1000)]
    rows += [hvp_row_in_child(100_000, env, f"n=100000, malloc {label}")
             for env, label in (({}, "default"), (KEEP_MEMORY, "keeps"))]
    print("\n2. Hessian-vector product (forward over reverse) vs gradient, "
          "f(x) = sum(tanh(x) exp(-x^2) + sin(x)^2).")
    print("   grad_scalar / hvp_scalar: the generated functions called directly; "
          "gradc.grad / gradc.hvp: the\n   wrappers. H v checked against central "
          "differences of the gradient along v.\n")
    table(["n", "f", "grad_scalar", "hvp_scalar", "hvp/grad", "gradc.grad", "gradc.hvp",
           "hvp/grad (api)", "grad/f"], rows)
    print("\ntarget: hvp/grad <= 4")
    print(f"n=100000 runs in fresh processes; 'malloc keeps': "
          f"{' '.join(f'{k}={v}' for k, v in KEEP_MEMORY.items())}.")


def main():
    print(f"gradc {gradc.__version__}, python {sys.version.split()[0]}, "
          f"numpy {np.__version__}; median per call\n")
    m = load_functions()
    jacobians(m)
    hessian_vector_products(m)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--hvp"]:
        print(json.dumps(hvp_row(load_functions(), int(sys.argv[2]), sys.argv[3])))
    else:
        main()
