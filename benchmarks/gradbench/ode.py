"""GradBench's ``ode`` eval: Runge-Kutta 4 on y_0' = x_0, y_i' = x_i y_{i-1} (cmpad's
``an_ode``), differentiated with respect to x at the last entry of y(2).

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/ode`` and the JAX
tool's ``ode``; ported to NumPy as its author wrote it in JAX: the right-hand side is a
closure over x built by ``ode_fun_vec`` (its per-entry rule, there mapped with
``jax.vmap``, is elementwise and here applied to whole arrays), the solver takes that
function as an argument, and its ``jax.lax.scan`` over s steps is a loop that collects
the trajectory and returns its last state.
"""

import numpy as np


# ODE function: depends on index i, x[i], and y[i-1] (rotated y)
def ode_fun_vec(x):
    def f(y):
        def single_component(i, xi, yi_rot):
            return np.where(i == 0, xi, xi * yi_rot)

        iota = np.arange(x.shape[0])
        y_rot = np.roll(y, shift=1)
        return single_component(iota, x, y_rot)

    return f


# Runge-Kutta 4th order ODE solver that returns the final state
def runge_kutta(f, yi, tf, s):
    h = tf / s

    def body_fun(yf, _):
        k1 = f(yf)
        k2 = f(yf + (h / 2 * k1))
        k3 = f(yf + h / 2 * k2)
        k4 = f(yf + (h * k3))
        yf_next = yf + (h / 6 * (k1 + ((2 * k2) + (2 * k3) + k4)))
        return yf_next, yf_next  # carry and collect output

    carry = yi
    y_trajectory = []
    for step in range(s):
        carry, y = body_fun(carry, step)
        y_trajectory.append(y)
    return np.stack(y_trajectory)[-1]


def ode(x, s):
    tf = 2.0
    f = ode_fun_vec(x)
    y0 = np.zeros_like(x)
    return runge_kutta(f, y0, tf, s)


def ode_last(x, s):
    return ode(x, s)[-1]


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "ode_last"
MODE = "grad"
WRT = 0


def make_input(small=False):
    """GradBench's smallest input: n = 1000, s = 1 step (seed 31337), where the gradient
    is all zeros (one RK4 step reaches only y_0..y_3, so y_999 stays 0); ``small``: n = 6,
    s = 3, where it is not."""
    np.random.seed(31337)
    n, s = (6, 3) if small else (1000, 1)
    return (np.random.rand(n), s), {}
