"""Worked example 1 of the backpropagation lecture, spelled with the math module.

    y = f(x, z) = exp(x z) + x z / log(x) + sin(log(x)) / (x z),   at x = 2, z = 3

The same function as backprop_ex1.py on plain floats; the generated gradient uses
math.* too. The parameters carry no ``float`` annotation: ``math.log(x)`` can only take
a number, and so ``x * z`` only numbers, so gradc infers what backprop_ex1.py declares
and writes the same lean code. At (2, 3): dy/dx = 1208.3812151266095,
dy/dz = 809.707479218564.
"""

import math


def f(x, z):
    a = x * z
    b = math.log(x)
    c = math.sin(b)
    d = math.exp(a)
    e = a / b
    f = c / a
    y = d + e + f
    return y
