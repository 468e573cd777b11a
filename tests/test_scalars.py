"""Scalars inferred from how a function uses its parameters (passes/scalars.py): where
only a number fits, a parameter is compiled as if declared ``float``, no shape
bookkeeping is emitted for it, and the API refuses an array there."""

import textwrap

import numpy as np
import pytest

import gradc
from gradc.pipeline import compile_source

SOURCE = textwrap.dedent('''
    import math
    import numpy as np


    def ex1(x, z):
        a = x * z
        b = math.log(x)
        c = math.sin(b)
        return math.exp(a) + a / b + c / a


    def ex1_declared(x: float, z: float):
        a = x * z
        b = math.log(x)
        c = math.sin(b)
        return math.exp(a) + a / b + c / a


    def through_product(x, y):
        return math.sqrt(x * y + 1.0) * y


    def tested(x, y):
        if x * y > 0:
            return x * y
        return -x * y


    def newton(c):
        y = c
        while abs(y * y - c) > 1e-12:
            y = 0.5 * (y + c / y)
        return y * c


    def not_tested(x, y):
        if not x:
            return y
        return x * y


    def conversions(x, y, n):
        s = float(x) * y
        for i in range(n):
            s = s + x * y * i
        return s


    def counted(x, m):
        s = 0.0
        for i in range(int(m)):
            s = s + x * i
        return s


    def branch_only(x, flag):
        s = np.sum(x * x)
        if flag > 0:
            s = s + math.log(x)
        return s


    def body_only(x, n):
        s = np.sum(x * x)
        for i in range(n):
            s = s + math.log(x)
        return s


    def math_result(x, w):
        return np.sum(math.cos(x[0]) * w)


    def summed(x, w):
        if x > 0:
            return np.sum(x * w)
        return np.sum(w)
''')


def generated(name, wrt):
    return compile_source(SOURCE, "scalars.py", [name], wrt=wrt)


def signature_of(text, name):
    return next(line for line in text.splitlines() if line.startswith(f"def grad_{name}("))


def finite_difference(f, args, index, h=1e-6):
    up, down = list(args), list(args)
    up[index] = args[index] + h
    down[index] = args[index] - h
    return (f(*up) - f(*down)) / (2 * h)


def loaded(tmp_path_factory, source, name):
    """``source`` written to a file (gradc reads it) and imported."""
    import importlib.util

    path = tmp_path_factory.mktemp(name) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    return loaded(tmp_path_factory, SOURCE, "scalars_source")


def test_math_arguments_are_inferred_as_declared():
    inferred = generated("ex1", (0, 1)).split("def value_and_grad_ex1(")[1]
    declared = generated("ex1_declared", (0, 1)).split("def value_and_grad_ex1_declared(")[1]
    assert inferred == declared.replace("ex1_declared", "ex1")
    assert "_unbroadcast" not in inferred


@pytest.mark.parametrize("name, wrt, signature", [
    ("through_product", (0, 1), "(x: float, y: float)"),   # math.sqrt(x * y + 1.0)
    ("tested", (0, 1), "(x: float, y: float)"),            # if x * y > 0
    ("newton", 0, "(c: float)"),                            # the while test's first run
    ("not_tested", (0, 1), "(x: float, y)"),                # not x
    ("conversions", (0, 1), "(x: float, y, n: int)"),       # float(x), range(n)
    ("counted", 0, "(x, m: float)"),                        # int(m)
    ("branch_only", 0, "(x, flag: float)"),                 # a branch may not run
    ("body_only", 0, "(x, n: int)"),                        # nor may a loop body
])
def test_inferred_parameters(name, wrt, signature):
    assert signature_of(generated(name, wrt), name) == f"def grad_{name}{signature}:"


@pytest.mark.parametrize("name, args, wrt", [
    ("ex1", (2.0, 3.0), (0, 1)),
    ("through_product", (0.7, 1.3), (0, 1)),
    ("tested", (0.7, 1.3), (0, 1)),
    ("tested", (-0.7, 1.3), (0, 1)),
    ("newton", (2.0,), 0),
    ("not_tested", (0.7, 1.3), (0, 1)),
    ("conversions", (0.7, 1.3, 3), (0, 1)),
    ("counted", (0.7, 4.0), 0),
])
def test_gradients_of_inferred_scalars(module, name, args, wrt):
    f = getattr(module, name)
    grads = gradc.grad(f, wrt=wrt)(*args)
    for index, g in zip(wrt if isinstance(wrt, tuple) else (wrt,),
                        grads if isinstance(wrt, tuple) else (grads,)):
        assert np.shape(g) == ()
        assert np.isclose(g, finite_difference(f, args, index), rtol=1e-5)


def test_uses_that_may_not_run_leave_arrays_alone(module):
    x = np.array([0.5, 1.5, 2.0])
    assert np.allclose(gradc.grad(module.branch_only)(x, -1.0), 2 * x)
    assert np.allclose(gradc.grad(module.body_only)(x, 0), 2 * x)


