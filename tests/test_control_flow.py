"""Control flow: if/elif/else, conditional expressions, and/or/not and chained
comparisons on data-dependent scalars; for loops over ranges (constant and run-time
bounds, negative steps, reversed), over rows, enumerate and zip; while loops; break,
continue and early return; user functions called (inlined) inside loops and branches.

Every program of the corpus is a whole module with one function ``f``, run at one or
more points chosen away from branch switches, and checked

* in reverse mode against five-point central finite differences of the original Python
  function along random directions (the stencil's points are checked to take the same
  path through the program as the point itself, so finite differences are valid),
  with gradients in their inputs' shapes and ``value_and_grad``'s value equal to the
  original function's value;
* optimized against unoptimized generated code;
* in forward mode (the tangent along v is <gradient, v>) and, for a representative
  subset, forward over reverse (Hessian-vector products against central differences
  of the gradient).

Programs with branches are run at points that take different paths, and together a
program's points execute every statement of it. Then: the rejections, located to the
line; the readability of generated reverse code of a loop (a reversed loop, a
``# grad of: for`` comment, plain lists as the tape, only numpy imported); loops whose
iteration count is read at run time (0, 1, 5 and 50 iterations from one compile).
"""

import ast
import re
import sys
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest

import gradc
from gradc.pipeline import Options, compile_source

HEADER = "import numpy as np\n\n\n"


@dataclass(frozen=True)
class Case:
    source: str            # the module without HEADER (dedented)
    points: tuple          # tuples of arguments of f, away from branch switches
    wrt: tuple | None = None  # None: every float argument (arrays and Python floats)
    cover: bool = True     # the points execute every statement of the module together


def case(source, *points, wrt=None, cover=True):
    return Case(textwrap.dedent(source).strip() + "\n", tuple(points), wrt, cover)


def a(*values):
    return np.array(values, dtype=float)


def normal(seed, *shape, scale=1.0, shift=0.0):
    return shift + scale * np.random.default_rng(seed).normal(size=shape)


