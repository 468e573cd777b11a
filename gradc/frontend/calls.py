"""Calls of NumPy, math and builtin functions: resolving the user's spelling to a
primitive, and the static arguments (``axis=``, ``keepdims=``) known when compiling.

    np.sum(x, axis=0)      ->  %s.1 = sum %x.0 axis=0
    math.log(x, 2)         ->  log(x) / log(2)
    np.zeros_like(x)       ->  full_like %x, 0.0
"""

import ast
import math

from ..errors import LocatedError
from ..ir.core import Atom, Const
from ..primitives import (
    BUILTIN_NAMES,
    CONVERSIONS,
    HELPERS,
    IMPLIED_FILL,
    MATH_NAMES,
    NN_NAMES,
    NUMPY_NAMES,
    PRIMITIVES,
    TUPLE_CALLS,
)
from .arrays import ArrayExpressions
from .context import Params
from .unsupported import expression_hint

# helpers that generated modules define, read back as the primitives they compute
HELPER_NAMES = {helper: prim for prim, helper in HELPERS.items()}


# gradc.nn: stable primitives, and losses lowered to them (as gradc/nn.py computes them)
_LOSSES = ("mse", "binary_cross_entropy_with_logits", "softmax_cross_entropy")
_NN = {**NN_NAMES, "tanh": "tanh", **{loss: loss for loss in _LOSSES}}


def _as_tuples(value):
    """Lists in a static argument as tuples (hashable, as IR parameters must be)."""
    return tuple(map(_as_tuples, value)) if isinstance(value, list | tuple) else value


