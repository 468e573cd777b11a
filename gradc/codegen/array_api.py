"""The array-API target: generated code written against the array API standard, so one
module runs on NumPy, CuPy, Dask, JAX and PyTorch arrays.

Each function opens by taking the namespace, floating dtype and device of its inputs,
and makes Python floats 0-d arrays of that dtype (the standard's functions take arrays):

    xp, dtype, device = _namespace(w, X, y, lam)
    w, X, y, lam = _as_arrays(xp, dtype, device, w, X, y, lam)

Calls are spelled ``xp.<the standard's name>`` (``xp.asin``, ``xp.concat``); a NumPy
function the standard lacks is a helper of ``ir/array_api_helpers.py`` carried by the
module (``_outer``, ``_ravel``, ``_scatter_like``); constructors take the inputs' dtype
and device (``xp.zeros((n, 3), dtype=dtype, device=device)``). A primitive whose helper
cannot be written on the standard is refused, located at the line that needs it.
"""

import ast
import inspect
import re

from ..errors import LocatedError
from ..ir import array_api_helpers
from ..ir.core import Const, Var
from ..primitives.indexing import SETITEM
from .emit import FunctionEmitter, _attribute, _call, _index, _literal

# NumPy's name -> the standard's, where they differ
RENAMED = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
           "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "power": "pow",
           "mod": "remainder", "concatenate": "concat", "cross": "linalg.cross"}
# NumPy functions the standard lacks or spells with other arguments -> the helper
# (ir/array_api_helpers.py) generated code calls instead
AS_HELPER = {"cbrt": "_cbrt", "reciprocal": "_reciprocal", "dot": "_dot", "inner": "_inner",
             "outer": "_outer", "trace": "_trace", "einsum": "_einsum", "tril": "_tril",
             "triu": "_triu", "swapaxes": "_swapaxes", "transpose": "_transpose",
             "ravel": "_ravel", "squeeze": "_squeeze", "hstack": "_hstack",
             "vstack": "_vstack", "array": "_array", "atleast_1d": "_atleast_1d",
             "atleast_2d": "_atleast_2d", "atleast_3d": "_atleast_3d", "size": "_size",
             "cumsum": "_cumsum", "cumprod": "_cumprod", "linalg.norm": "_norm",
             "repeat": "_repeat", "tile": "_tile", "diff": "_diff", "roll": "_roll",
             "linalg.cholesky": "_cholesky", "copy": "_copy"}
# constructors: the standard's take the dtype and device results should have
CONSTRUCTORS = {"zeros", "ones", "eye", "full"}
# helpers of the NumPy target with no array-API form, and why
REFUSED = {
    "_product_of_others_tangent": "writes into arrays entry by entry",
    "_cumprod_adjoint": "writes into arrays entry by entry",
    "_cumprod_tangent": "writes into arrays entry by entry",
    "_cumprod_adjoint_tangent": "writes into arrays entry by entry",
}
# writes into arrays: a new array each (JAX's arrays cannot be written into)
WRITE_HELPERS = {"_add_at": "_added_at"}
# names generated functions define for themselves
RESERVED = {"xp", "dtype", "device", "array_api_compat", "_s"}


class UnsupportedTargetError(LocatedError):
    """A primitive that has no form in the chosen target."""


def refusal(name: str) -> str | None:
    """Why the helper ``name`` cannot be emitted for the array-API target (None: it can)."""
    if name in REFUSED:
        return REFUSED[name]
    name = WRITE_HELPERS.get(name, name)
    return None if hasattr(array_api_helpers, name) else "has no array-API form yet"


