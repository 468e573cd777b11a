"""Writing into arrays and building lists, as NumPy code does, differentiated by gradc.

    gradc compile examples/writes.py   ->  writes_grad.py (generated/ keeps a copy)

``pairwise_features`` fills a preallocated array row by row; ``rnn_states`` appends each
state of a recurrent network to a list and stacks it. In the generated code the writes
are made in place, and the adjoint of each read or write touches only its entries.
"""

import numpy as np


def pairwise_features(x, w):
    """Each row of x mapped to three features, then a weighted sum of their squares."""
    n = x.shape[0]
    features = np.zeros((n, 3))
    for i in range(n):
        features[i, 0] = np.sum(x[i] * w)
        features[i, 1] = np.tanh(x[i, 0])
        features[i, 2:] = x[i, 1] ** 2
    return np.sum(features ** 2)


def rnn_states(W, U, h0, X):
    """The states of h <- tanh(W h + U x_t), kept in a list, stacked, then penalised."""
    h = h0
    states = []
    for t in range(X.shape[0]):
        h = np.tanh(W @ h + U @ X[t])
        states.append(h)
    H = np.stack(states)
    return np.sum(H ** 2) / len(states)
