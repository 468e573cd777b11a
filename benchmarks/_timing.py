"""Timing and table helpers shared by the benchmark scripts.

Every number a script prints is a median: of the per-call times of several ``timeit``
repeats (``per_call``), of several one-shot measurements (``median_seconds``) or of
several fresh Python processes (``process_seconds``).
"""

import importlib.util
import os
import statistics
import subprocess
import sys
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def per_call(fn, *args, repeat=7, budget=0.2):
    """Median seconds per call of ``fn(*args)``; each repeat runs for about ``budget`` s."""
    timer = timeit.Timer(lambda: fn(*args))
    number, elapsed = timer.autorange()
    number = max(1, int(number * budget / max(elapsed, 1e-9)))
    return statistics.median(t / number for t in timer.repeat(repeat, number))


def interleaved(calls, rounds=3):
    """Median per-call seconds of each ``(fn, *args)`` in ``calls``, timed in ``rounds``
    interleaved rounds (so a noisy spell is not pinned on one of them)."""
    times = [[] for _ in calls]
    for _ in range(rounds):
        for spent, (fn, *args) in zip(times, calls):
            spent.append(per_call(fn, *args, repeat=3, budget=0.1))
    return [statistics.median(spent) for spent in times]


def median_seconds(action, repeat=5):
    """Median wall time of ``action()`` run ``repeat`` times (for slow, one-shot work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process_seconds(code, repeat=5, env=None, setup=None):
    """Median wall time of ``python -c code`` in a fresh process, measured from outside.

    ``setup()`` (if given) runs before each process and returns extra environment
    variables, e.g. a fresh empty cache directory.
    """
    times = []
    for _ in range(repeat):
        run_env = dict(os.environ if env is None else env)
        if setup is not None:
            run_env.update(setup())
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=run_env, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def process_output(code, repeat=5, env=None):
    """The stdout lines printed by ``repeat`` fresh ``python -c code`` processes."""
    return [subprocess.run([sys.executable, "-c", code], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
            for _ in range(repeat)]


def load_path(path, name):
    """Import the Python file at ``path`` as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fmt_time(seconds):
    """Seconds as a short human string: ns, us, ms or s."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def table(headers, rows):
    """Print ``rows`` (lists of values) under ``headers`` as aligned plain text."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
