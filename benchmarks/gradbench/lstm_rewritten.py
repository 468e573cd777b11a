"""The smallest rewrite of ``lstm.py`` that gradc compiles (see ``REWRITES``)."""

import numpy as np
from kinds import FORM, LIST, MISSING, WRITE

from gradc.nn import sigmoid as expit

REWRITES = [
    (FORM,
     'the optional _range=None (refused: defaults must be numbers) dropped, as no '
     'caller passes it'),
    (FORM,
     'its default range(0, len(sequence) - 1), kept in a variable and indexed '
     '(_range[0]; refused: range is only understood in a for), written in the loop '
     'header and the first index as 0'),
    (LIST,
     'the list all_states ([state], .append, all_states[t]) replaced by carrying the '
     'latest state, the only one read'),
    (WRITE,
     's2 = s.copy() as s2 = s (refused: arrays are values in gradc)'),
    (WRITE,
     'the writes (s2[i], s2[i + 1]) = lstm(...) as hidden, cell = lstm(...) and s2 = '
     'np.where(rows == i, hidden, np.where(rows == i + 1, cell, s2)); x = s2[i] as x = '
     'hidden'),
    (MISSING,
     'scipy.special.expit imported as gradc.nn.sigmoid'),
    (MISSING,
     'the builtin sum(v, 2) and sum(v) of vectors as 2 + np.sum(v) and np.sum(v)'),
]


# The LSTM model
def lstm(weight, bias, hidden, cell, _input):
    # NOTE this line came from: gates = hcat(input,hidden) * weight .+ bias
    gates = np.concatenate((_input, hidden, _input, hidden)) * weight + bias
    hsize = hidden.shape[0]
    forget = expit(gates[0:hsize])
    ingate = expit(gates[hsize : 2 * hsize])
    outgate = expit(gates[2 * hsize : 3 * hsize])
    change = np.tanh(gates[3 * hsize :])
    cell = cell * forget + ingate * change
    hidden = outgate * np.tanh(cell)
    return (hidden, cell)


# Predict output given an input
def predict(w, w2, s, x):
    s2 = s
    # NOTE not sure if this should be element-wise or matrix multiplication
    x = x * w2[0]
    rows = np.arange(len(s))[:, None]
    for i in range(0, len(s), 2):
        hidden, cell = lstm(w[i], w[i + 1], s[i], s[i + 1], x)
        s2 = np.where(rows == i, hidden, np.where(rows == i + 1, cell, s2))
        x = hidden
    return (x * w2[1] + w2[2], s2)


# Get the average loss for the LSTM across a sequence of inputs
def lstm_objective(main_params, extra_params, state, sequence):
    total = 0.0
    count = 0
    _input = sequence[0]
    for t in range(0, len(sequence) - 1):
        ypred, state = predict(main_params, extra_params, state, _input)
        ynorm = ypred - np.log(2 + np.sum(np.exp(ypred)))
        ygold = sequence[t + 1]
        total += np.sum(ygold * ynorm)
        count += ygold.shape[0]
        _input = ygold
    return -total / count
