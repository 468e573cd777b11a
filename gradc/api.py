"""The public API: ``grad``, ``value_and_grad`` and ``check_grad``.

Compiling reads the function's module source (never runs it), generates the gradient
module, caches it on disk and imports it from there. The returned callable carries
``.source`` (generated text), ``.path`` (the file it was loaded from) and ``.primal``.
"""

import functools
import inspect
import linecache

import numpy as np

from . import cache
from .codegen.loader import load_module, write_atomic
from .errors import ArgumentError, GradientCheckError, NonDifferentiableError


def grad(f=None, wrt=0, *, optimize=True):
    """Gradient of scalar-valued ``f``.

    Args:
        f: a top-level function in the accepted subset (omit to use as ``@grad(wrt=...)``).
        wrt: an argument index or name, or a tuple of them. A single one gives a single
            gradient, a tuple gives a tuple (JAX's convention).
        optimize: run the simplifier, CSE and DCE (on by default).

    Returns:
        A callable with ``f``'s signature returning the gradient(s), with attributes
        ``source``, ``path`` and ``primal``.

    Raises:
        UnsupportedSyntaxError: ``f`` uses syntax outside the accepted language.
        ArgumentError: ``wrt`` names no argument of ``f``.
    """
    if f is None:
        return functools.partial(grad, wrt=wrt, optimize=optimize)
    return _differentiate(f, wrt, optimize, with_value=False)


def value_and_grad(f=None, wrt=0, *, optimize=True):
    """Like ``grad``, but the callable returns ``(value, gradient)``."""
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, optimize=optimize)
    return _differentiate(f, wrt, optimize, with_value=True)


def _differentiate(f, wrt, optimize, with_value):
    primal = getattr(f, "primal", f)
    name, filename, source = _source_of(primal)
    module = _compiled_module(source, filename, name, wrt, optimize)
    generated = getattr(module, f"value_and_grad_{name}")
    check_inputs = _input_checker(primal, name, wrt)

    @functools.wraps(primal)
    def gradient(*args, **kwargs):
        check_inputs(args, kwargs)
        value, grads = generated(*args, **kwargs)
        if not isinstance(value, float) and np.ndim(value) != 0:
            raise NonDifferentiableError(
                f"grad requires {name} to return a scalar, got shape {np.shape(value)}; "
                "reduce it first (e.g. np.sum) or use a Jacobian")
        return (value, grads) if with_value else grads

    gradient.source = module.__gradc_source__
    gradient.path = module.__file__
    gradient.primal = primal
    return gradient


def _source_of(f):
    if not inspect.isfunction(f):
        raise ArgumentError(f"gradc differentiates Python functions, got {f!r}")
    if f.__qualname__ != f.__name__:
        raise ArgumentError(f"{f.__qualname__} is not a top-level function; gradc compiles "
                            "functions defined at module level")
    filename = inspect.getsourcefile(f) or f.__code__.co_filename
    lines = linecache.getlines(filename, f.__globals__)
    if not lines:
        raise ArgumentError(f"cannot read the source of {f.__name__} (from {filename})")
    return f.__name__, filename, "".join(lines)


def _compiled_module(source, filename, name, wrt, optimize):
    wrt_key = list(wrt) if isinstance(wrt, (tuple, list)) else wrt
    path = cache.entry_path(source, filename, name,
                            {"wrt": wrt_key, "tuple": isinstance(wrt, (tuple, list)),
                             "optimize": optimize})
    if not path.exists():
        from .pipeline import Options, compile_source  # the compiler loads only on a miss

        text = compile_source(source, filename, [name], wrt, Options(optimize=optimize))
        write_atomic(path, text)
    module = load_module(path, f"_gradc_{path.stem}")
    module.__gradc_source__ = path.read_text(encoding="utf-8")
    return module


def _input_checker(f, name, wrt):
    """A check that the differentiated arguments are real-valued (not int or bool)."""
    parameters = list(inspect.signature(f).parameters.values())
    items = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    chosen = [parameters[w] if isinstance(w, int) else next(
        p for p in parameters if p.name == w) for w in items]
    positions = [(parameters.index(p), p.name, p.default) for p in chosen]

    def check(args, kwargs):
        for index, param, default in positions:
            value = args[index] if index < len(args) else kwargs.get(param, default)
            if not isinstance(value, float) and _is_integer(value):
                raise NonDifferentiableError(
                    f"grad of {name} with respect to {param!r} requires a real-valued "
                    f"input, got {type(value).__name__} {value!r:.40}; pass a float "
                    "(e.g. 2.0) or cast with .astype(float)")
    return check


def _is_integer(value) -> bool:
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype.kind in "biu"


def check_grad(f, *args, wrt=0, eps=1e-6, tol=1e-6):
    """Compare gradc's gradient of ``f`` with central finite differences.

    The error of each entry is ``|analytic - numeric| / max(1, |analytic|, |numeric|)``
    (relative for large gradients, absolute for small ones).

    Returns:
        The largest error over all entries of all ``wrt`` arguments.

    Raises:
        GradientCheckError: the largest error exceeds ``tol``; the message gives both numbers.
    """
    primal = getattr(f, "primal", f)
    indices = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    names = list(inspect.signature(primal).parameters)
    indices = [names.index(w) if isinstance(w, str) else w for w in indices]
    analytic = grad(primal, wrt=tuple(indices))(*args)
    worst, report = 0.0, ""
    for index, g in zip(indices, analytic):
        numeric = _finite_differences(primal, args, index, eps)
        g = np.asarray(g, dtype=float)
        errors = np.abs(g - numeric) / np.maximum(1.0, np.maximum(np.abs(g), np.abs(numeric)))
        if errors.size and errors.max() > worst:
            worst = float(errors.max())
            report = (f"argument {names[index]!r}: analytic {g.tolist()} vs numeric "
                      f"{numeric.tolist()}")
    if worst > tol:
        raise GradientCheckError(f"gradient check failed (error {worst:.3g} > {tol:g}): "
                                 f"{report}")
    return worst


def _finite_differences(f, args, index, eps):
    """Central differences of ``f`` with respect to argument ``index``, entry by entry."""
    base = np.array(args[index], dtype=float)
    numeric = np.zeros_like(base)
    for position in np.ndindex(base.shape):
        step = eps * max(1.0, abs(base[position]))
        values = []
        for sign in (1, -1):
            shifted = base.copy()
            shifted[position] += sign * step
            point = shifted if np.ndim(args[index]) else float(shifted)
            values.append(f(*args[:index], point, *args[index + 1:]))
        numeric[position] = (values[0] - values[1]) / (2 * step)
    return numeric
