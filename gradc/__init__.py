"""gradc: a source-to-source gradient compiler for NumPy-flavoured Python.

Public API: ``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacobian``, ``hessian``,
``hvp``, ``check_grad``, the error classes and ``CacheWarning``.
"""

from .api import grad, value_and_grad
from .check import check_grad
from .errors import (
    ArgumentError,
    CacheWarning,
    GradcError,
    GradientCheckError,
    NonDifferentiableError,
    UnsupportedSyntaxError,
)
from .modes import hessian, hvp, jacobian, jvp, vjp
from .version import __version__

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian", "hvp", "check_grad",
           "GradcError", "UnsupportedSyntaxError", "ArgumentError", "NonDifferentiableError",
           "GradientCheckError", "CacheWarning", "__version__"]
