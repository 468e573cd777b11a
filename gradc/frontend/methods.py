"""Array methods and attributes as the NumPy functions they stand for.

    x.sum(axis=0)    ->  np.sum(x, axis=0)          x.T         ->  np.transpose(x)
    x.reshape(3, 4)  ->  np.reshape(x, (3, 4))      x.shape[0]  ->  np.size(x, axis=0)
    x.dot(y)         ->  np.dot(x, y)               x.flatten() ->  np.copy(np.ravel(x))
    len(x)           ->  np.size(x, axis=0)         x.size      ->  np.size(x)

Rewritten once per module on the syntax tree (locations kept), so the lowering knows
only the function spellings.
"""

import ast

# method -> the NumPy function it stands for
METHODS = {name: name for name in ("sum", "mean", "max", "min", "prod", "var", "std", "dot",
                                   "reshape", "ravel", "transpose", "squeeze", "copy")}
NUMPY = "__gradc_numpy__"  # the numpy alias the rewritten calls use


def desugar_methods(function: ast.FunctionDef, libraries: set[str]) -> ast.FunctionDef:
    """Rewrite ``function`` in place; ``libraries`` are the names bound to numpy/math.

    Children are rewritten before their parents (reversed breadth-first order) in a loop,
    not by recursion: a sum of a thousand terms nests a thousand deep."""
    rewrite = _ArrayMethods(libraries).rewrite
    for node in reversed(list(ast.walk(function))):
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                value[:] = [rewrite(v) if isinstance(v, ast.AST) else v for v in value]
            elif isinstance(value, ast.AST):
                setattr(node, field, rewrite(value))
    return function


class _ArrayMethods:
    """What a node stands for, its children already rewritten."""

    def __init__(self, libraries):
        self.libraries = libraries

    def rewrite(self, node):
        method = getattr(self, f"visit_{type(node).__name__}", None)
        return node if method is None else method(node)

    def _on_value(self, node):
        return not (isinstance(node, ast.Name) and node.id in self.libraries)

    def visit_Call(self, node):
        if (isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1
                and not node.keywords):
            return _size(node.args[0], 0, node)
        method = node.func
        if (isinstance(method, ast.Attribute) and method.attr in METHODS
                and self._on_value(method.value)):
            args = node.args
            if method.attr in ("reshape", "transpose") and len(args) > 1:
                args = [ast.copy_location(ast.Tuple(args, ast.Load()), args[0])]
            call = ast.Call(_numpy(METHODS[method.attr], method), [method.value, *args],
                            node.keywords)
            return ast.copy_location(call, node)
        if (isinstance(method, ast.Attribute) and method.attr == "flatten" and not node.args
                and not node.keywords and self._on_value(method.value)):  # a copy, not a view
            ravel = ast.copy_location(ast.Call(_numpy("ravel", method), [method.value], []),
                                      node)
            return ast.copy_location(ast.Call(_numpy("copy", method), [ravel], []), node)
        return node

    def visit_Attribute(self, node):
        if node.attr == "T" and self._on_value(node.value):
            return ast.copy_location(ast.Call(_numpy("transpose", node), [node.value], []), node)
        if node.attr == "size" and self._on_value(node.value):
            return _size(node.value, None, node)
        return node

    def visit_Subscript(self, node):
        shape = node.value
        if (isinstance(shape, ast.Attribute) and shape.attr == "shape"
                and self._on_value(shape.value) and isinstance(node.slice, ast.Constant)
                and type(node.slice.value) is int):
            return _size(shape.value, node.slice.value, node)
        return node


def _size(value, axis, where):
    """np.size(value[, axis=...]): a dimension, known only when the code runs."""
    keywords = [] if axis is None else [ast.keyword("axis", ast.Constant(axis))]
    return ast.copy_location(ast.Call(_numpy("size", where), [value], keywords), where)


def _numpy(name, where):
    alias = ast.copy_location(ast.Name(NUMPY, ast.Load()), where)
    return ast.copy_location(ast.Attribute(alias, name, ast.Load()), where)
