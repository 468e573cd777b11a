"""The lecture's activations and losses (SEED.md section 6) on scalars.

Each function is a loss of one unit, so its gradient is what backpropagation sends
into the unit's weight ``w`` and input ``x``. Read the generated code to see the
derivatives the lecture states: sigmoid' = s (1 - s), tanh' = 1 - t^2, ReLU's gradient
is clipped to 0 below zero, softplus' is the sigmoid.
"""

import numpy as np


def sigmoid_unit(w: float, x: float, target: float):
    s = 1.0 / (1.0 + np.exp(-w * x))
    return 0.5 * (s - target) ** 2


def tanh_unit(w: float, x: float, target: float):
    t = np.tanh(w * x)
    return 0.5 * (t - target) ** 2


def relu_unit(w: float, x: float, target: float):
    r = np.maximum(w * x, 0.0)
    return 0.5 * (r - target) ** 2


def softplus_unit(w: float, x: float, target: float):
    p = np.log(np.exp(w * x) + 1.0)
    return 0.5 * (p - target) ** 2


def cross_entropy_unit(w: float, x: float, label: float):
    p = 1.0 / (1.0 + np.exp(-w * x))
    return -(label * np.log(p) + (1.0 - label) * np.log(1.0 - p))