CORPUS = {
    # ---------------------------------------------------------------- branches
    "if: scalar": case('''
        def f(x):
            if x > 0.0:
                y = np.sin(x) * x
            else:
                y = np.cos(x) - x
            return y * 2.0
    ''', (0.7,), (-0.9,)),
    "if: on a reduction": case('''
        def f(x):
            s = np.sum(x)
            if s < 1.0:
                y = np.tanh(x) * s
            else:
                y = x ** 2 / s
            return np.sum(y)
    ''', (a(0.1, -0.5, 0.3, 0.2),), (a(0.8, 0.5, 1.0, -0.2),)),
    "if: without else": case('''
        def f(x, y):
            z = x * y
            if np.sum(z) > 0.0:
                z = np.sin(z) + y
            return np.sum(z ** 2)
    ''', (a(1.0, 2.0, 0.5), a(0.3, 0.4, 1.0)), (a(1.0, 2.0, 0.5), a(-0.3, -0.4, 0.2))),
    "if: elif chain": case('''
        def f(x):
            m = np.mean(x)
            if m < -0.5:
                y = np.exp(x)
            elif m < 0.5:
                y = np.sin(x) * m
            elif m < 1.5:
                y = x ** 3
            else:
                y = np.tanh(x) + m
            return np.sum(y)
    ''', (a(-1.2, -0.8, -1.0),), (a(0.3, -0.2, 0.2),), (a(1.3, 0.6, 1.1),),
        (a(2.5, 1.8, 1.9),)),
    "if: nested": case('''
        def f(x, y):
            if x > 0.0:
                if y > 0.0:
                    z = x * y
                else:
                    z = x - np.sin(y)
            else:
                if y > 1.0:
                    z = np.exp(x) * y
                else:
                    z = np.cos(x * y)
            return z + x
    ''', (0.8, 0.6), (0.8, -0.7), (-0.5, 1.6), (-0.5, 0.3)),
    "if: conditional expression": case('''
        def f(x):
            y = np.sin(x) if x > 0.5 else x ** 2
            return y * x
    ''', (1.2,), (-0.3,)),
    "if: conditional expressions on arrays": case('''
        def f(x):
            scale = 2.0 if np.max(x) > 1.0 else 0.5
            z = x * scale if np.min(x) > -1.0 else np.tanh(x)
            return np.sum(np.sin(z) * scale)
    ''', (a(0.2, 1.5, -0.5),), (a(0.2, 0.4, -1.5),)),
    "if: and, or, not": case('''
        def f(x, y):
            if x > 0.0 and y > 0.0:
                z = x * y
            elif x < -1.0 or y < -1.0:
                z = np.sin(x) + y
            elif not x > 0.5:
                z = x ** 2 - y
            else:
                z = np.tanh(x + y)
            return z
    ''', (0.5, 0.7), (-1.5, 0.3), (-0.2, 0.3), (0.8, -0.5)),
    "if: chained comparisons": case('''
        def f(x):
            y = x
            if 0.0 < x < 1.0:
                y = np.sin(x) * 3.0
            elif -1.0 <= x < 0.0 < 1.0 + x:
                y = x ** 3
            return y + x
    ''', (0.5,), (-0.5,), (2.0,)),
    "if: chained comparison of a reduction": case('''
        def f(x):
            if -1.0 < np.sum(x) <= 2.0:
                return np.sum(np.sin(x))
            return np.sum(x ** 2)
    ''', (a(0.2, 0.1, 0.2),), (a(1.5, 0.9, 1.0),)),
    "if: early return": case('''
        def f(x):
            s = np.sum(np.sin(x))
            if s > 0.0:
                return s * s
            t = np.sum(np.cos(x) ** 2)
            return t + s
    ''', (a(0.5, 0.7, -0.2),), (a(-0.5, -0.7, 0.2),)),
    "if: returns in every branch": case('''
        def f(x, y):
            if x * y > 1.0:
                return np.exp(x) * y
            elif x < y:
                return np.sin(x - y)
            else:
                return x * y ** 2
    ''', (1.5, 1.0), (0.2, 0.5), (0.6, 0.3)),
    "if: on a shape": case('''
        def f(x):
            if x.shape[0] > 3:
                y = x[:3] * x[1:4]
            else:
                y = np.sin(x)
            return np.sum(y)
    ''', (a(0.5, -0.3, 1.2, 0.8, 0.1),), (a(0.4, -1.1),)),
    "if: on an integer argument": case('''
        def f(x, mode):
            if mode == 0:
                y = np.tanh(x)
            elif mode == 1:
                y = np.sin(x) ** 2
            else:
                y = x * np.exp(-x * x)
            return np.sum(y)
    ''', (a(0.3, -0.8), 0), (a(0.3, -0.8), 1), (a(0.3, -0.8), 2)),
    "if: comparing two reductions": case('''
        def f(p, q):
            if np.dot(p, q) > np.sum(p * p):
                c = p * np.sin(q)
            else:
                c = q * np.cos(p)
            return np.sum(c ** 2) + np.dot(p, q)
    ''', (a(0.2, 0.3, 0.1), a(1.0, 1.5, 0.8)), (a(1.0, 1.2, 0.9), a(0.1, 0.2, -0.3))),
    "if: user functions in the branches": case('''
        def smooth(u):
            return np.tanh(u) * u


        def rough(u):
            return np.sin(3.0 * u) + u ** 2


        def f(x):
            if np.sum(x) > 0.0:
                y = smooth(x)
            else:
                y = rough(x)
            return np.sum(y)
    ''', (a(0.5, 0.9, -0.3),), (a(-0.5, -0.9, 0.3),)),
    # ---------------------------------------------------------------- for loops
    "for: constant range": case('''
        def f(x):
            y = x
            for i in range(3):
                y = np.sin(y) + x * 0.5
            return np.sum(y)
    ''', (normal(1, 4),)),
    "for: range(start, stop)": case('''
        def f(x):
            s = 0.0
            for k in range(1, 5):
                s = s + np.sum(x ** k) / k
            return s
    ''', (normal(2, 3),)),
    "for: range with a step": case('''
        def f(x):
            s = x[0]
            for i in range(1, 8, 3):
                s = s * np.cos(x[i % 4]) + np.sin(x * i)[2]
            return s
    ''', (normal(3, 4),)),
    "for: negative step": case('''
        def f(x):
            s = 0.0
            for i in range(len(x) - 1, -1, -1):
                s = s * 0.5 + x[i] * np.tanh(s + x[i])
            return s
    ''', (normal(4, 5),)),
    "for: negative step of two": case('''
        def f(x):
            s = 1.0
            for i in range(len(x) - 1, 0, -2):
                s = s * np.sin(x[i]) + x[i - 1]
            return s
    ''', (normal(5, 6),)),
    "for: reversed range": case('''
        def f(x, n):
            s = 1.0
            for i in reversed(range(n)):
                s = s * np.sin(x[i]) + i * x[i]
            return s
    ''', (normal(6, 5), 4)),
    "for: range(int(n))": case('''
        def f(x, n):
            y = x
            for i in range(int(n)):
                y = np.tanh(y * x + 0.1 * i)
            return np.sum(y)
    ''', (normal(7, 3), 3.0), wrt=(0,)),
    "for: range(x.shape[0])": case('''
        def f(x):
            s = 0.0
            for i in range(x.shape[0]):
                s = s + np.sin(x[i]) * x[i - 1]
            return s
    ''', (normal(8, 4),)),
    "for: range(len(x) // 2)": case('''
        def f(x):
            s = 0.0
            for i in range(len(x) // 2):
                s = s + x[2 * i] * np.exp(0.3 * x[2 * i + 1])
            return s
    ''', (normal(9, 5),)),
    "for: range(n % 3 + 1)": case('''
        def f(x, n):
            y = x
            for i in range(n % 3 + 1):
                y = y * np.cos(y) + x
            return np.sum(y)
    ''', (normal(10, 3, scale=0.5), 7), (normal(10, 3, scale=0.5), 5)),
    "for: nested": case('''
        def f(X):
            s = 0.0
            for i in range(X.shape[0]):
                for j in range(X.shape[1]):
                    s = s + np.sin(X[i, j]) * (i - j + 0.5)
            return s * s
    ''', (normal(11, 3, 4),)),
    "for: nested, triangular": case('''
        def f(X):
            s = 0.0
            for i in range(X.shape[0]):
                for j in range(i + 1):
                    s = s + X[i, j] * X[j, i] * np.cos(s)
            return s
    ''', (normal(12, 3, 3),)),
    "for: two loops with one variable": case('''
        def f(x):
            s = 0.0
            for i in range(2):
                s = s + x[i]
            for i in range(2, 4):
                s = s * x[i]
            return s
    ''', (normal(13, 4),)),
    "for: zero iterations": case('''
        def f(x):
            y = np.sin(x)
            for i in range(0):
                y = y * x
            return np.sum(y)
    ''', (normal(14, 3),), cover=False),
    "for: loop-carried array": case('''
        def f(W, x):
            h = np.zeros(W.shape[0])
            for t in range(x.shape[0]):
                h = np.tanh(W @ h + x[t])
            return np.sum(h ** 2)
    ''', (normal(15, 3, 3, scale=0.5), normal(16, 4, 3))),
    "for: columns": case('''
        def f(A):
            s = 0.0
            for j in range(A.shape[1]):
                s = s + np.sum(np.tanh(A[:, j]) * A[:, j - 1])
            return s
    ''', (normal(17, 3, 4),)),
    "for: rows": case('''
        def f(X, w):
            s = 0.0
            for row in X:
                s = s + np.sum(np.sin(row) * w) * (1.0 + 0.1 * s)
            return s
    ''', (normal(18, 4, 3), normal(19, 3))),
    "for: enumerate": case('''
        def f(X):
            s = 0.0
            for i, row in enumerate(X):
                s = s + i * np.sum(row ** 2) + np.sum(np.cos(row)) * 0.5
            return s
    ''', (normal(20, 3, 2),)),
    "for: zip": case('''
        def f(X, Y):
            s = 0.0
            for p, q in zip(X, Y):
                s = s + np.sum(p * np.tanh(q))
            return s ** 2
    ''', (normal(21, 3, 2), normal(22, 3, 2))),
    "for: zip of a range and rows": case('''
        def f(X, n):
            s = 0.0
            for i, row in zip(range(n), X):
                s = s + np.sum(np.sin(row * (i + 1)))
            return s
    ''', (normal(23, 4, 3), 2)),
    "for: swapped pair": case('''
        def f(x):
            p = x
            q = np.sin(x)
            for i in range(4):
                p, q = q, p * 0.5 + np.tanh(q)
            return np.sum(p * q)
    ''', (normal(24, 3),)),
    "for: augmented assignments": case('''
        def f(x, w):
            s = 0.0
            h = np.sin(x)  # a new array: h *= 0.9 must not change x (as it would in Python)
            for i in range(len(x)):
                s += x[i] * w[i]
                h *= 0.9
                h += np.sin(w) * 0.1
            return s + np.sum(h ** 2)
    ''', (normal(25, 3), normal(26, 3))),
    "for: branch in the loop": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                if x[i] > 0.0:
                    s = s + np.sin(x[i]) * s + x[i]
                else:
                    s = s * 0.5 - x[i] ** 2
            return s
    ''', (a(0.5, -0.7, 1.2, -0.3, 0.9),), (a(-0.4, -0.8, -1.1, -0.6, -0.3),)),
    "for: conditional expression in the loop": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                s = s + (x[i] if x[i] > 0.0 else 0.1 * x[i]) * np.cos(s)
            return s
    ''', (a(0.5, -0.7, 1.2, -0.3),)),
    "for: running maximum": case('''
        def f(x):
            m = x[0]
            for i in range(1, len(x)):
                if x[i] > m:
                    m = x[i]
            return m * np.sum(np.sin(x))
    ''', (a(0.3, 1.5, -0.2, 0.9, 2.4),)),
    "for: elif chain and a helper in the loop": case('''
        def act(u):
            return np.tanh(u) if u > 0.0 else 0.1 * u


        def f(x, w):
            s = 0.0
            for i in range(len(x)):
                z = x[i] * w[i]
                if z > 1.0:
                    s = s + np.log(z) * s
                elif z < -1.0:
                    s = s - z * 0.5
                else:
                    s = s + act(z)
            return s
    ''', (a(2.0, -1.5, 0.5, -0.4, 0.3), a(1.0, 1.2, 0.8, 1.5, -2.0))),
    # ---------------------------------------------------------------- while loops
    "while: scalar": case('''
        def f(x):
            s = 1.0
            k = 0
            while s < 10.0:
                s = s * 1.5 + x
                k = k + 1
            return s * k
    ''', (0.3,), (2.0,)),
    "while True: left by a return": case('''
        def f(x):
            t = 0.0
            while True:
                t = t + np.sum(x) * 0.5
                if t > 3.0:
                    return t * x[0]
    ''', (a(1.1, 2.0),), (a(0.4, 0.3),)),
    "while True: an inner loop's break is its own": case('''
        def f(x):
            k = 0
            while True:
                k = k + 1
                for j in range(3):
                    if j > 1:
                        break
                    x = x * 1.1
                if np.sum(x) * k > 4.0:
                    return np.sum(np.sin(x * k))
    ''', (a(1.0, 2.2),), (a(0.3, 0.5),)),
    "while: array state and two conditions": case('''
        def f(x):
            h = 0.1 * x
            k = 0
            while np.sum(h * h) < 4.0 and k < 20:
                h = h * 1.3 + 0.1 * np.sin(x)
                k += 1
            return np.sum(h * x)
    ''', (a(0.5, -1.0, 0.8),), (a(0.002, -0.001, 0.001),)),
    "while: Newton's square root": case('''
        def f(c):
            y = c
            while np.abs(y * y - c) > 1e-10:
                y = 0.5 * (y + c / y)
            return y
    ''', (2.0,), (50.0,)),
    "while: the adjoint reads the carried value": case('''
        def f(x):
            y = x
            while y < 4.0:
                y = y + np.sqrt(y) * x
            return y
    ''', (0.8,), (1.5,)),
    "while: nested": case('''
        def f(x):
            j = 0
            while j < 2:
                k = 0
                while k < 3:
                    x = np.sin(x) * 1.5
                    k = k + 1
                j = j + 1
            return np.sum(x)
    ''', (normal(33, 3),)),
    "while: break": case('''
        def f(x):
            s = 0.0
            k = 0
            while k < 10:
                s = s + np.sin(x * (k + 1))
                if s > 1.5:
                    break
                k = k + 1
            return s * x
    ''', (0.4,), (-0.3,)),
    # ---------------------------------------------------------------- break, continue, return
    "for: break": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                s = s + x[i] ** 2
                if s > 2.0:
                    break
            return s * np.sum(x)
    ''', (a(0.5, 1.0, 1.2, 0.3),), (a(0.1, 0.2, 0.3, 0.4),)),
    "for: continue": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                if x[i] < 0.0:
                    continue
                s = s + np.sin(x[i]) * x[i]
            return s + np.sum(x) * 0.1
    ''', (a(0.5, -0.6, 1.1, -0.2),)),
    "for: break and continue": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                if x[i] < -1.0:
                    break
                if x[i] < 0.0:
                    continue
                s = s + x[i] * np.cos(s)
            return s
    ''', (a(0.5, -0.5, 0.8, -1.5, 0.9),)),
    "for: early return": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                s = s + np.tanh(x[i]) * (i + 1)
                if s > 1.5:
                    return s * x[0]
            return s - np.sum(x)
    ''', (a(0.5, 0.6, 0.2, 0.1),), (a(-0.5, 0.2, 0.1, -0.3),)),
    "for: early return of a value computed in the loop": case('''
        def f(x, y):
            for i in range(2):
                y = x * x[i]
                if x[0] > 0.0:
                    return np.sum(x + y)
            return np.sum(y)
    ''', (a(0.5, 1.0, 2.0), a(1.0, 1.0, 1.0)), (a(-0.5, 1.0, 2.0), a(1.0, 1.0, 1.0))),
    "for: continue before an assignment in one arm": case('''
        def f(x):
            s = 0.0
            for i in range(len(x)):
                if x[i] > 0.0:
                    if x[i] > 1.0:
                        continue
                    m = np.sin(x[i])
                else:
                    m = x[i] ** 2
                s = s + m * s + m
            return s
    ''', (a(0.5, -0.7, 1.5, 0.3),)),
    "for: early return from nested loops": case('''
        def f(X):
            s = 0.0
            for i in range(X.shape[0]):
                for j in range(X.shape[1]):
                    s = s + X[i, j] ** 2
                    if s > 3.0:
                        return s * X[0, 0]
            return -s
    ''', (a(0.5, 1.1, 1.2, 0.9, 0.6, 0.3).reshape(2, 3),),
        (a(0.5, 0.1, 0.2, 0.3, 0.6, 0.3).reshape(2, 3),)),
    "for: break out of the inner loop": case('''
        def f(X):
            s = 0.0
            for i in range(X.shape[0]):
                for j in range(X.shape[1]):
                    if X[i, j] < -0.5:
                        break
                    s = s + np.sin(X[i, j]) * (1.0 + 0.1 * s)
            return s
    ''', (a(0.3, -0.9, 0.7, 0.8, 0.2, 0.4, 1.1, -1.2, 0.1).reshape(3, 3),)),
    # ---------------------------------------------------------------- user functions
    "for: user function in the loop": case('''
        def cell(h, x, W):
            return np.tanh(W @ h + x)


        def f(W, X):
            h = X[0]
            for t in range(1, X.shape[0]):
                h = cell(h, X[t], W)
            return np.sum(h * X[0])
    ''', (normal(27, 3, 3, scale=0.5), normal(28, 4, 3))),
    "for: user function with a loop": case('''
        def horner(c, x):
            s = 0.0
            for k in range(len(c)):
                s = s * x + c[k]
            return s


        def f(c, x):
            return horner(c, x) * horner(c[::-1], np.sin(x))
    ''', (normal(29, 4), 0.7)),
    "for: user function with early returns": case('''
        def soft_clip(u):
            if u > 1.0:
                return 1.0 + np.tanh(u - 1.0)
            if u < -1.0:
                return -1.0 + np.tanh(u + 1.0)
            return u


        def f(x):
            s = 0.0
            for i in range(len(x)):
                s = s + soft_clip(x[i] * 1.5) * x[i]
            return s
    ''', (a(0.2, 1.2, -0.9, -0.3, 2.0),)),
    # ---------------------------------------------------------------- models
    "model: scalar recurrence": case('''
        def f(x, r):
            dt = 0.05
            for t in range(40):
                x = x + dt * (r * x - x ** 3)
            return x
    ''', (0.3, 1.2)),
    "model: small RNN": case('''
        def f(W, U, X):
            h = np.zeros(W.shape[0])
            loss = 0.0
            for t in range(X.shape[0]):
                h = np.tanh(W @ h + U @ X[t])
                loss = loss + np.sum(h ** 2)
            return loss
    ''', (normal(30, 4, 4, scale=0.5), normal(31, 4, 3, scale=0.5), normal(32, 5, 3))),
}

