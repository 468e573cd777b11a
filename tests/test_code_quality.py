"""The linters as part of the suite: ``ruff`` on the code and the tests, ``mypy`` with
its default settings on the whole package."""

import importlib.util
import subprocess
import sys

import pytest
from conftest import ROOT


def run_tool(module, *args):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is in the 'test' extra)")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_ruff_is_clean():
    result = run_tool("ruff", "check", "gradc", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    result = run_tool("mypy", "gradc")
    assert result.returncode == 0, result.stdout + result.stderr