class ArrayApiEmitter(FunctionEmitter):
    """A FunctionEmitter writing ``xp.`` calls, the prologue that defines ``xp``, and
    array-API helpers; ``locate(loc)`` gives (file, line text) for refusals."""

    def __init__(self, comments, reserved, locate):
        super().__init__(comments, reserved | RESERVED)
        self.locate = locate

    def function(self, fn, name, doc, returns):
        node = super().function(fn, name, doc, returns)
        inputs = [ast.Name(self.names[p.var.id]) for p in fn.params if p.declared != "int"]
        if inputs:
            store = [ast.Name(n.id, ast.Store()) for n in inputs]
            names = ast.Tuple([ast.Name(n, ast.Store()) for n in ("xp", "dtype", "device")])
            prologue = [
                ast.Assign([names], _call(ast.Name("_namespace"), inputs), None),
                ast.Assign([ast.Tuple(store, ast.Store())],
                           _call(ast.Name("_as_arrays"),
                                 [ast.Name("xp"), ast.Name("dtype"), ast.Name("device"),
                                  *inputs]), None)]
            node.body[1:1] = prologue
        return node

    def _as_call(self, instr, args):
        prim = instr.op
        if prim.helper is not None:
            self._check_helper(instr, prim.helper)
            func = ast.Name(prim.helper)
        else:
            func = self._function(prim.numpy)
        sequence = ast.Tuple if prim.sequence_syntax == "tuple" else ast.List
        positional, keywords = prim.call_arguments(instr.params, args, _static, sequence)
        keywords = [ast.keyword(arg=key, value=value) for key, value in keywords.items()]
        if prim.numpy in CONSTRUCTORS:
            keywords += _dtype_and_device()
        elif prim.numpy == "arange":
            keywords.append(ast.keyword(arg="device", value=ast.Name("device")))
        return _call(func, positional, keywords)

    def _function(self, numpy_name) -> ast.expr:
        if numpy_name in AS_HELPER:
            return ast.Name(AS_HELPER[numpy_name])
        spelled = RENAMED.get(numpy_name, numpy_name)
        owner, _, attr = spelled.rpartition(".")
        return _attribute(f"xp.{owner}" if owner else "xp", attr)

    def _check_helper(self, instr, helper):
        reason = refusal(helper)
        if reason is None:
            return
        loc = instr.loc
        filename, text = self.locate(loc)
        column = len(text) - len(text.lstrip())
        what = loc.text if loc is not None and loc.text else instr.op.name
        raise UnsupportedTargetError(
            f"the array-API target cannot write the derivative of `{what}`: its helper "
            f"{helper} {reason}, which the array API standard leaves to each library "
            "(JAX arrays cannot be written into)", filename, loc.line if loc else 0, column,
            text, "compile for NumPy (target='numpy', the default), or avoid this operation")

    def _write(self, instr):  # x[i] = v: x = _set_at(x, _s[i], v), a new array
        x, value, *rest = instr.args
        helper = "_set_at" if instr.op is SETITEM else WRITE_HELPERS[str(instr.op.helper)]
        dynamic = [self.atom(a) for a in (rest if instr.op is SETITEM else rest[1:])]
        index = ast.Subscript(ast.Name("_s"), _standard_index(instr.param("index"), dynamic,
                                                              trailing=False))
        call = _call(ast.Name(helper), [self.atom(x), index, self.atom(value)])
        return [ast.Assign([ast.Name(self.names[instr.out.id], ast.Store())], call, None)]

    def _as_fill(self, instr, args):  # xp.zeros_like(x), xp.full_like(x, 1.0)
        value = instr.args[1]
        if value == Const(0.0):
            return _call(_attribute("xp", "zeros_like"), args[:1])
        if isinstance(value, Const):
            return _call(_attribute("xp", "full_like"), args)
        return _call(ast.Name("_broadcast_like"), [args[1], args[0]])  # an array value

    def _as_builtin(self, instr, args):  # float(x): a 0-d array, which JAX can trace
        if instr.op.name == "float":
            return _call(ast.Name("_float"), args)
        return super()._as_builtin(instr, args)

    def _as_item(self, instr, args):  # xp.linalg.slogdet(a)[1]
        call = _call(self._function(instr.op.numpy), args)
        return ast.Subscript(call, ast.Constant(instr.op.item))

    def _as_full(self, instr, args):  # xp.full((n, 3), value, dtype=dtype, device=device)
        if not isinstance(instr.args[0], Const):  # an array value: spread over the shape
            return _call(_attribute("xp", "broadcast_to"), [args[0], ast.Tuple(args[1:])])
        return _call(_attribute("xp", "full"), [ast.Tuple(args[1:]), args[0]],
                     _dtype_and_device())

    def _as_subscript(self, instr, args):  # x[1:, ...]; _gather(x, _s[i]) for run-time indices
        pattern = instr.param("index")
        if _advanced_entries(pattern):
            return _call(ast.Name("_gather"), [args[0], self._index_expression(instr, 1)])
        return ast.Subscript(args[0], _standard_index(pattern, args[1:]))

    def _as_scatter(self, instr, args):  # the index as _s[...], np.s_ without NumPy
        return _call(ast.Name(instr.op.helper), [*args[:2], self._index_expression(instr, 2)])

    def _index_expression(self, instr, first):
        args = [self.atom(a) for a in instr.args]
        return ast.Subscript(ast.Name("_s"), _standard_index(instr.param("index"),
                                                             args[first:], trailing=False))

    def atom(self, atom):
        if isinstance(atom, Const) and atom.name.startswith("np."):  # np.pi -> xp.pi
            return _attribute("xp", atom.name[3:])
        if isinstance(atom, Var) and atom.id in self.arrays:  # a module's NumPy array
            return _call(_attribute("xp", "asarray"), [super().atom(atom)],
                         [ast.keyword(arg="device", value=ast.Name("device"))])
        return super().atom(atom)


