"""A bound on how deeply a function's code nests, checked before the lowering recurses
into it, so that deep code is refused where it is rather than by a RecursionError.

Python's own parser reads expressions nested up to about 3000 deep; gradc's lowering
spends several Python frames per level, so it takes code nested at most ``MAX_DEPTH``
deep. A chain of binary operators (``a + b + c ...``) does not count: it nests on the
left, and the lowering walks that side in a loop.
"""

import ast

MAX_DEPTH = 100


def check_depth(info, function: ast.FunctionDef) -> None:
    """Raise a located error at the first node nested more than MAX_DEPTH deep."""
    stack: list[tuple[ast.AST, int]] = [(function, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH and hasattr(node, "lineno"):  # not Load, Add ...
            raise info.error(node, f"code nested more than {MAX_DEPTH} levels deep",
                             "split the expression into steps assigned to names (or move "
                             "nested blocks into functions)")
        for child in ast.iter_child_nodes(node):
            left = isinstance(node, ast.BinOp) and child is node.left
            stack.append((child, depth if left else depth + 1))
