"""Reading a live function: its source from wherever Python keeps it (a file, a notebook
or IPython cell, a Python 3.13 REPL input), and what its names refer to from the
function object itself: closure cells, globals and defaults, as Python runs it.

Only the Python API reads live functions; the command line reads a file and never runs
it (``source.py``). ``read_live`` gathers what a compile depends on without parsing, so
a cache hit costs no parse: the compiled function's source text and the values its names
hold (numbers, NumPy arrays, numpy/math/gradc modules and functions, other functions,
``functools.partial`` objects). ``LiveFunction.module_info`` parses and builds, per
function reached, a ``ModuleInfo`` of its own namespace (``ModuleInfo.scopes``), so each
helper is read with its own names and located in its own file or cell, and the lowering
stays the one it is for files.

Numbers are compiled in as constants; arrays are data the generated module reads by name,
bound when it is loaded (``LiveFunction.arrays``): a training set need not be written
into source text, and in-place changes are seen, as by the Python function. What a
compile read is checked again before each call (``LiveFunction.changed``): a name that
now holds another value (a cell run again, a constant rebound) recompiles.
"""

import ast
import dis
import functools
import inspect
import linecache
import math
import sys
import types
from dataclasses import dataclass, field

import numpy as np

from ..errors import ArgumentError
from .methods import NUMPY, desugar_methods
from .source import ModuleInfo, lambda_def

_MISSING = object()
_LIBRARIES = {"numpy": "numpy", "math": "math", "gradc": "gradc", "gradc.nn": "nn"}
_RESERVED = {"np", "math"}  # names every generated module may use


@dataclass
class _Scope:
    """One function reached from the compiled one: where its source is, and what each
    name of its code holds (kind, detail)."""

    function: types.FunctionType
    name: str  # its name in generated code and messages
    filename: str
    lines: list[str]
    names: dict[str, tuple[str, object]] = field(default_factory=dict)
    bound: tuple[str, ...] = ()  # parameters a functools.partial fixed


@dataclass
class LiveFunction:
    """What compiling a live function depends on; ``key`` is all of it as text."""

    name: str  # the compiled function's name (``value_and_grad_<name>``)
    filename: str
    key: str
    arrays: dict[str, np.ndarray]  # name in the generated module -> the array
    bindings: list[tuple[object, str, object]]  # (globals or cell, name, value read)
    scopes: list[_Scope]
    missing: list[str]  # names that held nothing (a def further down, not run yet)

    def __post_init__(self):
        # split once: changed() runs before every call of a derivative
        self._globals = [(ns, n, v) for ns, n, v in self.bindings if isinstance(ns, dict)]
        self._cells = [(ns, n, v) for ns, n, v in self.bindings if not isinstance(ns, dict)]

    def changed(self) -> bool:
        """Whether a name the compile read now holds another value."""
        for namespace, name, value in self._globals:
            if namespace.get(name, _MISSING) is not value:
                return True
        for cell, name, value in self._cells:
            if _read(cell, name) is not value:
                return True
        return False

    def module_info(self) -> ModuleInfo:
        """The ``ModuleInfo`` of the compiled function (parsed now: a cache miss)."""
        return _Builder(self.scopes).info(0)


def read_live(f) -> LiveFunction:
    """What ``f`` (a function, a lambda or a functools.partial of one) reads."""
    reader = _Reader()
    reader.scope(f)
    top = reader.scopes[0]
    files = {s.filename: s.lines for s in reader.scopes}  # each file's text once
    key = repr((sorted(files.items()), [(s.name, s.filename, _where(s.function), s.bound,
                                         sorted(s.names.items()), _defaults(s.function))
                                        for s in reader.scopes]))
    return LiveFunction(top.name, top.filename, key, reader.arrays, reader.bindings,
                        reader.scopes, reader.missing)


def _where(function) -> tuple:
    """Which definition in its file ``function`` is: its first line, parameters and (3.11+)
    first column, which tell apart two lambdas on one line."""
    return function.__code__.co_firstlineno, _positional(function), \
        _first_position(function.__code__)


def _first_position(code) -> tuple[int, int] | None:
    """(line, column) where the code's located instructions start (Python 3.11+; RESUME
    and the like span nothing)."""
    positions = code.co_positions() if hasattr(code, "co_positions") else ()
    return min(((line, col) for line, _, col, end in positions
                if line is not None and col is not None and end is not None and end > col),
               default=None)


def parameters(f) -> list[inspect.Parameter]:
    """``f``'s parameters as compiled: those a functools.partial binds by keyword are
    fixed, and the ones after them, keyword-only for Python, keep their place."""
    fixed = f.keywords if isinstance(f, functools.partial) else {}
    return [p for p in inspect.signature(f).parameters.values() if p.name not in fixed]


