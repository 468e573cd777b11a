"""What gradc declares it runs on (pyproject.toml, README) against what it uses.

- NumPy: the declared range starts at 1.24; `.ci/run` tests that lower end with the
  pins of `.ci/minimum.txt`, which must match pyproject's lower bounds. gradc (its own
  code and every module it writes) uses no name that only NumPy 2 has.
"""

import re

from conftest import ROOT

from gradc.ir.primitives import PRIMITIVES

# NumPy 2.0's array-API names (2.1: cumulative_*, unstack; 2.2: matvec, vecmat): absent
# from NumPy 1.x, so neither gradc nor the code it writes may call them.
NUMPY_2_ONLY = {
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "pow", "concat",
    "permute_dims", "bitwise_left_shift", "bitwise_right_shift", "bitwise_invert",
    "matrix_transpose", "vecdot", "isdtype", "astype", "unique_all", "unique_counts",
    "unique_inverse", "unique_values", "cumulative_sum", "cumulative_prod", "unstack",
    "matvec", "vecmat",
}


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
