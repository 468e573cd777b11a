"""Public AD benchmark objectives as their authors wrote them: which ones gradc compiles.

    python benchmarks/gradbench/run.py [--small] [--rounds N] [PORT ...]

Each module beside this script (``gmm.py``, ``lstm.py``, ...) is a NumPy port of one of
GradBench's evals, written the way its NumPy/JAX/PyTorch authors wrote it, not rewritten
for gradc. For each port this script asks gradc for the derivative the eval asks for
(``grad``, ``jacobian``, or ``grad`` and ``hvp`` for k-means) and records either
"compiles unchanged" or gradc's refusal (file:line and reason). Where the port is
refused, ``<port>_rewritten.py`` holds the smallest rewrite that compiles (its
``REWRITES`` lists each change), which is then run instead, so every objective is still
exercised.

For each derivative that compiles: the largest relative error against central finite
differences of the function as NumPy runs it (``|a - n| / max(1, |a|, |n|)``, on up to
60 entries of each differentiated argument: the 30 with the largest derivatives and 30
others at random), and derivative time / primal time (medians
of per-call times over interleaved rounds, single-threaded BLAS). Inputs have the shapes
of GradBench's smallest inputs (``--small``: tiny ones, as the tests use). For saddle and
particle, the whole nested descent also runs (with the rewrite where needed) and its
answer is compared with GradBench's.

The table is Markdown, to paste into a note; the refusals follow it in full.
"""

import argparse
import importlib
import importlib.util
import inspect
import os
import sys
import tempfile
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    # single-threaded BLAS before NumPy is imported, and a throwaway cache
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = "1"
    os.environ.setdefault("GRADC_CACHE_DIR", tempfile.mkdtemp(prefix="gradc-gradbench-"))

if str(HERE) not in sys.path:  # the ports import each other by their plain names
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import gradc  # noqa: E402

PORTS = ["gmm", "lstm", "llsq", "ba", "ht", "ode", "kmeans", "det", "lse", "saddle",
         "particle"]
FD_EPS = 1e-6
FD_ENTRIES = 60
TOLERANCE = 1e-5


# -- loading ports ---------------------------------------------------------------------

def load(name, rewritten=False):
    """The port's module (``name.py``), or its rewrite (``name_rewritten.py``; None if
    there is none)."""
    module_name = f"{name}_rewritten" if rewritten else name
    if rewritten and not (HERE / f"{module_name}.py").exists():
        return None
    return importlib.import_module(module_name)


def cases(module):
    """The derivatives a port asks for: its ``CASES``, or the one its ``TARGET``,
    ``MODE``, ``WRT`` and ``make_input`` name."""
    if hasattr(module, "CASES"):
        return module.CASES
    return [{"name": module.__name__, "function": module.TARGET, "mode": module.MODE,
             "wrt": module.WRT, "input": module.make_input}]


# -- compiling -------------------------------------------------------------------------

def derivative(function, mode, wrt):
    """The gradc derivative ``mode`` asks for, as one callable of the function's
    arguments (for ``grad+hvp``: the pair of the gradient and ``H @ ones``)."""
    if mode == "grad":
        return gradc.grad(function, wrt=wrt)
    if mode == "jacobian":
        return gradc.jacobian(function, wrt=wrt)
    if mode == "grad+hvp":
        grad, hvp = gradc.grad(function, wrt=wrt), gradc.hvp(function, wrt=wrt)

        def both(*args, **kwargs):
            ones = np.ones_like(_bind(function, args, kwargs).arguments[_names(
                function, wrt)[0]])
            return grad(*args, **kwargs), hvp(*args, v=ones, **kwargs)
        return both
    raise ValueError(f"unknown mode {mode!r}")


def refusal(error):
    """``file:line: reason`` of a gradc error (its first line, without the path), or
    the error's class and message where gradc did not locate it."""
    reason = getattr(error, "msg", None) or str(error).splitlines()[0]
    if not getattr(error, "filename", None):
        return f"(not located) {type(error).__name__}: {reason}"
    return f"{Path(error.filename).name}:{error.lineno}: {reason}"


def attempt(module, case, small):
    """Compile and run ``case`` of ``module`` once: ``(derivative, value, None)``, or
    ``(None, None, error)`` where gradc refused it."""
    function = getattr(module, case["function"])
    args, kwargs = case["input"](small)
    try:
        compiled = derivative(function, case["mode"], case["wrt"])
        return compiled, compiled(*args, **kwargs), None
    except gradc.GradcError as error:
        return None, None, error