# forward over reverse on a representative subset
HVP_PROGRAMS = [
    "if: scalar", "if: elif chain", "if: nested", "if: and, or, not", "if: early return",
    "for: constant range", "for: branch in the loop", "for: rows", "for: enumerate",
    "for: nested, triangular", "for: break", "for: early return", "while: scalar",
    "for: user function in the loop", "model: small RNN",
]

# a handful for the shape-specialising compile (grad(..., specialize=True))
SPECIALIZE_PROGRAMS = [
    "if: on a reduction", "for: loop-carried array", "for: rows", "for: zip",
    "for: break", "while: array state and two conditions", "model: small RNN",
]


# ---------------------------------------------------------------- running things

def primal_of(name):
    """The original Python function of CORPUS[name] (its source executed with numpy)
    and the file name its code objects carry."""
    filename = f"<control-flow: {name}>"
    namespace: dict = {}
    exec(compile(HEADER + CORPUS[name].source, filename, "exec"), namespace)
    return namespace["f"], filename


def gradc_function(module_from_source, name):
    return module_from_source(HEADER + CORPUS[name].source, "control_flow").f


def wrt_of(name, args):
    wrt = CORPUS[name].wrt
    if wrt is None:
        wrt = tuple(i for i, v in enumerate(args) if isinstance(v, float)
                    or (isinstance(v, np.ndarray) and v.dtype.kind == "f"))
    return wrt


