"""Writes into arrays (x[i] = v, x[i] += v, x += v) with NumPy's semantics: each
program's value is the one NumPy computes running the source, and its derivatives in
every mode match finite differences of that; where gradc cannot follow which names see
a write, it refuses with a located reason."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradc
from gradc.errors import UnsupportedSyntaxError

PROGRAMS = '''
import numpy as np


def fill_rows(x):
    n = x.shape[0]
    out = np.zeros((n, 2))
    for i in range(n):
        out[i, 0] = x[i] ** 2
        out[i, 1] = np.sin(x[i])
    return np.sum(out * out)


def running_sum(x):
    y = x * 1.0
    for i in range(1, 4):
        y[i] += y[i - 1] * x[i]
    return np.sum(y ** 2)


def write_argument(x):
    x[0] = x[1] * x[2]
    x[1:3] += 1.0
    return np.sum(np.sin(x))


def masked(x):
    y = x ** 2
    y[x > 0.5] = 0.25
    return np.sum(y * x)


def repeated_indices(x):
    y = np.zeros(3)
    y[[0, 0, 2]] = x[:3]
    y[[1, 1]] += x[2:4]
    return np.sum(y * np.cos(y))


def alias_sees_writes(x):
    y = x * 2.0
    z = y
    z[1] = np.exp(x[0])
    z *= x
    return np.sum(y * y)


def block_write(x):
    pose = np.eye(3)
    pose[0, :] = x[:3]
    pose[1:, 2] = np.tanh(x[1:3])
    return np.sum(pose @ pose)


def followed_in_loop(x):
    acc = np.zeros(4)
    view_free = acc
    for i in range(4):
        view_free[i] = np.sin(x[i]) * x[i]
    return np.sum(acc * x)


def read_rows(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(x[i]) * x[i + 1])
    return s


def appended_states(x):
    h = 0.5
    states = []
    for t in range(1, 4):
        h = np.tanh(h * x[t] + x[t - 1])
        states.append(h)
    total = 0.0
    for s in states:
        total = total + s * x[0]
    return np.sum(np.stack(states) ** 2) + total + states[-1] * len(states)


def appended_rows(x):
    rows = []
    for v in x:
        rows.append(np.sin(v) * x)
    return np.sum(np.array(rows) * x)
'''

CASES = ["fill_rows", "running_sum", "write_argument", "masked", "repeated_indices",
         "alias_sees_writes", "block_write", "followed_in_loop", "read_rows",
         "appended_states", "appended_rows"]
POINT = np.array([0.3, -0.8, 1.1, 0.6])


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    import importlib.util

    path = tmp_path_factory.mktemp("writes") / "writes_programs.py"
    path.write_text(PROGRAMS)
    spec = importlib.util.spec_from_file_location("writes_programs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(f, x):
    """f as NumPy runs it, on a copy (some programs write into their argument)."""
    return f(np.array(x, copy=True))


def central(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for k in range(x.size):
        step = np.zeros_like(x)
        step.flat[k] = h
        grad.flat[k] = (run(f, x + step) - run(f, x - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("specialize", [False, True])
def test_value_and_gradient_are_numpys(programs, name, specialize):
    f = getattr(programs, name)
    x = POINT.copy()
    value, grad = gradc.value_and_grad(f, specialize=specialize)(x)
    assert np.array_equal(x, POINT), "the gradient leaves its argument as it was"
    assert np.isclose(value, run(f, POINT), rtol=1e-12)
    assert np.allclose(grad, central(f, POINT), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", CASES)
def test_forward_mode_and_hessians(programs, name):
    f = getattr(programs, name)
    v = np.array([0.7, -0.2, 0.4, 1.3])
    grad = gradc.grad(f)(POINT)
    _, tangent = gradc.jvp(f, (POINT,), (v,))
    assert np.isclose(tangent, grad @ v, rtol=1e-9)
    hv = gradc.hvp(f)(POINT, v=v)
    h = 1e-5
    expected = (gradc.grad(f)(POINT + h * v) - gradc.grad(f)(POINT - h * v)) / (2 * h)
    assert np.allclose(hv, expected, rtol=1e-5, atol=1e-7)


# repeated_indices and followed_in_loop add float32 entries to np.zeros' float64 arrays,
# so NumPy computes them, and their derivatives, in float64 (appended_states too: h
# starts as a Python float)
@pytest.mark.parametrize("name", sorted(set(CASES) - {"repeated_indices", "followed_in_loop",
                                                      "appended_states"}))
def test_float32_stays_float32(programs, name):
    grad = gradc.grad(getattr(programs, name))(POINT.astype(np.float32))
    assert grad.dtype == np.float32


def test_generated_code_writes_in_place_where_no_one_reads_the_old_array(programs):
    source = gradc.grad(programs.fill_rows).source
    assert "out[i, 0] = t" in source and "out = out.copy()" not in source
    assert "_add_at(x_bar, np.s_[i], " in source  # a read's adjoint: at the entry read
    assert "_scatter_like" not in source
    # an argument is never written: the caller's array stays as it was
    assert re.search(r"\n    \w+ = x\.copy\(\)\n", gradc.grad(programs.write_argument).source)


REFUSED = {
    "view read after its base was written": ('''
def f(x):
    y = x.copy()
    r = y[1:]
    y[0] = 5.0
    return np.sum(r)
''', 8, "'r' shares memory with 'y', which line 7 wrote into"),
    "a view written inside a loop": ('''
def f(x):
    y = x * 1.0
    r = y[0:2]
    for i in range(3):
        r[0] = x[i]
    return np.sum(y)
''', 9, "'y' shares memory with 'r', which line 8 wrote into in the loop on line 7"),
    "a view written in a loop that reads its base": ('''
def f(x):
    y = x * 1.0
    r = y[0:2]
    for i in range(3):
        s = np.sum(y)
        r[0] = x[i] * s
    return np.sum(r)
''', 9, "this writes into the array 'y' holds from before the loop on line 7, through "
        "'r', and the loop reads it"),
    "a write into the array a loop takes its items from": ('''
def f(x):
    y = x * 1.0
    s = 0.0
    for v in y[1:]:
        y[0] = v * s
        s = s + v
    return s + np.sum(y)
''', 8, "this writes into the array the loop on line 7 takes its items from"),
    "integers truncate": ('''
def f(x):
    a = np.arange(3)
    a[0] = x[0]
    return np.sum(a * x)
''', 6, "'a' holds integers"),
    "a helper writing into its argument": ('''
def g(u):
    u[0] = 0.0
    return u


def f(x):
    y = x * 1.0
    return np.sum(g(y))
''', 5, "an array the caller of g() holds"),
    "an append in an if": ('''
def f(x):
    xs = []
    for i in range(3):
        if x[i] > 0.0:
            xs.append(x[i])
    return np.sum(np.stack(xs))
''', 8, "gradc builds a list by one append per iteration of a for loop"),
    "a list used as an array": ('''
def f(x):
    xs = []
    for i in range(3):
        xs.append(x[i])
    return np.sum(xs * 2)
''', 8, "'xs' is a list, which gradc reads only as a whole"),
    "an appended array written afterwards": ('''
def f(x):
    xs = []
    for i in range(2):
        h = x * 1.0
        xs.append(h)
        h[0] = 5.0
    return np.sum(np.stack(xs))
''', 6, "'xs' shares memory with 'h', which line 9 wrote into"),
    "+= on a value another name reads": ('''
def f(x):
    y = x
    y += 1.0
    return np.sum(x * y)
''', 7, "'x' is the value 'y' had before line 6 updated it"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_gradc_cannot_follow_is_refused_where_it_happens(module_from_source, case):
    body, line, message = REFUSED[case]
    f = module_from_source("import numpy as np\n\n" + body).f
    with pytest.raises(UnsupportedSyntaxError) as info:
        gradc.grad(f)(np.array([0.5, 1.5, 2.0]))
    assert info.value.lineno == line and message in str(info.value), str(info.value)


# ---- random sequences of views, writes and updates, against NumPy running them

STATEMENTS = [
    "a = x * 1.0", "b = a", "c = a[1:3]", "d = a.copy()",
    "a[{i}] = np.sin(x[{j}])", "a[{i}] += x[{j}] * x[{k}]", "b[{i}] *= x[{j}]",
    "c[{i2}] = x[{j}] ** 2", "a += np.cos(x)", "b = b * x", "d[{i}] -= a[{j}]",
    "s = s + np.sum(a * x)", "s = s + np.sum(c)", "s = s + np.sum(b) * x[{k}]",
    "s = s + np.sum(d ** 2)",
]


@st.composite
def programs_with_writes(draw):
    lines = ["a = x * 1.0", "b = a", "c = a[1:3]", "d = a.copy()", "s = 0.0"]
    for _ in range(draw(st.integers(1, 7))):
        template = draw(st.sampled_from(STATEMENTS))
        lines.append(template.format(i=draw(st.integers(0, 3)), j=draw(st.integers(0, 3)),
                                     k=draw(st.integers(0, 3)), i2=draw(st.integers(0, 1))))
    lines.append("return s + np.sum(a * b) + np.sum(d)")
    return "import numpy as np\n\n\ndef f(x):\n" + "".join(f"    {ln}\n" for ln in lines)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=programs_with_writes())
def test_random_writes_match_numpy_or_are_refused(module_from_source, source):
    f = module_from_source(source).f
    try:
        value, grad = gradc.value_and_grad(f)(POINT.copy())
    except UnsupportedSyntaxError:
        return  # a located refusal: gradc could not follow a write
    assert np.isclose(value, run(f, POINT), rtol=1e-10), source
    assert np.allclose(grad, central(f, POINT), rtol=1e-5, atol=1e-7), source
