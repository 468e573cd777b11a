"""The ports of GradBench's objectives (benchmarks/gradbench), at tiny inputs.

A port that compiles as its authors wrote it must match finite differences. A port that
gradc refuses today is an expected failure (strict): it must still be refused with an
UnsupportedSyntaxError located in the port's own file, and once gradc accepts it the
test passes unexpectedly, which strict mode reports, so the lists below get updated.
Every rewrite (``<port>_rewritten.py``) must compile, compute what the port computes,
and match finite differences.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import gradc

RUN_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "gradbench" / "run.py"
_spec = importlib.util.spec_from_file_location("gradbench_run", RUN_PATH)
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)


def _ports():
    """(name, case) of every port; the ones whose module needs SciPy (gmm and lstm use
    scipy.special as their authors did) are left out where SciPy is missing."""
    for name in run.PORTS:
        try:
            module = run.load(name)
        except ModuleNotFoundError as error:
            if (error.name or "").split(".")[0] != "scipy":
                raise
            continue
        for case in run.cases(module):
            yield name, case


CASES = list(_ports())

# The ports gradc refuses as written today, and the error it refuses them with.
REFUSED = {
    "gmm": gradc.ArgumentError,  # keyword-only parameters: not located (see below)
    "lstm": gradc.UnsupportedSyntaxError,
    "llsq": gradc.UnsupportedSyntaxError,
    "ht": gradc.UnsupportedSyntaxError,
    "ode": gradc.UnsupportedSyntaxError,
    "det": gradc.UnsupportedSyntaxError,
    "saddle": gradc.UnsupportedSyntaxError,
    "particle": gradc.UnsupportedSyntaxError,
}


def _as_written(name, case):
    marks = []
    if case["name"] in REFUSED:
        marks = [pytest.mark.xfail(strict=True, raises=REFUSED[case["name"]],
                                   reason="refused by gradc as written")]
    return pytest.param(name, case, marks=marks, id=case["name"])


def _compile_and_check(module, case):
    function = getattr(module, case["function"])
    args, kwargs = case["input"](True)
    compiled = run.derivative(function, case["mode"], case["wrt"])
    value = compiled(*args, **kwargs)
    assert run.fd_error(function, case, args, kwargs, value) < run.TOLERANCE


@pytest.mark.parametrize("name, case", [_as_written(n, c) for n, c in CASES])
def test_port_as_written(name, case):
    try:
        _compile_and_check(run.load(name), case)
    except gradc.UnsupportedSyntaxError as error:
        # a refusal must point into the port itself, at a real line
        assert Path(error.filename).name == f"{name}.py", error
        assert error.lineno > 0 and error.text, error
        raise


REWRITTEN = [(name, case) for name, case in CASES if run.load(name, rewritten=True)]


@pytest.mark.parametrize("name, case", REWRITTEN, ids=[c["name"] for _, c in REWRITTEN])
def test_rewrite_compiles_and_computes_the_same(name, case):
    original, rewritten = run.load(name), run.load(name, rewritten=True)
    args, kwargs = case["input"](True)
    assert run.same_value(getattr(original, case["function"]),
                          getattr(rewritten, case["function"]), args, kwargs)
    _compile_and_check(rewritten, case)


def test_every_refused_port_has_a_rewrite():
    refused = {case["name"] for _, case in CASES} & set(REFUSED)
    assert refused <= {name for name, _ in REWRITTEN}  # kept where gradc now compiles
    # the port as written: the rewrite stays as a record of what was needed


def test_saddle_rewrite_finds_gradbenchs_saddle_point():
    saddle = run.load("saddle", rewritten=True)
    got = saddle.saddle(np.array([1.0, 1.0]))
    np.testing.assert_allclose(got, run.load("saddle").EXPECTED, rtol=1e-9)
