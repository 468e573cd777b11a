"""The lecture's models as losses gradc compiles: logistic regression and a network with
one hidden layer of logistic units. Binary cross-entropy on the logits keeps the loss
finite however confident the model becomes."""

from gradc import nn


def logistic_loss(w, b, X, y):
    return nn.binary_cross_entropy_with_logits(X @ w + b, y)


def network_loss(W1, b1, w2, b2, X, y):
    h = nn.sigmoid(X @ W1 + b1)
    return nn.binary_cross_entropy_with_logits(h @ w2 + b2, y)


def logistic_logits(w, b, X):
    return X @ w + b


def network_logits(W1, b1, w2, b2, X):
    return nn.sigmoid(X @ W1 + b1) @ w2 + b2