def path(f, filename, args):
    """The lines of the module that f(*args) executes and the bytecode it runs, in
    order: the path it takes (opcodes tell the two arms of ``a if c else b`` apart)."""
    events = []

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != filename:
            return None
        frame.f_trace_opcodes = True
        if event == "line":
            events.append((frame.f_code.co_name, "line", frame.f_lineno))
        elif event == "opcode":
            events.append((frame.f_code.co_name, "opcode", frame.f_lasti))
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        f(*args)
    finally:
        sys.settrace(previous)
    return tuple(events)


def lines_of(events):
    return {(function, line) for function, kind, line in events if kind == "line"}


def statement_lines(source):
    """(function, line) of every statement inside the module's functions."""
    lines = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            lines |= {(node.name, s.lineno) for s in ast.walk(node)
                      if isinstance(s, ast.stmt) and s is not node}
    return lines


def directions(name, index, args, wrt, count=3):
    """``count`` random unit directions (one array or float per wrt argument)."""
    rng = np.random.default_rng([sum(map(ord, name)), index])
    for _ in range(count):
        parts = [rng.normal(size=np.shape(args[i])) for i in wrt]
        norm = np.sqrt(sum(np.sum(p * p) for p in parts))
        yield tuple(p / norm if np.ndim(args[i]) else float(p / norm)
                    for p, i in zip(parts, wrt))


