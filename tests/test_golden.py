"""generated/ is a golden set: regenerating every example must reproduce it byte for byte.

After an intended change to the generator, update with:

    GRADC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

import os
import subprocess
import sys

import pytest
from conftest import ROOT

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))


def compile_example(name, out_dir):
    result = subprocess.run(
        [sys.executable, "-m", "gradc", "compile", f"examples/{name}", "-o", str(out_dir)],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return (out_dir / name.replace(".py", "_grad.py")).read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_generated_matches_golden(name, tmp_path):
    fresh = compile_example(name, tmp_path)
    golden = ROOT / "generated" / name.replace(".py", "_grad.py")
    if os.environ.get("GRADC_UPDATE_GOLDEN"):
        golden.write_text(fresh)
    assert golden.exists(), f"{golden} missing: run with GRADC_UPDATE_GOLDEN=1"
    assert fresh == golden.read_text(), (
        f"{golden.name} differs from freshly generated code; if the change is intended, "
        "run GRADC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py")


def test_output_is_deterministic(tmp_path):
    first = compile_example(EXAMPLES[0], tmp_path / "a")
    second = compile_example(EXAMPLES[0], tmp_path / "b")
    assert first == second


def test_generated_modules_import_only_numpy_and_math():
    for path in (ROOT / "generated").glob("*_grad.py"):
        imports = [line for line in path.read_text().splitlines()
                   if line.startswith(("import ", "from "))]
        assert set(imports) <= {"import numpy as np", "import math"}, path
