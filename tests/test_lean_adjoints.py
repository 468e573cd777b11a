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


ARRAYS = textwrap.dedent('''
    import numpy as np


    def spread(x, z):
        a = x * z
        b = np.log(x)
        c = np.sin(b)
        return np.sum(np.exp(a) + a / b + c / a)


    def mean_loss(w, X, y):
        m = y * (X @ w)
        return np.mean(np.log(1.0 + np.exp(-m)))
''')


def test_dead_values_are_released_before_the_adjoint_ends(module_from_source):
    """c dies once c / a is computed, a after its last read: peak memory is what
    hand-written code holds, not every intermediate until return."""
    text = compile_source(ARRAYS, "arrays.py", ["spread"], wrt=(0, 1))
    body = text.split("def grad_spread(")[1].splitlines()
    assert "    del c" in body and "    del a" in body
    assert body.index("    del a") < body.index("    # grad of: a = x * z")
    f = module_from_source(ARRAYS).spread
    x, z = np.array([1.5, 2.0, 2.5]), np.array([0.5, 1.0, 3.0])
    assert np.allclose(gradc.grad(f, wrt=(0, 1))(x, z), finite_difference_all(f, x, z))
    v = (np.ones(3), np.zeros(3))
    assert np.all(np.isfinite(gradc.hvp(f, wrt=(0, 1))(x, z, v=v)[0]))  # reads del back


def finite_difference_all(f, x, z, h=1e-6):
    return tuple(finite_difference(lambda a, b: f(a, b), (x, z), k, h) for k in (0, 1))


def test_a_mean_seeds_its_adjoint_with_a_number():
    """broadcast_like(1.0, m) / n: the 1 / n is computed on the number, not spread over
    m's shape first."""
    text = compile_source(ARRAYS, "arrays.py", ["mean_loss"], wrt=0)
    assert "_broadcast_like" not in text.split("def grad_mean_loss(")[1]


def test_builtin_abs_keeps_its_spelling(module_from_source):
    """abs(x) of a float is a float; np.abs(x) would make it a NumPy scalar (slower),
    and on arrays both are np.absolute."""
    source = "import numpy as np\n\ndef f(x):\n    return np.sum(abs(x) * x)\n"
    text = compile_source(source, "spelled.py", ["f"])
    assert "abs(x)" in text and "np.abs" not in text
    f = module_from_source(source).f
    x = np.array([-1.5, 0.5, 2.0])
    assert np.allclose(gradc.grad(f)(x), 2 * np.abs(x))
    assert gradc.grad(f)(-1.5) == 3.0


def test_a_loop_invariant_transpose_is_taken_once(module_from_source):
    """examples/loops.py's RNN, specialised: W.T before the reversed loop."""
    from dataclasses import replace

    from conftest import ROOT

    from gradc.pipeline import DEFAULTS

    source = (ROOT / "examples" / "loops.py").read_text()
    shapes = ((4, 4), (4, 3), (4,), (5, 3))
    text = compile_source(source, "loops.py", ["rnn_loss"], wrt=(0, 1, 2),
                          options=replace(DEFAULTS, shapes=shapes))
    adjoint = text.split("def grad_rnn_loss(")[1].split("for t in reversed")
    assert "np.transpose(W)" in adjoint[0] and "np.transpose" not in adjoint[1]
    rng = np.random.default_rng(0)
    args = [0.5 * rng.standard_normal(s) for s in shapes]
    f = module_from_source(source).rnn_loss
    got = gradc.grad(f, wrt=0, specialize=True)(*args)
    assert np.allclose(got, finite_difference(f, args, 0), rtol=1e-5, atol=1e-8)
