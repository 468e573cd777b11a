"""Static reading of a user's module: imports, numeric constants and top-level functions.

Nothing here executes the user's code; aliases such as ``import numpy as np`` or
``from math import exp`` are resolved from the syntax tree alone.
"""

import ast
from dataclasses import dataclass, field

from ..errors import UnsupportedSyntaxError
from .methods import NUMPY, desugar_methods


@dataclass
class ModuleInfo:
    filename: str
    lines: list[str]
    numpy_aliases: set[str] = field(default_factory=set)
    math_aliases: set[str] = field(default_factory=set)
    gradc_aliases: set[str] = field(default_factory=set)
    nn_aliases: set[str] = field(default_factory=set)      # names bound to gradc.nn
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (lib, attr)
    constants: dict[str, float] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    # gradc's own reverse-mode code, read back for forward mode over it: an adjoint
    # branch reads values of the primal branch taken under the same condition
    generated: bool = False

    def error(self, node, message, hint=None) -> UnsupportedSyntaxError:
        """An error located at ``node``, quoting its source line."""
        line = getattr(node, "lineno", 0)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return UnsupportedSyntaxError(message, self.filename, line,
                                      getattr(node, "col_offset", 0), text, hint)

    def line_text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""


def parse_module(source: str, filename: str = "<string>") -> ModuleInfo:
    """Parse ``source`` and collect what lowering needs; raises UnsupportedSyntaxError
    (located) when the file is not valid Python."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise UnsupportedSyntaxError(exc.msg, filename, exc.lineno or 0,
                                     max((exc.offset or 1) - 1, 0), exc.text or "") from None
    info = ModuleInfo(filename, source.splitlines())
    assigned_twice: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            _read_import(info, stmt)
        elif isinstance(stmt, ast.ImportFrom):
            _read_import_from(info, stmt)
        elif isinstance(stmt, ast.FunctionDef):
            info.functions[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            _read_constant(info, stmt, assigned_twice)
    for name in assigned_twice:
        info.constants.pop(name, None)
    libraries = info.numpy_aliases | info.math_aliases | info.nn_aliases
    for node in info.functions.values():
        desugar_methods(node, libraries)
    info.numpy_aliases.add(NUMPY)
    return info


def _read_import(info, stmt):
    for alias in stmt.names:
        bound = alias.asname or alias.name.split(".")[0]
        if alias.name == "numpy":
            info.numpy_aliases.add(bound)
        elif alias.name == "math":
            info.math_aliases.add(bound)
        elif alias.name == "gradc":
            info.gradc_aliases.add(bound)
        elif alias.name == "gradc.nn":
            (info.nn_aliases if alias.asname else info.gradc_aliases).add(bound)


def _read_import_from(info, stmt):
    lib = {"numpy": "numpy", "math": "math", "gradc": "gradc", "gradc.nn": "nn"}.get(
        stmt.module or "")
    if lib is None:
        return
    for alias in stmt.names:
        if lib == "gradc" and alias.name == "nn":
            info.nn_aliases.add(alias.asname or alias.name)
        elif alias.name != "*":
            info.imported[alias.asname or alias.name] = (lib, alias.name)


def _read_constant(info, stmt, assigned_twice):
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    value = constant_value(stmt.value, info) if stmt.value is not None else None
    for name in names:
        if name in info.constants or (value is None and name in info.functions):
            assigned_twice.add(name)
        if value is not None:
            info.constants[name] = value
        else:
            assigned_twice.add(name)


def constant_value(node, info: ModuleInfo | None = None):
    """The number a constant expression stands for (``2.0``, ``-1``, ``np.pi``,
    ``EPS``), or None when it is not one."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = constant_value(node.operand, info)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if info is not None and isinstance(node, ast.Name):
        return info.constants.get(node.id)
    if info is not None and isinstance(node, ast.Attribute):
        return library_constant(node, info)
    return None


def library_constant(node: ast.Attribute, info: ModuleInfo):
    """``np.pi``, ``math.e`` and friends: (spelling, value), or None."""
    from ..ir.primitives import MATH_CONSTANTS, NUMPY_CONSTANTS

    if not isinstance(node.value, ast.Name):
        return None
    owner = node.value.id
    if owner in info.numpy_aliases and node.attr in NUMPY_CONSTANTS:
        return NUMPY_CONSTANTS[node.attr]
    if owner in info.math_aliases and node.attr in MATH_CONSTANTS:
        return MATH_CONSTANTS[node.attr]
    return None
