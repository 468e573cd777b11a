"""The public API of reverse mode, ``grad`` and ``value_and_grad``, and what every mode
shares: reading a live function, compiling it once, caching and loading the result.

Compiling reads the function's source and what its names hold (``frontend/live.py``;
the function is never run), generates the gradient module, caches it on disk
(``cache``) and loads it from the text it checked there; when the cache cannot be used
it compiles in memory. The returned callable carries ``.source`` (generated text),
``.path`` (the file it was loaded from, None when compiled in memory) and ``.primal``.
"""

import functools
import inspect
from dataclasses import replace

import numpy as np

from .compiled import compiled_module, describe
from .dispatch import target_of
from .errors import ArgumentError, GradcError, NonDifferentiableError, user_facing
from .fastpath import float_path
from .frontend.live import check_python_function, function_name, read_live
from .frontend.live import parameters as live_parameters
from .ir.helpers import _shape_of
from .options import with_argnums, wrt_options, wrt_positions


@user_facing
def grad(f=None, wrt=0, *, argnums=None, optimize=True, specialize=False):
    """Gradient of scalar-valued ``f``.

    Args:
        f: a function in the accepted subset: a def, a lambda, a closure or a
            functools.partial of one (omit to use as ``@grad(wrt=...)``).
        wrt: an argument index or name, or a tuple of them. A single one gives a single
            gradient, a tuple gives a tuple (JAX's convention).
        argnums: JAX's name for ``wrt`` (indices only); give one or the other.
        optimize: run the simplifier, CSE and DCE (on by default).
        specialize: compile for the argument shapes of each call (once per distinct set
            of shapes, cached like any compile), which drops the shape-generic helpers
            and is faster on small arrays. Off by default: one compile serves all shapes.

    Returns:
        A callable with ``f``'s signature returning the gradient(s), with attributes
        ``source``, ``path`` and ``primal`` (with ``specialize``: of the latest compile).

    Raises:
        UnsupportedSyntaxError: ``f`` uses syntax outside the accepted language.
        ArgumentError: ``wrt`` names no argument of ``f``.
    """
    wrt = with_argnums(wrt, argnums)
    if f is None:
        return functools.partial(grad, wrt=wrt, optimize=optimize, specialize=specialize)
    return _differentiate(f, wrt, optimize, specialize, with_value=False)


@user_facing
def value_and_grad(f=None, wrt=0, *, argnums=None, optimize=True, specialize=False):
    """Like ``grad``, but the callable returns ``(value, gradient)``."""
    wrt = with_argnums(wrt, argnums)
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, optimize=optimize,
                                 specialize=specialize)
    return _differentiate(f, wrt, optimize, specialize, with_value=True)


def plain_function(f):
    """``f`` itself; a derivative compiled by gradc is refused rather than silently
    replaced by the function it came from."""
    if hasattr(f, "primal") and hasattr(f, "source"):
        name = function_name(f)
        raise ArgumentError(f"{name} is already a derivative compiled by gradc; for "
                            "second derivatives use gradc.hessian or gradc.hvp, and pass "
                            f"{name}.primal to differentiate the original function")
    check_python_function(f)
    return f


