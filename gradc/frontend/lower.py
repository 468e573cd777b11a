"""Lower one function of a module from Python syntax to SSA IR.

The lowering is an allow-list: every construct it does not know raises a located
``UnsupportedSyntaxError``. Reassigned names become new SSA values, nested expressions
become one instruction per operation, and calls of other functions of the module are
inlined (their instructions keep their own source lines).

    def f(x):                 func f(%x.0):
        y = x * x      ->       %y.1 = mul %x.0, %x.0
        y = y + 1               %y.2 = add %y.1, 1
        return y                return %y.2
"""

import ast
from dataclasses import dataclass

from ..ir.core import Atom, Builder, Const, Function, Instr, Loc, Param, Var
from ..primitives.indexing import ADD_AT
from .calls import HELPER_NAMES, LibraryCalls
from .conditions import Conditions
from .context import Params
from .control import ControlFlow
from .depth import check_depth
from .lists import Lists
from .loops import Loops
from .source import ModuleInfo, constant_value, lambda_def, library_constant
from .storage import Memory
from .unsupported import expression_hint, statement_hint
from .writes import Writes

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul", ast.FloorDiv: "floor_divide", ast.Mod: "mod"}
_COMPARE = {ast.Lt: "less", ast.LtE: "less_equal", ast.Gt: "greater",
            ast.GtE: "greater_equal", ast.Eq: "equal", ast.NotEq: "not_equal"}
_SCALAR_ANNOTATIONS = {"float", "int"}


def lower_function(info: ModuleInfo, name: str) -> Function:
    """The SSA form of top-level function ``name`` of the module."""
    node = info.functions[name]
    builder = Builder()
    params = _lower_signature(info, node, builder)
    env = {p.name: p.var for p in params}
    memory = Memory()
    for param, arg in zip(params, node.args.posonlyargs + node.args.args):
        memory.new(param.var, 1, array=_annotated_array(arg.annotation))
    results = _FunctionLowering(info, builder, (name,), memory).lower_body(node, env)
    return Function(name, tuple(params), tuple(builder.body), tuple(results),
                    info.filename, ast.get_docstring(node) or "",
                    tuple_result=_returns_tuple(node))


def _returns_tuple(node) -> bool:
    return any(isinstance(n, ast.Return) and isinstance(n.value, ast.Tuple)
               for n in ast.walk(node))


def _lower_signature(info, node: ast.FunctionDef, builder) -> list[Param]:
    args = node.args
    for bad, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
        if bad is not None:
            raise info.error(bad, f"{what} parameters are not supported",
                             "list each parameter by name")
    if args.kwonlyargs:
        raise info.error(args.kwonlyargs[0], "keyword-only parameters are not supported",
                         "drop the '*' so the parameter can be passed by position too")
    for decorator in node.decorator_list:
        _check_decorator(info, decorator)
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    params = []
    for arg, default in zip(positional, defaults):
        params.append(Param(builder.fresh(arg.arg), _default(info, default),
                            _annotated_shape(arg.annotation), _declared(arg.annotation)))
    return params


def _default(info, node):
    if node is None:
        return None
    value = constant_value(node, info)
    if value is None:
        raise info.error(node, "parameter defaults must be numeric constants")
    return Const(value)


def _annotated_shape(annotation):
    if isinstance(annotation, ast.Name) and annotation.id in _SCALAR_ANNOTATIONS:
        return ()
    return None


def _annotated_array(annotation) -> bool:
    """x: np.ndarray, x: NDArray[np.float64], x: "np.ndarray"."""
    text = ast.unparse(annotation) if annotation is not None else ""
    return "ndarray" in text or "NDArray" in text


def _declared(annotation) -> str:
    return "int" if isinstance(annotation, ast.Name) and annotation.id == "int" else "float"


def _check_decorator(info, node):
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        if target.value.id in info.gradc_aliases:
            return
    if isinstance(target, ast.Name) and info.imported.get(target.id, ("",))[0] == "gradc":
        return
    raise info.error(node, "only gradc's own decorators are supported on compiled functions")