def _advanced_entries(pattern) -> int:
    """Entries of an index that may be integer arrays (run-time values, lists): not every
    library reads those by NumPy's rules, so _gather does."""
    return sum(isinstance(entry, tuple) and entry[0] in ("arg", "list") for entry in pattern)


def _standard_index(pattern, dynamic, trailing=True):
    """The index as the standard takes it: lists of integers as arrays on the inputs'
    device, and (``trailing``) a ``...`` where the index does not name every axis (the
    standard leaves x[1:] of a matrix unspecified; it means x[1:, ...] in NumPy)."""
    pattern = tuple(pattern) + (() if "..." in pattern or not trailing else ("...",))
    node = _as_array_literal(_index(pattern, dynamic))
    for inner in ast.walk(node):
        for _field, value in ast.iter_fields(inner):
            if isinstance(value, list):
                value[:] = [_as_array_literal(v) for v in value]
    return node


def _as_array_literal(node):
    if isinstance(node, ast.List):  # [0, 2, 2] -> xp.asarray([0, 2, 2], device=device)
        return _call(_attribute("xp", "asarray"), [node],
                     [ast.keyword(arg="device", value=ast.Name("device"))])
    return node


def _dtype_and_device():
    return [ast.keyword(arg="dtype", value=ast.Name("dtype")),
            ast.keyword(arg="device", value=ast.Name("device"))]


def _static(value):
    """A static argument; np.inf is math.inf, which needs no namespace."""
    node = _literal(value)
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and getattr(inner.value, "id", None) == "np":
            inner.value = ast.Name("math")
    return node


# ---- the helpers a module carries

_CALLED = re.compile(r"\b(_[a-z]\w*)\b")


def helper_sources(names) -> list[str]:
    """The source of the helpers ``names`` and of those they use, sorted by name."""
    used, pending = set(), list(names) + ["_namespace", "_as_arrays"]
    while pending:
        name = pending.pop()
        if name in used or not hasattr(array_api_helpers, name):
            continue
        used.add(name)
        pending += _CALLED.findall(inspect.getsource(getattr(array_api_helpers, name)))
    return [inspect.getsource(getattr(array_api_helpers, name)).strip() for name in sorted(used)]


def helper_names(tree_text: str) -> set[str]:
    """The helper names a rendered function calls or indexes (_s[...])."""
    return {name for name in _CALLED.findall(tree_text) if hasattr(array_api_helpers, name)}


def needs_math(sources) -> bool:
    return any("math." in source for source in sources)
