"""What gradc declares it runs on (pyproject.toml, README) against what it uses.

- NumPy: the declared range starts at 1.24; `.ci/run` tests that lower end with the
  pins of `.ci/minimum.txt`, which must match pyproject's lower bounds. gradc (its own
  code and every module it writes) uses no name that only NumPy 2 has.
- Python 3.14 removed ast.Num, ast.Str, ast.Bytes, ast.NameConstant and ast.Ellipsis.
  astor 0.8.1 looks some of them up, so gradc's code generation is run with them deleted
  (on 3.12 and 3.13, where the ast module no longer uses them itself).
"""

import re
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT
from test_golden import CASES

from gradc.primitives import PRIMITIVES

# NumPy 2.0's array-API names (2.1: cumulative_*, unstack; 2.2: matvec, vecmat): absent
# from NumPy 1.x, so neither gradc nor the code it writes may call them.
NUMPY_2_ONLY = {
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "pow", "concat",
    "permute_dims", "bitwise_left_shift", "bitwise_right_shift", "bitwise_invert",
    "matrix_transpose", "vecdot", "isdtype", "astype", "unique_all", "unique_counts",
    "unique_inverse", "unique_values", "cumulative_sum", "cumulative_prod", "unstack",
    "matvec", "vecmat",
}
REMOVED_IN_PYTHON_3_14 = ("Num", "Str", "Bytes", "NameConstant", "Ellipsis")


def _declared_lower_bounds():
    text = (ROOT / "pyproject.toml").read_text()
    dependencies = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    return dict(re.findall(r'"([A-Za-z0-9_.-]+)>=([0-9.]+)"', dependencies))


def test_numpy_names_gradc_uses_exist_in_numpy_1():
    used = {p.numpy for p in PRIMITIVES.values() if p.numpy}
    for path in [*(ROOT / "gradc").rglob("*.py"), *(ROOT / "generated").glob("*.py")]:
        used |= set(re.findall(r"\bnp\.(\w+)", path.read_text()))
    assert not used & NUMPY_2_ONLY, sorted(used & NUMPY_2_ONLY)


def test_minimum_pins_are_the_declared_lower_bounds():
    """.ci/minimum.txt pins each dependency to the lowest version pyproject allows."""
    declared = _declared_lower_bounds()
    assert {"numpy", "sympy", "astor"} <= set(declared), declared
    pins = {}
    for line in (ROOT / ".ci" / "minimum.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip()] = version.strip()
    for name, lowest in declared.items():
        assert name in pins, f"{name}>={lowest} is declared but .ci/minimum.txt has no pin"
        assert pins[name] in (lowest, f"{lowest}.*"), (name, lowest, pins[name])


@pytest.mark.skipif(sys.version_info < (3, 12), reason="before 3.12 the ast module itself "
                    "uses these names (ast.get_docstring), so they cannot be deleted")
def test_codegen_needs_none_of_the_ast_names_python_3_14_removed(tmp_path):
    """With the names Python 3.14 removed deleted from the ast module before astor is
    imported, every golden example compiles to the same text. The f-string check shows
    the deletion takes: astor 0.8.1 needs ast.Str to print an f-string, which gradc
    never writes."""
    script = textwrap.dedent(f"""
        import ast, sys
        for name in {REMOVED_IN_PYTHON_3_14!r}:
            vars(ast).pop(name, None)
            ast._deprecated_globals.pop(name, None)  # 3.12, 3.13: reached by __getattr__
            assert not hasattr(ast, name), name
        for name in ("n", "s"):  # Constant's old aliases of .value
            if name in vars(ast.Constant):
                delattr(ast.Constant, name)
        import astor
        try:
            astor.to_source(ast.parse('f"{{x}} and y"'))
        except AttributeError as exc:
            assert "Str" in str(exc), exc
        else:
            raise AssertionError("astor printed an f-string without ast.Str")
        from gradc.cli import main
        for name, options, out in {[(n, list(o), str(tmp_path / s)) for n, s, o in CASES]!r}:
            assert main(["compile", f"examples/{{name}}", "-o", out, *options]) == 0, name
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    for name, suffix, _ in CASES:
        written = (tmp_path / suffix / name.replace(".py", f"_{suffix}.py")).read_text()
        golden = ROOT / "generated" / name.replace(".py", f"_{suffix}.py")
        assert written == golden.read_text(), golden.name