def moved(args, wrt, v, t):
    shifted = list(args)
    for i, d in zip(wrt, v):
        shifted[i] = args[i] + t * d
    return shifted


STEP = 1e-4  # five-point stencil: truncation O(STEP^4), rounding O(1e-16 / STEP)


def stencil_is_on_one_path(f, filename, args, wrt, v):
    here = path(f, filename, args)
    return all(path(f, filename, moved(args, wrt, v, t)) == here
               for t in (-2 * STEP, -STEP, STEP, 2 * STEP))


def derivative_along(f, args, wrt, v):
    """Five-point central difference of f at args along v."""
    def at(t):
        return float(f(*moved(args, wrt, v, t)))
    return (8 * (at(STEP) - at(-STEP)) - (at(2 * STEP) - at(-2 * STEP))) / (12 * STEP)


def inner(grads, v):
    return float(sum(np.sum(g * d) for g, d in zip(grads, v)))


def generated(source, wrt, optimize):
    text = compile_source(HEADER + source, "prog.py", functions=["f"], wrt=wrt,
                          options=Options(optimize=optimize, verify=True))
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    return namespace


def points(name):
    return list(enumerate(CORPUS[name].points))


# ---------------------------------------------------------------- the corpus itself

def test_corpus_size():
    assert len(CORPUS) >= 40
    assert set(HVP_PROGRAMS) <= set(CORPUS) and set(SPECIALIZE_PROGRAMS) <= set(CORPUS)


@pytest.mark.parametrize("name", list(CORPUS))
def test_points_exercise_every_path_away_from_switches(name):
    """Plain Python + NumPy: the program runs; distinct points take distinct paths and
    together execute every statement; finite-difference stencils stay on one path."""
    f, filename = primal_of(name)
    seen, paths = set(), []
    for index, args in points(name):
        value = f(*args)
        assert np.ndim(value) == 0 and np.isfinite(value)
        here = path(f, filename, args)
        paths.append(here)
        seen |= lines_of(here)
        for v in directions(name, index, args, wrt_of(name, args)):
            assert stencil_is_on_one_path(f, filename, args, wrt_of(name, args), v), \
                f"point {index} is too close to a branch switch"
    assert len(set(paths)) == len(paths), "two points take the same path"
    if CORPUS[name].cover:
        missed = statement_lines(HEADER + CORPUS[name].source) - seen
        assert not missed, f"statements no point executes: {sorted(missed)}"


def test_finite_differences_on_a_straight_line_program(module_from_source):
    """The finite-difference machinery against gradc on code gradc compiles today."""
    source = "def f(x, y):\n    return np.sum(np.sin(x) * y) + np.sum(np.tanh(x * y) ** 2)\n"
    f = module_from_source(HEADER + source, "straight").f
    namespace: dict = {}
    exec(compile(HEADER + source, "<straight>", "exec"), namespace)
    args = (normal(40, 4), normal(41, 4))
    value, grads = gradc.value_and_grad(f, wrt=(0, 1))(*args)
    assert value == pytest.approx(namespace["f"](*args), rel=1e-13)
    for v in directions("straight", 0, args, (0, 1)):
        numeric = derivative_along(namespace["f"], args, (0, 1), v)
        assert inner(grads, v) == pytest.approx(numeric, rel=1e-8, abs=1e-10)
    fast, slow = generated(source, (0, 1), True), generated(source, (0, 1), False)
    for g, h in zip(fast["grad_f"](*args), slow["grad_f"](*args), strict=True):
        assert np.allclose(g, h, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- derivatives

@pytest.mark.parametrize("name", list(CORPUS))
def test_reverse_mode_against_finite_differences(module_from_source, name):
    primal, filename = primal_of(name)
    f = gradc_function(module_from_source, name)
    for index, args in points(name):
        wrt = wrt_of(name, args)
        assert wrt, "every program differentiates something"
        value, grads = gradc.value_and_grad(f, wrt=wrt)(*args)
        expected = primal(*args)
        assert np.ndim(value) == 0
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-14), f"point {index}"
        assert len(grads) == len(wrt)
        assert [np.shape(g) for g in grads] == [np.shape(args[i]) for i in wrt]
        assert all(np.all(np.isfinite(g)) for g in grads)
        only = gradc.grad(f, wrt=wrt)(*args)
        for g, h in zip(grads, only, strict=True):
            assert np.allclose(g, h, rtol=1e-13, atol=1e-15)
        scale = max(1.0, abs(expected))
        for v in directions(name, index, args, wrt):
            assert stencil_is_on_one_path(primal, filename, args, wrt, v)
            numeric = derivative_along(primal, args, wrt, v)
            analytic = inner(grads, v)
            assert abs(analytic - numeric) <= 1e-7 * abs(numeric) + 1e-9 * scale, \
                (index, analytic, numeric)


