"""The public API of reverse mode, ``grad`` and ``value_and_grad``, and what every mode
shares: reading a function's source, compiling it once, caching and loading the result.

Compiling reads the function's module source (never runs it), generates the gradient
module, caches it on disk (``cache``) and loads it from the text it checked there; when
the cache cannot be used it compiles in memory. The returned callable carries
``.source`` (generated text), ``.path`` (the file it was loaded from, None when compiled
in memory) and ``.primal``.
"""

import functools
import inspect
import linecache

import numpy as np

from . import cache
from .codegen.loader import load_module
from .errors import ArgumentError, NonDifferentiableError


def grad(f=None, wrt=0, *, optimize=True, specialize=False):
    """Gradient of scalar-valued ``f``.

    Args:
        f: a top-level function in the accepted subset (omit to use as ``@grad(wrt=...)``).
        wrt: an argument index or name, or a tuple of them. A single one gives a single
            gradient, a tuple gives a tuple (JAX's convention).
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
    if f is None:
        return functools.partial(grad, wrt=wrt, optimize=optimize, specialize=specialize)
    return _differentiate(f, wrt, optimize, specialize, with_value=False)


def value_and_grad(f=None, wrt=0, *, optimize=True, specialize=False):
    """Like ``grad``, but the callable returns ``(value, gradient)``."""
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, optimize=optimize,
                                 specialize=specialize)
    return _differentiate(f, wrt, optimize, specialize, with_value=True)


def _module_for(primal, options: dict):
    """The generated module for ``primal`` and ``options``, memoized in this process."""
    key = (primal, repr(sorted(options.items())))
    if key not in _LOADED:
        name, filename, source = _source_of(primal)
        _LOADED[key] = _compiled_module(source, filename, name, options)
    return _LOADED[key]


_LOADED: dict = {}


def plain_function(f):
    """``f`` itself; a derivative compiled by gradc is refused rather than silently
    replaced by the function it came from."""
    if hasattr(f, "primal") and hasattr(f, "source"):
        raise ArgumentError(f"{f.__name__} is already a derivative compiled by gradc; for "
                            "second derivatives use gradc.hessian or gradc.hvp, and pass "
                            f"{f.__name__}.primal to differentiate the original function")
    return f


def _differentiate(f, wrt, optimize, specialize, with_value):
    primal = plain_function(f)
    name, filename, source = _source_of(primal)
    options = {"mode": "reverse", "optimize": optimize, "tuple": isinstance(wrt, (tuple, list)),
               "wrt": list(wrt) if isinstance(wrt, (tuple, list)) else wrt}
    compiled = {}  # the argument shapes (None: any) -> the generated module
    gradient_only = {}  # shapes whose output was seen to be a scalar -> grad_<name>

    def module_for(shapes):
        if shapes not in compiled:
            compiled[shapes] = _compiled_module(source, filename, name,
                                                {**options, "shapes": shapes})
            if specialize:  # compiled at a call, so ``gradient`` exists
                _describe(gradient, compiled[shapes])
        return compiled[shapes]

    if not specialize:  # compile now: errors show where grad is called
        module_for(None)
    check_inputs = _input_checker(primal, name, wrt)

    @functools.wraps(primal)
    def gradient(*args, **kwargs):
        check_inputs(args, kwargs)
        shapes = tuple(map(np.shape, args)) if specialize and not kwargs else None
        if shapes in gradient_only and not with_value:
            return as_numpy_scalars(gradient_only[shapes](*args))
        module = module_for(shapes)
        value, grads = getattr(module, f"value_and_grad_{name}")(*args, **kwargs)
        if not isinstance(value, float) and np.ndim(value) != 0:
            raise NonDifferentiableError(
                f"grad requires {name} to return a scalar, got shape {np.shape(value)}; "
                "reduce it first (e.g. np.sum) or use a Jacobian")
        if shapes is not None:  # the same shapes give a scalar again: skip the value
            gradient_only[shapes] = getattr(module, f"grad_{name}")
        grads = as_numpy_scalars(grads)
        return (value, grads) if with_value else grads

    _describe(gradient, compiled.get(None))
    gradient.primal = primal
    return gradient


def as_numpy_scalars(values):
    """``values`` with 0-d arrays made NumPy scalars, as NumPy's own arithmetic returns
    them (a constant gradient is np.full_like(x, 1.0), a 0-d array for a float x)."""
    if isinstance(values, tuple):
        return tuple(map(as_numpy_scalars, values))
    if isinstance(values, np.ndarray) and values.ndim == 0:
        return values[()]
    return values


def _describe(gradient, module):
    """The generated text and file behind ``gradient`` (None before any compile)."""
    gradient.source = module and module.__gradc_source__
    gradient.path = module and getattr(module, "__file__", None)


def _source_of(f):
    if not inspect.isfunction(f):
        raise ArgumentError(f"gradc differentiates Python functions, got {f!r}")
    if f.__qualname__ != f.__name__:
        raise ArgumentError(f"{f.__qualname__} is not a top-level function; gradc compiles "
                            "functions defined at module level")
    filename = inspect.getsourcefile(f) or f.__code__.co_filename
    linecache.checkcache(filename)  # a file edited (and reloaded) since is read afresh
    lines = linecache.getlines(filename, f.__globals__)
    if not lines:
        raise ArgumentError(f"cannot read the source of {f.__name__} (from {filename})")
    return f.__name__, filename, "".join(lines)


def _compiled_module(source, filename, name, options: dict):
    """The generated module: from a verified cache entry, else compiled and stored, else
    (the cache unusable, which ``cache`` warns about) compiled and kept in memory."""
    path = cache.entry_path(source, filename, name, options)
    module_name = f"_gradc_{path.stem}"
    text = cache.read_entry(path)
    if text is None:
        generated = _generate(source, filename, name, options)
        text = cache.write_entry(path, generated)
        if text is None:
            return load_module(generated, module_name, None)
    return load_module(text, module_name, path)


def _generate(source, filename, name, options: dict) -> str:
    from .pipeline import Options, compile_source  # the compiler loads only on a miss

    wrt = tuple(options["wrt"]) if options.get("tuple") else options.get("wrt")
    compiler_options = Options(optimize=options["optimize"], mode=options["mode"],
                               shapes=options.get("shapes"))
    return compile_source(source, filename, [name], wrt, compiler_options)


def _input_checker(f, name, wrt):
    """A check that a call's arguments fit ``f``'s signature and that the differentiated
    ones are real-valued (not int or bool)."""
    signature = inspect.signature(f)
    parameters = list(signature.parameters.values())
    positions = [(i, parameters[i].name, parameters[i].default)
                 for i in wrt_indices(f, wrt)[0]]
    fewest = sum(p.default is inspect.Parameter.empty for p in parameters)

    def check(args, kwargs):
        if kwargs or not fewest <= len(args) <= len(parameters):  # cheap when positional
            _bind(f, signature, args, kwargs)
        for index, param, default in positions:
            value = args[index] if index < len(args) else kwargs.get(param, default)
            require_real(f, index, value)
    return check


def _bind(f, signature, args, kwargs):
    """Python's own check of a call's arguments, naming ``f`` and its signature rather
    than the generated function the call would otherwise fail in."""
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"the gradient of {f.__name__}{signature}: {exc}") from None


def wrt_indices(f, wrt) -> tuple[tuple[int, ...], bool]:
    """``wrt`` (an index, a name, or a tuple of them) as parameter indices of ``f``, and
    whether a tuple was asked for."""
    names = list(inspect.signature(f).parameters)
    as_tuple = isinstance(wrt, (tuple, list))
    indices = []
    for item in wrt if as_tuple else (wrt,):
        if isinstance(item, str) and item in names:
            indices.append(names.index(item))
        elif type(item) is int and -len(names) <= item < len(names):
            indices.append(item % len(names))
        else:
            raise ArgumentError(f"wrt={item!r} names no argument of {f.__name__} "
                                f"(arguments: {', '.join(names)})")
    return tuple(indices), as_tuple


def require_real(f, index, value):
    """Differentiating needs a real-valued input: refuse int and bool (arrays too)."""
    if not isinstance(value, float) and _is_integer(value):
        name = list(inspect.signature(f).parameters)[index]
        raise NonDifferentiableError(
            f"differentiating {f.__name__} with respect to {name!r} requires a real-valued "
            f"input, got {type(value).__name__} {value!r:.40}; pass a float (e.g. 2.0) or "
            "cast with .astype(float)")


def _is_integer(value) -> bool:
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype.kind in "biu"
