"""GradBench's ``lstm`` eval: the average log-loss of ADBench's LSTM (diagonal weights)
predicting a text one character (as bits) at a time.

Origin: https://github.com/gradbench/gradbench (MIT licence), ``evals/lstm`` and the
PyTorch tool's ``lstm_objective`` (Microsoft's ADBench, MIT licence); ported to NumPy as
its author wrote it in PyTorch: ``lstm`` returns a tuple, ``predict`` copies the state and
writes each layer's new hidden and cell rows into the copy, the objective keeps every
state on a Python list and reads ``all_states[t]``, ``_range`` defaults to ``None``, and
the normaliser is Python's builtin ``sum(..., 2)`` (a start value of 2, a quirk of the
original kept as it is). ``torch.sigmoid`` is ``scipy.special.expit``.
"""

import numpy as np
from scipy.special import expit


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
    s2 = s.copy()
    # NOTE not sure if this should be element-wise or matrix multiplication
    x = x * w2[0]
    for i in range(0, len(s), 2):
        (s2[i], s2[i + 1]) = lstm(w[i], w[i + 1], s[i], s[i + 1], x)
        x = s2[i]
    return (x * w2[1] + w2[2], s2)


# Get the average loss for the LSTM across a sequence of inputs
def lstm_objective(main_params, extra_params, state, sequence, _range=None):
    if _range is None:
        _range = range(0, len(sequence) - 1)

    total = 0.0
    count = 0
    _input = sequence[_range[0]]
    all_states = [state]
    for t in _range:
        ypred, new_state = predict(main_params, extra_params, all_states[t], _input)
        all_states.append(new_state)
        ynorm = ypred - np.log(sum(np.exp(ypred), 2))
        ygold = sequence[t + 1]
        total += sum(ygold * ynorm)
        count += ygold.shape[0]
        _input = ygold
    return -total / count


# -- what the benchmark differentiates, and its input ---------------------------------

TARGET = "lstm_objective"
MODE = "grad"
WRT = (0, 1)


def make_input(small=False):
    """GradBench's smallest input: l = 2 layers, c = 1024 characters of 7 bits (here
    random bits for the text; parameters and state uniform, seed 31337); ``small``:
    l = 1, c = 4, 3 bits."""
    np.random.seed(31337)
    layers, chars, bits = (1, 4, 3) if small else (2, 1024, 7)
    sequence = (np.random.rand(chars, bits) < 0.5).astype(np.float64)
    state = np.random.random((2 * layers, bits))
    main_params = np.random.random((2 * layers, bits * 4))
    extra_params = np.random.random((3, bits))
    return (main_params, extra_params, state, sequence), {}
