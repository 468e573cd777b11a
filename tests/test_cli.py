"""The command line, run as a user runs it: in a subprocess."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

import gradc


def gradc_cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "gradc", *args], cwd=cwd,
                          capture_output=True, text=True)


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent('''
        import numpy as np

        print("the CLI must never run this module")

        def loss(w, b, scale=2.0):
            return scale * np.tanh(w * b) + b

        def other(x):
            return np.exp(x)
    '''))
    return path


def load(path):
    namespace = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def test_compile_writes_every_function(model_file, tmp_path):
    result = gradc_cli("compile", "model.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "generated" / "model_grad.py"
    assert result.stdout.strip() == str(out.relative_to(tmp_path))
    assert "must never run" not in result.stdout
    ns = load(out)
    dw, db = ns["grad_loss"](0.5, 2.0)
    value, (dw2, db2) = ns["value_and_grad_loss"](0.5, 2.0)
    assert (dw, db) == (dw2, db2) and value == pytest.approx(2 * 0.7615941559557649 + 2)
    assert ns["grad_other"](0.0) == 1.0


def test_function_wrt_and_output_dir(model_file, tmp_path):
    result = gradc_cli("compile", "model.py", "--function", "loss", "--wrt", "b",
                       "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ns = load(tmp_path / "out" / "model_grad.py")
    assert "grad_other" not in ns
    assert ns["grad_loss"](0.5, 2.0) == pytest.approx(2 * 0.5 * (1 - 0.7615941559557649**2) + 1)
    result = gradc_cli("compile", "model.py", "--function", "loss", "--wrt", "0,scale",
                       "-o", "out2", cwd=tmp_path)
    assert len(load(tmp_path / "out2" / "model_grad.py")["grad_loss"](0.5, 2.0)) == 2


def test_emit_ir_prints_every_stage_and_writes_nothing(model_file, tmp_path):
    result = gradc_cli("compile", "model.py", "--function", "other", "--emit", "ir",
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for stage in ("lower", "optimize", "reverse", "cleanup", "materialize"):
        assert f";; other: after {stage}" in result.stdout
    assert "%x.0 = exp" not in result.stdout and "= exp %x.0" in result.stdout
    assert not (tmp_path / "generated").exists()


def test_syntax_error_reports_location_and_writes_nothing(tmp_path):
    (tmp_path / "bad.py").write_text("import numpy as np\n\ndef f(x):\n"
                                     "    y = np.sort(x)\n    return y\n")
    result = gradc_cli("compile", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "bad.py:4:9: error: np.sort has no derivative rule"
    assert lines[1].strip() == "y = np.sort(x)" and lines[2].strip() == "^"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize("args, message", [
    (("compile", "missing.py"), "cannot read missing.py"),
    (("compile", "model.py", "--function", "nope"), "has no top-level function 'nope'"),
    (("compile", "model.py", "--wrt", "q"), "has no argument 'q'"),
])
def test_bad_input_exits_1_without_traceback(model_file, tmp_path, args, message):
    result = gradc_cli(*args, cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "generated").exists()


def test_help_documents_the_options(tmp_path):
    result = gradc_cli("compile", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--function", "--wrt", "--output-dir", "--emit", "--no-optimize", "FILE"):
        assert option in result.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "gradc"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "compile" in result.stdout


def test_example_compiles_from_repository_root(tmp_path):
    result = gradc_cli("compile", str(ROOT / "examples" / "backprop_ex1.py"), "-o",
                       str(tmp_path), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    ns = load(tmp_path / "backprop_ex1_grad.py")
    assert ns["grad_f"](2.0, 3.0) == pytest.approx((1208.3812151266095, 809.707479218564),
                                                   rel=1e-12)


def test_version_is_printed():
    result = subprocess.run([sys.executable, "-m", "gradc", "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == f"gradc {gradc.__version__}"


def test_the_readme_snippet_importing_a_generated_module_runs(monkeypatch):
    """The README shows how to import and call what the CLI wrote: run that snippet."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("from backprop_ex1_grad import")[0].rsplit("```python", 1)[1]
    snippet += "from backprop_ex1_grad import" + \
        readme.split("from backprop_ex1_grad import")[1].split("```")[0]
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the snippet extends it
    namespace: dict = {}
    exec(snippet, namespace)
    assert namespace["grad_f"](2.0, 3.0) == (1208.3812151266095, 809.707479218564)
