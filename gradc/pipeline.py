"""The compiler's stages, in order, in one place.

    source --parse--> ModuleInfo --lower--> SSA IR --optimize--> IR
           --reverse--> adjoint IR --optimize--> IR --materialize--> IR --codegen--> Python

Each stage is a pure function on IR; ``trace`` receives the IR after every stage, which
is how ``gradc compile --emit ir`` and the pass tests look inside.
"""

import ast
import gc
from contextlib import contextmanager
from dataclasses import replace

from .codegen.module import render_module
from .codegen.targets import (
    gradient_functions,
    hvp_function,
    jvp_function,
    value_function,
    vjp_function,
)
from .errors import ArgumentError, LocatedError, NonDifferentiableSourceError
from .frontend.lower import lower_function
from .frontend.source import ModuleInfo, parse_module
from .ir.control import truth_line
from .ir.core import Const, Function
from .ir.verifier import verify
from .options import Options, wrt_positions
from .passes.cse import cse
from .passes.dce import dce
from .passes.forward_ad import forward
from .passes.hoist import hoist
from .passes.reverse_ad import materialize_gradients, reverse
from .passes.scalars import infer_scalar_params
from .passes.shapes import shape_classes
from .passes.simplify import simplify
from .passes.specialize import specialize

DEFAULTS = Options()


def optimize(fn: Function) -> Function:
    """Simplify, share common subexpressions, drop dead code."""
    return dce(cse(simplify(fn)))


def _stager(options, trace):
    """Runs one stage: verify (in tests) and show (``--emit ir``) what it produced."""
    def stage(label, fn):
        if options.verify:
            verify(fn)
        if trace is not None:
            trace(label, fn)
        return fn
    return stage


def primal_ir(info: ModuleInfo, name: str, options=DEFAULTS, trace=None,
              check=None) -> Function:
    """``check``: called with the lowered function, before optimizing can change what
    its output looks like (1.0 * (x > 0) is a number, but folds to x > 0)."""
    stage = _stager(options, trace)
    fn = stage("lower", lower_function(info, name))
    if check is not None:
        check(fn)
    fn = infer_scalar_params(fn)
    if options.shapes is not None:
        fn = with_shapes(fn, options.shapes)
    return stage("optimize", optimize(fn)) if options.optimize else fn


def with_shapes(fn: Function, shapes) -> Function:
    """``fn`` with its parameters' shapes known (None: unknown); parameters left to
    their defaults have unknown shapes."""
    defaulted = fn.params[len(shapes):]
    if all(p.default is not None for p in defaulted):
        shapes = tuple(shapes) + (None,) * len(defaulted)
    if len(shapes) != len(fn.params):
        raise ArgumentError(f"{fn.name} takes {len(fn.params)} arguments, got shapes for "
                            f"{len(shapes)}")
    params = tuple(p if s is None else replace(p, shape=tuple(s))
                   for p, s in zip(fn.params, shapes))
    return replace(fn, params=params)


def gradient_ir(info: ModuleInfo, name: str, wrt: tuple[int, ...], options=DEFAULTS,
                trace=None) -> Function:
    """IR returning ``(value, *gradients)`` of function ``name`` w.r.t. ``wrt``."""
    fn = primal_ir(info, name, options, trace, lambda lowered: _one_number(info, name, lowered))
    return _differentiated(reverse(fn, wrt), wrt, options, trace)


def _one_number(info: ModuleInfo, name: str, fn: Function):
    """A gradient needs one output, and one that is not a truth value."""
    if len(fn.results) != 1:
        raise several_results(info, name, len(fn.results))
    truth = truth_line(fn.body, fn.results[0])
    if truth is not None:
        raise _boolean_output(info, name, truth)


def _boolean_output(info: ModuleInfo, name: str, line: int | None) -> LocatedError:
    """``name`` returns a truth value (computed on ``line``), which has no derivative."""
    nodes = [n for f in info.functions.values() for n in ast.walk(f)
             if isinstance(n, ast.expr) and n.lineno == line and _is_truth(n)]
    where = min(nodes, key=lambda n: n.col_offset, default=_return_statement(info, name))
    return info.error(where, f"not differentiable: {name} has a boolean output",
                      "a comparison has no gradient; to differentiate through a condition, "
                      "let it choose a value: np.where(x > 0, x, 0.0)",
                      kind=NonDifferentiableSourceError)


def _is_truth(node) -> bool:
    return isinstance(node, ast.Compare | ast.BoolOp) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, bool))


def vjp_ir(info: ModuleInfo, name: str, wrt: tuple[int, ...], options=DEFAULTS,
           trace=None) -> Function:
    """IR taking ``(*params, *cotangents)``, one cotangent per result, and returning
    ``(*results, *cotangents of the wrt parameters)``."""
    fn = primal_ir(info, name, options, trace)
    return _differentiated(reverse(fn, wrt, cotangents=True), wrt, options, trace)