# -- checking against finite differences -----------------------------------------------

def _bind(function, args, kwargs):
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound


def _names(function, wrt):
    params = list(inspect.signature(function).parameters)
    return [params[w] if isinstance(w, int) else w
            for w in (wrt if isinstance(wrt, tuple) else (wrt,))]


def _call_with(function, bound, name, value):
    arguments = dict(bound.arguments)
    arguments[name] = value
    call = inspect.BoundArguments(bound.signature, arguments)
    return function(*call.args, **call.kwargs)


def _entries(flat_part, rng):
    """Up to FD_ENTRIES flat indices of the differentiated argument (all if fewer): the
    ones with the largest derivatives (where most gradients of these objectives live,
    e.g. only the last few entries of x move ode's last output) and random others."""
    size = flat_part.shape[-1]
    if size <= FD_ENTRIES:
        return np.arange(size)
    weight = np.abs(flat_part.reshape(-1, size)).sum(axis=0)
    largest = np.argsort(weight)[-FD_ENTRIES // 2:]
    others = rng.choice(np.setdiff1d(np.arange(size), largest), FD_ENTRIES // 2,
                        replace=False)
    return np.sort(np.concatenate([largest, others]))


def fd_error(function, case, args, kwargs, value):
    """Largest relative error of the derivative ``value`` against central finite
    differences of ``function`` as NumPy runs it."""
    bound = _bind(function, args, kwargs)
    names = _names(function, case["wrt"])
    mode = case["mode"]
    if mode == "grad+hvp":
        return max(fd_error(function, dict(case, mode="grad"), args, kwargs, value[0]),
                   _hvp_error(function, case, bound, names[0], value[1]))
    parts = value if isinstance(case["wrt"], tuple) else (value,)
    rng = np.random.default_rng(0)
    worst = 0.0
    for name, part in zip(names, parts):
        x = np.asarray(bound.arguments[name], dtype=np.float64)
        part = np.asarray(part)
        out_shape = part.shape[:part.ndim - x.ndim]
        flat_part = part.reshape(out_shape + (x.size,))
        for k in _entries(flat_part, rng):
            step = np.zeros(x.size)
            step[k] = FD_EPS
            step = step.reshape(x.shape)
            up = _call_with(function, bound, name, _as_like(x + step, bound.arguments[name]))
            down = _call_with(function, bound, name, _as_like(x - step, bound.arguments[name]))
            numeric = (np.asarray(up) - np.asarray(down)) / (2 * FD_EPS)
            worst = max(worst, _relative(flat_part[..., k], numeric))
    return worst


def _hvp_error(function, case, bound, name, hvp_value):
    """``H @ ones`` against central differences of the compiled gradient along ones."""
    grad = gradc.grad(function, wrt=case["wrt"])
    x = np.asarray(bound.arguments[name], dtype=np.float64)
    ones = np.ones_like(x)
    up = _call_with(grad, bound, name, x + FD_EPS * ones)
    down = _call_with(grad, bound, name, x - FD_EPS * ones)
    return _relative(hvp_value, (up - down) / (2 * FD_EPS))


def _as_like(x, original):
    return float(x) if np.ndim(original) == 0 and not isinstance(original, np.ndarray) else x


def _relative(analytic, numeric):
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numeric)))
    return float(np.max(np.abs(analytic - numeric) / scale))


# -- timing ----------------------------------------------------------------------------