class LibraryCalls(ArrayExpressions):
    """Part of the function lowering: calls of NumPy, math, builtin and gradc.nn
    functions."""

    def _loss(self, node, loss):
        if len(node.args) != 2 or node.keywords:
            raise self.info.error(node, f"nn.{loss} takes 2 arguments here")
        a, b = (self._single(arg) for arg in node.args)
        if loss == "mse":
            terms = self._emit("pow", self._emit("sub", a, b), Const(2))
        elif loss == "binary_cross_entropy_with_logits":
            terms = self._emit("sub", self._emit("softplus", a), self._emit("mul", b, a))
        else:  # softmax_cross_entropy(logits, labels)
            log_p = self._emit("log_softmax", a, params=(("axis", -1),))
            picked = self._emit("sum", self._emit("mul", b, log_p), params=(("axis", -1),))
            terms = self._emit("neg", picked)
        return self._emit("mean", terms)

    def _call(self, node: ast.Call):
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.info.error(node, "*args in calls is not supported")
        lib, spelled, prim = self._resolve_primitive(node.func)
        if prim in _LOSSES:
            return self._loss(node, prim)
        if lib == "builtins" and spelled in ("max", "min"):
            return self._builtin_extremum(node, prim, spelled)
        special = self._array_call(node, prim, spelled)
        if special is not None:
            return special
        arity = PRIMITIVES[prim].arity
        assert arity is not None, "the calls taking any number of arguments are array calls"
        params = self._static_arguments(node, prim, node.args[arity:])
        check = PRIMITIVES[prim].check
        if check is not None and (refused := check(**dict(params))) is not None:
            raise self.info.error(node, *refused)
        args = [self._single(a) for a in node.args[:arity]]
        if lib == "numpy" and spelled in IMPLIED_FILL and len(args) == 1:
            args.append(Const(IMPLIED_FILL[spelled]))
        if lib == "math" and prim == "log" and len(node.args) == 2:  # math.log(x, base)
            base = self._single(node.args[1])
            return self._emit("div", self._emit("log", args[0], lib=lib),
                              self._emit("log", base, lib=lib))
        if len(args) != arity:
            raise self._wrong_count(node, arity, len(args))
        call = PRIMITIVES[prim].operator is not None and lib != "builtins"
        return self._emit(prim, *args, lib=lib, call=call, params=params)

    def _builtin_extremum(self, node: ast.Call, prim: str, spelled: str) -> Atom:
        """max(a, b, ...) and min(a, b, ...) of numbers, as np.maximum and np.minimum
        (one iterable argument, or key=/default=, are not supported)."""
        if len(node.args) < 2 or node.keywords:
            raise self.info.error(node, f"{spelled}() takes two or more numbers here",
                                  f"for the largest entry of an array use np.{spelled}")
        value = self._single(node.args[0])
        for arg in node.args[1:]:
            value = self._emit(prim, value, self._single(arg))
        return value

    def _tuple_call(self, node) -> list | None:
        """The entries of a NumPy call returning a tuple (sign, logabsdet =
        np.linalg.slogdet(a)), one primitive each; None for any other expression."""
        if not isinstance(node, ast.Call):
            return None
        lib, attr = self._library_function(node.func)
        parts = TUPLE_CALLS.get(attr) if lib == "numpy" else None
        if parts is None:
            return None
        if len(node.args) != 1 or node.keywords:
            raise self._wrong_count(node, 1, len(node.args) + len(node.keywords))
        matrix = self._single(node.args[0])
        return [self._emit(part, matrix) for part in parts]

    def _array_call(self, node, prim, spelled):
        """Calls whose arguments are sequences, subscripts or sizes (frontend/arrays.py),
        as the primitive's record says."""
        record = PRIMITIVES[prim]
        form = record.call_form
        if form == "join":
            return self._join(node, prim, leading=record.sequence_from or 0)
        if form in ("sizes", "range"):
            return self._constructor(node, record, spelled)
        if form == "fill":
            return self._full(node, record)
        if form == "scatter":
            return self._scatter(node, prim)
        special = {"array": self._array, "einsum": self._einsum}.get(form)
        return special(node) if special else None

    def _static_arguments(self, node: ast.Call, prim: str,
                          extra_positional: list[ast.expr]) -> Params:
        """Keyword parameters such as axis= and keepdims=: constants known when compiling."""
        names = PRIMITIVES[prim].keywords
        if len(extra_positional) > len(names) and not (prim == "log" and len(node.args) == 2):
            arity = PRIMITIVES[prim].arity
            if arity is None:  # a sequence or subscripts come before the static arguments
                arity = len(node.args) - len(extra_positional) + len(names)
            raise self._wrong_count(node, arity, len(node.args))
        given: list[tuple[str | None, ast.expr, ast.AST]]
        given = [(name, value, value) for name, value in zip(names, extra_positional)]
        given += [(k.arg, k.value, k) for k in node.keywords]
        params = []
        for name, value, where in given:
            if name is None or name not in names:  # None: a **mapping
                allowed = f"supported: {', '.join(names)}" if names else "it takes none"
                raise self.info.error(where, f"keyword argument {name!r} is not supported in "
                                             f"{ast.unparse(node.func)} ({allowed})")
            params.append((name, self._static_value(value)))
        return tuple(sorted(params))

    def _wrong_count(self, node: ast.Call, arity: int, got: int) -> LocatedError:
        return self.info.error(node, f"{ast.unparse(node.func)} takes {arity} "
                                     f"argument{'s' * (arity > 1)} here, got {got}")

    def _static_value(self, node):
        sign = -1 if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else 1
        named = node.operand if sign == -1 else node
        if (isinstance(named, ast.Attribute) and named.attr == "inf"
                and isinstance(named.value, ast.Name)
                and named.value.id in self.info.numpy_aliases):
            return sign * math.inf  # np.inf, -np.inf (np.linalg.norm's ord)
        try:
            value = ast.literal_eval(node)
        except ValueError:
            raise self.info.error(node, "this argument must be a constant (an int, a tuple "
                                        "of ints, None, True or False)") from None
        return _as_tuples(value)

    def _resolve_primitive(self, func):
        """(lib, name as spelled, primitive) for the callee expression, or a located error."""
        spelled = ast.unparse(func)
        lib, attr = self._library_function(func)
        if lib is None and isinstance(func, ast.Attribute):
            raise self.info.error(func, *expression_hint(func))
        if lib is None and spelled in self.info.unreadable:
            raise self.info.error(func, f"'{spelled}' is {self.info.unreadable[spelled]}, "
                                        "which gradc cannot call")
        if lib is None:
            raise self.info.error(func, f"'{spelled}' is not a function gradc knows",
                                  "call NumPy/math functions or functions of this module")
        names = {"numpy": NUMPY_NAMES, "math": MATH_NAMES,
                 "builtins": {**BUILTIN_NAMES, **CONVERSIONS}, "helpers": HELPER_NAMES,
                 "nn": _NN}.get(lib, {})
        if attr not in names:
            supported = ", ".join(sorted(names))
            raise self.info.error(func, f"{spelled} has no derivative rule",
                                  f"supported: {supported}")
        return lib, attr, names[attr]

    def _library_function(self, func):
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = func.value.id
            if owner in self.info.numpy_aliases and owner not in self.env:
                return "numpy", func.attr
            if owner in self.info.math_aliases and owner not in self.env:
                return "math", func.attr
            if owner in self.info.nn_aliases and owner not in self.env:
                return "nn", func.attr
        if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)
                and isinstance(func.value.value, ast.Name)):
            package, owner = func.value.attr, func.value.value.id
            if package == "nn" and owner in self.info.gradc_aliases:  # gradc.nn.sigmoid
                return "nn", func.attr
            if package == "linalg" and owner in self.info.numpy_aliases:  # np.linalg.norm
                return "numpy", f"linalg.{func.attr}"
        if isinstance(func, ast.Name) and func.id not in self.env:
            if func.id in HELPER_NAMES and func.id in self.info.functions:
                return "helpers", func.id
            if func.id in self.info.imported:
                return self.info.imported[func.id]
            if func.id in BUILTIN_NAMES or func.id in CONVERSIONS:
                return "builtins", func.id
        return None, None
