"""Compiling a live function once and loading the result, for every mode of the API.

What the function reads is gathered from the function object (``frontend/live.py``),
compiled for the ``Options`` given, cached on disk (``cache``) and loaded from the text
checked there; when the cache cannot be used it is compiled in memory. Modules are
memoized per function and options in this process, so a mode asked for twice compiles
once, and compiled again when a name the function read holds another value.
"""

import sys

from . import cache
from .codegen.loader import load_module
from .errors import LocatedError
from .frontend.live import LiveFunction, read_live
from .options import Options


def generated_function(primal, prefix: str, options: Options):
    """``<prefix>_<name>`` of the module generated for ``primal`` (jvp_f, vjp_f, ...)."""
    module, live = module_for(primal, options)
    return getattr(module, f"{prefix}_{live.name}")


def module_for(primal, options: Options):
    """(the generated module, what it read) for ``primal`` and ``options``, memoized
    in this process while what it read is unchanged."""
    key = (primal, options)
    entry = _LOADED.get(key)
    if entry is None or entry[1].changed():
        live = read_live(primal)
        entry = _LOADED[key] = (compiled_module(live, options), live)
    return entry


_LOADED: dict = {}


def compiled_module(live: LiveFunction, options: Options):
    """The generated module: from a verified cache entry, else compiled and stored, else
    (the cache unusable, which ``cache`` warns about) compiled and kept in memory. The
    arrays the function reads are bound in it."""
    path = cache.entry_path(live.key, live.filename, live.name, options.key())
    module_name = f"_gradc_{path.stem}"
    text = cache.read_entry(path)
    if text is None:
        generated = _generate(live, options)
        text = cache.write_entry(path, generated)
        if text is None:
            return load_module(generated, module_name, None, live.arrays)
    return load_module(text, module_name, path, live.arrays)


def _generate(live: LiveFunction, options: Options) -> str:
    from .pipeline import compile_module  # the compiler loads only on a miss

    try:
        return compile_module(live.module_info(), [live.name], options=options)
    except LocatedError as error:
        error.filename = shown_name(error.filename)
        raise


def shown_name(filename: str) -> str:
    """A notebook or IPython cell as IPython names it in tracebacks ("Cell In[3]");
    any other file as it is."""
    ipython = sys.modules.get("IPython")
    try:
        label = ipython.get_ipython().compile.format_code_name(filename)  # type: ignore
    except Exception:  # not in IPython, or an IPython without it
        return filename
    return " ".join(label) if label else filename


def describe(derivative, module) -> None:
    """The generated text and file behind ``derivative`` (None before any compile)."""
    derivative.source = module and module.__gradc_source__
    derivative.path = module and getattr(module, "__file__", None)