def function_name(f) -> str:
    """``f``'s name in messages (a functools.partial shows the function it binds)."""
    if isinstance(f, functools.partial):
        return f"partial({function_name(f.func)})"
    return getattr(f, "__name__", repr(f))


# ---- reading what the names hold (no parsing)

class _Reader:
    def __init__(self):
        self.scopes: list[_Scope] = []
        self.index: dict[int, int] = {}  # id(function or partial) -> its scope
        self.arrays: dict[str, np.ndarray] = {}
        self.module_names: dict[str, object] = {}  # generated module's names -> values
        self.bindings: list[tuple[object, str, object]] = []
        self.missing: list[str] = []

    def scope(self, f) -> int:
        if id(f) in self.index:
            return self.index[id(f)]
        function, bound = _unbind(f)
        code = function.__code__
        filename = code.co_filename
        linecache.checkcache(filename)  # a file edited (and reloaded) since is read afresh
        lines = linecache.getlines(filename, function.__globals__)
        if not lines:
            raise ArgumentError(_no_source(function, filename))
        name = function.__name__ if function.__name__.isidentifier() else "lambda"
        scope = _Scope(function, name, filename, lines, bound=tuple(bound))
        self.index[id(f)] = len(self.scopes)
        self.scopes.append(scope)
        for ref in sorted(_referenced(function) - set(bound)):
            namespace, value = _lookup(function, ref)
            self.bindings.append((namespace, ref, value))
            if value is _MISSING:  # not defined yet (a def further down), or ever
                self.missing.append(ref)
            scope.names[ref] = ("missing", None) if value is _MISSING else \
                self.classify(ref, value)
        for ref, value in bound.items():
            scope.names[ref] = self.classify(ref, value)
        return self.index[id(f)]

    def classify(self, name: str, value) -> tuple[str, object]:
        """(kind, detail) of a value a function's name holds, as the key and the
        ModuleInfo record it."""
        if isinstance(value, types.ModuleType):
            lib = _LIBRARIES.get(value.__name__)
            return ("module", lib) if lib else ("unreadable", f"the module {value.__name__}")
        if isinstance(value, bool | int | float | np.integer | np.floating | np.bool_):
            number = value.item() if isinstance(value, np.generic) else value
            return "constant", (self.module_name(name, number), number)
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biuf":
                return "unreadable", f"an array of {value.dtype}"
            return "array", (self.module_name(name, value), value.dtype.str, value.shape)
        library = _library_function(value)
        if library is not None:
            return "imported", library
        if hasattr(value, "primal") and hasattr(value, "source"):
            return "unreadable", "a derivative compiled by gradc"
        if isinstance(value, functools.partial | types.FunctionType):
            try:
                return "function", self.scope(value)
            except ArgumentError as exc:  # an error only if the function is called
                return "unreadable", f"a function gradc cannot read ({exc})"
        return "unreadable", f"a {type(value).__name__}"

    def module_name(self, name: str, value) -> str:
        """The name ``value`` gets in the generated module: its own, or one with a suffix
        where another function's namespace gives that name another value."""
        spelled, n = name, 0
        while spelled in _RESERVED or (spelled in self.module_names
                                       and not _same(self.module_names[spelled], value)):
            n += 1
            spelled = f"{name}_{n}"
        self.module_names[spelled] = value
        if isinstance(value, np.ndarray):
            self.arrays[spelled] = value
        return spelled


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b
    return type(a) is type(b) and a == b


def check_python_function(f) -> None:
    """Refuse what is not a Python function of the user's (a def, a lambda, a partial of
    one): NumPy's or Python's own functions (np.sum is a Python function in NumPy 1.x)."""
    func = f.func if isinstance(f, functools.partial) else f
    library = (getattr(func, "__module__", None) or "").partition(".")[0]
    if not isinstance(func, types.FunctionType) or library in ("numpy", "math", "builtins"):
        what = f"a functools.partial of {func!r}" if func is not f else repr(f)
        raise ArgumentError(f"gradc differentiates Python functions (a def, a lambda or a "
                            f"functools.partial of one), got {what}")