@pytest.mark.parametrize("name", list(CORPUS))
def test_optimized_and_unoptimized_agree(name):
    primal, _ = primal_of(name)
    source = CORPUS[name].source
    wrt = wrt_of(name, CORPUS[name].points[0])
    fast, slow = generated(source, wrt, True), generated(source, wrt, False)
    for index, args in points(name):
        with np.errstate(all="ignore"):  # unoptimized code may keep dead terms
            value_fast, grads_fast = fast["value_and_grad_f"](*args)
            value_slow, grads_slow = slow["value_and_grad_f"](*args)
            grads_only = fast["grad_f"](*args)
        assert value_fast == pytest.approx(primal(*args), rel=1e-12, abs=1e-14)
        assert value_slow == pytest.approx(value_fast, rel=1e-12, abs=1e-14)
        for g, h, k in zip(grads_fast, grads_slow, grads_only, strict=True):
            assert np.allclose(g, h, rtol=1e-10, atol=1e-12), (index, g, h)
            assert np.allclose(g, k, rtol=1e-13, atol=1e-15), (index, g, k)


@pytest.mark.parametrize("name", list(CORPUS))
def test_forward_mode_tangent_is_the_gradient_along_v(module_from_source, name):
    primal, _ = primal_of(name)
    f = gradc_function(module_from_source, name)
    for index, args in points(name):
        wrt = wrt_of(name, args)
        grads = gradc.grad(f, wrt=wrt)(*args)
        v = next(directions(name, index, args, wrt))
        tangents = [np.zeros_like(x) for x in args]
        for i, d in zip(wrt, v):
            tangents[i] = d
        value, tangent = gradc.jvp(f, args, tuple(tangents))
        assert value == pytest.approx(primal(*args), rel=1e-12, abs=1e-14)
        assert tangent == pytest.approx(inner(grads, v), rel=1e-10, abs=1e-12), index


@pytest.mark.parametrize("name", HVP_PROGRAMS)
def test_hessian_vector_products_by_forward_over_reverse(module_from_source, name):
    f = gradc_function(module_from_source, name)
    primal, filename = primal_of(name)
    h = 1e-6
    for index, args in points(name):
        wrt = wrt_of(name, args)
        v = next(directions(name, index, args, wrt))
        assert stencil_is_on_one_path(primal, filename, args, wrt, v)
        products = gradc.hvp(f, wrt=wrt)(*args, v=v)
        grad = gradc.grad(f, wrt=wrt)
        plus, minus = grad(*moved(args, wrt, v, h)), grad(*moved(args, wrt, v, -h))
        assert len(products) == len(wrt)
        for product, p, m, i in zip(products, plus, minus, wrt):
            assert np.shape(product) == np.shape(args[i])
            assert np.allclose(product, (p - m) / (2 * h), rtol=1e-5, atol=1e-7), index


@pytest.mark.parametrize("name", SPECIALIZE_PROGRAMS)
def test_specialized_compiles_agree(module_from_source, name):
    f = gradc_function(module_from_source, name)
    for index, args in points(name):
        wrt = wrt_of(name, args)
        general = gradc.grad(f, wrt=wrt)(*args)
        special = gradc.grad(f, wrt=wrt, specialize=True)
        for _ in range(2):  # the second call takes the shortcut for seen shapes
            for g, s in zip(general, special(*args), strict=True):
                assert np.allclose(g, s, rtol=1e-12, atol=1e-14), index


# ---------------------------------------------------------------- exact gradients

def test_both_branches_give_their_own_exact_gradient(module_from_source):
    module = module_from_source(HEADER + textwrap.dedent('''
        def f(x):
            if x > 1.0:
                y = 3.0 * x
            elif x > 0.0:
                y = x * x
            else:
                y = -x
            return y
    '''), "exact_branches")
    grad = gradc.grad(module.f)
    assert [grad(x) for x in (2.0, 0.5, -4.0)] == [3.0, 1.0, -1.0]


def test_loop_gradient_is_exact(module_from_source):
    # f = sum((x * c^n)^2) = c^(2n) sum(x^2): the gradient is 2 c^(2n) x
    module = module_from_source(HEADER + textwrap.dedent('''
        def f(x, n):
            y = x
            for i in range(int(n)):
                y = y * 1.5
            return np.sum(y * y)
    '''), "exact_loop")
    grad = gradc.grad(module.f, wrt=0)
    x = a(1.0, -2.0, 0.5)
    for n in (0, 1, 2, 5):
        assert np.allclose(grad(x, n), 2 * 1.5 ** (2 * n) * x, rtol=1e-14, atol=0.0), n


# ---------------------------------------------------------------- run-time trip counts

TRIP_COUNT = '''
def f(x, n):
    h = np.sin(x)
    s = np.sum(x ** 2)
    for i in range(int(n)):
        h = np.tanh(h * 0.9 + x * 0.2)
        s = s + np.sum(h) * 0.1
    return s
'''


