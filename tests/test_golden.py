"""generated/ is a golden set: regenerating every example must reproduce it byte for byte,
and so must the IR in generated/ir/ (``--emit ir``'s stages for a few functions).

After an intended change to the generator, update with:

    GRADC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

import ast
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from gradc.cli import format_stage
from gradc.pipeline import compile_source

EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.py"))
# every example in reverse mode; worked example 1 in the other modes too, and the loops
# in forward over reverse (Hessian-vector products through gradc's own loops and tapes)
CASES = [(name, "grad", ()) for name in EXAMPLES] + [
    ("backprop_ex1.py", "jvp", ("--mode", "forward")),
    ("backprop_ex1.py", "hvp", ("--hessian",)),
    ("loops.py", "hvp", ("--hessian",)),
]


# the array-API target (generated/array_api/): floats, slices and a fancy index, loops
ARRAY_API_CASES = ["backprop_ex1.py", "indexing.py", "loops.py"]


def compile_example(name, out_dir, suffix="grad", options=()):
    result = subprocess.run(
        [sys.executable, "-m", "gradc", "compile", f"examples/{name}", "-o", str(out_dir),
         *options], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return (out_dir / name.replace(".py", f"_{suffix}.py")).read_text()


@pytest.mark.parametrize("name, suffix, options", CASES, ids=[f"{n}-{s}" for n, s, _ in CASES])
def test_generated_matches_golden(name, suffix, options, tmp_path):
    fresh = compile_example(name, tmp_path, suffix, options)
    assert_golden(ROOT / "generated" / name.replace(".py", f"_{suffix}.py"), fresh)


@pytest.mark.parametrize("name", ARRAY_API_CASES)
def test_array_api_generated_matches_golden(name, tmp_path):
    fresh = compile_example(name, tmp_path, "grad_array_api", ("--target", "array-api"))
    assert_golden(ROOT / "generated" / "array_api" / name.replace(".py", "_grad_array_api.py"),
                  fresh)


def test_array_api_modules_import_no_array_library():
    for path in (ROOT / "generated" / "array_api").glob("*.py"):
        imports = [line for line in path.read_text().splitlines()
                   if line.startswith(("import ", "from "))]
        assert set(imports) <= {"import array_api_compat", "import math"}, path
        names = {node.id for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.Name)}
        assert "np" not in names, path  # (comments quote the source's np. calls)


def assert_golden(golden, fresh):
    if os.environ.get("GRADC_UPDATE_GOLDEN"):
        golden.write_text(fresh)
    assert golden.exists(), f"{golden} missing: run with GRADC_UPDATE_GOLDEN=1"
    assert fresh == golden.read_text(), (
        f"{golden.name} differs from fresh output; if the change is intended, "
        "run GRADC_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py")


# the IR of worked example 1, a while loop (with a branch in its condition), a for loop
# with a tape and a run-time index, and slices: as lowered, and with its adjoint appended
IR_CASES = [(name, function, stage)
            for name, function in [("backprop_ex1.py", "f"), ("loops.py", "newton_sqrt"),
                                   ("loops.py", "rnn_loss"), ("indexing.py", "roughness")]
            for stage in ("lower", "reverse")]


def emitted_ir(name, function):
    """Each stage's ``--emit ir`` text for one function of an example, by stage."""
    stages = {}
    compile_source((ROOT / "examples" / name).read_text(), f"examples/{name}", [function],
                   trace=lambda label, fn: stages.setdefault(label, format_stage(label, fn)))
    return stages


def ir_golden(name, function, stage):
    return ROOT / "generated" / "ir" / name.replace(".py", f"_{function}_{stage}.txt")


@pytest.mark.parametrize("name, function, stage", IR_CASES,
                         ids=[f"{n}-{f}-{s}" for n, f, s in IR_CASES])
def test_ir_matches_golden(name, function, stage):
    assert_golden(ir_golden(name, function, stage), emitted_ir(name, function)[stage])


def test_every_ir_golden_is_checked():
    checked = {ir_golden(*case) for case in IR_CASES}
    assert set((ROOT / "generated" / "ir").glob("*.txt")) == checked


def test_output_is_deterministic(tmp_path):
    first = compile_example(EXAMPLES[0], tmp_path / "a")
    second = compile_example(EXAMPLES[0], tmp_path / "b")
    assert first == second


def test_generated_modules_import_only_numpy_and_math():
    for path in (ROOT / "generated").glob("*.py"):
        imports = [line for line in path.read_text().splitlines()
                   if line.startswith(("import ", "from "))]
        assert set(imports) <= {"import numpy as np", "import math"}, path


def test_readme_tour_shows_the_current_generated_code():
    readme = (ROOT / "README.md").read_text()
    golden = (ROOT / "generated" / "backprop_ex1_grad.py").read_text()
    shown = golden[golden.index("def value_and_grad_f"):golden.index("\n\n\ndef grad_f")]
    assert f"```python\n{shown.rstrip()}\n```" in readme, \
        "update the README's tour with generated/backprop_ex1_grad.py's value_and_grad_f"
