"""The on-disk cache under faults: damaged entries are recompiled and replaced, a
directory other users could write is not used, an unwritable one falls back to compiling
in memory, a planted ``.pyc`` never runs, and an edited, reloaded module recompiles.

Each test compiles a function into a private cache, damages something, then asks again
after dropping the loaded module from ``sys.modules``, as a new process would."""

import hashlib
import importlib
import importlib._bootstrap_external as bootstrap
import importlib.util
import os
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

import numpy as np
import pytest

import gradc
from gradc import cache

SOURCE = '''
import math
import numpy as np

def f(x):
    return np.sin(x) * x

def g(x):
    return np.cos(x) * x

def logs(x):
    return math.log(x)
'''
WANT = np.cos(0.5) * 0.5 + np.sin(0.5)  # d/dx sin(x) x at 0.5
# a module with the generated functions' names and wrong answers
EVIL = "def value_and_grad_f(x):\n    return 0.0, 42.0\ndef grad_f(x):\n    return 42.0\n"


@pytest.fixture
def user(module_from_source, tmp_path, monkeypatch):
    """A fresh user module, a fresh cache directory, no cache warnings given yet."""
    monkeypatch.setenv("GRADC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_WARNED", set())
    return module_from_source(SOURCE, "cached")


def entry_of(gradient) -> Path:
    return Path(gradient.path)


def forget(gradient, monkeypatch):
    """Drop the loaded module, so the next compile reads the cache as a new process."""
    monkeypatch.delitem(sys.modules, f"_gradc_{entry_of(gradient).stem}")