def _unbind(f) -> tuple[types.FunctionType, dict]:
    """The function ``f`` calls and the values a functools.partial binds to its
    parameters (by name)."""
    if isinstance(f, functools.partial):
        if not isinstance(f.func, types.FunctionType):
            raise ArgumentError(f"gradc differentiates Python functions, got a "
                                f"functools.partial of {f.func!r}")
        names = _positional(f.func)
        if len(f.args) > len(names):
            raise ArgumentError(f"{function_name(f)} binds {len(f.args)} arguments; "
                                f"{f.func.__name__} takes {len(names)}")
        bound = dict(zip(names, f.args))
        for keyword in f.keywords:
            if keyword not in names or keyword in bound:
                raise ArgumentError(f"{function_name(f)} binds {keyword!r}, which is not a "
                                    f"parameter of {f.func.__name__} left to bind")
        by_keyword = [n for n in names if n in f.keywords]
        required = names[:len(names) - len(f.func.__defaults__ or ())]
        left = [n for n in names[names.index(by_keyword[0]):]
                if n not in f.keywords and n in required] if by_keyword else []
        if left:  # Python would take it by keyword only
            raise ArgumentError(f"{function_name(f)} binds {by_keyword[0]!r} by keyword, "
                                f"which leaves {left[0]!r} keyword-only; bind the last "
                                "parameters by keyword, or use a lambda")
        return f.func, {**bound, **f.keywords}
    if not isinstance(f, types.FunctionType):
        raise ArgumentError(f"gradc differentiates Python functions (a def, a lambda or a "
                            f"functools.partial of one), got {f!r}")
    return f, {}


def _positional(function) -> list[str]:
    code = function.__code__
    return list(code.co_varnames[:code.co_argcount])


def _referenced(function) -> set[str]:
    """The names ``function`` and the code nested in it (lambdas, comprehensions) read
    from outside: its closure cells, and the globals they load (builtins aside)."""
    builtins = function.__builtins__ if isinstance(function.__builtins__, dict) else \
        vars(function.__builtins__)
    names: set[str] = set(function.__code__.co_freevars)
    stack = [function.__code__]
    while stack:
        code = stack.pop()
        names.update(i.argval for i in dis.get_instructions(code) if i.opname in _GLOBAL_LOADS
                     and (i.argval in function.__globals__ or i.argval not in builtins))
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


_GLOBAL_LOADS = {"LOAD_GLOBAL", "LOAD_NAME"}


def _lookup(function, name) -> tuple[object, object]:
    """(namespace, value) of ``name`` as ``function`` reads it: its closure cell, else
    its module's globals; the value is _MISSING when it holds none."""
    code = function.__code__
    if name in code.co_freevars:
        cell = function.__closure__[code.co_freevars.index(name)]
        return cell, _read(cell, name)
    return function.__globals__, function.__globals__.get(name, _MISSING)


def _read(namespace, name):
    if isinstance(namespace, dict):
        return namespace.get(name, _MISSING)
    try:
        return namespace.cell_contents
    except ValueError:  # a cell not yet assigned
        return _MISSING


def _library_function(value) -> tuple[str, str] | None:
    """("numpy", "exp") for np.exp (and ufuncs), ("math", "exp"), ("nn", "sigmoid") for
    gradc.nn's, ("numpy", "linalg.norm"): a function gradc knows by its library name."""
    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    libraries = [("numpy", np, ""), ("numpy", np.linalg, "linalg."), ("math", math, "")]
    for lib, module, prefix in libraries:
        if getattr(module, name, None) is value:
            return lib, prefix + name
    nn = sys.modules.get("gradc.nn")  # its functions are the helpers', named apart
    for public in getattr(nn, "__all__", ()):
        if getattr(nn, public) is value:
            return "nn", public
    return None


def _defaults(function) -> tuple:
    return tuple(_default_key(v) for v in function.__defaults__ or ())


def _default_key(value):
    if isinstance(value, bool | int | float | np.integer | np.floating):
        return type(value).__name__, repr(value)
    return "other", type(value).__name__


def _no_source(function, filename: str) -> str:
    return (f"cannot read the source of {function.__name__}: it was defined in {filename}, "
            "where Python keeps no source (the interactive interpreter or python -c before "
            "Python 3.13, exec of a string); define it in a file and import it, or in a "
            "notebook, IPython or the Python 3.13+ REPL")


# ---- building the ModuleInfo (on a cache miss)

