"""Worked example 1 of the backpropagation lecture.

    y = f(x, z) = exp(x z) + x z / log(x) + sin(log(x)) / (x z),   at x = 2, z = 3

The forward pass is written as the lecture's intermediates so the generated backward
pass can be read against it: a is used three times and b twice, so their adjoints are
sums. At (2, 3): dy/dx = 1208.3812151266095, dy/dz = 809.707479218564.
"""

import numpy as np


def f(x: float, z: float):
    a = x * z
    b = np.log(x)
    c = np.sin(b)
    d = np.exp(a)
    e = a / b
    f = c / a
    y = d + e + f
    return y
