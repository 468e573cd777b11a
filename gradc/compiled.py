"""Compiling a live function once and loading the result, for every mode of the API.

The function's module source is read (never run), compiled for the ``Options`` given,
cached on disk (``cache``) and loaded from the text checked there; when the cache cannot
be used it is compiled in memory. Modules are memoized per function and options in this
process, so a mode asked for twice compiles once.
"""

import inspect
import linecache

from . import cache
from .codegen.loader import load_module
from .errors import ArgumentError
from .options import Options


def generated_function(primal, prefix: str, options: Options):
    """``<prefix>_<name>`` of the module generated for ``primal`` (jvp_f, vjp_f, ...)."""
    return getattr(module_for(primal, options), f"{prefix}_{primal.__name__}")


def module_for(primal, options: Options):
    """The generated module for ``primal`` and ``options``, memoized in this process."""
    key = (primal, options)
    if key not in _LOADED:
        name, filename, source = source_of(primal)
        _LOADED[key] = compiled_module(source, filename, name, options)
    return _LOADED[key]


_LOADED: dict = {}


def source_of(f) -> tuple[str, str, str]:
    """(name, file name, the text of the module that defines ``f``)."""
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


def compiled_module(source: str, filename: str, name: str, options: Options):
    """The generated module: from a verified cache entry, else compiled and stored, else
    (the cache unusable, which ``cache`` warns about) compiled and kept in memory."""
    path = cache.entry_path(source, filename, name, options.key())
    module_name = f"_gradc_{path.stem}"
    text = cache.read_entry(path)
    if text is None:
        generated = _generate(source, filename, name, options)
        text = cache.write_entry(path, generated)
        if text is None:
            return load_module(generated, module_name, None)
    return load_module(text, module_name, path)


def _generate(source, filename, name, options: Options) -> str:
    from .pipeline import compile_source  # the compiler loads only on a miss

    return compile_source(source, filename, [name], options=options)


def describe(derivative, module) -> None:
    """The generated text and file behind ``derivative`` (None before any compile)."""
    derivative.source = module and module.__gradc_source__
    derivative.path = module and getattr(module, "__file__", None)
