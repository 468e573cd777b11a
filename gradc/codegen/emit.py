"""IR function -> Python ``ast.FunctionDef``, one operation per line.

Comments cannot live in a Python AST, so each comment is a placeholder statement that
``render`` swaps for its text after astor has printed the tree:

    def value_and_grad_f(x, z):          # primal, then the adjoint in reverse order,
        a = x * z                        # each block headed by the source line it
        ...                              # differentiates
        # grad of: a = x * z
        x_bar = a_bar * z
"""

import ast
import math

from ..ir.control import carried_params, loop_body, loop_inits, next_values, stop_flag
from ..ir.core import Const, Function, Instr, Var, walk
from ..primitives.constructors import GLOBAL
from ..primitives.control import IF, PUSH, WHILE
from ..primitives.indexing import SETITEM, WRITES
from .inplace import writes_in_place
from .names import LinearOrder, assign_names

# Python's spelling of the records' operators
_OPERATORS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "**": ast.Pow,
              "@": ast.MatMult, "//": ast.FloorDiv, "%": ast.Mod}
_COMPARISONS = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "==": ast.Eq,
                "!=": ast.NotEq}
COMMENT = "__gradc_comment_{}__"
_HEADINGS = {"grad": "grad of", "tangent": "tangent of"}


class FunctionEmitter:
    """Turns one IR function into a FunctionDef; ``comments`` collects placeholder texts."""

    def __init__(self, comments: list[str], reserved: set[str]):
        self.comments = comments
        self.reserved = reserved

    def function(self, fn: Function, name: str, doc: str, returns) -> ast.FunctionDef:
        """``returns``: an atom or a nested tuple of atoms, rendered as the return value."""
        order = LinearOrder(fn)
        self.names = assign_names(fn, self.reserved, order)
        self.in_place = writes_in_place(fn, order.defined, order.last_use, order.at)
        # module-level arrays are read where they are used, by their own name
        self.arrays = {i.out.id: i.param("name") for i in walk(fn.body) if i.op is GLOBAL}
        body: list[ast.stmt] = [ast.Expr(ast.Constant(doc))]
        body += self._statements(fn)
        body.append(ast.Return(self._returned(returns)))
        return ast.FunctionDef(name=name, args=self._arguments(fn), body=body,
                               decorator_list=[], returns=None, type_comment=None)

    def _returned(self, value):
        if isinstance(value, tuple):
            return ast.Tuple([self._returned(v) for v in value])
        return self.atom(value)

    def _arguments(self, fn):
        args = [ast.arg(arg=self.names[p.var.id],
                        annotation=ast.Name(p.declared) if p.shape == () else None)
                for p in fn.params]
        defaults = [self.atom(p.default) for p in fn.params if p.default is not None]
        return ast.arguments(posonlyargs=[], args=args, vararg=None, kwonlyargs=[],
                             kw_defaults=[], kwarg=None, defaults=defaults)

    def _statements(self, fn):
        """Assignments, each block headed once by the source line it comes from."""
        self.headed, self.lines_with_many = set(), _multi_instruction_lines(fn)
        return self._body(fn.body)

    def _body(self, body):
        statements = []
        for instr in body:
            if instr.op is GLOBAL:
                continue
            loc = instr.loc
            key = (loc.role, loc.line, loc.text) if loc is not None else None
            if key not in self.headed and loc is not None and loc.text:
                statements += self._block_comments(loc, self.lines_with_many, instr)
                self.headed.add(key)
            if instr.regions:
                statements += self._control(instr)
            elif instr.op in WRITES:
                statements += self._write(instr)
            else:
                statements.append(self._assign(instr))
        return statements

    # ---- control flow

    def _control(self, instr):
        if instr.op is IF:
            then, orelse = (self._branch(instr, block) for block in instr.regions)
            test = self.atom(instr.args[0])
            if not then and orelse:  # if c: pass / else: ...  reads better as if not c:
                test, then, orelse = ast.UnaryOp(ast.Not(), test), orelse, []
            return [ast.If(test, then or [ast.Pass()], orelse)]
        body, carried = loop_body(instr), carried_params(instr)
        before = self._copies(carried, loop_inits(instr))
        statements = self._body(body.body)
        stop = None if stop_flag(instr) is None else self.atom(stop_flag(instr))
        if ("stop", id(instr)) in self.names:  # the copies below overwrite its name
            saved = ast.Name(self.names[("stop", id(instr))], ast.Store())
            statements.append(ast.Assign([saved], stop, None))
            stop = ast.Name(saved.id)
        statements += self._copies(carried, next_values(instr))
        if stop is not None:
            statements.append(ast.If(stop, [ast.Break()], []))
        if instr.op is WHILE:
            cond = instr.regions[0]
            test = self._body(cond.body)
            loop = ast.While(self.atom(cond.results[0]), statements + test, [])
            return before + test + [loop]
        iterated = _call(ast.Name("range"), [self.atom(a) for a in _bounds(instr.args[:3])])
        if instr.param("reversed"):
            iterated = _call(ast.Name("reversed"), [iterated])
        target = ast.Name(self.names[body.params[0].id], ast.Store())
        return before + [ast.For(target, iterated, statements or [ast.Pass()], [], None)]

    def _branch(self, instr, block):
        return self._body(block.body) + self._copies(instr.outs, block.results)

    def _copies(self, targets, values):
        """One assignment of the values whose names differ from their targets'
        (a tuple assignment when several, which swaps correctly)."""
        pairs = [(self.names[t.id], v) for t, v in zip(targets, values)
                 if not (isinstance(v, Var) and self.names[v.id] == self.names[t.id])]
        if not pairs:
            return []
        if len(pairs) == 1:
            name, value = pairs[0]
            return [ast.Assign([ast.Name(name, ast.Store())], self.atom(value), None)]
        target = ast.Tuple([ast.Name(n, ast.Store()) for n, _ in pairs], ast.Store())
        return [ast.Assign([target], ast.Tuple([self.atom(v) for _, v in pairs]), None)]

    def _block_comments(self, loc, lines_with_many, instr=None):
        if instr is not None and instr.regions and loc.role == "primal":
            return []  # the loop or if itself says what it is
        if loc.role in _HEADINGS:
            texts = [f"{_HEADINGS[loc.role]}: {loc.text}"] + ([loc.note] if loc.note else [])
        elif (loc.line, loc.text) in lines_with_many:
            texts = [loc.text]
        else:
            return []
        return [self.comment(text) for text in texts]

    def comment(self, text) -> ast.stmt:
        self.comments.append(text)
        return ast.Expr(ast.Name(COMMENT.format(len(self.comments) - 1)))

    def _assign(self, instr: Instr) -> ast.stmt:
        if instr.op is PUSH:  # a tape: one entry (a tuple of several) per run
            values = [self.atom(a) for a in instr.args[1:]]
            entry = values[0] if len(values) == 1 else ast.Tuple(values)
            append = ast.Attribute(self.atom(instr.args[0]), "append")
            return ast.Expr(_call(append, [entry]))
        targets: list[ast.expr] = [ast.Name(self.names[out.id], ast.Store())
                                   for out in instr.outs]
        target = targets[0] if len(targets) == 1 else ast.Tuple(targets, ast.Store())
        return ast.Assign(targets=[target], value=self.expression(instr), type_comment=None)

    def _write(self, instr: Instr) -> list[ast.stmt]:
        """``out[i] = v`` or ``_add_at(out, np.s_[i], g)``: in place where no one reads
        the old array again (codegen/inplace.py), else into a copy."""
        out, (x, value, *rest) = self.names[instr.out.id], instr.args
        dynamic = [self.atom(a) for a in (rest if instr.op is SETITEM else rest[1:])]
        index = _index(instr.param("index"), dynamic)
        if instr.op is SETITEM:
            write: ast.stmt = ast.Assign([ast.Subscript(ast.Name(out), index)],
                                         self.atom(value), None)
        else:
            where = ast.Subscript(_attribute("np", "s_"), index)
            write = ast.Expr(_call(ast.Name(str(instr.op.helper)),
                                   [ast.Name(out), where, self.atom(value)]))
        if id(instr) in self.in_place and isinstance(x, Var) and self.names[x.id] == out:
            return [write]
        copy = _call(ast.Attribute(self.atom(x), "copy"), [])
        return [ast.Assign([ast.Name(out, ast.Store())], copy, None), write]

    def expression(self, instr: Instr) -> ast.expr:
        """The expression computing ``instr``, in the syntax its record declares; a
        function spelled as a call in the source (np.power) stays a call."""
        args = [self.atom(a) for a in instr.args]
        syntax = "call" if instr.param("form") == "call" else instr.op.syntax
        return getattr(self, f"_as_{syntax}")(instr, args)

    def _as_operator(self, instr, args):
        if instr.op.arity == 1:  # -x
            return ast.UnaryOp(ast.USub(), args[0])
        return ast.BinOp(args[0], _OPERATORS[instr.op.operator](), args[1])

    def _as_compare(self, instr, args):
        return ast.Compare(args[0], [_COMPARISONS[instr.op.operator]()], [args[1]])

    def _as_not(self, instr, args):
        return ast.UnaryOp(ast.Not(), args[0])

    def _as_builtin(self, instr, args):  # int(n)
        return _call(ast.Name(instr.op.name), args)

    def _as_subscript(self, instr, args):  # x[1:, i]
        return ast.Subscript(args[0], _index(instr.param("index"), args[1:]))

    def _as_scatter(self, instr, args):  # the index as NumPy's index expression, np.s_[...]
        index = ast.Subscript(_attribute("np", "s_"), _index(instr.param("index"), args[2:]))
        return _call(ast.Name(instr.op.helper), [*args[:2], index])

    def _as_list(self, instr, args):  # a new tape
        return ast.List([])

    def _as_pop(self, instr, args):
        return _call(ast.Attribute(args[0], "pop"), [])

    def _as_fill(self, instr, args):  # np.zeros_like(x) reads better than np.full_like(x, 0.0)
        if instr.args[1] == Const(0.0):
            return _call(_attribute("np", "zeros_like"), args[:1])
        return self._as_call(instr, args)

    def _as_item(self, instr, args):  # np.linalg.slogdet(a)[1]
        call = _call(_attribute("np", instr.op.numpy), args)
        return ast.Subscript(call, ast.Constant(instr.op.item))

    def _as_full(self, instr, args):  # np.full((n, 3), value): the sizes, then the value
        return _call(_attribute("np", "full"), [ast.Tuple(args[1:]), args[0]])

    def _as_call(self, instr, args):
        prim = instr.op
        if instr.param("lib") == "math":
            return _call(_attribute("math", prim.math), args)
        sequence = ast.Tuple if prim.sequence_syntax == "tuple" else ast.List
        positional, keywords = prim.call_arguments(instr.params, args, _literal, sequence)
        keywords = [ast.keyword(arg=key, value=value) for key, value in keywords.items()]
        func = ast.Name(prim.helper) if prim.helper else _attribute("np", prim.numpy)
        return _call(func, positional, keywords)

    def atom(self, atom) -> ast.expr:
        if isinstance(atom, Var) and atom.id in self.arrays:
            return ast.Name(self.arrays[atom.id])
        if isinstance(atom, Var):
            return ast.Name(self.names[atom.id])
        if atom.name:
            owner, _, attr = atom.name.rpartition(".")
            return _attribute(owner, attr) if owner else ast.Name(atom.name)
        if atom.value < 0:
            return ast.UnaryOp(ast.USub(), ast.Constant(-atom.value))
        return ast.Constant(atom.value)


