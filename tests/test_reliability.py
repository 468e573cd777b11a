"""Derivatives that were silently wrong or crashed, each in its smallest form (found by a
campaign of random programs over every mode), checked against finite differences or
reverse mode, and the wrapper's return types."""

import numpy as np
import pytest

import gradc


def central(f, x, h=1e-6):
    """The gradient of scalar f at array x by central differences."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for k in range(x.size):
        step = np.zeros_like(x)
        step.flat[k] = h
        grad.flat[k] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# ---- a loop's result keeps its name until its last use

LOOP_IN_HELPER = '''
import numpy as np


def g(a, b):
    for i in range(3):
        if np.mean(a) >= 0.5:
            a = b
        else:
            a = 1.0
    return a


def f(x):
    return np.sum(np.sin(g(x, np.arcsinh(x))))
'''


@pytest.mark.parametrize("specialize", [False, True])
@pytest.mark.parametrize("optimize", [True, False])
def test_a_loops_accumulator_is_not_overwritten_after_the_loop(module_from_source,
                                                                 specialize, optimize):
    f = module_from_source(LOOP_IN_HELPER).f
    x = np.array([0.9, 0.8])
    got = gradc.grad(f, specialize=specialize, optimize=optimize)(x)
    assert np.allclose(got, central(f, x), rtol=1e-6), got


# ---- forward mode: a tangent carried by a broadcast operand spreads over the result

BROADCASTS = '''
import numpy as np


def plus_zeros(x):
    return np.sum(x + np.zeros(3))


def minus_column_sums(x, z):
    return np.sum(z - np.sum(x, axis=0))


def joined(x, z):
    return np.sum(np.concatenate([z - np.sum(x, axis=0), x]))
'''


def test_a_scalar_tangent_spreads_over_a_constant_arrays_shape(module_from_source):
    m = module_from_source(BROADCASTS)
    assert gradc.jvp(m.plus_zeros, (2.0,), (1.0,)) == (6.0, 3.0)
    assert gradc.hessian(m.plus_zeros)(2.0) == 0.0


@pytest.mark.parametrize("name", ["minus_column_sums", "joined"])
def test_forward_and_reverse_jacobians_agree_on_broadcast_operands(module_from_source, name):
    f = getattr(module_from_source(BROADCASTS), name)
    x, z = np.array([[0.5], [1.5]]), np.array([[3.0], [-1.0]])
    reverse = gradc.grad(f)(x, z)
    forward = gradc.jacobian(f, mode="fwd")(x, z)
    assert np.allclose(forward, reverse) and np.allclose(reverse,
                                                         central(lambda u: f(u, z), x))


# ---- derivative modes never run the user's function

UPDATES_ITS_ARGUMENT = '''
import numpy as np


def f(x):
    x += 1.0
    return np.sum(x * x)
'''


def test_vjp_and_jacobian_do_not_run_the_users_code(module_from_source):
    f = module_from_source(UPDATES_ITS_ARGUMENT).f
    x = np.array([1.0, 2.0])
    gradient = gradc.grad(f)(x)
    value, vjp_fn = gradc.vjp(f, x)
    assert value == 13.0 and np.array_equal(vjp_fn(1.0)[0], gradient)
    assert np.array_equal(gradc.jacobian(f)(x), gradient)
    assert np.array_equal(x, [1.0, 2.0])  # the caller's array is untouched


# ---- specialize=True on defaults, length-1 axes and loops

SPECIALIZED = '''
import numpy as np


def scaled(x, s=2.0):
    return np.sum(x * s)


def kept_in_loop(z, n):
    a = np.sum(z, axis=1, keepdims=True)
    for i in range(n):
        a = z
    return np.sum(a * a)


def kept_in_branch(z):
    a = np.sum(z, axis=1, keepdims=True)
    b = z * 2.0
    if np.sum(z) > 0:
        a = z
        b = np.sin(z)
    return np.sum(a * b)


def two_sums(q, r):
    return np.sum(np.sum(q, axis=1) + np.sum(r, axis=1))
'''


def test_specialize_with_a_defaulted_argument_left_out(module_from_source):
    f = module_from_source(SPECIALIZED).scaled
    assert np.array_equal(gradc.grad(f, specialize=True)(np.ones(3)), [2.0, 2.0, 2.0])
    assert np.array_equal(gradc.grad(f, specialize=True)(np.ones(3), 3.0), [3.0, 3.0, 3.0])


@pytest.mark.parametrize("n", [0, 2])
def test_specialize_a_keepdims_value_a_loop_replaces(module_from_source, n):
    f = module_from_source(SPECIALIZED).kept_in_loop
    z = np.array([[0.5], [1.0], [-2.0]])
    got = gradc.grad(f, specialize=True)(z, n)
    assert np.allclose(got, central(lambda u: f(u, n), z)) and got.shape == (3, 1)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_specialize_a_keepdims_value_a_branch_replaces(module_from_source, sign):
    f = module_from_source(SPECIALIZED).kept_in_branch
    z = sign * np.array([[0.5], [1.0], [0.2]])
    assert np.allclose(gradc.grad(f, specialize=True)(z), central(f, z))


def test_specialize_an_identity_broadcast_after_a_loop_with_two_outs(module_from_source):
    f = module_from_source(SPECIALIZED).two_sums
    q, r = np.ones((5, 2)), np.ones((5, 1))
    dq, dl = gradc.grad(f, wrt=(0, 1), specialize=True)(q, r)
    assert np.array_equal(dq, np.ones((5, 2))) and np.array_equal(dl, np.ones((5, 1)))


# ---- Hessians through early returns and joins

SECOND_ORDER = '''
import numpy as np


def early(x):
    if np.min(x) > 0.66:
        return np.sum(x)
    return np.sum(np.where(x <= 1.34, x * x, x))


def joined_square(x):
    return np.sum(np.concatenate([np.array([x[0] * x[0]]), x]))
'''


@pytest.mark.parametrize("x", [[0.5, 1.0], [0.7, 1.0], [0.3, 1.5]])
def test_hessian_through_an_early_return_and_where(module_from_source, x):
    f = module_from_source(SECOND_ORDER).early
    x = np.array(x)
    grad = gradc.grad(f)
    expected = np.stack([central(lambda u, k=k: grad(u)[k], x) for k in range(2)])
    assert np.allclose(gradc.hessian(f)(x), expected, atol=1e-6)


def test_hessian_of_a_joined_scalar(module_from_source):
    f = module_from_source(SECOND_ORDER).joined_square
    assert np.array_equal(gradc.hessian(f)(np.array([0.5, 1.0])), [[2.0, 0.0], [0.0, 0.0]])


# ---- boolean-mask reads have shapes of their own

MASKS = '''
import numpy as np


def two_masks(x):
    a = x[x < 0.5]
    b = x[x >= 0.8]
    return np.sum(a) * 2.0 + np.sum(b * b)
'''


@pytest.mark.parametrize("x", [[0.3, -0.5, 0.83], [0.3, 0.9, 0.83], [0.9, 0.1, 0.2]])
@pytest.mark.parametrize("specialize", [False, True])
def test_two_masked_reads_of_one_array(module_from_source, x, specialize):
    f = module_from_source(MASKS).two_masks
    x = np.array(x)
    assert np.allclose(gradc.grad(f, specialize=specialize)(x), central(f, x))


# ---- what the wrappers return for scalars

IDENTITY = '''
def f(a):
    return a
'''


def test_scalar_derivatives_are_numpy_scalars_not_0d_arrays(module_from_source):
    f = module_from_source(IDENTITY).f
    for result in (gradc.grad(f)(2.0), gradc.value_and_grad(f)(2.0)[1],
                   gradc.jvp(f, (2.0,), (1.0,))[1], gradc.vjp(f, 2.0)[1](1.0)[0],
                   gradc.hvp(f)(2.0, v=1.0)):
        assert not isinstance(result, np.ndarray) and float(result) in (0.0, 1.0)
    assert isinstance(gradc.grad(f)(np.float32(2.0)), np.float32)


# ---- found by the long campaign (tests/fuzz/campaign.py)

CAMPAIGN = '''
import numpy as np


def inner_variable(x):
    k = 0
    for i in range(2):
        for k in range(2):
            x = np.tanh(x)
    return np.sum(x)


def while_in_loops(x):
    for i in range(3):
        for j in range(3):
            while np.max(x) < 1.0:
                x = x + np.tanh(x)
            return np.sum(x)
    return np.sum(x)


def cancelled_in_branch(x, y):
    if np.max(x) < 0.5:
        v = np.tanh(y)
    else:
        v = x
    return np.sum(x - v) + np.sum(v)


def cancelled_product(x):
    v = np.tanh(x.T @ x)
    return np.sum(v) + np.sum(-v)


def seed_chosen_by_branch(x):
    v = -np.array([np.sum(x), 1.0])
    if np.sum(v) > 0.0:
        return np.sum(v)
    return np.sum(x)


def inner_variable_read_after(x):
    k = 0
    for i in range(2):
        for k in range(2):
            x = np.tanh(x)
        x = x * k
    return np.sum(x)
'''


def test_a_variable_of_an_inner_loop_is_not_carried(module_from_source):
    m = module_from_source(CAMPAIGN)
    x = np.array([0.3, 0.5])
    assert np.allclose(gradc.grad(m.inner_variable)(x), central(m.inner_variable, x))
    hessian = gradc.hessian(m.while_in_loops)(x)  # gradc's own loops reuse '_'
    grad = gradc.grad(m.while_in_loops)
    expected = np.stack([central(lambda u, k=k: grad(u)[k], x) for k in range(2)])
    assert np.allclose(hessian, expected, atol=1e-6)
    with pytest.raises(gradc.UnsupportedSyntaxError, match="'k' is a loop variable"):
        gradc.grad(m.inner_variable_read_after)


@pytest.mark.parametrize("shape", [(2,), (1, 2)])
def test_specialized_gradient_cancelled_in_one_branch_keeps_its_shape(module_from_source,
                                                                        shape):
    f = module_from_source(CAMPAIGN).cancelled_in_branch
    x, y = np.reshape([-0.19, 0.1], shape), np.reshape([0.46, 0.3], shape)
    dx, dy = gradc.grad(f, wrt=(0, 1), specialize=True)(x, y)
    assert np.array_equal(dx, np.ones(shape)) and np.array_equal(dy, np.zeros(shape))


def test_specialized_product_with_a_cancelled_adjoint(module_from_source):
    f = module_from_source(CAMPAIGN).cancelled_product
    assert np.array_equal(gradc.grad(f, specialize=True)(np.ones((3, 1))), np.zeros((3, 1)))


@pytest.mark.parametrize("x", [[0.4, 0.8], [-2.4, 0.8]])
def test_a_seed_chosen_by_a_branch_is_a_number_not_the_condition(module_from_source, x):
    f = module_from_source(CAMPAIGN).seed_chosen_by_branch
    x = np.array(x)
    assert np.allclose(gradc.grad(f)(x), central(f, x))


def test_a_zero_adjoint_a_loop_carries_keeps_its_shape(module_from_source):
    """y's adjoint cancels to zero before a while loop that may run no iteration: the
    reversed loop starts from zeros shaped like y, not from the number 0."""
    f = module_from_source('''
import numpy as np


def f(x, y):
    j = 0
    while j < 4 and (not np.min(y) < 0.0):
        y = np.tanh(y + x + 0.5 * np.ones_like(x))
        j = j + 1
    return np.sum(x) + np.sum(y) + np.sum(x - y)
''').f
    x, y = np.array([0.583]), np.array([[-0.9985, 1.289, -0.295]])
    for specialize in (False, True):
        dx, dy = gradc.grad(f, wrt=(0, 1), specialize=specialize)(x, y)
        assert np.array_equal(dx, [4.0]) and np.array_equal(dy, np.zeros((1, 3)))


def test_a_gradient_a_nested_branch_leaves_a_number_keeps_its_shape(module_from_source):
    """y's gradient comes through two ifs, one of which folds (specialised) to the number
    1.0: it is spread back over y's shape (found by the campaign)."""
    f = module_from_source('''
import numpy as np


def f(x, y, s=2.0):
    if np.max(y) < -0.5:
        y = np.where(np.arcsinh(y) < x, np.sin(np.arcsinh(y)), x * 0.25)
    if not np.max(y) < 0.5:
        x = y.mean(axis=-1)
    return np.sum(x)
''').f
    x, y = -1.0689140059749647, np.array([1.4373024106623462])
    for specialize in (False, True):
        dx, dy = gradc.grad(f, wrt=(0, 1), specialize=specialize)(x, y)
        assert dx == 0.0 and np.array_equal(dy, [1.0])


# ---- a Python float times float32 arrays keeps their gradients float32

RIDGE = '''
import numpy as np


def ridge(w, X, y, lam):
    r = X @ w - y
    return np.mean(r * r) + lam * np.sum(w * w)
'''


def test_a_python_float_parameter_does_not_promote_float32(module_from_source):
    ridge = module_from_source(RIDGE).ridge
    w, X, y = (np.ones(shape, np.float32) for shape in ((3,), (4, 3), (4,)))
    grads = gradc.grad(ridge, wrt=(0, 3))(w, X, y, 0.1)
    assert grads[0].dtype == np.float32
    assert np.allclose(grads[0], gradc.grad(ridge)(*(a.astype(float) for a in (w, X, y)), 0.1))
