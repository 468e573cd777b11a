"""The smallest rewrite of ``saddle.py`` whose outer cost ``r1_cost`` gradc compiles (see
``REWRITES``); the outer descent itself, which only calls gradc, is ``saddle.py``'s."""

import numpy as np
from kinds import CLOSURE, FORM, NESTED
from saddle import multivariate_argmax, multivariate_argmin

import gradc

REWRITES = [
    (NESTED,
     'the inner gradient gradc.grad(r2_cost, wrt=1), a function gradc cannot call (no '
     'nested differentiation), written by hand: grad_r2_cost(p1, p) = -2 p'),
    (CLOSURE,
     "the lambdas passed to the solver, and the solver's calls of the functions it is "
     'given (gradc has no function values), as a copy of the solver, '
     'argmax_r2_cost(p1, x), that calls r2_cost and grad_r2_cost by name'),
    (FORM,
     "the solver's while True whose exits are all return (refused: may end without "
     'returning) as while not done, with a flag'),
]


def objective(x1, y1, x2, y2):
    return (x1 * x1 + y1 * y1) - (x2 * x2 + y2 * y2)


def r2_cost(p1, p):
    return objective(p1[0], p1[1], p[0], p[1])


def grad_r2_cost(p1, p):
    return np.array([-2.0 * p[0], -2.0 * p[1]])


def argmax_r2_cost(p1, x):
    fx = -r2_cost(p1, x)
    gx = -grad_r2_cost(p1, x)
    i = 0
    eta = 1e-5
    done = False
    while not done:
        if np.linalg.norm(gx) <= 1e-5:
            done = True
        elif i == 10:
            eta *= 2
            i = 0
        else:
            x_prime = x - eta * gx
            if np.linalg.norm(x - x_prime) <= 1e-5:
                done = True
            else:
                fx_prime = -r2_cost(p1, x_prime)
                if fx_prime < fx:
                    x = x_prime
                    fx = fx_prime
                    gx = -grad_r2_cost(p1, x)
                    i += 1
                else:
                    eta /= 2
                    i = 0
    return x


def r1_cost(p1, start):
    return r2_cost(p1, argmax_r2_cost(p1, start))


def saddle(start):
    grad_r1_cost = gradc.grad(r1_cost, wrt=0)
    r1 = multivariate_argmin(
        lambda p1: r1_cost(p1, start), lambda p1: grad_r1_cost(p1, start), start
    )
    r2 = multivariate_argmax(
        lambda p: r2_cost(r1, p), lambda p: grad_r2_cost(r1, p), start
    )
    return np.concatenate([r1, r2])

