"""How long compiling takes, and what a warm cache costs at import.

    python benchmarks/compile_time.py               # all three tables
    python benchmarks/compile_time.py --profile N   # cProfile of one N-statement compile

(a) Cold compile of worked example 1 in a fresh process, imports included, empty cache
    (target < 1 s), next to the cost of importing numpy and sympy.
(b) Warm import of a module using ``@gradc.grad`` whose gradient is already cached
    (target < 10 ms); sympy must not be imported.
(c) Compile time of generated straight-line programs of 100 to 10,000 statements, with
    Python's cyclic garbage collector on (as users run it) and off.
(d) The same statements as the body of a for loop (100 to 3,000 statements), whose
    adjoint is a reversed loop with a tape.

Fresh processes get a private bytecode cache (PYTHONPYCACHEPREFIX), primed by one run
that is not counted, so every module is imported from .pyc as after a normal install.
"""

import gc
import json
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from _timing import REPO, fmt_time, median_seconds, process_output, process_seconds, table

EXAMPLE = REPO / "examples" / "backprop_ex1.py"
PROCESSES = 7


def child_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "GRADC_CACHE_DIR")}
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="gradc-bench-pyc-")
    env.update(extra)
    return env


def fresh_cache():
    return {"GRADC_CACHE_DIR": tempfile.mkdtemp(prefix="gradc-bench-cache-")}


def cold_compile():
    compile_ex1 = (f"import sys; sys.path.insert(0, {str(EXAMPLE.parent)!r}); "
                   "import gradc, backprop_ex1; gradc.grad(backprop_ex1.f, wrt=(0, 1))")
    out_dir = tempfile.mkdtemp(prefix="gradc-bench-out-")
    cli = (f"import sys; from gradc.cli import main; "
           f"sys.exit(main(['compile', {str(EXAMPLE)!r}, '-o', {out_dir!r}]))")
    rows = []
    env = child_env()
    for label, code in [("python -c pass (interpreter start)", "pass"),
                        ("import numpy", "import numpy"),
                        ("import sympy", "import sympy"),
                        ("import gradc", "import gradc"),
                        ("import gradc + gradc.grad(ex1.f), empty cache", compile_ex1),
                        ("gradc compile examples/backprop_ex1.py (CLI)", cli)]:
        process_seconds(code, repeat=1, env=env, setup=fresh_cache)  # prime the .pyc
        rows.append([label, fmt_time(process_seconds(code, PROCESSES, env, fresh_cache))])
    print(f"(a) Cold compile: wall time of a fresh process, median of {PROCESSES}; "
          "target for the compile < 1 s")
    table(["command", "wall time"], rows)


def user_module() -> str:
    """Worked example 1 as a user writes it with the decorator: compiled at import."""
    source = EXAMPLE.read_text()
    source = source.replace("import numpy as np\n", "import numpy as np\n\nimport gradc\n", 1)
    return source.replace("\ndef f(", "\n@gradc.grad(wrt=(0, 1))\ndef f(", 1)

MEASURE_IMPORT = '''\
import sys, time, json
sys.path.insert(0, {folder!r})
{before}
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(json.dumps([elapsed, "sympy" in sys.modules, "gradc.pipeline" in sys.modules]))
'''


def warm_import():
    folder = tempfile.mkdtemp(prefix="gradc-bench-user-")
    Path(folder, "usermodule.py").write_text(user_module())
    env = child_env(**fresh_cache())
    rows, sympy_loaded = [], False
    for label, module, before in [
            ("import usermodule (numpy counted)", "usermodule", ""),
            ("import usermodule after import numpy", "usermodule", "import numpy"),
            ("import gradc after import numpy", "gradc", "import numpy")]:
        code = MEASURE_IMPORT.format(folder=folder, module=module, before=before)
        process_output(code, repeat=1, env=env)  # fills the gradient cache and the .pyc
        results = [json.loads(line) for line in process_output(code, PROCESSES, env=env)]
        sympy_loaded |= any(r[1] for r in results)
        rows.append([label, fmt_time(statistics.median(r[0] for r in results)),
                     str(any(r[1] for r in results)), str(any(r[2] for r in results))])
    print(f"\n(b) Warm import of a module with an @gradc.grad function, gradient cached: "
          f"time of the import statement, median of {PROCESSES} fresh processes; "
          "target < 10 ms")
    table(["import", "time", "sympy imported", "compiler imported"], rows)
    print("sympy in sys.modules after a warm import:", sympy_loaded,
          "(must be False)" if not sympy_loaded else "<-- BUG: must be False")