def _bounds(bounds):
    """range(n) for range(0, n, 1), range(a, b) for range(a, b, 1)."""
    start, stop, step = bounds
    if step == Const(1):
        return [stop] if start == Const(0) else [start, stop]
    return [start, stop, step]


def _multi_instruction_lines(fn):
    """Primal source lines that became more than one instruction: they get a comment."""
    counts = {}
    for instr in walk(fn.body):
        if instr.loc is not None and instr.loc.role == "primal":
            key = (instr.loc.line, instr.loc.text)
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n > 1}


def _attribute(owner, attr):
    return ast.Attribute(ast.Name(owner), attr)


def _call(func, args, keywords=()):
    return ast.Call(func=func, args=list(args), keywords=list(keywords))


def _index(pattern, dynamic):
    """The subscript for an index pattern (ir/indexing.py): x[1:, None, i]."""
    parts = [_index_part(entry, dynamic) for entry in pattern]
    return parts[0] if len(parts) == 1 else ast.Tuple(parts)


def _index_part(entry, dynamic):
    if entry == "...":
        return ast.Constant(Ellipsis)
    if isinstance(entry, tuple) and entry[0] == "arg":
        return dynamic[entry[1]]
    if isinstance(entry, tuple) and entry[0] == "slice":
        lower, upper, step = (None if part is None else _index_part(part, dynamic)
                              for part in entry[1:])
        return ast.Slice(lower, upper, step)
    if isinstance(entry, tuple) and entry[0] == "list":
        return ast.List([_literal(i) for i in entry[1]])
    return _literal(entry)  # an int or None


def _literal(value):
    """A static argument (axis=(0, -1), keepdims=True) as an expression."""
    if isinstance(value, tuple):
        return ast.Tuple([_literal(v) for v in value])
    if isinstance(value, float) and math.isinf(value):  # np.linalg.norm(x, ord=np.inf)
        inf = _attribute("np", "inf")
        return inf if value > 0 else ast.UnaryOp(ast.USub(), inf)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)
