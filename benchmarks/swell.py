"""Expression swell (SEED.md section 2): gradc vs symbolic differentiation with sympy.

    python benchmarks/swell.py

Two families of depth k: the logistic map l_{j+1} = 4 l_j (1 - l_j) from l_0 = x, and
the sigmoid nested k deep, sigmoid(u) = 1 / (1 + exp(-u)). For each k:

- gradc: operations of the primal IR (after optimize) and of the gradient IR
  (``len(gradient_ir(...).body)``, value and gradient together), and compile time;
- sympy.diff: ``count_ops`` of the derivative of the composed expression (every
  intermediate substituted, which is all a symbolic system sees) and the time of diff;
- sympy.diff + sympy.cse: the ops of the cse replacements plus the reduced expression,
  and the time of diff + cse.

Each sympy measurement runs in a fresh process (fresh sympy cache, deep recursion
allowed) with a hard limit of CHILD_TIMEOUT s; a column stops ('-') after a measurement
that takes more than STOP_AFTER s.
"""

import json
import subprocess
import sys
import threading
import time

from _timing import median_seconds, table

KS = [1, 2, 4, 8, 12, 16, 32, 64, 128, 256, 512, 1000]
STOP_AFTER = 20.0
CHILD_TIMEOUT = 60.0


def logistic_source(k):
    body = "".join("    l = 4.0 * l * (1.0 - l)\n" for _ in range(k))
    return f"def swell(x: float):\n    l = x\n{body}    return l\n"


def sigmoid_source(k):
    body = "".join("    s = sigmoid(s)\n" for _ in range(k))
    return ("import numpy as np\n\n\n"
            "def sigmoid(u):\n    return 1.0 / (1.0 + np.exp(-u))\n\n\n"
            f"def swell(x: float):\n    s = x\n{body}    return s\n")


def logistic_sympy(sp, x, k):
    expr = x
    for _ in range(k):
        expr = 4 * expr * (1 - expr)
    return expr


def sigmoid_sympy(sp, x, k):
    expr = x
    for _ in range(k):
        expr = 1 / (1 + sp.exp(-expr))
    return expr


FAMILIES = {
    "logistic map l <- 4 l (1 - l)": (logistic_source, "logistic_sympy"),
    "nested sigmoid s <- 1 / (1 + exp(-s))": (sigmoid_source, "sigmoid_sympy"),
}


def gradc_row(source, k):
    from gradc.frontend.lower import lower_function
    from gradc.frontend.source import parse_module
    from gradc.pipeline import compile_source, gradient_ir, optimize

    info = parse_module(source, f"swell_{k}.py")
    primal = len(optimize(lower_function(info, "swell")).body)
    gradient = len(gradient_ir(info, "swell", (0,)).body)
    seconds = median_seconds(lambda: compile_source(source, f"swell_{k}.py", ["swell"]),
                             repeat=5 if k <= 64 else 1)
    return primal, gradient, seconds


# ---- sympy, in a child process: python swell.py --sympy BUILDER K MODE


def sympy_child(builder, k, mode):
    """Print JSON lines: {"seconds": ...} once the derivative (and cse) exist, then
    {"ops": ...} once they are counted, so a timeout still reports the time."""
    import sympy as sp

    x = sp.Symbol("x")
    expr = globals()[builder](sp, x, k)
    start = time.perf_counter()
    derivative = sp.diff(expr, x)
    if mode == "cse":
        replacements, reduced = sp.cse(derivative)
    print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
    if mode == "cse":
        ops = sum(sp.count_ops(rhs) for _, rhs in replacements) + sp.count_ops(reduced[0])
    else:
        ops = sp.count_ops(derivative)
    print(json.dumps({"ops": int(ops)}), flush=True)


def sympy_measure(builder, k, mode):
    """{"ops": ..., "seconds": ...} of one sympy measurement; either may be missing, with
    "failed" saying why ("timeout" or the child's exception)."""
    command = [sys.executable, __file__, "--sympy", builder, str(k), mode]
    try:
        child = subprocess.run(command, capture_output=True, text=True,
                               timeout=CHILD_TIMEOUT)
        out = child.stdout
        failed = child.stderr.strip().splitlines()[-1][:40] if child.returncode else None
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        failed = "timeout"
    found = {"failed": failed}
    for line in out.splitlines():
        found.update(json.loads(line))
    return found


def sympy_cells(builder, k, mode, stopped):
    """[ops, seconds] cells; marks the column stopped after a slow or failed one."""
    if stopped.get(mode):
        return ["-", "-"]
    found = sympy_measure(builder, k, mode)
    seconds, ops, failed = found.get("seconds"), found.get("ops"), found["failed"]
    if failed or seconds > STOP_AFTER:
        stopped[mode] = True
    if seconds is None:
        time_cell = f"> {CHILD_TIMEOUT:.0f}" if failed == "timeout" else "failed"
    else:
        time_cell = f"{seconds:.3f}"
    if ops is None:
        ops_cell = "(count timed out)" if failed == "timeout" else f"({failed})"
    else:
        ops_cell = str(ops)
    return [ops_cell, time_cell]


def main():
    from gradc.pipeline import compile_source

    compile_source(sigmoid_source(1), "warmup.py", ["swell"])  # derive sympy templates
    print("Expression swell: gradc (primal and gradient IR ops, compile s) vs sympy.diff of "
          "the composed\nexpression (count_ops, s) and sympy.diff + sympy.cse (count_ops of "
          "replacements + reduced, s).\nEach sympy measurement runs in a fresh process, "
          f"hard limit {CHILD_TIMEOUT:.0f} s; a sympy column stops ('-')\nafter a "
          f"measurement over {STOP_AFTER:.0f} s.")
    for family, (make_source, builder) in FAMILIES.items():
        print(f"\n{family}")
        rows, stopped = [], {}
        for k in KS:
            primal, gradient, seconds = gradc_row(make_source(k), k)
            rows.append([k, primal, gradient, f"{gradient / primal:.2f}", f"{seconds:.3f}",
                         *sympy_cells(builder, k, "diff", stopped),
                         *sympy_cells(builder, k, "cse", stopped)])
        table(["k", "gradc primal ops", "gradc grad ops", "grad/primal", "gradc s",
               "sympy.diff ops", "diff s", "diff+cse ops", "diff+cse s"], rows)


def in_big_stack(fn, *args):
    """Run ``fn`` in a thread with a large C stack: sympy recurses once per nesting level."""
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 29)
    failure = []

    def target():
        try:
            fn(*args)
        except BaseException as exc:  # reported by the parent as a missing value
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sympy"]:
        in_big_stack(sympy_child, sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