def _differentiated(fn, wrt, options, trace):
    stage = _stager(options, trace)
    fn = stage("reverse", fn)
    if options.optimize or options.shapes is not None:  # after a cleanup, which settles
        fn = stage("specialize", specialize(optimize(fn) if options.optimize else fn))
    if options.optimize:
        fn = stage("cleanup", hoist(optimize(fn)))
    return stage("materialize", materialize_gradients(fn, wrt))


def tangent_ir(info: ModuleInfo, name: str, options=DEFAULTS, trace=None,
               wrt: tuple[int, ...] | None = None) -> Function:
    """IR taking ``(*params, *tangents)`` and returning ``(*results, *result_tangents)``,
    with tangents for the ``wrt`` parameters (default: all)."""
    stage = _stager(options, trace)
    fn = stage("forward", forward(primal_ir(info, name, options, trace), wrt))
    return stage("cleanup", optimize(fn)) if options.optimize else fn


def without_value(fn: Function) -> Function:
    """The gradient-only variant: the value is not returned, so DCE may drop its tail."""
    return dce(fn.with_body(fn.body, fn.results[1:]))


def resolve_wrt(info: ModuleInfo, name: str, wrt, every=False) -> tuple[tuple[int, ...], bool]:
    """``wrt`` (an index, a name, or a tuple of them; None: every parameter without a
    default, or with ``every`` every parameter, but for those declared ``int``) as
    parameter indices, and whether the caller asked for a tuple."""
    node = info.functions[name]
    positional = node.args.posonlyargs + node.args.args
    names = [a.arg for a in positional]
    if wrt is None:
        required = len(names) - (0 if every else len(node.args.defaults))
        indices = tuple(i for i in range(required) if not _declared_int(positional[i]))
        if required and not indices:
            raise _integer_input(info, name, positional[0], only=True)
        return indices, len(indices) != 1
    indices, as_tuple = wrt_positions(names, name, wrt)
    for index in indices:
        if _declared_int(positional[index]):
            raise _integer_input(info, name, positional[index])
    return indices, as_tuple


def _declared_int(arg: ast.arg) -> bool:
    return isinstance(arg.annotation, ast.Name) and arg.annotation.id in ("int", "bool")


def _integer_input(info: ModuleInfo, name: str, arg: ast.arg, only=False) -> LocatedError:
    """A derivative asked for with respect to an input declared integer (``only``: the
    function has no other input): none exists."""
    declared = ast.unparse(arg.annotation or arg)
    message = (f"{name} has no float input to differentiate ({arg.arg!r} is declared "
               f"{declared})" if only else
               f"{name} has no derivative with respect to {arg.arg!r}, declared {declared}")
    return info.error(arg, f"not differentiable: {message}",
                      "declare the inputs to differentiate float, or choose others with wrt "
                      "(--wrt on the command line)", kind=NonDifferentiableSourceError)


def compile_source(source: str, filename: str, functions=None, wrt=None,
                   options=DEFAULTS, trace=None, command="") -> str:
    """Generated module text. Reverse mode: ``value_and_grad_<name>`` and ``grad_<name>``
    for each function named (default: every top-level function returning one value);
    forward mode: ``jvp_<name>`` (default: every top-level function). ``wrt`` (default:
    ``options.wrt``) names the arguments to differentiate."""
    with _collector_paused():
        return compile_module(parse_module(source, filename), functions, wrt, options, trace,
                              command)


def compile_module(info: ModuleInfo, functions=None, wrt=None, options=DEFAULTS, trace=None,
                   command="") -> str:
    """``compile_source`` of a module already read: parsed from a file, or gathered
    from a live function (frontend/live.py)."""
    wrt = options.wrt if wrt is None else wrt
    with _collector_paused():
        return _compile(info, functions, wrt, options, trace, command)


@contextmanager
def _collector_paused():
    """The compiler allocates many small objects and frees none until it finishes, which
    makes Python's cyclic collector rescan the growing heap: quadratic time without this."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compile(info, functions, wrt, options, trace, command):
    if options.mode == "hvp":
        return _compile_hvp(info, functions, wrt, options, trace, command)
    names = _selected(info, functions, options.mode)
    generated = []
    for name in names:
        try:
            generated += _targets(info, name, wrt, options, trace)
        except RecursionError:  # depth.py bounds nesting; this is the backstop
            raise info.error(info.functions[name], f"{name} nests too deeply for gradc to "
                             "compile", "split long expressions into steps assigned to "
                             "names, and deeply nested blocks into functions") from None
    return _render(generated, info, options, command)


def _number_valued(generated) -> tuple[str, ...]:
    """The functions whose value_and_grad returns a value provably a number, whatever
    the inputs' shapes."""
    names = []
    for target in generated:
        if target.name.startswith("value_and_grad_"):
            value = target.returns[0]
            if isinstance(value, Const) or shape_classes(target.ir)[value] == ():
                names.append(target.name.removeprefix("value_and_grad_"))
    return tuple(names)



