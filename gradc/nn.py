"""Numerically stable building blocks for machine learning, as plain NumPy functions.

They run without gradc, and gradc differentiates them with rules written in terms of
their outputs (sigmoid: g*y*(1 - y), log_softmax: g - exp(y)*sum(g)), so neither values
nor gradients overflow for inputs as large as 1e3 in float64. Use them in compiled
functions as ``from gradc import nn`` then ``nn.sigmoid(x)``.
"""

import numpy as np

from .ir.helpers import _log_sigmoid as log_sigmoid
from .ir.helpers import _log_softmax as log_softmax
from .ir.helpers import _logsumexp as logsumexp
from .ir.helpers import _relu as relu
from .ir.helpers import _sigmoid as sigmoid
from .ir.helpers import _softmax as softmax
from .ir.helpers import _softplus as softplus

tanh = np.tanh

__all__ = ["sigmoid", "log_sigmoid", "softplus", "relu", "tanh", "logsumexp", "softmax",
           "log_softmax", "softmax_cross_entropy", "binary_cross_entropy_with_logits", "mse"]


def softmax_cross_entropy(logits, labels):
    """Mean over the batch of -sum(labels * log_softmax(logits)) along the last axis;
    labels are one-hot rows or probabilities."""
    return np.mean(-np.sum(labels * log_softmax(logits, axis=-1), axis=-1))


def binary_cross_entropy_with_logits(logits, labels):
    """Mean of -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))) = softplus(z) - y z."""
    return np.mean(softplus(logits) - labels * logits)


def mse(predictions, targets):
    """Mean squared error."""
    return np.mean((predictions - targets) ** 2)
