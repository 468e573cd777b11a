"""Branches and loops, differentiated by gradc (see the README's "Control flow").

    gradc compile examples/loops.py      ->  loops_grad.py (generated/ keeps a copy)
"""

import numpy as np


def rnn_loss(W, U, h0, X):
    """A small recurrent network run over the rows of X, with a squared-state loss."""
    h = h0
    loss = 0.0
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t])
        loss = loss + np.sum(h * h)
    return loss


def huber(r, delta=1.0):
    """The Huber loss of a residual: quadratic near 0, linear beyond delta."""
    if abs(r) <= delta:
        return 0.5 * r * r
    return delta * (abs(r) - 0.5 * delta)


def newton_sqrt(c):
    """Newton's iteration for the square root of c, run until it has converged."""
    y = c
    k = 0
    while abs(y * y - c) > 1e-12 and k < 50:
        y = 0.5 * (y + c / y)
        k = k + 1
    return y


def sum_to_first_peak(x, level):
    """The sum of x up to and including its first entry above level."""
    s = 0.0
    for xi in x:
        s = s + xi
        if xi > level:
            break
    return s
