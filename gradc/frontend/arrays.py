"""Array expressions whose arguments are not plain values: indexing, np.einsum's
subscripts, the sequences that np.concatenate and friends join, constructor sizes.

    x[1:, None, i]               ->  getitem %x, %i  index=(("slice", 1, None, None), None,
                                                           ("arg", 0))
    np.einsum("ij,j->i", a, b)   ->  einsum %a, %b  subscripts='ij,j->i'
    np.stack([a, b], axis=1)     ->  stack %a, %b  axis=1
    np.zeros((n, 3))             ->  zeros %n, 3
"""

import ast
import string

from ..ir.core import Atom, Const
from .context import LoweringHost
from .source import constant_value

_EINSUM_LETTERS = set(string.ascii_letters)


class ArrayExpressions(LoweringHost):
    """Part of the function lowering: indexing, and calls whose arguments are sequences,
    subscripts or sizes."""

    # ---- indexing

    def _subscript(self, node: ast.Subscript):
        if self._list(node.value) is not None:
            return self._subscript_value(node)
        values = self._values(node.value)
        if len(values) > 1:  # g(x)[1], np.linalg.slogdet(a)[1]: one entry of the tuple
            index = node.slice
            if not (isinstance(index, ast.Constant) and type(index.value) is int
                    and -len(values) <= index.value < len(values)):
                raise self.info.error(index, f"index a call returning {len(values)} values "
                                             "with an int constant below that")
            return values[index.value]
        value = values[0]
        pattern, dynamic = self._index_pattern(node.slice)
        if any(entry not in (None, "...") for entry in pattern):  # a number has no entries
            self.memory.arrays |= self.memory.of(value)
        return self._emit("getitem", value, *dynamic, params=(("index", pattern),))

    def _subscript_value(self, node: ast.Subscript):
        """``xs[i]`` of a list: a row of the array that holds it."""
        value = self._list(node.value)
        assert value is not None
        pattern, dynamic = self._index_pattern(node.slice)
        return self._emit("getitem", value, *dynamic, params=(("index", pattern),))

    def _index_pattern(self, node) -> tuple[tuple, list]:
        """The static pattern of an index (ir/indexing.py) and its run-time values."""
        parts = node.elts if isinstance(node, ast.Tuple) else [node]
        dynamic: list[Atom] = []
        pattern = tuple(self._index_entry(part, dynamic) for part in parts)
        if sum(entry == "..." for entry in pattern) > 1:
            raise self.info.error(node, "an index can only have one ellipsis (...)")
        return pattern, dynamic

    def _index_entry(self, node, dynamic):
        if isinstance(node, ast.Slice):
            return ("slice", *(None if part is None else self._index_entry(part, dynamic)
                               for part in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return "..."
        if isinstance(node, ast.Constant) and node.value is None or self._is_newaxis(node):
            return None
        if isinstance(node, ast.List):
            entries = [self._index_entry(element, []) for element in node.elts]
            if not all(type(e) is int for e in entries):
                raise self.info.error(node, "a list index must hold integer constants",
                                      "or index with an integer array")
            return ("list", tuple(entries))
        literal = constant_value(node)  # 2, -1 (names of constants stay names)
        atom = self._single(node) if literal is None else Const(literal)
        if isinstance(atom, Const):
            if not isinstance(atom.value, int):
                raise self.info.error(node, "an index must be an integer",
                                      "use an int constant or a size such as len(x) - 1")
            return int(atom.value)
        dynamic.append(atom)
        return ("arg", len(dynamic) - 1)

    def _is_newaxis(self, node):
        return (isinstance(node, ast.Attribute) and node.attr == "newaxis"
                and isinstance(node.value, ast.Name) and node.value.id in self.info.numpy_aliases)

    def _scatter(self, node: ast.Call, prim: str):
        """Generated code read back: _scatter_like(g, like, np.s_[index]) and
        _written_part(g, value, np.s_[index])."""
        index = node.args[2] if len(node.args) == 3 else None
        if not (isinstance(index, ast.Subscript) and isinstance(index.value, ast.Attribute)
                and index.value.attr == "s_"):
            raise self.info.error(node, f"{ast.unparse(node.func)} takes (g, like, "
                                        "np.s_[index])")
        pattern, dynamic = self._index_pattern(index.slice)
        g, like = (self._single(a) for a in node.args[:2])
        return self._emit(prim, g, like, *dynamic, params=(("index", pattern),))

    # ---- calls with sequences, subscripts or sizes

    def _sequence(self, node, what):
        if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
            raise self.info.error(node, f"{what} takes a list of arrays written out here, "
                                        "as in [a, b]")
        return [self._single(element) for element in node.elts]

    def _join(self, node: ast.Call, prim, leading=0):
        """np.concatenate([a, b], axis=1) and the like; ``leading`` arguments come before
        the list (generated code read back: _part_of(g, [a, b], index=0, axis=1))."""
        if len(node.args) <= leading:
            raise self.info.error(node, f"{ast.unparse(node.func)} needs the arrays to join")
        first = [self._single(a) for a in node.args[:leading]]
        rows = self._list(node.args[leading])
        if rows is not None and prim == "stack" and not leading:  # np.stack(xs): xs's array
            params = self._static_arguments(node, prim, node.args[leading + 1:])
            if dict(params).get("axis", 0) != 0:
                raise self.info.error(node, "np.stack of a list built by append: along axis "
                                            "0 only here", "np.moveaxis the result")
            return self._emit("copy", rows)
        parts = self._sequence(node.args[leading], ast.unparse(node.func))
        params = self._static_arguments(node, prim, node.args[leading + 1:])
        return self._emit(prim, *first, *parts, params=params)

    def _array(self, node: ast.Call):
        """np.array([a, b]) stacks its entries (nested lists: rows of rows); np.array(x)
        of a value is that value."""
        if len(node.args) != 1 or node.keywords:
            raise self.info.error(node, "np.array takes one argument here (no dtype=)")
        return self._array_of(node.args[0])

    def _array_of(self, node, outermost=True):
        if not isinstance(node, ast.List | ast.Tuple):  # np.array(x) copies x
            rows = self._list(node) if outermost else None
            value = self._single(node) if rows is None else rows
            return self._emit("copy", value) if outermost else value
        if not node.elts:
            raise self.info.error(node, "np.array of an empty list has no shape to work with")
        return self._emit("array", *(self._array_of(element, False) for element in node.elts))

    def _einsum(self, node: ast.Call):
        if node.keywords or not node.args or not isinstance(node.args[0], ast.Constant) \
                or not isinstance(node.args[0].value, str):
            raise self.info.error(node, "np.einsum takes a subscript string, then the operands",
                                  'as in np.einsum("ij,jk->ik", a, b)')
        operands = [self._single(a) for a in node.args[1:]]
        subscripts = self._einsum_subscripts(node.args[0], len(operands))
        return self._emit("einsum", *operands, params=(("subscripts", subscripts),))

    def _einsum_subscripts(self, node, count) -> str:
        """The subscripts in explicit form ("ij,jk->ik"), checked against the operands."""
        spec = node.value.replace(" ", "")
        if "." in spec:
            raise self.info.error(node, "np.einsum with ellipsis (...) is not supported",
                                  "name every index with a letter")
        inputs, arrow, output = spec.partition("->")
        terms = inputs.split(",")
        letters = "".join(terms)
        if len(terms) != count or not set(letters + output) <= _EINSUM_LETTERS:
            raise self.info.error(node, f"np.einsum subscripts {node.value!r} do not match "
                                        f"{count} operand{'s' * (count != 1)}")
        if not arrow:  # implicit mode: the indices that appear once, in alphabetical order
            output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
        if set(output) - set(letters) or len(set(output)) != len(output):
            raise self.info.error(node, f"np.einsum output {output!r} must use each input "
                                        "index at most once")
        return f"{','.join(terms)}->{output}"

    def _constructor(self, node: ast.Call, record, spelled):
        """np.zeros(shape), np.ones(shape), np.eye(n[, m]), np.arange(...): no gradient."""
        if node.keywords:
            raise self.info.error(node.keywords[0], f"np.{spelled} takes no keyword "
                                                    "arguments here")
        args = node.args
        shape_given = record.sequence_syntax == "tuple"  # np.zeros((n, 3))
        if shape_given and len(args) == 1 and isinstance(args[0], ast.Tuple):
            args = args[0].elts
        low, high = record.arity_range
        if not low <= len(node.args) <= high or not args:
            raise self.info.error(node, f"np.{spelled} takes {low} to {high} arguments here")
        sizes = [self._single(a) for a in args]
        if record.call_form == "sizes" and any(isinstance(s, Const) and s.value != int(s.value)
                                               for s in sizes):
            raise self.info.error(node, f"np.{spelled} sizes must be integers")
        return self._emit(record.name, *sizes)

    def _full(self, node: ast.Call, record):
        """np.full(shape, value): sizes (constants or run-time numbers), then the value."""
        if len(node.args) != 2 or node.keywords:
            raise self.info.error(node, "np.full takes a shape and a fill value here "
                                        "(no dtype=)")
        shape, value = node.args
        dims = shape.elts if isinstance(shape, ast.Tuple) else [shape]
        sizes = [self._single(d) for d in dims]
        return self._emit(record.name, self._single(value), *sizes)