TEMPLATES = [
    "v{i} = np.sin(v{a}) * x + v{b} / 3.0",
    "v{i} = np.exp(-v{a} * v{a}) - v{b} * 0.5",
    "v{i} = np.tanh(v{a}) / (1.0 + v{b} ** 2)",
    "v{i} = np.log(1.0 + v{a} * v{a}) + np.cos(v{b})",
]


def chain_program(n):
    """A module with one function of ``n`` statements, each using the previous two."""
    lines = ["import numpy as np", "", "", "def chain(x: float):", "    v0 = x",
             "    v1 = np.sin(x)"]
    lines += ["    " + TEMPLATES[i % 4].format(i=i, a=i - 1, b=i - 2) for i in range(2, n)]
    lines.append(f"    return v{n - 1}")
    return "\n".join(lines) + "\n"


def loop_program(n):
    """The chain as the body of a loop that carries its last value to the next round."""
    lines = chain_program(n).splitlines()
    head, body = lines[:4], lines[4:-1]  # without the return
    return "\n".join([*head, "    s = x", "    for k in range(3):",
                      *("    " + line.replace("= x", "= s").replace("(x)", "(s)")
                        for line in body),
                      f"        s = v{n - 1}", "    return s"]) + "\n"


def compile_with_stages(source, filename):
    """Compile; return (total seconds, {stage group: seconds}, gradient IR ops)."""
    from gradc.ir.core import walk
    from gradc.pipeline import compile_source

    stamps = []
    start = time.perf_counter()
    compile_source(source, filename, trace=lambda label, fn: stamps.append(
        (label, time.perf_counter(), sum(1 for _ in walk(fn.body)))))
    total = time.perf_counter() - start
    times, previous = {}, start
    for label, when, _ in stamps:
        group = "front" if label in ("lower", "optimize") else "ad"
        times[group] = times.get(group, 0.0) + when - previous
        previous = when
    times["codegen"] = total - (previous - start)
    return total, times, stamps[-1][2]


def size_scaling(sizes=(100, 1000, 3000, 10000)):
    from gradc.pipeline import compile_source

    compile_source(chain_program(10), "warmup.py")  # derive the sympy templates once
    rows = []
    for n in sizes:
        source, repeat = chain_program(n), (3 if n <= 3000 else 1)
        runs = [compile_with_stages(source, f"chain_{n}.py") for _ in range(repeat)]
        total, stages, ops = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        gc.disable()
        try:
            no_gc = median_seconds(partial(compile_source, source, f"chain_{n}.py"), repeat)
        finally:
            gc.enable()
        rows.append([n, ops, f"{total:.3f}", f"{total / n * 1e3:.2f}",
                     f"{stages['front']:.2f}", f"{stages['ad']:.2f}",
                     f"{stages['codegen']:.2f}", f"{no_gc:.3f}", f"{no_gc / n * 1e3:.2f}"])
    print("\n(c) Compile time of a straight-line function of n statements "
          "(compile_source, in process, median of 3; 1 run at 10,000)")
    print("    front = lower + optimize, ad = reverse + cleanup + materialize, "
          "codegen = IR -> text; 'gc off': gc.disable() around the compile")
    table(["statements", "gradient IR ops", "seconds", "ms/stmt", "front s", "ad s",
           "codegen s", "gc off s", "gc off ms/stmt"], rows)


def loop_scaling(sizes=(100, 1000, 3000)):
    rows = []
    for n in sizes:
        total, stages, ops = compile_with_stages(loop_program(n), f"loop_{n}.py")
        rows.append([n, ops, f"{total:.3f}", f"{total / n * 1e3:.2f}",
                     f"{stages['front']:.2f}", f"{stages['ad']:.2f}",
                     f"{stages['codegen']:.2f}"])
    print("\n(d) Compile time of the same statements as a for loop's body (one run each)")
    table(["statements", "gradient IR ops", "seconds", "ms/stmt", "front s", "ad s",
           "codegen s"], rows)


def profile(n):
    import cProfile
    import pstats

    from gradc.pipeline import compile_source

    compile_source(chain_program(10), "warmup.py")
    source = chain_program(n)
    profiler = cProfile.Profile()
    profiler.runcall(compile_source, source, f"chain_{n}.py")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


def main():
    if sys.argv[1:2] == ["--profile"]:
        profile(int(sys.argv[2]))
        return
    cold_compile()
    warm_import()
    size_scaling()
    loop_scaling()


if __name__ == "__main__":
    main()
