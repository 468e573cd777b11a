"""Front end: what the language accepts (checked by running the lowered IR) and what it
rejects (checked to the line and column, with the message and hint a user sees)."""

import math
import textwrap

import numpy as np
import pytest

import gradc
from gradc import GradcError, UnsupportedSyntaxError
from gradc.frontend.lower import lower_function
from gradc.frontend.source import parse_module
from gradc.ir.interpreter import run
from gradc.ir.verifier import verify


def lower(source, name="f"):
    info = parse_module(textwrap.dedent(source), "model.py")
    return verify(lower_function(info, name))


def rejection(source, name="f") -> UnsupportedSyntaxError:
    with pytest.raises(UnsupportedSyntaxError) as caught:
        lower(source, name)
    return caught.value


# ---- accepted

@pytest.mark.parametrize("header", [
    "import numpy as np", "import numpy", "from numpy import exp, log",
    "import numpy as xp\nfrom numpy import exp as e", "import math", "from math import exp, log",
])
def test_every_import_spelling_resolves(header):
    lib = "numpy" if "numpy" in header else "math"
    prefix = {"import numpy as np": "np.", "import numpy": "numpy.", "import math": "math.",
              "import numpy as xp\nfrom numpy import exp as e": "xp."}.get(header, "")
    exp_name = "e" if "exp as e" in header else f"{prefix}exp"
    source = f"{header}\ndef f(x):\n    return {exp_name}(x) + {prefix}log(x)\n"
    fn = lower(source)
    assert run(fn, 2.0) == pytest.approx(math.exp(2.0) + math.log(2.0), rel=1e-15)
    assert {i.param("lib", "numpy") for i in fn.body if i.op.name != "add"} == {lib}


def test_straight_line_language():
    source = '''
        import numpy as np
        import math

        SCALE = 3.0
        OFFSET = -1

        def helper(u, v=2.0):
            return u * v, u - v

        def f(a, b, c=2.0):
            """Docstring is allowed."""
            t = a * b
            t = t + c             # reassignment
            p, q = helper(t)      # tuple unpacking of a user function
            r, s = p, q           # and of a tuple display
            r += s
            r -= 1
            r *= 2
            r /= 4
            r **= 2
            w: float = -r + +a
            return np.exp(w / SCALE) + OFFSET + math.pi + np.e + abs(a) + pow(b, 2)
    '''
    fn = lower(source)

    def reference(a, b, c=2.0):
        t = a * b + c
        p, q = t * 2.0, t - 2.0
        r = ((((p + q) - 1) * 2) / 4) ** 2
        w = -r + a
        return math.exp(w / 3.0) - 1 + math.pi + math.e + abs(a) + b ** 2

    assert run(fn, 0.3, -0.7) == pytest.approx(reference(0.3, -0.7), rel=1e-14)
    assert run(fn, 0.3, -0.7, c=0.5) == pytest.approx(reference(0.3, -0.7, 0.5), rel=1e-14)


def test_reassignment_creates_new_ssa_values():
    fn = lower("def f(x):\n    y = x * x\n    y = y * x\n    return y\n")
    outs = [instr.out for instr in fn.body]
    assert len({v.id for v in outs}) == 2 and all(v.hint == "y" for v in outs)


def test_math_log_with_base():
    fn = lower("import math\ndef f(x):\n    return math.log(x, 2)\n")
    assert run(fn, 8.0) == pytest.approx(3.0, rel=1e-15)


def test_array_inputs_run_elementwise():
    fn = lower("import numpy as np\ndef f(x, y):\n    return np.hypot(x, y) * np.tanh(x)\n")
    x, y = np.linspace(0.1, 1, 5), np.linspace(1, 2, 5)
    np.testing.assert_allclose(run(fn, x, y), np.hypot(x, y) * np.tanh(x), rtol=1e-15)


# ---- rejected, located to the column

