"""Shared test setup: a private gradc cache per test session, a deterministic
hypothesis profile, and helpers to compile source text."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ["GRADC_CACHE_DIR"] = tempfile.mkdtemp(prefix="gradc-test-cache-")

try:
    from hypothesis import HealthCheck, settings

    settings.register_profile("deterministic", derandomize=True, max_examples=60,
                              deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
except ImportError:  # hypothesis is a test extra; its tests skip without it
    pass

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def module_from_source(tmp_path):
    """Write source text to a fresh module file, import it, return the module."""
    counter = iter(range(10**6))

    def make(source: str, name: str = "user_module"):
        import importlib

        unique = f"{name}_{next(counter)}_{abs(hash(str(tmp_path))) % 10**8}"
        path = tmp_path / f"{unique}.py"
        path.write_text(source)
        sys.path.insert(0, str(tmp_path))
        try:
            return importlib.import_module(unique)
        finally:
            sys.path.remove(str(tmp_path))

    return make
