"""Messages and hints for constructs outside the accepted language.

Kept apart from the lowering so the allow-list reads as what is accepted, and this
module as what a user is told instead.
"""

import ast

_STATEMENTS = {
    ast.Try: ("'try' is not supported", "gradc compiles pure numeric code"),
    ast.With: ("'with' is not supported", "gradc compiles pure numeric code"),
    ast.Import: ("imports inside the function are not supported",
                 "import numpy or math at the top of the module"),
    ast.ImportFrom: ("imports inside the function are not supported",
                     "import numpy or math at the top of the module"),
    ast.Global: ("'global' is not supported", "pass the value as a parameter"),
    ast.Nonlocal: ("'nonlocal' is not supported", "pass the value as a parameter"),
    ast.Delete: ("'del' is not supported", None),
    ast.Raise: ("'raise' is not supported", None),
    ast.Assert: ("'assert' is not supported", None),
    ast.Expr: ("an expression whose value is thrown away does nothing here",
               "assign it to a name or remove it"),
}


def statement_hint(stmt) -> tuple[str, str | None]:
    """(message, hint) for a statement the lowering does not accept."""
    kind = type(stmt)
    if kind is ast.Expr and isinstance(stmt.value, ast.Yield | ast.YieldFrom):
        return "generators (yield) are not supported", "return the values instead"
    if kind in _STATEMENTS:
        return _STATEMENTS[kind]
    if isinstance(stmt, ast.AsyncFunctionDef | ast.AsyncFor | ast.AsyncWith):
        return "async code is not supported", None
    return f"'{kind.__name__}' statements are not supported", None


def expression_hint(node) -> tuple[str, str | None]:
    """(message, hint) for an expression the lowering does not accept."""
    if isinstance(node, ast.BinOp):
        return f"the operator '{_spell_op(node)}' is not supported", None
    if isinstance(node, ast.Constant):
        return f"constants of type {type(node.value).__name__} are not supported", \
            "use int or float numbers"
    if isinstance(node, ast.Attribute):
        return _attribute_hint(node)
    if isinstance(node, ast.Compare):
        return "'is' and 'in' are not supported", "compare numbers with < <= > >= == !="
    if isinstance(node, ast.Lambda):
        return "lambda is not supported", "define a function at module level"
    if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp):
        return "comprehensions are not supported", None
    if isinstance(node, ast.UnaryOp):
        return f"the unary operator '{_spell_op(node)}' is not supported", None
    kind = type(node).__name__
    return f"'{kind}' expressions are not supported", None


def _attribute_hint(node: ast.Attribute):
    if node.attr in ("astype", "copy", "item", "tolist"):
        return f"{ast.unparse(node)}(...) is not supported", \
            "arrays are float values here: drop the conversion"
    return f"attribute '{ast.unparse(node)}' is not supported", \
        "gradc reads numbers, parameters and NumPy/math functions and constants"


_SYMBOLS = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<",
            ast.RShift: ">>", ast.Not: "not", ast.Invert: "~"}


def _spell_op(node):
    return _SYMBOLS.get(type(node.op), type(node.op).__name__)
