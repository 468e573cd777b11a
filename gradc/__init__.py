"""gradc: a source-to-source gradient compiler for NumPy-flavoured Python.

Public API: ``grad``, ``value_and_grad``, ``jvp``, ``vjp``, ``jacobian``, ``hessian``,
``hvp``, ``check_grad``, the error classes and ``CacheWarning``.
"""

__version__ = "0.1.0"

from .api import grad, value_and_grad  # noqa: E402
from .check import check_grad  # noqa: E402
from .errors import (  # noqa: E402
    ArgumentError,
    CacheWarning,
    GradcError,
    GradientCheckError,
    NonDifferentiableError,
    UnsupportedSyntaxError,
)
from .modes import hessian, hvp, jacobian, jvp, vjp  # noqa: E402

__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian", "hvp", "check_grad",
           "GradcError", "UnsupportedSyntaxError", "ArgumentError", "NonDifferentiableError",
           "GradientCheckError", "CacheWarning"]