@pytest.mark.parametrize("n", [0, 1, 5, 50, 5.0])
def test_trip_count_read_at_run_time(module_from_source, n):
    """One compiled gradient serves every iteration count, including none (the
    straight-line part alone: the gradient of sum(x ** 2) is 2x)."""
    f = module_from_source(HEADER + TRIP_COUNT, "trips").f
    namespace: dict = {}
    exec(compile(HEADER + TRIP_COUNT, "<trips>", "exec"), namespace)
    x = normal(42, 4)
    value, grad = gradc.value_and_grad(f, wrt=0)(x, n)
    assert np.shape(grad) == (4,)
    assert value == pytest.approx(namespace["f"](x, n), rel=1e-12)
    if n == 0:
        assert np.allclose(grad, 2 * x, rtol=1e-14, atol=0.0)
    for v in directions(f"trips {n}", 0, (x,), (0,)):
        numeric = derivative_along(namespace["f"], (x, n), (0,), v)
        assert inner((grad,), v) == pytest.approx(numeric, rel=1e-7, abs=1e-9)


def test_one_compile_serves_every_trip_count(module_from_source):
    f = module_from_source(HEADER + TRIP_COUNT, "trips_once").f
    grad = gradc.grad(f, wrt=0)
    x = normal(43, 3)
    results = [grad(x, n) for n in (50, 0, 3, 0, 50)]
    assert np.array_equal(results[0], results[4]) and np.array_equal(results[1], results[3])
    assert np.array_equal(results[1], 2 * x)


# ---------------------------------------------------------------- unrolled loops

UNROLLED = {
    "constant range": ('''
        def f(x):
            y = x
            for i in range(3):
                y = np.sin(y) + x * 0.5
            return np.sum(y)
    ''', '''
        def f(x):
            y = x
            y = np.sin(y) + x * 0.5
            y = np.sin(y) + x * 0.5
            y = np.sin(y) + x * 0.5
            return np.sum(y)
    ''', (normal(44, 4),)),
    "rnn": ('''
        def f(W, X):
            h = np.zeros(W.shape[0])
            for t in range(X.shape[0]):
                h = np.tanh(W @ h + X[t])
            return np.sum(h ** 2)
    ''', '''
        def f(W, X):
            h = np.zeros(W.shape[0])
            h = np.tanh(W @ h + X[0])
            h = np.tanh(W @ h + X[1])
            h = np.tanh(W @ h + X[2])
            return np.sum(h ** 2)
    ''', (normal(45, 3, 3, scale=0.5), normal(46, 3, 3))),
    "rows and enumerate": ('''
        def f(X):
            s = 0.0
            for i, row in enumerate(X):
                s = s * 0.5 + (i + 1) * np.sum(np.sin(row))
            return s
    ''', '''
        def f(X):
            s = 0.0
            s = s * 0.5 + 1 * np.sum(np.sin(X[0]))
            s = s * 0.5 + 2 * np.sum(np.sin(X[1]))
            return s
    ''', (normal(47, 2, 3),)),
}