def test_a_math_result_is_a_number(module):
    """math.cos(x[0]) is a float, so w's gradient needs no unbroadcast (x[0]'s does: a
    1-D x is not known; and so does the float's own, summed from a product with w,
    which may be a float: np.sum would make it a float64 that promotes float32)."""
    text = generated("math_result", (0, 1)).split("def grad_math_result")[1]
    assert text.count("_unbroadcast(") == 2
    x, w = np.array([0.3, 2.0]), np.array([0.5, 1.5, 2.0])
    gx, gw = gradc.grad(module.math_result, wrt=(0, 1))(x, w)
    assert np.allclose(gx, [-np.sin(0.3) * w.sum(), 0.0]) and np.allclose(gw, np.cos(0.3))


def test_zero_dimensional_arrays_are_numbers(module):
    g = gradc.grad(module.tested, wrt=(0, 1))(np.array(0.7), np.float64(1.3))
    assert np.allclose(g, (1.3, 0.7))


@pytest.mark.parametrize("call", [
    lambda m: gradc.grad(m.tested)(np.array([0.7]), 1.3),
    lambda m: gradc.value_and_grad(m.summed)(np.array([[0.7]]), np.ones(3)),
    lambda m: gradc.hvp(m.tested)(np.array([0.7]), 1.3, v=1.0),
    lambda m: gradc.jvp(m.tested, (np.array([0.7]), 1.3), (1.0, 0.0)),
    lambda m: gradc.jacobian(m.tested)(np.array([0.7]), 1.3),
])
def test_one_entry_arrays_are_refused_where_a_number_is_inferred(module, call):
    """A one-entry array passes an if test, but its gradient would have the wrong shape
    in code compiled for a number."""
    with pytest.raises(gradc.ArgumentError, match="uses 'x' as a number"):
        call(module)


def test_specialized_code_follows_the_shapes_given(module):
    w = np.array([0.5, 1.5, 2.0])
    g = gradc.grad(module.summed, wrt=(0, 1), specialize=True)(np.array([0.7]), w)
    assert np.shape(g[0]) == (1,) and np.shape(g[1]) == (3,)
    assert np.allclose(g[0], [w.sum()]) and np.allclose(g[1], 0.7)


# ---- the float path: a function whose value is provably a number is not run for it

FAST = textwrap.dedent('''
    import math
    import numpy as np


    def constant_slope(x, y):
        if x * y > 0:
            return 3.0 * x + y
        return x + y


    def mean_of(w, x):
        return np.mean(w * x)


    def elementwise(x):
        return x * 2.0
''')


@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    return loaded(tmp_path_factory, FAST, "fast_source")


def test_number_valued_functions_are_listed():
    text = compile_source(FAST, "fast.py")
    assert "NUMBER_VALUED = ('constant_slope', 'mean_of')" in text


@pytest.mark.parametrize("specialize", [False, True])
def test_the_float_path_gives_numpy_scalars(fast, specialize):
    g = gradc.grad(fast.constant_slope, wrt=(0, 1), specialize=specialize)
    for args in ((2.0, 1.0), (np.float64(-2.0), 1.0), (2.0, 1.0)):
        grads = g(*args)
        assert all(type(v) is not np.ndarray for v in grads)
        assert grads == ((3.0 if args[0] > 0 else 1.0), 1.0)
    value, grads = gradc.value_and_grad(fast.constant_slope, wrt=(0, 1),
                                        specialize=specialize)(2.0, 1.0)
    assert value == 7.0 and grads == (3.0, 1.0) and type(grads[0]) is not np.ndarray


def test_the_float_path_leaves_other_inputs_to_the_checks(fast):
    g = gradc.grad(fast.mean_of)
    w, x = np.array([1.0, 3.0]), np.array([2.0, 4.0])
    assert np.allclose(g(w, x), x / 2) and np.allclose(g(w, x=x), x / 2)
    assert np.isclose(g(2.0, x), 3.0)
    with pytest.raises(gradc.NonDifferentiableError, match="real-valued"):
        g(2, x)


def test_an_output_not_known_to_be_a_number_is_still_checked(fast):
    g = gradc.grad(fast.elementwise)
    assert g(2.0) == 2.0
    with pytest.raises(gradc.NonDifferentiableError, match="return a scalar"):
        g(np.ones(3))


def test_the_float_path_sees_a_name_rebound(module_from_source):
    """A live function reads K when compiled; after K = 3.0 the float path recompiles."""
    module = module_from_source("import math\nK = 2.0\n\ndef f(x):\n"
                                "    return K * math.sin(x)\n")
    g = gradc.grad(module.f)
    assert np.isclose(g(0.5), 2.0 * np.cos(0.5)) and np.isclose(g(0.5), 2.0 * np.cos(0.5))
    module.K = 3.0
    assert np.isclose(g(0.5), 3.0 * np.cos(0.5))
