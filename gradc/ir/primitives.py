"""The closed set of primitives: the only place a primitive is declared.

Each row gives the arity, how NumPy and the ``math`` module spell it (``None`` where math
has no such function), whether it is an infix operator, whether it is elementwise and
whether a gradient flows through it. Derivative rules, codegen and the interpreter all
key on these names; a completeness test checks every row has each of them.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

from . import helpers, indexing


@dataclass(frozen=True)
class Primitive:
    name: str
    arity: int | None               # None: any number of arguments (np.einsum, np.concatenate)
    numpy: str | None = None      # attribute of numpy (np.<numpy>)
    math: str | None = None       # attribute of math, where it exists
    operator: str | None = None   # infix/prefix spelling: '+', '-', '*', '/', '**', 'neg'
    elementwise: bool = True
    differentiable: bool = True
    commutative: bool = False
    kink: str = ""                # convention at a point without a classical derivative
    keywords: tuple = ()          # static keyword parameters passed to the NumPy call
    linear_in: tuple = ()         # multilinear in these arguments (the others give shapes)
    positional: str = ""          # pass the static parameters by position: "after" the
                                  # arguments (np.reshape) or "before" them (np.einsum)
    sequence_from: int | None = None  # arguments from here on are passed as one list
    like: int | None = None       # the argument read only for its shape, which the result has
    effect: bool = False          # acts on a list (a loop's tape): never merged or reordered


_ANY = tuple(range(64))  # multilinear in every argument (variadic primitives)


def _row(name, arity, numpy=None, math=None, **flags):
    return Primitive(name, arity, numpy or name, math, **flags)


_ROWS = [
    # ---- arithmetic operators
    Primitive("add", 2, "add", operator="+", commutative=True),
    Primitive("sub", 2, "subtract", operator="-"),
    Primitive("mul", 2, "multiply", operator="*", commutative=True),
    Primitive("div", 2, "divide", operator="/"),
    Primitive("pow", 2, "power", "pow", operator="**"),
    Primitive("neg", 1, "negative", operator="neg"),
    # ---- elementwise functions (derivatives derived with sympy)
    _row("exp", 1, math="exp"),
    _row("log", 1, math="log"),
    _row("log2", 1, math="log2"),
    _row("log10", 1, math="log10"),
    _row("log1p", 1, math="log1p"),
    _row("expm1", 1, math="expm1"),
    _row("sqrt", 1, math="sqrt", kink="sqrt: the derivative at 0 is infinite (inf with numpy, "
         "ZeroDivisionError on floats with math)"),
    _row("square", 1),
    _row("reciprocal", 1),
    _row("abs", 1, "abs", "fabs", kink="abs: the derivative at 0 is taken as 0"),
    _row("sin", 1, math="sin"),
    _row("cos", 1, math="cos"),
    _row("tan", 1, math="tan"),
    _row("arcsin", 1, math="asin"),
    _row("arccos", 1, math="acos"),
    _row("arctan", 1, math="atan"),
    _row("sinh", 1, math="sinh"),
    _row("cosh", 1, math="cosh"),
    _row("tanh", 1, math="tanh"),
    _row("arcsinh", 1, math="asinh"),
    _row("arccosh", 1, math="acosh"),
    _row("arctanh", 1, math="atanh"),
    _row("maximum", 2, commutative=True, kink="maximum: tied arguments split the gradient evenly"),
    _row("minimum", 2, commutative=True, kink="minimum: tied arguments split the gradient evenly"),
    _row("arctan2", 2, math="atan2"),
    _row("hypot", 2, math="hypot", commutative=True),
    _row("sign", 1, differentiable=False),  # zero gradient everywhere
    _row("clip", 3, kink="clip: at a bound the gradient is split evenly, as for maximum"),
    _row("where", 3),  # no gradient flows to the condition
    # ---- gradc.nn: numerically stable activations (helpers copied into generated code)
    Primitive("sigmoid", 1), Primitive("softplus", 1), Primitive("log_sigmoid", 1),
    Primitive("relu", 1, kink="relu: the gradient at 0 is taken as 0"),
    Primitive("logsumexp", 1, elementwise=False, keywords=("axis", "keepdims")),
    Primitive("softmax", 1, elementwise=False, keywords=("axis",)),
    Primitive("log_softmax", 1, elementwise=False, keywords=("axis",)),
    # ---- integer arithmetic (sizes, loop bounds): zero gradient, except x % y in x
    Primitive("floor_divide", 2, "floor_divide", operator="//", differentiable=False),
    Primitive("mod", 2, "mod", operator="%"),
    Primitive("int", 1, None, elementwise=False, differentiable=False),
    # ---- comparisons and truth: zero gradient
    Primitive("logical_not", 1, None, elementwise=False, differentiable=False),
    Primitive("less", 2, "less", operator="<", differentiable=False),
    Primitive("less_equal", 2, "less_equal", operator="<=", differentiable=False),
    Primitive("greater", 2, "greater", operator=">", differentiable=False),
    Primitive("greater_equal", 2, "greater_equal", operator=">=", differentiable=False),
    Primitive("equal", 2, "equal", operator="==", differentiable=False),
    Primitive("not_equal", 2, "not_equal", operator="!=", differentiable=False),
    # ---- reductions and shapes
    Primitive("sum", 1, "sum", elementwise=False, linear_in=(0,), keywords=("axis", "keepdims")),
    Primitive("mean", 1, "mean", elementwise=False, linear_in=(0,), keywords=("axis", "keepdims")),
    Primitive("var", 1, "var", elementwise=False, keywords=("axis", "keepdims")),
    Primitive("std", 1, "std", elementwise=False, keywords=("axis", "keepdims"),
              kink="std: the derivative where all entries are equal is nan"),
    Primitive("prod", 1, "prod", elementwise=False, keywords=("axis", "keepdims")),
    Primitive("norm", 1, "linalg.norm", elementwise=False,
              kink="norm: the derivative at 0 is nan"),
    Primitive("max", 1, "max", elementwise=False, keywords=("axis", "keepdims"),
              kink="max: tied entries split the gradient evenly"),
    Primitive("min", 1, "min", elementwise=False, keywords=("axis", "keepdims"),
              kink="min: tied entries split the gradient evenly"),
    Primitive("transpose", 1, "transpose", elementwise=False, linear_in=(0,), keywords=("axes",)),
    Primitive("reshape", 1, "reshape", elementwise=False, linear_in=(0,), keywords=("shape",),
              positional="after"),
    Primitive("ravel", 1, "ravel", elementwise=False, linear_in=(0,)),
    Primitive("size", 1, "size", elementwise=False, differentiable=False, keywords=("axis",)),
    Primitive("squeeze", 1, "squeeze", elementwise=False, linear_in=(0,), keywords=("axis",)),
    Primitive("broadcast_to", 1, "broadcast_to", elementwise=False, linear_in=(0,),
              keywords=("shape",), positional="after"),
    # ---- joining arrays (and np.array([a, b]), which stacks its entries)
    *(Primitive(name, None, name, elementwise=False, sequence_from=0, keywords=keywords)
      for name, keywords in (("concatenate", ("axis",)), ("stack", ("axis",)), ("hstack", ()),
                             ("vstack", ()), ("array", ()))),
    # ---- indexing: x[1:, None, i]; ``index`` is a static pattern (ir/indexing.py) whose
    # ("arg", k) entries stand for the arguments after x (run-time integers or arrays)
    Primitive("getitem", None, None, elementwise=False, linear_in=(0,), keywords=("index",)),
    # ---- linear algebra
    Primitive("matmul", 2, "matmul", operator="@", elementwise=False, linear_in=(0, 1)),
    Primitive("dot", 2, "dot", elementwise=False, linear_in=(0, 1)),
    Primitive("inner", 2, "inner", elementwise=False, linear_in=(0, 1)),
    Primitive("outer", 2, "outer", elementwise=False, linear_in=(0, 1)),
    Primitive("tensordot", 2, "tensordot", elementwise=False, linear_in=(0, 1),
              keywords=("axes",)),
    Primitive("trace", 1, "trace", elementwise=False, linear_in=(0,)),
    Primitive("einsum", None, "einsum", elementwise=False, linear_in=_ANY,
              keywords=("subscripts",), positional="before"),
    # ---- constructors: no gradient; their arguments are sizes
    Primitive("zeros", None, "zeros", elementwise=False, differentiable=False,
              sequence_from=0),
    Primitive("ones", None, "ones", elementwise=False, differentiable=False, sequence_from=0),
    Primitive("eye", None, "eye", elementwise=False, differentiable=False),
    Primitive("arange", None, "arange", elementwise=False, differentiable=False),
    # ---- internal: sum a gradient back to the shape of a broadcast operand, and the
    # reverse (spread a value over a shape); size-1 axes for a reduced gradient; a
    # constant filled to the shape of a value (the gradient of an input the output ignores)
    Primitive("unbroadcast", 2, None, elementwise=False, linear_in=(0,), like=1),
    Primitive("broadcast_like", 2, None, elementwise=False, linear_in=(0,), like=1),
    Primitive("expand_dims", 1, "expand_dims", elementwise=False, linear_in=(0,),
              keywords=("axis",)),
    Primitive("reshape_like", 2, None, elementwise=False, linear_in=(0,), like=1),
    Primitive("product_of_others", 1, None, elementwise=False, keywords=("axis",)),
    # the two adjoints of a @ b (g: the output's adjoint), for any operand ndim
    Primitive("matmul_adjoint_a", 3, None, elementwise=False, linear_in=(0, 2)),
    Primitive("matmul_adjoint_b", 3, None, elementwise=False, linear_in=(0, 1)),
    # the adjoints of np.dot, np.inner, np.tensordot (axes: "dot", "inner" or tensordot's)
    Primitive("tensordot_adjoint_a", 3, None, elementwise=False, linear_in=(0, 2),
              keywords=("axes",)),
    Primitive("tensordot_adjoint_b", 3, None, elementwise=False, linear_in=(0, 1),
              keywords=("axes",)),
    Primitive("trace_adjoint", 2, None, elementwise=False, linear_in=(0,), like=1),
    # np.einsum's adjoint where an operand has a repeated or a summed-away index
    Primitive("einsum_spread", 2, None, elementwise=False, linear_in=(0,),
              keywords=("subscripts",), like=1),
    # the part of a joined array's gradient that came from the index-th operand
    Primitive("part_of", None, None, elementwise=False, linear_in=(0,),
              keywords=("index", "axis"), sequence_from=1),
    # getitem's adjoint: zeros shaped like x with g added at x[index]
    Primitive("scatter_like", None, None, elementwise=False, linear_in=(0,),
              keywords=("index",), like=1),
    Primitive("full_like", 2, "full_like", differentiable=False, like=0),
    # ---- a loop's tape, a plain list: values the adjoint needs are appended (as one
    # tuple per iteration) while the loop runs, and popped by the reversed loop
    Primitive("tape", 0, None, elementwise=False, differentiable=False, effect=True),
    Primitive("push", None, None, elementwise=False, differentiable=False, effect=True),
    Primitive("pop", 1, None, elementwise=False, differentiable=False, effect=True),
]

PRIMITIVES: dict[str, Primitive] = {}
for _p in _ROWS:
    if _p.name in PRIMITIVES:
        raise RuntimeError(f"primitive {_p.name} declared twice")
    PRIMITIVES[_p.name] = _p

# Source spellings (numpy names, math names, builtins) -> primitive name.
NUMPY_NAMES = {p.numpy: p.name for p in _ROWS if p.numpy}
NUMPY_NAMES.update({"absolute": "abs", "fabs": "abs", "pow": "pow", "asin": "arcsin",
                    "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
                    "acosh": "arccosh", "atanh": "arctanh", "atan2": "arctan2"})
for _op in ("add", "subtract", "multiply", "divide", "negative", "less", "less_equal",
            "greater", "greater_equal", "equal", "not_equal"):
    NUMPY_NAMES.pop(_op)  # written as operators in the accepted language
NUMPY_NAMES.update({"zeros_like": "full_like", "ones_like": "full_like"})
MATH_NAMES = {p.math: p.name for p in _ROWS if p.math}
BUILTIN_NAMES = {"abs": "abs", "pow": "pow"}
CONVERSIONS = {"int": "int"}  # int(n): a loop bound or size, no gradient
# Constructors spelled with an implied fill value: np.zeros_like(x) is full_like(x, 0.0).
IMPLIED_FILL = {"zeros_like": 0.0, "ones_like": 1.0}
# Helpers that generated modules define and call (their source is in ir/helpers.py);
# reading them back as primitives keeps generated code inside the accepted language.
# helper -> the helpers its body calls (copied into generated modules along with it)
HELPER_NEEDS = {"_unbroadcast": ("_shape_of",), "_broadcast_like": ("_shape_of",),
                "_matmul_adjoint_a": ("_as_matrices", "_unbroadcast"),
                "_matmul_adjoint_b": ("_as_matrices", "_unbroadcast"),
                "_log_softmax": ("_logsumexp",),
                "_tensordot_adjoint_a": ("_contracted_axes",),
                "_tensordot_adjoint_b": ("_contracted_axes",)}
NN_NAMES = {name: name for name in ("sigmoid", "softplus", "log_sigmoid", "relu",
                                     "logsumexp", "softmax", "log_softmax")}
HELPERS = {"unbroadcast": "_unbroadcast", "broadcast_like": "_broadcast_like",
           "reshape_like": "_reshape_like", "matmul_adjoint_a": "_matmul_adjoint_a",
           "matmul_adjoint_b": "_matmul_adjoint_b",
           "product_of_others": "_product_of_others",
           "tensordot_adjoint_a": "_tensordot_adjoint_a",
           "tensordot_adjoint_b": "_tensordot_adjoint_b", "trace_adjoint": "_trace_adjoint",
           "einsum_spread": "_einsum_spread", "part_of": "_part_of",
           "scatter_like": "_scatter_like",
           **{name: f"_{name}" for name in NN_NAMES}}
NUMPY_CONSTANTS = {"pi": math.pi, "e": math.e}
MATH_CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}


_OPERATOR_IMPLS = {
    "matmul": lambda x, y: x @ y,
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "pow": lambda x, y: x ** y, "neg": lambda x: -x,
    "less": lambda x, y: x < y, "less_equal": lambda x, y: x <= y,
    "greater": lambda x, y: x > y, "greater_equal": lambda x, y: x >= y,
    "equal": lambda x, y: x == y, "not_equal": lambda x, y: x != y,
    "floor_divide": lambda x, y: x // y, "mod": lambda x, y: x % y,
    "logical_not": lambda x: not x, "int": int, "tape": list,
    "push": lambda tape, *values: tape.append(values), "pop": lambda tape: tape.pop(),
}


def implementation(name, params=()):
    """The Python callable computing primitive ``name`` as spelled by ``params`` (used by
    the interpreter and constant folding): ``lib='math'`` picks the math module's function,
    ``form='call'`` a function call (np.power) rather than the operator (**)."""
    spelling = dict(params)
    lib, call = spelling.get("lib", "numpy"), spelling.get("form") == "call"
    if name in _OPERATOR_IMPLS and not call:
        return _OPERATOR_IMPLS[name]
    if name in ("getitem", "scatter_like"):
        return indexing.IMPLEMENTATIONS[name]
    if name in HELPERS:
        return getattr(helpers, HELPERS[name])
    prim = PRIMITIVES[name]
    if lib == "math" and prim.math:
        return getattr(math, prim.math)
    return functools.reduce(getattr, prim.numpy.split("."), np)  # np.linalg.norm too


def keyword_arguments(op, params) -> dict:
    """The static keyword arguments (axis=..., keepdims=...) of an instruction's call."""
    given = dict(params)
    return {key: given[key] for key in PRIMITIVES[op].keywords if key in given}


def call_arguments(op, params, args, static=lambda value: value, sequence=list):
    """(positional, keywords) of the call computing ``op`` on ``args``, as NumPy takes
    them: static parameters placed by position or keyword, and trailing arguments grouped
    into one list where the function takes a sequence (np.concatenate([a, b])).
    ``static`` turns a static value into an argument, ``sequence`` a run of arguments."""
    prim = PRIMITIVES[op]
    keywords = {key: static(value) for key, value in keyword_arguments(op, params).items()}
    args = list(args)
    if prim.sequence_from is not None:
        args = args[:prim.sequence_from] + [sequence(args[prim.sequence_from:])]
    if prim.positional == "before":
        return [*keywords.values(), *args], {}
    if prim.positional == "after":
        return [*args, *keywords.values()], {}
    return args, keywords
