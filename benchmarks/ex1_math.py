"""Worked example 1 (SEED.md section 4) spelled with the math module instead of NumPy.

Used by benchmarks/example1.py: on Python floats, math functions are far cheaper than
NumPy's, so call overhead is a larger share and ratios are harder to meet.
"""

import math


def f(x: float, z: float):
    a = x * z
    b = math.log(x)
    c = math.sin(b)
    d = math.exp(a)
    e = a / b
    f = c / a
    y = d + e + f
    return y