class _Builder:
    def __init__(self, scopes: list[_Scope]):
        self.scopes = scopes
        self.infos: dict[int, ModuleInfo] = {}
        self.nodes: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def info(self, index: int) -> ModuleInfo:
        if index in self.infos:
            return self.infos[index]
        scope = self.scopes[index]
        info = ModuleInfo(scope.filename, [line.rstrip("\r\n") for line in scope.lines])
        self.infos[index] = info  # before its helpers: a function may call itself
        for name, (kind, detail) in scope.names.items():
            self._record(info, name, kind, detail)
        node = self.node(index)
        info.scopes.pop(scope.name, None)
        if isinstance(node, ast.AsyncFunctionDef):  # refused where it is compiled
            info.async_functions[scope.name] = node
            return info
        info.functions[scope.name] = node
        for param in scope.bound:  # a partial's bound parameters are names now
            _drop_parameter(node, param)
        desugar_methods(node, info.numpy_aliases | info.math_aliases | info.nn_aliases)
        info.numpy_aliases.add(NUMPY)
        return info

    def _record(self, info: ModuleInfo, name: str, kind: str, detail) -> None:
        if kind == "module":
            aliases = {"numpy": info.numpy_aliases, "math": info.math_aliases,
                       "gradc": info.gradc_aliases, "nn": info.nn_aliases}[detail]
            aliases.add(name)
        elif kind == "constant":
            spelled, value = detail
            info.constants[name] = value
            if spelled != name:
                info.renamed[name] = spelled
        elif kind == "array":
            info.arrays[name] = detail[0]
        elif kind == "imported":
            info.imported[name] = detail
        elif kind == "function":
            try:  # an error only if the function is called
                node = self.node(detail)
            except ArgumentError as exc:
                info.unreadable[name] = f"a function gradc cannot read ({exc})"
                return
            if isinstance(node, ast.AsyncFunctionDef):
                info.unreadable[name] = "an async function"
                return
            info.functions[name] = node
            info.scopes[name] = self.info(detail)
        elif kind == "unreadable":
            info.unreadable[name] = detail

    def node(self, index: int) -> ast.FunctionDef | ast.AsyncFunctionDef:
        """The definition of scope ``index``'s function, found in its source by its
        first line (and name, or for a lambda, its parameters and columns)."""
        if index not in self.nodes:
            scope = self.scopes[index]
            node = _definition(scope)
            node.decorator_list = []  # what they return is the function read here
            _live_defaults(node, scope.function)
            self.nodes[index] = node
        return self.nodes[index]


def _definition(scope: _Scope) -> ast.FunctionDef | ast.AsyncFunctionDef:
    function = scope.function
    code = function.__code__
    try:
        tree = ast.parse("".join(scope.lines), scope.filename)
    except SyntaxError:
        tree = ast.Module(body=[], type_ignores=[])
    first = code.co_firstlineno
    if function.__name__ == "<lambda>":
        params = _positional(function)
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == first
                 and [a.arg for a in n.args.posonlyargs + n.args.args] == params]
        found = _at_columns(found, code) if len(found) > 1 else found
        if len(found) == 1:
            return lambda_def(found[0], scope.name)
        if found:
            raise ArgumentError(f"{scope.filename}, line {first} has several lambdas alike; "
                                "gradc cannot tell which to compile: define it with def")
    else:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    node.name == function.__name__ and (
                    first in (node.lineno, *(d.lineno for d in node.decorator_list))):
                return node
    raise ArgumentError(f"cannot find {function_name(function)} in {scope.filename} at line "
                        f"{first}: the source changed since it was defined; run it again")


def _at_columns(lambdas: list[ast.Lambda], code) -> list[ast.Lambda]:
    """The lambdas whose body holds the code's first located instruction (Python 3.11+
    records columns)."""
    start = _first_position(code)
    if start is None:
        return lambdas
    line, col = start
    return [n for n in lambdas if (n.body.lineno, n.body.col_offset) <= (line, col)
            <= (n.body.end_lineno or 0, n.body.end_col_offset or 0)]


def _live_defaults(node: ast.FunctionDef | ast.AsyncFunctionDef, function) -> None:
    """Python evaluated the defaults when the def ran: numbers among them are read from
    the function, not from the source (``scale=2 * np.pi``, or a name rebound since)."""
    defaults = node.args.defaults
    for k, value in enumerate(function.__defaults__ or ()):
        at = len(defaults) - len(function.__defaults__) + k
        if 0 <= at < len(defaults) and _default_key(value)[0] != "other":
            number = value.item() if isinstance(value, np.generic) else value
            defaults[at] = ast.copy_location(ast.Constant(number), defaults[at])


def _drop_parameter(node: ast.FunctionDef, name: str) -> None:
    """Remove parameter ``name`` (bound by a functools.partial) and its default."""
    args = node.args
    positional = args.posonlyargs + args.args
    at = [a.arg for a in positional].index(name)
    first_default = len(positional) - len(args.defaults)
    if at >= first_default:
        del args.defaults[at - first_default]
    target = args.posonlyargs if at < len(args.posonlyargs) else args.args
    target[:] = [a for a in target if a.arg != name]