def fresh_gradient(function):
    """``grad(function)`` and the CacheWarnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gradient = gradc.grad(function)
    return gradient, [str(w.message) for w in caught if w.category is gradc.CacheWarning]


def with_valid_header(path: Path, body: str) -> str:
    """``body`` under the hash line gradc would write for it at ``path``."""
    digest = hashlib.sha256(path.name.encode() + b"\n" + body.encode()).hexdigest()
    return f"# gradc entry sha256={digest}\n{body}"


def test_new_directory_is_private_and_entries_carry_their_hash(user):
    gradient, warned = fresh_gradient(user.f)
    assert warned == [] and gradient(0.5) == pytest.approx(WANT)
    assert os.stat(entry_of(gradient).parent).st_mode & 0o777 == 0o700
    text = entry_of(gradient).read_text()
    assert text == gradient.source and text == with_valid_header(entry_of(gradient),
                                                                 text.partition("\n")[2])
    assert not (entry_of(gradient).parent / "__pycache__").exists()


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def change_a_coefficient(path):  # still valid Python, with the old (now wrong) hash line
    text = path.read_text()
    assert "np.cos(x)" in text
    path.write_text(text.replace("np.cos(x)", "(2.0 * np.cos(x))"))


DAMAGE = {
    "zero-byte": lambda path: path.write_bytes(b""),
    "truncated": truncate,
    "garbage": lambda path: path.write_bytes(bytes(range(256)) * 3),
    "valid Python, other content": change_a_coefficient,
    "no hash line": lambda path: path.write_text(EVIL),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=str)
def test_a_damaged_entry_is_recompiled_and_replaced_with_one_warning(user, monkeypatch,
                                                                     damage):
    first, _ = fresh_gradient(user.f)
    good = entry_of(first).read_bytes()
    DAMAGE[damage](entry_of(first))
    forget(first, monkeypatch)
    second, warned = fresh_gradient(user.f)
    assert second(0.5) == pytest.approx(WANT)
    assert len(warned) == 1 and "is damaged" in warned[0]
    assert entry_of(second).read_bytes() == good  # replaced
    forget(second, monkeypatch)
    third, warned = fresh_gradient(user.f)
    assert warned == [] and third(0.5) == pytest.approx(WANT)


def test_another_valid_entry_copied_over_one_is_caught(user, monkeypatch):
    of_f, _ = fresh_gradient(user.f)
    of_g, _ = fresh_gradient(user.g)
    entry_of(of_f).write_bytes(entry_of(of_g).read_bytes())  # its hash line is valid
    forget(of_f, monkeypatch)
    again, warned = fresh_gradient(user.f)
    assert len(warned) == 1 and again(0.5) == pytest.approx(WANT)


def test_a_planted_pyc_beside_an_entry_never_runs(user, monkeypatch):
    first, _ = fresh_gradient(user.f)
    entry = entry_of(first)
    # an unchecked hash-based .pyc: the import system would run it without a look at
    # the source beside it
    pyc = Path(importlib.util.cache_from_source(str(entry)))
    pyc.parent.mkdir(exist_ok=True)
    source_hash = importlib.util.source_hash(entry.read_bytes())
    pyc.write_bytes(bootstrap._code_to_hash_pyc(compile(EVIL, str(entry), "exec"),
                                                source_hash, False))
    forget(first, monkeypatch)
    second, warned = fresh_gradient(user.f)
    assert warned == [] and second(0.5) == pytest.approx(WANT)


def plant(gradient):
    """Replace the entry of ``gradient`` with EVIL under a valid hash line: what another
    user who can write to the directory could do."""
    entry = entry_of(gradient)
    entry.write_text(with_valid_header(entry, EVIL))


def refuses_the_directory(user, monkeypatch, make_unsafe, reason):
    first, _ = fresh_gradient(user.f)
    entries = sorted(entry_of(first).parent.iterdir())
    plant(first)
    forget(first, monkeypatch)
    make_unsafe(entry_of(first).parent)
    second, warned = fresh_gradient(user.f)
    assert second(0.5) == pytest.approx(WANT) and second.path is None
    assert len(warned) == 1 and "not using" in warned[0] and reason in warned[0]
    assert sorted(entry_of(first).parent.iterdir()) == entries  # nothing written there
    assert fresh_gradient(user.g)[1] == []  # warned once per process


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702], ids=oct)
def test_a_directory_others_can_write_is_not_used(user, monkeypatch, mode):
    refuses_the_directory(user, monkeypatch, lambda path: os.chmod(path, mode),
                          "writable by group or others")


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX owners")
def test_a_directory_owned_by_another_user_is_not_used(user, monkeypatch):
    someone_else = os.geteuid() + 1  # chown needs root; pretend to be another user
    refuses_the_directory(user, monkeypatch,
                          lambda path: monkeypatch.setattr(os, "geteuid",
                                                           lambda: someone_else),
                          "owned by uid")


def test_a_directory_that_cannot_be_created_falls_back_to_memory(user, tmp_path,
                                                                 monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("GRADC_CACHE_DIR", str(tmp_path / "a-file" / "cache"))
    gradient, warned = fresh_gradient(user.f)
    assert gradient(0.5) == pytest.approx(WANT) and gradient.path is None
    assert len(warned) == 1 and "cannot create" in warned[0]
    assert "def value_and_grad_f" in gradient.source
    assert fresh_gradient(user.g)[1] == []
    logs = gradc.grad(user.logs)
    with pytest.raises(ValueError) as caught:  # tracebacks still show generated lines
        logs(-1.0)
    shown = "".join(traceback.format_exception(caught.value))
    assert "<_gradc_cached" in shown and "math.log(x)" in shown


def test_an_unwritable_directory_serves_hits_and_compiles_misses_in_memory(user,
                                                                          monkeypatch):
    cached, _ = fresh_gradient(user.f)

    def read_only(*args, **kwargs):  # root writes anywhere: fail as mkstemp would
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    forget(cached, monkeypatch)
    hit, warned = fresh_gradient(user.f)
    assert warned == [] and hit.path == cached.path and hit(0.5) == pytest.approx(WANT)
    miss, warned = fresh_gradient(user.g)
    assert miss.path is None and miss(0.5) == pytest.approx(np.cos(0.5) - 0.5 * np.sin(0.5))
    assert len(warned) == 1 and "cannot write" in warned[0]


def test_an_edited_and_reloaded_module_is_recompiled(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "edited_then_reloaded.py"
    path.write_text("def f(x):\n    return x * x\n")
    module = importlib.import_module(path.stem)
    try:
        assert gradc.grad(module.f)(2.0) == 4.0
        path.write_text("def f(x):\n    return x * x * x\n")
        importlib.reload(module)
        assert gradc.grad(module.f)(2.0) == 12.0
    finally:
        del sys.modules[path.stem]