@pytest.mark.parametrize("name", list(UNROLLED))
def test_loops_agree_with_their_unrolled_programs(module_from_source, name):
    loop, unrolled, args = UNROLLED[name]
    f = module_from_source(HEADER + textwrap.dedent(loop), "looped").f
    g = module_from_source(HEADER + textwrap.dedent(unrolled), "unrolled").f
    wrt = tuple(range(len(args)))
    value_f, grads_f = gradc.value_and_grad(f, wrt=wrt)(*args)
    value_g, grads_g = gradc.value_and_grad(g, wrt=wrt)(*args)
    assert value_f == pytest.approx(value_g, rel=1e-13)
    for p, q in zip(grads_f, grads_g, strict=True):
        assert np.allclose(p, q, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- run-time errors

def test_an_array_condition_is_a_run_time_error(module_from_source):
    module = module_from_source(HEADER + textwrap.dedent('''
        def f(x):
            if x > 0.0:
                y = x * 2.0
            else:
                y = x * 3.0
            return np.sum(y)
    '''), "array_condition")
    grad = gradc.grad(module.f)
    assert grad(1.5) == 2.0 and grad(-1.5) == 3.0
    with pytest.raises((ValueError, gradc.GradcError)):
        grad(a(1.0, -1.0, 2.0))


# ---------------------------------------------------------------- rejections

# "# <-" marks the lines an error may be reported at (any one of them): the offending
# statement, or for a name bound in one branch also its use, for an else clause the 'else:'
# itself
REJECTED = {
    "for ... else": '''
        def f(x):
            s = 0.0
            for i in range(3):  # <-
                s = s + x
            else:  # <-
                s = s * 2.0
            return s
    ''',
    "while ... else": '''
        def f(x):
            s = x
            while s < 10.0:  # <-
                s = s * 2.0
            else:  # <-
                s = s + 1.0
            return s
    ''',
    "try in a loop": '''
        def f(x):
            s = 0.0
            for i in range(3):
                try:  # <-
                    s = s + x
                except ValueError:
                    s = s - x
            return s
    ''',
    "yield": '''
        def f(x):
            for i in range(3):
                yield x * i  # <-
    ''',
    "yield in a branch": '''
        def f(x):
            if x > 0.0:
                y = yield x  # <-
            return x
    ''',
    "recursion with a base case": '''
        def f(x):
            if x < 1.0:
                return x
            return f(x * 0.5) + x  # <-
    ''',
    "recursion in a loop": '''
        def f(x):
            s = 0.0
            for i in range(2):
                s = s + f(x)  # <-
            return s
    ''',
    "recursion through another function": '''
        def g(x):
            if x > 1.0:
                return f(x - 1.0)  # <-
            return x


        def f(x):
            return g(x) * 2.0
    ''',
    "name bound in one branch only": '''
        def f(x):
            if x > 0.0:  # <-
                y = x * 2.0
            return y * x  # <-
    ''',
    "name bound in one branch of an elif chain": '''
        def f(x):
            if x > 1.0:  # <-
                y = x * 2.0
            elif x > 0.0:
                y = x
            else:
                z = x
            return y * x  # <-
    ''',
    "loop variable after the loop": '''
        def f(x):
            s = 0.0
            for i in range(3):
                s = s + x
            return s * i  # <-
    ''',
    "enumerated row after the loop": '''
        def f(X):
            s = 0.0
            for i, row in enumerate(X):
                s = s + np.sum(row)
            return s * np.sum(row)  # <-
    ''',
}


def marked(source):
    return [n for n, line in enumerate(source.splitlines(), 1) if line.endswith("# <-")]


@pytest.mark.parametrize("name", list(REJECTED))
def test_rejections_are_located(module_from_source, name):
    source = HEADER + textwrap.dedent(REJECTED[name]).strip() + "\n"
    lines = marked(source)
    module = module_from_source(source, "rejected")
    with pytest.raises(gradc.UnsupportedSyntaxError) as caught:  # compiled by grad
        gradc.grad(module.f)
    error = caught.value
    assert isinstance(error, SyntaxError)
    assert error.lineno in lines, str(error)
    text = str(error)
    assert text.startswith(f"{module.__file__}:{error.lineno}:")
    code = source.splitlines()[error.lineno - 1].strip()
    assert code in text  # the offending line is quoted


@pytest.mark.parametrize("statement", ["break", "continue"])
@pytest.mark.parametrize("where", ["function body", "branch", "helper called in a loop"])
def test_break_and_continue_outside_a_loop(statement, where):
    if where == "function body":
        body = f"def f(x):\n    y = x * 2.0\n    {statement}  # <-\n    return y\n"
    elif where == "branch":
        body = (f"def f(x):\n    y = x\n    if x > 0.0:\n        {statement}  # <-\n"
                "    return y\n")
    else:  # a loop in the caller does not make the callee's break legal
        body = (f"def g(x):\n    if x > 0.0:\n        {statement}  # <-\n    return x\n\n\n"
                "def f(x):\n    s = 0.0\n    for i in range(3):\n        s = s + g(x)\n"
                "    return s\n")
    source = HEADER + body
    with pytest.raises(SyntaxError) as caught:  # gradc's error, or Python's own
        compile_source(source, "prog.py", functions=["f"], options=Options(optimize=False))
    assert caught.value.lineno in marked(source), str(caught.value)


# ---------------------------------------------------------------- generated code

SIMPLE_LOOP = '''
def f(x):
    s = 0.0
    for i in range(len(x)):
        s = s + np.sin(x[i]) * s + x[i]
    return s
'''


def imports_of(text):
    return {line for line in text.splitlines() if line.startswith(("import ", "from "))}


@pytest.mark.parametrize("optimize", [True, False])
def test_reverse_code_of_a_loop_reads_like_a_loop(optimize):
    text = compile_source(HEADER + SIMPLE_LOOP, "loop.py", functions=["f"],
                          options=Options(optimize=optimize))
    assert re.search(r"^\s*for \w+ in reversed\(range\(|^\s*for _ in range\(", text, re.M), text
    assert re.search(r"^\s*# grad of: for i in range\(len\(x\)\)", text, re.M), text
    assert re.search(r"^\s*\w+ = \[\]", text, re.M) and ".append(" in text, text
    assert ".pop()" in text, text
    assert imports_of(text) <= {"import numpy as np", "import math"}, text
    namespace: dict = {}
    exec(compile(text, "<generated>", "exec"), namespace)
    x = a(0.3, -0.4, 0.5)
    value, grad = namespace["value_and_grad_f"](x)
    primal: dict = {}
    exec(compile(HEADER + SIMPLE_LOOP, "<primal>", "exec"), primal)
    assert value == pytest.approx(primal["f"](x), rel=1e-13)
    assert np.shape(grad) == (3,)


@pytest.mark.parametrize("mode", ["reverse", "vjp", "forward", "hvp"])
def test_only_numpy_and_math_are_imported_by_generated_code(mode):
    source = HEADER.replace("import numpy as np", "import math\nimport numpy as np") + \
        "def f(x):\n    s = 0.0\n    for i in range(3):\n        if x > 0.0:\n" \
        "            s = s + math.sin(x * i)\n        else:\n            s = s - x\n" \
        "    return s\n"
    text = compile_source(source, "m.py", functions=["f"], options=Options(mode=mode))
    assert imports_of(text) <= {"import numpy as np", "import math"}, text


def test_straight_line_code_has_no_tape():
    text = compile_source(HEADER + "def f(x):\n    y = np.sin(x) * x\n    return np.sum(y)\n",
                          "line.py", functions=["f"])
    assert ".append(" not in text and ".pop()" not in text


def test_the_branch_not_taken_is_not_evaluated(module_from_source):
    """Only the taken branch runs, in the value and in the gradient: no log of a
    negative number, no division by zero, no warnings."""
    module = module_from_source(HEADER + UNTAKEN, "untaken")
    with np.errstate(all="raise"):
        assert gradc.value_and_grad(module.f)(-2.0) == (2.0, -1.0)
        assert gradc.grad(module.f)(2.0) == pytest.approx(0.5 - 0.25, rel=1e-15)


def test_the_branch_not_taken_is_not_evaluated_in_forward_mode(module_from_source):
    module = module_from_source(HEADER + UNTAKEN, "untaken_forward")
    with np.errstate(all="raise"):
        assert gradc.jvp(module.f, (-2.0,), (1.0,)) == (2.0, -1.0)
        assert gradc.hvp(module.f)(-2.0, v=1.0) == 0.0
        assert gradc.hvp(module.f)(2.0, v=1.0) == pytest.approx(-0.25 + 0.25, abs=1e-15)


UNTAKEN = '''
def f(x):
    if x > 0.0:
        y = np.log(x) + 1.0 / x
    else:
        y = -x
    return y
'''
