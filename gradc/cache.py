"""The on-disk cache of compiled gradient modules.

Location: ``$GRADC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/gradc``, else
``~/.cache/gradc``. Entries are keyed by a hash of the module's source text, the function,
the options and the compiler itself (its version and the modification times of its
files, so an edited or reinstalled gradc recompiles), so a changed source is recompiled
and a hit needs neither the compiler nor sympy. Deleting the directory clears the cache.
"""

import functools
import os
from pathlib import Path

from . import __version__

# hashlib loads OpenSSL (about 3 ms, a third of a warm import's budget); the builtin
# SHA-256 module gives the same digest without it.
try:
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.10, 3.11
    except ImportError:
        from hashlib import sha256


def cache_dir() -> Path:
    if os.environ.get("GRADC_CACHE_DIR"):
        return Path(os.environ["GRADC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gradc"


def entry_path(source: str, filename: str, function: str, options: dict) -> Path:
    """Where the compiled module for this exact input lives (whether or not it exists)."""
    payload = repr((compiler_fingerprint(), source, function, sorted(options.items())))
    key = sha256(payload.encode()).hexdigest()[:20]
    stem = Path(filename).stem.replace("-", "_") or "module"
    return cache_dir() / f"{stem}_{function}_{key}.py"


@functools.cache
def compiler_fingerprint() -> tuple:
    """The gradc version and the newest modification time of its source files."""
    package = Path(__file__).parent
    newest = max(os.stat(path).st_mtime_ns for path in package.rglob("*.py"))
    return __version__, newest