def _timing():
    """benchmarks/_timing.py, the timing helpers the benchmark scripts share."""
    spec = importlib.util.spec_from_file_location("_timing", HERE.parent / "_timing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ratio(function, compiled, args, kwargs, rounds):
    """(primal seconds, derivative seconds / primal seconds), medians of interleaved
    rounds."""
    primal_s, derivative_s = _timing().interleaved(
        [(lambda: function(*args, **kwargs),), (lambda: compiled(*args, **kwargs),)],
        rounds=rounds)
    return primal_s, derivative_s / primal_s


# -- one port --------------------------------------------------------------------------

def run_case(name, case, small, rounds):
    """One row of the table (a dict) for ``case`` of port ``name``."""
    module = original = load(name)
    row = {"port": case["name"], "derivative": f"{case['mode']} of {case['function']}",
           "refusal": "", "rewrites": 0}
    compiled, value, error = attempt(module, case, small)
    if error is not None:
        row["refusal"] = refusal(error)
        row["error"] = error
        rewritten = load(name, rewritten=True)
        if rewritten is None:
            row["status"] = "refused (no rewrite)"
            return row
        module = rewritten
        row["rewrites"] = len(rewritten.REWRITES)
        row["rewrite list"] = rewritten.REWRITES
        compiled, value, error = attempt(module, case, small)
        if error is not None:
            row["status"] = f"rewrite refused: {refusal(error)}"
            return row
        row["status"] = "rewritten"
    else:
        row["status"] = "compiles unchanged"
    function = getattr(module, case["function"])
    args, kwargs = case["input"](small)
    if module is not original:
        row["same value"] = same_value(getattr(original, case["function"]), function,
                                       args, kwargs)
    row["fd"] = fd_error(function, case, args, kwargs, value)
    row["primal"], row["ratio"] = ratio(function, compiled, args, kwargs, rounds)
    return row


def same_value(original, rewritten, args, kwargs):
    """Whether the rewrite computes what the port computes, on this input (to 1e-12)."""
    return bool(np.allclose(rewritten(*args, **kwargs), original(*args, **kwargs),
                            rtol=1e-12, atol=1e-12))


def solve_check(name):
    """For saddle and particle: the whole nested descent, against GradBench's answer."""
    module = load(name, rewritten=True) or load(name)
    if name == "saddle":
        got = module.saddle(np.array([1.0, 1.0]))
    else:
        got = module.particle(0.0)
    expected = load(name).EXPECTED
    return got, expected, bool(np.allclose(got, expected, rtol=1e-6, atol=1e-9))


# -- the report ------------------------------------------------------------------------

def markdown(rows):
    headers = ["port", "derivative", "as written", "refusal", "rewrites", "FD error",
               "derivative/primal", "primal"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        status = row["status"]
        if row.get("same value") is False:
            status += " (VALUE DIFFERS)"
        cells = [row["port"], row["derivative"], status,
                 row["refusal"].replace("|", "\\|"), str(row["rewrites"]),
                 f"{row['fd']:.1e}" if "fd" in row else "-",
                 f"{row['ratio']:.1f}" if "ratio" in row else "-",
                 _timing().fmt_time(row["primal"]) if "primal" in row else "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ports", nargs="*", default=PORTS)
    parser.add_argument("--small", action="store_true", help="tiny inputs (fast)")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    rows, notes = [], []
    for name in options.ports:
        for case in cases(load(name)):
            try:
                rows.append(run_case(name, case, options.small, options.rounds))
            except Exception as error:  # a crash is a finding too: report it, go on
                rows.append({"port": case["name"], "derivative": case["function"],
                             "status": f"crash: {type(error).__name__}", "rewrites": 0,
                             "refusal": str(error).splitlines()[0] if str(error) else ""})
                notes.append(traceback.format_exc())
        if name in ("saddle", "particle"):
            try:
                got, expected, ok = solve_check(name)
            except gradc.GradcError as error:
                notes.append(f"{name}: the nested descent is refused: {refusal(error)}")
                continue
            notes.append(f"{name}: nested descent gives {np.round(got, 12).tolist()}, "
                         f"GradBench's answer {expected}: {'equal' if ok else 'DIFFERENT'}")
    print(markdown(rows))
    unchanged = sum(r["status"] == "compiles unchanged" for r in rows)
    print(f"\n{unchanged} of {len(rows)} derivatives compile unchanged; "
          f"{sum(r['rewrites'] for r in rows)} rewrites in all for the rest.")
    refused = [r for r in rows if "error" in r]
    if refused:
        print("\nThe first refusal of each port as written, in full:\n")
        for row in refused:
            print(f"{row['port']}:\n{row['error']}\n")
        print(rewrites_by_kind(refused))
    for note in notes:
        print(note)


def rewrites_by_kind(rows):
    """The rewrites the refused ports needed, grouped by the kind of refusal each one
    works around, most common kind first."""
    groups = {}
    for row in rows:
        for kind, text in row.get("rewrite list", ()):
            groups.setdefault(kind, []).append(f"{row['port']}: {text}")
    lines = ["Rewrites needed, by kind of refusal:"]
    for kind, items in sorted(groups.items(), key=lambda group: -len(group[1])):
        lines.append(f"\n{kind} ({len(items)}):")
        lines.extend(f"- {item}" for item in items)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