def _differentiate(f, wrt, optimize, specialize, with_value):
    primal = plain_function(f)
    live = read_live(primal)
    name = live.name
    options = wrt_options(wrt, mode="reverse", optimize=optimize)
    # keys: (the argument shapes (None: any), a target: "numpy" or "array-api")
    compiled = {}  # a key -> the generated module
    value_and_grads = {}  # the same key -> its value_and_grad_<name>
    direct = {}  # keys whose value is known to be a number -> the function to call
    plain_call = not isinstance(primal, functools.partial)  # the float path's arity holds
    count = len(inspect.signature(primal).parameters)
    float_shapes = ((),) * count if specialize else None
    fast = [None, live]  # value_and_grad for float_shapes, and what may go stale

    def remember(key):
        """On floats the value is still computed, so that a call raises where f does
        (math.log(-1.0)); NumPy arrays do not raise, and skipping it saves a pass."""
        direct[key] = value_and_grads[key] if with_value else \
            getattr(compiled[key], f"grad_{name}")
        if key == (float_shapes, "numpy") and plain_call:
            fast[0] = value_and_grads[key]

    def module_for(key):
        if key not in compiled:
            shapes, target = key
            module = compiled[key] = compiled_module(live, replace(options, shapes=shapes,
                                                                   target=target))
            value_and_grads[key] = getattr(module, f"value_and_grad_{name}")
            if name in getattr(module, "NUMBER_VALUED", ()):  # proved when compiling
                remember(key)
            if called and target == "numpy":  # compiled at a call: what ``gradient`` runs
                describe(called[0], module)  # now (NumPy's spelling for readers)
        return compiled[key]

    def recompile():
        """A name ``f`` reads holds another value now (a cell run again): read it anew."""
        nonlocal live
        live = fast[1] = read_live(primal)
        fast[0] = None
        for memo in (compiled, value_and_grads, direct):
            memo.clear()

    called: list = []  # ``gradient``, once defined
    check_numbers = None
    if not specialize and not live.missing:  # compile now: errors show where grad is called
        check_numbers = _number_checker(primal, getattr(module_for((None, "numpy")),
                                                        f"grad_{name}"))
    check_inputs = _input_checker(primal, wrt)
    plain = _plain_checker(primal, wrt, check_numbers) if plain_call else lambda args: False

    def checked_call(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841  (IPython and pytest show the caller's frame)
        try:
            if not live.changed() and not kwargs and plain(args):  # checked: call at once
                known = (_shapes_of(args) if specialize else None, "numpy")
                if known in direct:
                    result = direct[known](*args)
                    return ((result[0], as_numpy_scalars(result[1])) if with_value else
                            as_numpy_scalars(result))
            check_inputs(args, kwargs)
            if check_numbers is not None:
                check_numbers(args, kwargs)
            if live.changed():
                recompile()
            shapes = _shapes_of(args) if specialize and not kwargs else None
            key = (shapes, target_of(args, kwargs))
            module_for(key)
        except GradcError as error:  # compiling at a call, or a bad argument
            raise error.with_traceback(None) from None  # gradc's own frames left out
        value, grads = value_and_grads[key](*args, **kwargs)
        if not isinstance(value, float) and np.ndim(value) != 0:
            raise NonDifferentiableError(
                f"grad requires {name} to return a scalar, got shape {np.shape(value)}; "
                "reduce it first (e.g. np.sum) or use a Jacobian")
        if shapes is not None:  # the same shapes give a scalar again: skip the check
            remember(key)
        grads = as_numpy_scalars(grads)
        return (value, grads) if with_value else grads

    indices, as_tuple = wrt_indices(primal, wrt)
    checked = range(count) if specialize else sorted(
        {*indices, *getattr(check_numbers, "positions", ())})
    gradient = functools.update_wrapper(float_path(
        checked_call, fast, count, checked, len(indices) if as_tuple else None,
        with_value), primal)
    describe(gradient, compiled.get((None, "numpy")))
    called.append(gradient)
    gradient.primal = primal
    return gradient


def _shapes_of(args) -> tuple:
    """The shapes of ``args``, at once for floats (the key of a specialised compile)."""
    return tuple([() if type(a) is float else _shape_of(a) for a in args])


def as_numpy_scalars(values):
    """``values`` (one value or a tuple of them) with 0-d arrays made NumPy scalars, as
    NumPy's own arithmetic returns them (a constant gradient is np.full_like(x, 1.0), a
    0-d array for a float x). On every call, so the common case returns at once."""
    if type(values) is tuple:
        for value in values:
            if type(value) is _ARRAY and not value.shape:
                return tuple([v[()] if type(v) is _ARRAY and not v.shape else v
                              for v in values])
        return values
    return values[()] if type(values) is _ARRAY and not values.shape else values


_ARRAY = np.ndarray


def _input_checker(f, wrt):
    """A check that a call's arguments fit ``f``'s signature and that the differentiated
    ones are real-valued (not int or bool)."""
    signature = inspect.signature(f)
    parameters = live_parameters(f)
    positions = [(i, parameters[i].name, parameters[i].default)
                 for i in wrt_indices(f, wrt)[0]]
    positional = [p for p in parameters if p.kind in _POSITIONAL]  # not a partial's keywords
    fewest = sum(p.default is inspect.Parameter.empty for p in positional)

    def check(args, kwargs):
        if kwargs or not fewest <= len(args) <= len(positional):  # cheap when positional
            _bind(f, signature, args, kwargs)
        for index, param, default in positions:
            value = args[index] if index < len(args) else kwargs.get(param, default)
            require_real(f, index, value)
    return check


def _plain_checker(f, wrt, check_numbers):
    """A test that a positional call passes every parameter, and Python or NumPy floats
    or float arrays where it differentiates (0-d where a number is required): what
    every check would accept, read at the cost of a type test per argument."""
    count = len(inspect.signature(f).parameters)
    numbers = set(check_numbers.positions if check_numbers is not None else ())
    differentiated = [(i, i in numbers) for i in wrt_indices(f, wrt)[0]]
    others = sorted(numbers - {i for i, _ in differentiated})

    def plain(args):
        if len(args) != count:
            return False
        for index, number in differentiated:
            value = args[index]
            kind = type(value)
            if kind is not float and kind is not _FLOAT64 and not (
                    kind is _ARRAY and value.dtype.kind == "f" and not (number and value.ndim)):
                return False
        for index in others:
            if type(args[index]) not in (float, int):
                return False
        return True
    return plain


_FLOAT64 = np.float64


def _number_checker(f, generated):
    """A check of the arguments that ``generated`` takes as numbers (its signature says
    ``x: float`` or ``n: int``: declared, or inferred from a use only a number fits, which
    a one-entry array would pass too), or None when there are none."""
    names = [(i, p.name) for i, p in enumerate(inspect.signature(generated).parameters.values())
             if p.annotation in (float, int)]
    if not names:
        return None

    def check(args, kwargs):
        for index, name in names:
            value = args[index] if index < len(args) else kwargs.get(name)
            if type(value) is not float and getattr(value, "ndim", 0) != 0:
                raise ArgumentError(
                    f"{function_name(f)} uses {name!r} as a number (declared float or int, or "
                    "passed to a math function, int(), float() or range(), or tested by "
                    f"an if or while), got an array of shape {np.shape(value)}; pass a "
                    "float or a 0-d array")
    check.positions = [index for index, _ in names]  # type: ignore[attr-defined]
    return check


def require_numbers(f, generated, args) -> None:
    """The check of ``_number_checker`` for one call of a derivative mode."""
    if generated not in _NUMBER_CHECKS:
        _NUMBER_CHECKS[generated] = _number_checker(f, generated)
    check = _NUMBER_CHECKS[generated]
    if check is not None:
        check(args, {})


_NUMBER_CHECKS: dict = {}


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _bind(f, signature, args, kwargs):
    """Python's own check of a call's arguments, naming ``f`` and its signature rather
    than the generated function the call would otherwise fail in."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"the gradient of {function_name(f)}{signature}: {exc}") from None


def wrt_indices(f, wrt) -> tuple[tuple[int, ...], bool]:
    """``wrt`` (an index, a name, or a tuple of them) as parameter indices of ``f``, and
    whether a tuple was asked for."""
    return wrt_positions([p.name for p in live_parameters(f)], function_name(f), wrt)


def require_real(f, index, value):
    """Differentiating needs a real floating-point input: refuse int and bool (arrays
    too), and complex numbers, whose derivatives gradc does not define."""
    kind = _kind(value)
    if kind == "f":
        return
    name = live_parameters(f)[index].name
    if kind == "c":
        raise NonDifferentiableError(
            f"differentiating {function_name(f)} with respect to {name!r}: complex inputs are not "
            "supported (gradc differentiates real functions of real inputs)")
    raise NonDifferentiableError(
        f"differentiating {function_name(f)} with respect to {name!r} requires a real-valued "
        f"input, got {type(value).__name__} {value!r:.40}; pass a float (e.g. 2.0) or "
        "cast with .astype(float)")


def _kind_named(dtype: str) -> str:
    """The kind of a dtype that has no ``kind`` (torch.float32, an array API's dtype)."""
    for word, kind in (("complex", "c"), ("float", "f"), ("bool", "b"), ("int", "i")):
        if word in dtype:
            return kind
    return "f"


def _kind(value) -> str:
    """NumPy's kind letter for a value: "f" floating, "i"/"u" integer, "b" bool, "c"
    complex ("f" for what has no dtype but behaves as a number)."""
    if type(value) is float:  # the common cases first: they are on every call
        return "f"
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return getattr(dtype, "kind", None) or _kind_named(str(dtype))
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    return "c" if isinstance(value, complex) else "f"
