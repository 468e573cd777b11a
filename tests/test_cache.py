"""The on-disk cache under faults: damaged entries are recompiled and replaced, a
directory other users could write is not used, an unwritable one falls back to compiling
in memory, a planted ``.pyc`` never runs, and an edited, reloaded module recompiles.

Each test compiles a function into a private cache, damages something, then asks again
after dropping the loaded module from ``sys.modules``, as a new process would."""

import hashlib
import importlib
import importlib._bootstrap_external as bootstrap
import importlib.util
import sys
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


def test_entries_carry_their_hash(user):
    gradient, warned = fresh_gradient(user.f)
    assert warned == [] and gradient(0.5) == pytest.approx(WANT)
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
