"""The primitive record: everything gradc knows about one primitive, in one place.

An instruction holds its ``Primitive`` (``instr.op``), as a JAX equation holds its
primitive: the record gives the NumPy and ``math`` spellings, how codegen writes it, the
shape of its result, the family flags the passes read, the function the interpreter and
constant folding call, and its derivative rules. Families (``arithmetic``, ``elementwise``,
``reductions``, ...) declare their records next to their rules and ``register`` them;
registering a name twice is an error.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ir import helpers

Rule = Callable[..., Any]


@dataclass(frozen=True, eq=False)
class Primitive:
    """One primitive. Records compare by identity, so ``instr.op is FOR`` is the test."""

    name: str
    arity: int | None               # None: any number of arguments (np.einsum, np.concatenate)
    numpy: str | None = None        # attribute of numpy (np.<numpy>)
    math: str | None = None         # attribute of math, where it exists
    operator: str | None = None     # infix/prefix spelling: '+', '-', '<', 'neg'
    syntax: str = "call"            # how codegen writes it: "call", "operator", or a
                                    # form of its own ("subscript", "list", "pop", ...)
    elementwise: bool = True
    differentiable: bool = True
    commutative: bool = False
    kink: str = ""                  # convention at a point without a classical derivative
    keywords: tuple = ()            # static keyword parameters passed to the NumPy call
    linear_in: tuple = ()           # multilinear in these arguments (the others give shapes)
    call_form: str = ""             # how the frontend reads a call whose arguments are not
                                    # plain values: "join" (a list of arrays), "sizes"
                                    # (np.zeros((n, 3))), "range", "array", "einsum",
                                    # "scatter" (generated code read back), "fill"
                                    # (np.full(shape, value))
    arity_range: tuple = ()         # (fewest, most) arguments, where they vary
    positional: str = ""            # pass the static parameters by position: "after" the
                                    # arguments (np.reshape) or "before" them (np.einsum)
    sequence_from: int | None = None  # arguments from here on are passed as one list
    sequence_syntax: str = "list"   # that list written as a list, or a "tuple" (a shape)
    shape_of: int | None = None     # the result has the shape of this argument
    shape_only: int | None = None   # this argument is read only for its shape
    sizes_from: int | None = None   # arguments from here on are sizes: their values, not
                                    # their shapes, decide the result's (np.zeros(n))
    indices_from: int | None = None  # arguments from here on are indices: an integer's
                                     # value does not decide the result's shape, a mask's does
    scalar: bool = False            # its value is a number, whatever its arguments' shapes
    condition: int | None = None    # this argument is a truth value that picks (np.where)
    reduction: bool = False         # axis=None without keepdims gives a scalar
    join: bool = False              # linear in all its arguments together (np.concatenate)
    boolean: bool = False           # its value is a truth value
    foldable: bool = True           # evaluated when compiling if its arguments are constants
    view: bool = False              # may return its first argument or a view of it, so a
                                    # write into one reaches the other (frontend/memory.py,
                                    # codegen/inplace.py)
    effect: bool = False            # acts on a list (a loop's tape): never merged or reordered
    control: bool = False           # nests blocks (if, for, while)
    item: int | None = None         # the entry of the tuple its NumPy call returns
                                    # (np.linalg.slogdet(a)[1]: item 1)
    helper: str | None = None       # the function of ir/helpers.py generated code calls
    helper_needs: tuple = ()        # the helpers that helper calls
    nn: bool = False                # spelled gradc.nn.<name> in user code
    sympy: str = ""                 # the function in sympy, of a0, a1, a2 (elementwise.py)
    sympy_rewrites: tuple = ()      # (expression, in terms of the output Y) pairs to try
    check: Rule | None = None       # (**keywords) -> (message[, hint]) refusing them, or None
    impl: Rule | None = None        # the interpreter's function, where not the spelling's
    vjp: Rule | None = None         # (ops, g, *args, out, **keywords) -> one per argument
    jvp: Rule | None = None         # (ops, instr, index, tangent) -> the tangent's part
    no_vjp: str = ""                # why there is no vjp rule (then vjp is None)
    no_jvp: str = ""                # why there is no jvp rule
    simplify: Rule | None = None    # (instr, *args, defs) -> simpler instr, atom or None
    specialize: Rule | None = None  # (emit, instr, shapes) -> a rewrite for known shapes

    def __str__(self):
        return self.name

    __repr__ = __str__

    def implementation(self, params=()) -> Callable:
        """The Python callable computing this primitive as spelled by ``params``:
        ``lib='math'`` picks the math module's function, ``form='call'`` a function call
        (np.power) rather than the operator (**)."""
        spelling = dict(params)
        if self.impl is not None and not (spelling.get("form") == "call" and self.numpy):
            return self.impl
        if self.helper is not None:
            return getattr(helpers, self.helper)
        if spelling.get("lib") == "math" and self.math:
            return getattr(math, self.math)
        if self.numpy is None:
            raise KeyError(f"{self.name} has no implementation")
        owner: Any = np
        for attribute in self.numpy.split("."):  # np.linalg.norm too
            owner = getattr(owner, attribute)
        return owner

    def keyword_arguments(self, params) -> dict:
        """The static keyword arguments (axis=..., keepdims=...) of an instruction's call."""
        given = dict(params)
        return {key: given[key] for key in self.keywords if key in given}

    def call_arguments(self, params, args, static=lambda value: value, sequence=list):
        """(positional, keywords) of the call computing this primitive on ``args``, as
        NumPy takes them: static parameters placed by position or keyword, and trailing
        arguments grouped into one list where the function takes a sequence
        (np.concatenate([a, b])). ``static`` turns a static value into an argument,
        ``sequence`` a run of arguments."""
        keywords = {key: static(value) for key, value in self.keyword_arguments(params).items()}
        args = list(args)
        if self.sequence_from is not None:
            args = args[:self.sequence_from] + [sequence(args[self.sequence_from:])]
        if self.positional == "before":
            return [*keywords.values(), *args], {}
        if self.positional == "after":
            return [*args, *keywords.values()], {}
        return args, keywords


PRIMITIVES: dict[str, Primitive] = {}


def register(*records: Primitive) -> tuple[Primitive, ...]:
    """Add records to the registry; a name may be registered once."""
    for record in records:
        if record.name in PRIMITIVES:
            raise RuntimeError(f"primitive {record.name} declared twice")
        PRIMITIVES[record.name] = record
    return records


def lookup(op) -> Primitive:
    """The record for ``op``: a record, or a registered name."""
    return op if isinstance(op, Primitive) else PRIMITIVES[op]
