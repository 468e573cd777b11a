"""gradc: a source-to-source gradient compiler for NumPy-flavoured Python.

Public API: ``grad``, ``value_and_grad``, ``jvp``, ``check_grad`` and the error classes.
"""

__version__ = "0.1.0"

from .api import grad, jvp, value_and_grad  # noqa: E402
from .check import check_grad  # noqa: E402
from .errors import (  # noqa: E402
    ArgumentError,
    GradcError,
    GradientCheckError,
    NonDifferentiableError,
    UnsupportedSyntaxError,
)

__all__ = ["grad", "value_and_grad", "jvp", "check_grad", "GradcError", "UnsupportedSyntaxError",
           "ArgumentError", "NonDifferentiableError", "GradientCheckError"]