def _render(generated, info: ModuleInfo, options: Options, command: str) -> str:
    """The module text for the target; a refusal quotes the line it is about."""
    def locate(loc):
        return info.filename, info.lines[loc.line - 1] if loc and 0 < loc.line <= len(
            info.lines) else ""
    number_valued = _number_valued(generated) if options.mode == "reverse" else ()
    return render_module(generated, _base_name(info.filename), command, number_valued,
                         options.target, locate)


def _targets(info, name, wrt, options, trace) -> list:
    """The generated functions for function ``name``."""
    indices, as_tuple = resolve_wrt(info, name, wrt, every=options.mode != "reverse")
    if options.mode == "forward":
        return [jvp_function(tangent_ir(info, name, options, trace, indices), name)]
    if options.mode == "vjp":
        fn = vjp_ir(info, name, indices, options, trace)
        return [vjp_function(fn, name, len(indices)),
                value_function(primal_ir(info, name, options), name)]
    fn = gradient_ir(info, name, indices, options, trace)
    return gradient_functions(fn, without_value(fn), name, indices, as_tuple)


def _selected(info: ModuleInfo, functions, mode: str) -> list[str]:
    """The functions to compile: those named, or by default every top-level function
    (in reverse mode, every one returning one value). Never none."""
    for name in functions or info.async_functions:
        if name in info.async_functions:
            raise info.error(info.async_functions[name], "async functions are not supported",
                             "gradc compiles plain 'def' functions; name the others with "
                             "--function")
    if functions:
        for name in functions:
            if name not in info.functions:
                raise ArgumentError(f"{info.filename} has no top-level function {name!r} "
                                    f"(functions: {', '.join(info.functions) or 'none'})")
        return list(functions)
    names = list(info.functions) if mode != "reverse" else scalar_functions(info)
    if not names:
        raise _nothing_to_compile(info)
    return names


def _nothing_to_compile(info: ModuleInfo) -> LocatedError:
    """An empty module, or one whose functions all return several values."""
    if not info.functions:
        return LocatedError("no top-level function to differentiate", info.filename, 1, 0,
                            hint="define one with 'def' at the top level of the module")
    name = next(iter(info.functions))
    value = _return_statement(info, name).value
    assert isinstance(value, ast.Tuple)  # why scalar_functions left the function out
    return several_results(info, name, len(value.elts))


def several_results(info: ModuleInfo, name: str, count: int) -> LocatedError:
    """``name`` returns ``count`` values, where a gradient needs one."""
    return info.error(_return_statement(info, name), f"{name} returns {count} values; a "
                      "gradient needs one scalar output", "return one value, or compile it "
                      "with --mode vjp (gradc.vjp or gradc.jacobian from Python)",
                      kind=NonDifferentiableSourceError)


def _return_statement(info: ModuleInfo, name: str) -> ast.Return:
    """The return statement an error about the output points at: one returning a tuple
    display, else the last (returning, say, a call of a tuple-returning function)."""
    returns = sorted((n for n in ast.walk(info.functions[name]) if isinstance(n, ast.Return)),
                     key=lambda r: (r.lineno, r.col_offset))
    return next((r for r in returns if isinstance(r.value, ast.Tuple)), returns[-1])


def _compile_hvp(primal_info, functions, wrt, options, trace, command):
    """Forward over reverse: gradc differentiates, in forward mode, the gradient code it
    generated. This works because generated code stays inside the accepted language."""
    reverse_options = replace(options, mode="reverse", target="numpy")  # read back below
    gradients = _compile(primal_info, functions, wrt, reverse_options, None, "")
    filename = primal_info.filename
    info = parse_module(gradients, filename)  # recognised as gradc's own code
    info.arrays = {name: name for name in _module_arrays(primal_info)}
    names = [n.removeprefix("grad_") for n in info.functions if n.startswith("grad_")]
    generated = []
    for name in names:  # tangents only along the differentiated arguments
        indices = resolve_wrt(primal_info, name, wrt)[0]
        fn = tangent_ir(info, f"grad_{name}", options, trace, indices)
        generated.append(hvp_function(fn, name))
    return _render(generated, info, options, command)


def _module_arrays(info: ModuleInfo, seen=None) -> set[str]:
    """The generated module's names of the arrays a live function and its helpers read."""
    seen = set() if seen is None else seen
    seen.add(id(info))
    names = set(info.arrays.values())
    for scope in info.scopes.values():
        if id(scope) not in seen:
            names |= _module_arrays(scope, seen)
    return names


def _base_name(filename):
    return filename.replace("\\", "/").rsplit("/", 1)[-1]


def scalar_functions(info: ModuleInfo) -> list[str]:
    """Top-level functions that may return one value (helpers returning tuples are
    inlined into their callers but have no gradient of their own)."""
    def returns_tuple(node):
        last = node.body[-1] if node.body else None
        return isinstance(last, ast.Return) and isinstance(last.value, ast.Tuple)
    return [name for name, node in info.functions.items() if not returns_tuple(node)]
