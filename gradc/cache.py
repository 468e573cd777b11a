"""The on-disk cache of compiled gradient modules.

Location: ``$GRADC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/gradc``, else
``~/.cache/gradc``. Entries are keyed by a hash of the module's source text, the function,
the options and the gradc version, so a changed source is recompiled and a hit needs
neither the compiler nor sympy. Deleting the directory clears the cache.
"""

import hashlib
import os
from pathlib import Path

from . import __version__


def cache_dir() -> Path:
    if os.environ.get("GRADC_CACHE_DIR"):
        return Path(os.environ["GRADC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gradc"


def entry_path(source: str, filename: str, function: str, options: dict) -> Path:
    """Where the compiled module for this exact input lives (whether or not it exists)."""
    payload = repr((__version__, source, function, sorted(options.items())))
    key = hashlib.sha256(payload.encode()).hexdigest()[:20]
    stem = Path(filename).stem.replace("-", "_") or "module"
    return cache_dir() / f"{stem}_{function}_{key}.py"
