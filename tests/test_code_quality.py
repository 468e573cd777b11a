"""The linters as part of the suite: ``ruff`` on the code and the tests, ``mypy`` with
its default settings on the packages whose types are clean."""

import importlib.util
import subprocess
import sys

import pytest
from conftest import ROOT

# ir/, passes/ and codegen/ join when their mypy errors are fixed (then: just "gradc")
TYPED = ["gradc/frontend", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("gradc/*.py"))]


def run_tool(module, *args):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is in the 'test' extra)")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT,
                          capture_output=True, text=True)


def test_ruff_is_clean():
    result = run_tool("ruff", "check", "gradc", "tests")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    # silent: modules imported from outside TYPED are analysed, but not reported on
    result = run_tool("mypy", "--follow-imports=silent", *TYPED)
    assert result.returncode == 0, result.stdout + result.stderr
