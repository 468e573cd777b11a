"""The smallest rewrite of ``ode.py`` that gradc compiles (see ``REWRITES``)."""

import numpy as np
from kinds import CLOSURE, LIST

REWRITES = [
    (CLOSURE,
     'the closure f over x that ode_fun_vec(x) returns, and single_component nested in '
     'it, as module-level functions taking x'),
    (CLOSURE,
     'runge_kutta calls the right-hand side by name instead of taking it as an '
     'argument (gradc has no function values)'),
    (CLOSURE,
     "the scan's body_fun, nested in runge_kutta, moved to module level (x and h "
     'passed in)'),
    (LIST,
     'the trajectory collected on a list and read back as np.stack(...)[-1] replaced '
     'by the last carried state'),
]


# ODE function: depends on index i, x[i], and y[i-1] (rotated y)
def single_component(i, xi, yi_rot):
    return np.where(i == 0, xi, xi * yi_rot)


def ode_fun(x, y):
    iota = np.arange(x.shape[0])
    y_rot = np.roll(y, shift=1)
    return single_component(iota, x, y_rot)


def body_fun(x, h, yf, _):
    k1 = ode_fun(x, yf)
    k2 = ode_fun(x, yf + (h / 2 * k1))
    k3 = ode_fun(x, yf + h / 2 * k2)
    k4 = ode_fun(x, yf + (h * k3))
    yf_next = yf + (h / 6 * (k1 + ((2 * k2) + (2 * k3) + k4)))
    return yf_next, yf_next  # carry and collect output


# Runge-Kutta 4th order ODE solver that returns the final state
def runge_kutta(x, yi, tf, s):
    h = tf / s
    carry = yi
    for step in range(s):
        carry, y = body_fun(x, h, carry, step)
    return carry


def ode(x, s):
    tf = 2.0
    y0 = np.zeros_like(x)
    return runge_kutta(x, y0, tf, s)


def ode_last(x, s):
    return ode(x, s)[-1]