@dataclass(frozen=True)
class KnownFunction:
    """A function a call inlines: its definition and the namespace it is read in; for a
    def or lambda inside the compiled code, the lowering whose names it sees (when it
    is called, as Python's closures see their enclosing function's names)."""

    name: str
    node: ast.FunctionDef
    info: ModuleInfo
    enclosing: "_FunctionLowering | None" = None


class _FunctionLowering(ControlFlow, Loops, Conditions, LibraryCalls, Writes, Lists):
    """Lowers the statements of one function body into a shared builder; the parts it
    is assembled from share what context.LoweringHost declares."""

    def __init__(self, info: ModuleInfo, builder: Builder, call_stack: tuple[str, ...],
                 memory: Memory, call_line: int = 0):
        self.info = info
        self.builder = builder
        self.memory = memory
        self.call_stack = call_stack
        self.call_line = call_line  # where this inlined body was called from
        self.env = {}
        self.loc = None
        self.statement_start = 0
        self.unavailable: dict[str, str] = {}
        self.tapes: set[Atom] = set()  # lists in generated code read back (a loop's tape)
        self.functions: dict[str, KnownFunction] = {}  # local defs, lambdas, arguments
        self.top: list | None = None  # the body's own instructions (not a block's)

    # ---- statements

    def lower_body(self, node: ast.FunctionDef, env) -> list:
        self.env = dict(env)
        self.top = self.builder.body
        check_depth(self.info, node)
        body = node.body
        if body and _is_docstring(body[0]):
            body = body[1:]
        results = self._run_statements(body)
        if results is None:
            raise self.info.error(body[-1] if body else node,
                                  "the function may end without returning a value",
                                  "end it with a return statement")
        return results

    def _statement(self, stmt: ast.stmt) -> None:
        self.loc = self._loc(stmt)
        self.statement_start = len(self.builder.body)
        if isinstance(stmt, ast.Assign) and len(stmt.targets) > 1:
            self._chained(stmt)
        elif isinstance(stmt, ast.Assign):
            self._assign(stmt.targets[0], stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._assign(stmt.target, stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            self._augmented(stmt)
        elif isinstance(stmt, ast.Pass):
            pass
        elif isinstance(stmt, ast.FunctionDef):
            self._define(stmt.name, stmt, stmt)
        elif isinstance(stmt, ast.If):
            self._if(stmt)
        elif isinstance(stmt, ast.For):
            self._for(stmt)
        elif isinstance(stmt, ast.While):
            self._while(stmt)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and _tape_append(stmt.value) \
                and self._list(getattr(stmt.value.func, "value", None)) is not None:
            self._append(stmt.value)
        elif isinstance(stmt, ast.Expr) and _tape_append(stmt.value):
            self._push(stmt.value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and _is_call_of(stmt.value, ADD_AT.helper):
            self._add_at(stmt.value)
        elif isinstance(stmt, ast.Delete) and self.info.generated and all(
                isinstance(t, ast.Name) for t in stmt.targets):
            for target in stmt.targets:  # gradc's own code releasing a dead value
                assert isinstance(target, ast.Name)
                self.env.pop(target.id, None)
        else:
            message, hint = statement_hint(stmt)
            raise self.info.error(stmt, message, hint)

    def _assign(self, target, value):
        if isinstance(value, ast.Lambda) and isinstance(target, ast.Name):
            return self._define(target.id, lambda_def(value, target.id), value)
        if isinstance(value, ast.List) and not value.elts and isinstance(target, ast.Name):
            if not self.info.generated or not self._popped(target.id):
                return self._new_list(target.id)  # in gradc's code, a list it never pops
            self.env[target.id] = self._emit("tape")  # generated code's tape, read back
            self.tapes.add(self.env[target.id])
            return
        if _tape_method(value, "pop") and self._is_tape(value.func.value):
            return self._pop(target, value)
        if isinstance(target, ast.Name):
            self._bind(target.id, self._single(value))
        elif isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts):
            values = self._values(value)
            if len(values) != len(target.elts):
                raise self.info.error(target, f"cannot unpack {len(values)} values "
                                              f"into {len(target.elts)} names")
            for name, atom in zip(target.elts, values):
                self._bind(name.id, atom)
        elif isinstance(target, ast.Subscript):
            self._write_entries(target, self._single(value))
        else:
            raise self.info.error(target, "only assignment to names is supported")

    def _chained(self, stmt: ast.Assign):
        """``a = b = value``: the value computed once, bound to each name in turn (one
        value under several names, as Python binds one object)."""
        names = []
        for target in stmt.targets:
            if not isinstance(target, ast.Name):
                raise self.info.error(target, "in a chained assignment, only names can be "
                                              "assigned", "assign each target on its own line")
            names.append(target.id)
        value = self._single(stmt.value)
        for name in reversed(names):  # the value keeps the first name: a
            self._bind(name, value)

    def _augmented(self, stmt: ast.AugAssign):
        op = _BINOPS.get(type(stmt.op))
        if op is not None and isinstance(stmt.target, ast.Subscript):
            return self._write_entries(stmt.target, self._single(stmt.value), op)
        if op is None or not isinstance(stmt.target, ast.Name):
            raise self.info.error(stmt, "only += -= *= /= **= //= %= @= on names and "
                                        "entries (x[i] += v) are supported")
        value = self._single(stmt.value)
        if not self._write_whole(stmt.target, value, op):  # a number, or an array no one
            current = self._name(stmt.target)              # else sees: a new value
            self._bind(stmt.target.id, self._emit(op, current, value))

    # ---- tapes: the lists generated adjoints keep, read back for Hessians

    def _popped(self, name: str) -> bool:
        """Whether the function pops from list ``name``: a tape, in gradc's own code."""
        return any(_tape_method(node, "pop") and ast.unparse(node) == f"{name}.pop()"
                   for node in ast.walk(self.info.functions[self.call_stack[-1]]))

    def _is_tape(self, node):
        return isinstance(node, ast.Name) and self.env.get(node.id) in self.tapes

    def _push(self, call):
        if not self._is_tape(call.func.value) or len(call.args) != 1:
            raise self.info.error(call, "lists are supported only as a loop's tape")
        value = call.args[0]
        values = value.elts if isinstance(value, ast.Tuple) else [value]
        self._emit("push", self.env[call.func.value.id], *map(self._single, values))

    def _pop(self, target, call):
        names = target.elts if isinstance(target, ast.Tuple) else [target]
        outs = tuple(self.builder.fresh(n.id) for n in names)
        for out in outs:  # a value the generated code put on its tape: an array of its own
            self.memory.new(out, len(self.call_stack), array=True)
        self.builder.body.append(Instr(outs, "pop", (self.env[call.func.value.id],),
                                       loc=self.loc))
        for name, out in zip(names, outs):
            self.env[name.id] = out

    def _define(self, name: str, node: ast.FunctionDef, where: ast.AST) -> None:
        """A def or a lambda inside the compiled code: inlined where it is called."""
        if self.builder.body is not self.top:
            raise self.info.error(where, "a function defined inside an 'if' or a loop is "
                                         "not supported", "define it before the 'if' or loop")
        if node.decorator_list:
            raise self.info.error(node.decorator_list[0], "decorators on nested functions "
                                                          "are not supported")
        self.env.pop(name, None)
        self.functions[name] = KnownFunction(name, node, self.info, self)

    def _bind(self, name: str, atom: Atom) -> None:
        self.functions.pop(name, None)
        if isinstance(atom, Var) and atom.hint == "":
            atom = self.builder.rename(atom, self.statement_start, hint=name)
        self.env[name] = atom
        self.memory.stale.pop(name, None)

    def _return(self, stmt: ast.Return) -> list[Atom]:
        self.loc = self._loc(stmt)
        if stmt.value is None:
            raise self.info.error(stmt, "the function must return a value")
        return self._values(stmt.value)

    # ---- expressions

    def _values(self, node: ast.expr) -> list[Atom]:
        """One or several values: a tuple display or a call of a tuple-returning function."""
        if isinstance(node, ast.Tuple):
            return [self._single(elt) for elt in node.elts]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and self._user_function(node.func.id)):
            return self._inline(node, node.func.id)
        parts = self._tuple_call(node)
        return [self._expr(node)] if parts is None else parts

    def _single(self, node: ast.expr) -> Atom:
        values = self._values(node)
        if len(values) != 1:
            raise self.info.error(node, f"this call returns {len(values)} values",
                                  "unpack them: a, b = g(...)")
        return values[0]

    def _expr(self, node):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
            return Const(node.value)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return self._binary_chain(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self._single(node.operand)
            return self._emit("neg", operand) if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            return self._chained_comparison(node)
        if isinstance(node, ast.BoolOp):
            return self._boolean(node)
        if isinstance(node, ast.IfExp):
            return self._if_expression(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self._emit("logical_not", self._single(node.operand))
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            value = library_constant(node, self.info)
            if value is not None:
                return Const(value, f"{_generated_alias(self.info, node.value.id)}.{node.attr}")
        message, hint = expression_hint(node)
        raise self.info.error(node, message, hint)

    def _binary_chain(self, node: ast.BinOp):
        """``a + b - c * d ...``: the left operands, which nest one per term, in a loop
        (Python's recursion limit would stop a sum of 330 terms)."""
        chain: list[ast.BinOp] = []
        first: ast.expr = node
        while isinstance(first, ast.BinOp) and type(first.op) in _BINOPS:
            chain.append(first)
            first = first.left
        value = self._single(first)
        for link in reversed(chain):
            value = self._emit(_BINOPS[type(link.op)], value, self._single(link.right))
        return value

    def _comparison(self, op: ast.cmpop, left: Atom, right: Atom) -> Var:
        return self._emit(_COMPARE[type(op)], left, right)

    def _name(self, node: ast.Name):
        if node.id in self.env and self.env[node.id] in self.memory.lists \
                and not self.info.generated:  # gradc's own code passes it to _grow
            self._refuse_list(node)
        if node.id in self.env and self.env[node.id] not in self.tapes:
            self.memory.reads.append(node.id)
            return self.env[node.id]
        self._check_fresh(node)
        if node.id in self.unavailable:
            raise self.info.error(node, f"'{node.id}' {self.unavailable[node.id]}",
                                  "assign it before the 'if' or loop too")
        if node.id in self.info.constants:
            return Const(self.info.constants[node.id], self.info.renamed.get(node.id, node.id))
        if node.id in self.info.arrays:
            return self._emit("global", params=(("name", self.info.arrays[node.id]),))
        if self._callee(node.id) is not None or node.id in self.info.imported:
            raise self.info.error(node, f"'{node.id}' is a function; gradc can only call it "
                                        "or pass it to a function it calls")
        if node.id in self.info.unreadable:
            raise self.info.error(node, f"'{node.id}' is {self.info.unreadable[node.id]}, "
                                        "which gradc cannot read", _NAMESPACE_HINT)
        raise self.info.error(node, f"name '{node.id}' is not defined here",
                              "gradc sees parameters, local names assigned above, and "
                              "numbers, NumPy arrays and functions defined at module level "
                              "(or in the enclosing function of a closure)")

    def _emit(self, op: str, *args: Atom, lib: str | None = None, call: bool = False,
              params: Params = ()) -> Var:
        """``call``: an operator spelled as a function (np.power, math.pow), which keeps
        the function's semantics (no complex results from negative bases)."""
        params = (("lib", "math"),) * (lib == "math") + (("form", "call"),) * call + params
        if lib == "builtins" and op == "abs":  # abs(x) of a float stays a float
            params = (("lib", "builtins"),) + params
        out = self.builder.emit(op, args, params=params, loc=self.loc)
        self._track(out, op, args)
        return out

    # ---- calls of user functions (library calls: calls.LibraryCalls)

    def _callee(self, name: str) -> KnownFunction | None:
        """The function ``name`` calls here: a local def or lambda, a function passed
        as an argument, or one of the module (or of a live function's namespace)."""
        if name in self.functions:
            return self.functions[name]
        if name in self.info.functions and name not in self.env and name not in HELPER_NAMES:
            return KnownFunction(name, self.info.functions[name],
                                 self.info.scopes.get(name, self.info))
        return None

    def _user_function(self, name: str) -> bool:
        return self._callee(name) is not None

    def _inline(self, node: ast.Call, name: str) -> list[Atom]:
        if name in self.call_stack:
            raise self.info.error(node, f"recursive call of '{name}' is not supported")
        callee = self._callee(name)
        assert callee is not None
        params = _lower_signature(callee.info, callee.node, _NoFresh())
        bound, functions = self._bind_arguments(node, name, params)
        inner = _FunctionLowering(callee.info, self.builder, self.call_stack + (name,),
                                  self.memory, node.lineno)
        env: dict = {}
        if callee.enclosing is not None:  # a closure sees its enclosing function's names
            outer = callee.enclosing
            env = {k: v for k, v in outer.env.items() if not k.startswith("$")}
            inner.functions = {k: v for k, v in outer.functions.items() if k not in bound}
            inner.unavailable = dict(outer.unavailable)
        for param in params:
            env.pop(param.name, None)
        inner.functions.update(functions)
        results = inner.lower_body(callee.node, {**env, **bound})
        self.loc = self._loc(node)
        return results

    def _bind_arguments(self, node, name, params) -> tuple[dict, dict]:
        """The callee's parameters bound to values, and those bound to functions (a
        def or lambda passed as an argument, inlined where the callee calls it)."""
        if len(node.args) > len(params) or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.info.error(node, f"{name}() takes {len(params)} arguments")
        bound: dict = {}
        functions: dict = {}
        given = [(p.name, a, a) for p, a in zip(params, node.args)]
        for keyword in node.keywords:
            if keyword.arg not in {p.name for p in params} or keyword.arg in \
                    {g[0] for g in given}:
                raise self.info.error(keyword, f"{name}() got an unexpected or repeated "
                                               f"argument {keyword.arg!r}")
            given.append((keyword.arg, keyword.value, keyword))
        for param, value, _ in given:
            function = self._function_argument(value)
            if function is not None:
                functions[param] = function
            else:
                bound[param] = self._single(value)
        for p in params:
            if p.name not in bound and p.name not in functions:
                if p.default is None:
                    raise self.info.error(node, f"{name}() missing argument {p.name!r}")
                bound[p.name] = p.default
        return bound, functions

    def _function_argument(self, node: ast.expr) -> KnownFunction | None:
        """A function passed as an argument: a lambda, or the name of a function."""
        if isinstance(node, ast.Lambda):
            return KnownFunction("<lambda>", lambda_def(node, "<lambda>"), self.info, self)
        if isinstance(node, ast.Name):
            return self._callee(node.id)
        return None

    def _loc(self, node: ast.stmt | ast.expr) -> Loc:
        text = self.info.line_text(node.lineno)
        if len(self.call_stack) > 1:
            text = f"{text}  (in {self.call_stack[-1]}, called on line {self.call_line})"
        return Loc(node.lineno, text)


_NAMESPACE_HINT = ("gradc reads numbers, NumPy arrays, functions and the numpy and math "
                   "modules from a function's namespace; pass anything else as an argument")


class _NoFresh:
    """Stands in for a builder when only a callee's parameter names and defaults matter."""

    def fresh(self, hint=""):
        return Var(-1, hint)


def _tape_method(node, method) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == method and isinstance(node.func.value, ast.Name))


def _is_call_of(node, name) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
        and node.func.id == name


def _tape_append(node) -> bool:
    return _tape_method(node, "append")


def _is_docstring(stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _generated_alias(info, alias):
    """Generated modules always spell the libraries ``np`` and ``math``."""
    return "np" if alias in info.numpy_aliases else "math"
