"""Write generated modules to disk atomically and load them from their verified text.

A module is compiled from the text the caller read and checked, never imported by path:
the import system would trust whatever ``.pyc`` sits in ``__pycache__`` beside the file.
Its lines are registered in ``linecache`` under the file's name, so tracebacks,
``inspect`` and ``pdb`` show the generated lines, even for a module kept in memory.
"""

import contextlib
import linecache
import os
import sys
import types
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the whole new one; on
    failure (a full disk, say) nothing is left behind, not even the folders made for it."""
    made = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, text)
    except BaseException:
        for folder in made:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _replace(path: Path, text: str) -> None:
    import tempfile  # only when writing: importing it costs a cache hit 7 ms

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # newline="": the bytes on disk are exactly text's (the cache hashes them)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_module(text: str, module_name: str, path: Path | None, arrays=None):
    """Run ``text`` as a module named ``module_name`` (registered in sys.modules) whose
    file is ``path``, or, with no path, a placeholder name ``<module_name>``. ``arrays``
    (names to NumPy arrays the code reads) are bound in a module of their own, which
    two functions with equal code but different data cannot share."""
    loaded = sys.modules.get(module_name)
    if not arrays and loaded is not None and getattr(loaded, "__gradc_source__", None) == text:
        return loaded
    filename = str(path) if path is not None else f"<{module_name}>"
    code = compile(text, filename, "exec")
    module = types.ModuleType(module_name)
    if path is not None:
        module.__file__ = filename
    module.__dict__["__gradc_source__"] = text  # read back by api (``.source``)
    # No modification time: linecache.checkcache keeps these lines, the ones that ran.
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(code, module.__dict__)
    if arrays:
        module.__dict__.update(arrays)
    else:
        sys.modules[module_name] = module
    return module
