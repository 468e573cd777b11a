"""Adjoints only where a gradient flows: a value that a loop's condition alone reads (a
step tested against a tolerance, a bound) decides how often the loop runs but carries
no gradient, so it gets no adjoint, is not carried backwards and is not taped
(generated/loops_grad.py: sum_to_first_peak's level, read only by its break)."""

import textwrap

import numpy as np
import pytest

import gradc
from gradc.pipeline import compile_source

SOURCE = textwrap.dedent('''
    import numpy as np


    def fixed_point(a):
        x = a
        change = 1.0
        while abs(change) > 1e-12:
            x_next = a - 0.25 * np.sin(x)
            change = x_next - x
            x = x_next
        return x


    def bounded(x, n):
        s = x
        k = 0.0
        for i in range(n):
            if k < 3.0:
                s = s * x
            k = k + x
        return s
''')


def grad_text(name, wrt=0):
    text = compile_source(SOURCE, "lean.py", [name], wrt=wrt)
    return text.split(f"def grad_{name}(")[1]


def test_a_value_only_a_condition_reads_gets_no_adjoint():
    text = grad_text("fixed_point")
    assert "change_bar" not in text and "tape.append(x)" in text
    assert "k_bar" not in grad_text("bounded")


def finite_difference(f, args, wrt, h=1e-6):
    x = np.asarray(args[wrt], dtype=float)
    grads = []
    for e in np.eye(x.size).reshape((x.size, *x.shape)):
        up, down = list(args), list(args)
        up[wrt], down[wrt] = x + h * e, x - h * e
        grads.append((f(*up) - f(*down)) / (2 * h))
    return np.reshape(grads, x.shape)


@pytest.mark.parametrize("name, args, wrt", [
    ("fixed_point", (0.3,), 0),
    ("bounded", (0.7, 5), 0),
])
def test_gradients_against_finite_differences(module_from_source, name, args, wrt):
    f = getattr(module_from_source(SOURCE), name)
    got = gradc.grad(f, wrt=wrt)(*args)
    assert np.allclose(got, finite_difference(f, args, wrt), rtol=1e-5)