@pytest.mark.parametrize("body, line, col, message", [
    ("    if x > 0:\n        y = x\n    return y", 6, 11, "assigned in only one branch"),
    ("    for i in range(3):\n        x = x * 2\n    else:\n        x = 1.0\n    return x", 4, 4,
     "'for ... else' is not supported"),
    ("    while x < 1:\n        x = x * 2\n    else:\n        x = 1.0\n    return x", 4, 4,
     "'while ... else' is not supported"),
    ("    y = x << 2\n    return y", 4, 8, "the operator '<<' is not supported"),
    ("    for i in range(3):\n        x = x * 2\n    return x + i", 6, 15, "loop variable"),
    ("    y = x[1.5]\n    return y", 4, 10, "an index must be an integer"),
    ("    y = x[0.5:]\n    return y", 4, 10, "an index must be an integer"),
    ("    y = x[..., 0, ...]\n    return y", 4, 10, "one ellipsis"),
    ("    y = x[[0, 1.5]]\n    return y", 4, 14, "an index must be an integer"),
    ("    yield x\n    return x", 4, 4, "generators"),
    ("    y = np.sort(x)\n    return y", 4, 8, "np.sort has no derivative rule"),
    ("    y = np.diff(x, prepend=(1, 2))\n    return y", 4, 8,
     "np.diff's prepend= and append= must be numbers"),
    ("    y = np.repeat(x)\n    return y", 4, 8, "np.repeat needs repeats="),
    ("    y = np.linalg.norm(x, 2)\n    return y", 4, 8,
     "np.linalg.norm with ord=2 has no derivative rule"),
    ("    y = np.linalg.norm(x, 'nuc')\n    return y", 4, 8,
     "np.linalg.norm with ord='nuc' has no derivative rule"),
    ("    y = np.linalg.norm(x, 0.5, axis=0)\n    return y", 4, 8,
     "np.linalg.norm with ord=0.5 and axis=0 has no derivative rule"),
    ("    y = x.astype(float)\n    return y", 4, 8, "x.astype(...) is not supported"),
    ("    y = x & x\n    return y", 4, 8, "the operator '&' is not supported"),
    ("    y = 'text'\n    return y", 4, 8, "constants of type str"),
    ("    y = q * 2\n    return y", 4, 8, "name 'q' is not defined"),
    ("    y = print(x)\n    return y", 4, 8, "'print' is not a function gradc knows"),
    ("    x.a = 1.0\n    return x", 4, 4, "only assignment to names"),
    ("    a = b, c = x, x\n    return a", 4, 8, "in a chained assignment, only names"),
    ("    try:\n        y = x\n    except ValueError:\n        y = 0.0\n    return y", 4, 4,
     "'try' is not supported"),
    ("    y = np.exp(x, out=x)\n    return y", 4, 18, "keyword argument 'out' is not"),
    ("    y = np.sum(x, axis=x)\n    return y", 4, 23, "must be a constant"),
    ("    y = np.sum(x, where=x)\n    return y", 4, 18, "supported: axis, keepdims"),
    ("    y = np.exp(x, x)\n    return y", 4, 8, "np.exp takes 1 argument here, got 2"),
    ("    y = np.stack([x, x], 0, 1)\n    return y", 4, 8,
     "np.stack takes 2 arguments here, got 3"),
    ("    y = lambda: x\n    return y", 5, 11, "'y' is a function; gradc can only call it"),
    ("    y = [x]\n    return y", 4, 8, "'List' expressions"),
    ("    y = x\n", 4, 4, "may end without returning a value"),
    ("    import os\n    return x", 4, 4, "imports inside the function"),
    ("    x |= 1\n    return x", 4, 4, "only += -= *= /= **="),
])
def test_rejections_are_located(body, line, col, message):
    error = rejection(f"import numpy as np\n\ndef f(x):\n{body}\n")
    assert error.lineno == line and error.col == col, str(error)
    assert message in str(error)
    assert error.filename == "model.py"


