"""The on-disk cache of compiled gradient modules.

Location: ``$GRADC_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/gradc``, else
``~/.cache/gradc``. Entries are keyed by a hash of the module's source text, the function,
the options and the compiler itself (its version and the modification times of its
files, so an edited or reinstalled gradc recompiles), so a changed source is recompiled
and a hit needs neither the compiler nor sympy. Deleting the directory clears the cache.

An entry's first line holds the SHA-256 of its name and the rest of its bytes, checked
before the entry is used: a truncated, emptied or otherwise damaged entry is recompiled
and replaced. The hash catches accidents, not attacks; against other users the directory
itself is the guard: it is created 0700, and one owned by someone else or writable by
group or others is not used at all (as pip does), nor is one that cannot be created or
written. Each such problem gives one ``CacheWarning`` per process, and the caller
compiles in memory instead.
"""

import functools
import os
import stat
import sys
import warnings
from pathlib import Path

from .codegen.loader import write_atomic
from .errors import CacheWarning
from .version import __version__

# hashlib loads OpenSSL (about 3 ms, a third of a warm import's budget); the builtin
# SHA-256 module gives the same digest without it (a private module: typeshed has no stub).
try:
    from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.10, 3.11
    except ImportError:
        from hashlib import sha256

HEADER = b"# gradc entry sha256="


def cache_dir() -> Path:
    if os.environ.get("GRADC_CACHE_DIR"):
        return Path(os.environ["GRADC_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gradc"


def entry_path(source: str, filename: str, function: str, options: str) -> Path:
    """Where the compiled module for this exact input lives (whether or not it exists);
    ``options`` is the options' key."""
    payload = repr((compiler_fingerprint(), source, function, options))
    key = sha256(payload.encode()).hexdigest()[:20]
    stem = Path(filename).stem.replace("-", "_") or "module"
    return cache_dir() / f"{stem}_{function}_{key}.py"


@functools.cache
def compiler_fingerprint() -> tuple:
    """The gradc version and the newest modification time of its source files."""
    package = Path(__file__).parent
    newest = max(os.stat(path).st_mtime_ns for path in package.rglob("*.py"))
    return __version__, newest


def read_entry(path: Path) -> str | None:
    """The text of the entry at ``path`` if it exists, its directory is safe and its
    hash matches; None otherwise (with a warning unless it simply does not exist)."""
    if not _usable_directory(path.parent):
        return None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _warn_once(f"cannot read the gradc cache entry {path} ({exc.strerror}); recompiling")
        return None
    header, _, body = data.partition(b"\n")
    if header != _header(path.name, body):
        _warn_once(f"the gradc cache entry {path} is damaged (its content does not match "
                   "its hash); recompiling and replacing it")
        return None
    return data.decode("utf-8")


def write_entry(path: Path, text: str) -> str | None:
    """Store generated ``text`` at ``path`` under its hash line and return the stored
    text; None (with a warning) when the directory is unsafe or cannot be written."""
    if not _usable_directory(path.parent):
        return None
    body = text.encode("utf-8")
    stored = (_header(path.name, body) + b"\n" + body).decode("utf-8")
    try:
        write_atomic(path, stored)
    except OSError as exc:
        _warn_once(f"cannot write to the gradc cache directory {path.parent} "
                   f"({exc.strerror}); compiling in memory")
        return None
    return stored


def _header(name: str, body: bytes) -> bytes:
    # The entry's name is hashed too, so a valid entry copied over another is caught.
    digest = sha256(name.encode("utf-8") + b"\n" + body).hexdigest()
    return HEADER + digest.encode("ascii")


def _usable_directory(directory: Path) -> bool:
    """Whether ``directory`` exists or could be created (0700), and no other user can
    write to it; warns once per directory and problem when not."""
    try:
        info = _stat_or_create(directory)
    except OSError as exc:
        _warn_once(f"cannot create the gradc cache directory {directory} "
                   f"({exc.strerror}); compiling in memory")
        return False
    problem = _unsafe(info)
    if problem:
        _warn_once(f"not using the gradc cache directory {directory}: {problem}, so other "
                   "users could plant code in it; compiling in memory (use a directory "
                   "of your own, e.g. unset GRADC_CACHE_DIR)")
    return not problem


def _stat_or_create(directory: Path) -> os.stat_result:
    try:
        info = os.stat(directory)
    except FileNotFoundError:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(directory)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(20, "Not a directory")
    return info


def _unsafe(info: os.stat_result) -> str:
    """Why a directory with this ``stat`` could be written by another user ("" if not)."""
    if not hasattr(os, "geteuid"):  # Windows: no uid, and mode bits say nothing
        return ""
    if info.st_uid != os.geteuid():  # the owner our own mkdir would give it
        return f"it is owned by uid {info.st_uid}, not by this user ({os.geteuid()})"
    if info.st_mode & 0o022:
        return f"it is writable by group or others (mode {info.st_mode & 0o777:o})"
    return ""


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """Warn about each cache problem once per process, whatever the warning filters,
    at the first caller outside gradc (the user's ``grad`` call or decorator)."""
    if message in _WARNED:
        return
    _WARNED.add(message)
    frame, level = sys._getframe(1), 2
    while frame.f_back and frame.f_globals.get("__name__", "").split(".")[0] == "gradc":
        frame, level = frame.f_back, level + 1
    warnings.warn(message, CacheWarning, stacklevel=level)
