"""Expression swell (SEED.md section 2): gradc shares values instead of expanding them,
so the adjoint stays within a constant factor of the primal and compile time is linear.
benchmarks/swell.py prints the comparison with sympy."""

import math
import time

import pytest

from gradc.frontend.lower import lower_function
from gradc.frontend.source import parse_module
from gradc.ir.interpreter import run
from gradc.pipeline import compile_source, gradient_ir, optimize


def logistic_map(k):
    lines = ["def f(x):", "    l = x"]
    lines += ["    l = 4.0 * l * (1.0 - l)"] * k
    return "\n".join(lines + ["    return l", ""])


def nested_sigmoid(k):
    lines = ["import numpy as np", "def f(x):", "    s = x"]
    lines += ["    s = 1.0 / (1.0 + np.exp(-s))"] * k
    return "\n".join(lines + ["    return s", ""])


def op_counts(source):
    info = parse_module(source, "swell.py")
    primal = len(optimize(lower_function(info, "f")).body)
    adjoint = sum(1 for i in gradient_ir(info, "f", (0,)).body if i.loc.role == "grad")
    return primal, adjoint


@pytest.mark.parametrize("program", [logistic_map, nested_sigmoid])
@pytest.mark.parametrize("k", [1, 8, 64, 1000])
def test_adjoint_is_linear_in_the_primal(program, k):
    primal, adjoint = op_counts(program(k))
    assert adjoint <= 4 * primal + 4


def logistic_reference(x, k):
    value, slope = x, 1.0
    for _ in range(k):
        value, slope = 4 * value * (1 - value), 4 * (1 - 2 * value) * slope
    return value, slope


def sigmoid_reference(x, k):
    value, slope = x, 1.0
    for _ in range(k):
        value = 1 / (1 + math.exp(-value))
        slope = value * (1 - value) * slope
    return value, slope


@pytest.mark.parametrize("program, reference", [(logistic_map, logistic_reference),
                                                (nested_sigmoid, sigmoid_reference)])
def test_deep_gradients_are_exact(program, reference):
    """Sharing does not cost accuracy: 200 levels deep, the hand-run chain rule agrees."""
    value, grad = run(gradient_ir(parse_module(program(200), "s.py"), "f", (0,)), 0.3)
    expected_value, expected_grad = reference(0.3, 200)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert grad == pytest.approx(expected_grad, rel=1e-9)


def test_compile_time_grows_linearly():
    def seconds(k):  # CPU time of this process: robust to other work on the machine
        source = logistic_map(k)
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            compile_source(source, "swell.py")
            best = min(best, time.process_time() - start)
        return best

    seconds(10)  # warm up (derivative templates, imports)
    ratio = seconds(2000) / seconds(500)
    assert ratio < 8, f"4x the program took {ratio:.1f}x the time (linear: ~4, quadratic: 16)"