def test_error_rendering_has_location_source_caret_and_hint():
    error = rejection("import numpy as np\n\ndef f(x):\n    y = np.sort(x)\n    return y\n")
    lines = str(error).splitlines()
    assert lines[0] == "model.py:4:9: error: np.sort has no derivative rule"
    assert lines[1] == "    y = np.sort(x)"
    assert lines[2] == "        ^"
    assert lines[3].startswith("hint: supported: ") and "tanh" in lines[3]


def test_error_types():
    error = rejection("def f(x):\n    return x << 2\n")
    assert isinstance(error, GradcError) and isinstance(error, SyntaxError)
    assert (error.filename, error.lineno, error.offset) == ("model.py", 2, 12)


@pytest.mark.parametrize("signature, message", [
    ("def f(*xs):", "*args parameters"),
    ("def f(x, **kw):", "**kwargs parameters"),
    ("def f(x, *, y):", "keyword-only parameters"),
    ("def f(x, y=np.zeros(3)):", "defaults must be numeric constants"),
])
def test_signature_rejections(signature, message):
    error = rejection(f"import numpy as np\n{signature}\n    return x\n")
    assert message in str(error) and error.lineno == 2


def test_foreign_decorators_are_rejected_but_gradc_ones_allowed():
    ok = "import gradc\n@gradc.grad\ndef f(x):\n    return x * x\n"
    assert run(lower(ok), 3.0) == 9.0
    error = rejection("import functools\n@functools.cache\ndef f(x):\n    return x\n")
    assert "decorators" in str(error) and error.lineno == 2


def test_recursion_is_rejected():
    error = rejection("def f(x):\n    return g(x)\ndef g(x):\n    return f(x)\n")
    assert "recursive call of 'f'" in str(error) and error.lineno == 4


def test_tuple_results_must_be_unpacked():
    source = "def g(x):\n    return x, x\ndef f(x):\n    return g(x) * 2\n"
    error = rejection(source)
    assert "returns 2 values" in str(error) and error.lineno == 4 and error.col == 11


def test_invalid_python_is_reported_with_location():
    with pytest.raises(UnsupportedSyntaxError) as caught:
        parse_module("def f(x):\n    return x +\n", "bad.py")
    assert caught.value.filename == "bad.py" and caught.value.lineno == 2


def test_module_constants_assigned_twice_are_not_constants():
    error = rejection("K = 1.0\nK = 2.0\ndef f(x):\n    return K * x\n")
    assert "name 'K' is not defined" in str(error)


def test_chained_assignment_binds_one_value_to_each_name(module_from_source):
    """a = b = v: v is computed once and both names hold it, in every mode."""
    m = module_from_source("import numpy as np\n\ndef f(x):\n    a = b = np.sin(x) * 2.0\n"
                           "    b = b + 1.0\n    return np.sum(a * b)\n")
    x = np.array([0.3, -1.2])
    a = np.sin(x) * 2.0
    expected = 2.0 * np.cos(x) * (2 * a + 1.0)
    assert np.allclose(gradc.grad(m.f)(x), expected)
    assert np.isclose(gradc.jvp(m.f, (x,), (np.ones(2),))[1], np.sum(expected))
    assert "b = a + 1.0" in gradc.grad(m.f).source  # the value keeps the first name


def test_builtin_max_min_and_float_of_numbers(module_from_source):
    m = module_from_source(
        "import numpy as np\n\n"
        "def f(x, y):\n    return max(x, y, 0.5) * min(x * y, 2.0) + float(np.sum(x * y))\n")
    assert gradc.check_grad(m.f, 0.8, 1.3, wrt=(0, 1)) < 1e-7
    assert gradc.check_grad(m.f, np.array(0.3), 1.3, wrt=(0, 1)) < 1e-7
    tangent = gradc.jvp(m.f, (0.8, 1.3), (1.0, 0.0))[1]
    assert tangent == pytest.approx(gradc.grad(m.f)(0.8, 1.3))
    bad = module_from_source("import numpy as np\n\ndef f(x):\n    return max(x)\n")
    with pytest.raises(UnsupportedSyntaxError, match="two or more numbers"):
        gradc.grad(bad.f)
