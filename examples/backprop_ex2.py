"""Worked example 2 of the backpropagation lecture: three sigmoid layers, cross-entropy.

    z0 = x;  for i = 1, 2, 3:  u_i = alpha_i^T z_{i-1};  z_i = sigma(u_i);   yhat = z3
    J = -( y log(yhat) + (1 - y) log(1 - yhat) )

alpha1 is (d0, d1), alpha2 is (d1, d2) and alpha3 is (d2,), so yhat is a probability.
Intercepts are left out, as in the lecture. The generated backward pass computes, for
i = 3, 2, 1: g_u_i = g_z_i sigma(u_i)(1 - sigma(u_i)), g_alpha_i = z_{i-1} g_u_i^T and
g_z_{i-1} = alpha_i g_u_i.
"""

import numpy as np


def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def loss(alpha1, alpha2, alpha3, x, y):
    z1 = sigmoid(alpha1.T @ x)
    z2 = sigmoid(alpha2.T @ z1)
    yhat = sigmoid(alpha3.T @ z2)
    return -(y * np.log(yhat) + (1.0 - y) * np.log(1.0 - yhat))
