"""Command line: ``gradc compile FILE ...`` (also ``python -m gradc``)."""

import argparse
import sys
from pathlib import Path

from .codegen.loader import write_atomic
from .errors import GradcError
from .frontend.source import decode_source
from .ir.printer import format_function
from .options import TARGETS, Options
from .pipeline import compile_source
from .version import __version__

_DESCRIPTION = """\
Compile the gradients of the functions in FILE into DIR/<stem>_grad.py, holding
value_and_grad_<name>(...) -> (value, gradient) and grad_<name>(...) -> gradient for
each function. Other modes write DIR/<stem>_<mode>.py:
  --mode forward  jvp_<name>(*args, *tangents) -> (value, tangent)      (dual numbers)
  --mode vjp      vjp_<name>(*args, *cotangents) -> (value, cotangents of the args)
  --hessian       hvp_<name>(*args, *vectors) -> (gradient, Hessian @ vectors)
                  (forward mode over the generated gradient code; same as --mode hvp)
FILE is read, never executed."""

_EPILOG = """\
examples:
  gradc compile examples/backprop_ex1.py
  gradc compile model.py --function loss --wrt w,b -o build/
  gradc compile model.py --mode forward     # jvp_<name>, forward mode (dual numbers)
  gradc compile model.py --emit ir          # the IR after every compiler stage
  gradc compile model.py --target array-api # xp. calls: NumPy, CuPy, Dask, JAX, PyTorch

exit status: 0 on success, 1 on an error in FILE (reported as FILE:LINE:COL: error: ...)
or a bad option, with nothing written."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gradc", description="gradc: a source-to-source "
                                     "gradient compiler for NumPy-flavoured Python.")
    parser.add_argument("--version", action="version", version=f"gradc {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compile_ = commands.add_parser("compile", help="compile gradients of a Python file",
                                   description=_DESCRIPTION, epilog=_EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    compile_.add_argument("file", metavar="FILE", help="Python source file to read")
    compile_.add_argument("--function", action="append", metavar="NAME",
                          help="function to differentiate (repeatable; default: every "
                               "top-level function that returns one value)")
    compile_.add_argument("--wrt", metavar="ARGS",
                          help="comma-separated argument names or indices to differentiate "
                               "with respect to (default: every argument without a default "
                               "value); one name gives a single gradient, several a tuple")
    compile_.add_argument("-o", "--output-dir", metavar="DIR", default="generated",
                          help="directory to write <stem>_grad.py into (default: generated)")
    compile_.add_argument("--mode", choices=("reverse", "forward", "vjp", "hvp"),
                          default="reverse",
                          help="reverse: gradients by backpropagation (default); forward: "
                               "Jacobian-vector products by dual numbers; vjp: "
                               "vector-Jacobian products; hvp: Hessian-vector products "
                               "(forward and vjp default to every argument)")
    compile_.add_argument("--hessian", dest="mode", action="store_const", const="hvp",
                          help="write hvp_<name> (Hessian-vector products): --mode hvp")
    compile_.add_argument("--emit", choices=("py", "ir"), default="py",
                          help="py: write the Python module (default); ir: print the IR "
                               "after every compiler stage to stdout and write nothing")
    compile_.add_argument("--target", choices=TARGETS, default="numpy",
                          help="numpy: np. calls, imports only NumPy (default); array-api: "
                               "xp. calls on the array API standard, so the module runs on "
                               "NumPy, CuPy, Dask, JAX or PyTorch arrays (needs "
                               "array-api-compat)")
    compile_.add_argument("--no-optimize", action="store_true",
                          help="skip simplification, CSE and DCE (to see the raw adjoint)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"gradc: error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    trace = _print_stage if args.emit == "ir" else None
    try:
        source = decode_source(data, args.file)
        text = compile_source(source, args.file, args.function, _parse_wrt(args.wrt),
                              Options(optimize=not args.no_optimize, mode=args.mode,
                                      target=args.target), trace,
                              command=_command(args))
    except GradcError as exc:
        message = str(exc)
        if not message.startswith(args.file):
            message = f"{args.file}: error: {message}"
        print(message, file=sys.stderr)
        return 1
    if args.emit == "py":
        suffix = {"reverse": "grad", "forward": "jvp"}.get(args.mode, args.mode)
        suffix += "_array_api" if args.target == "array-api" else ""
        out = Path(args.output_dir) / f"{path.stem}_{suffix}.py"
        problem = _write(out, text)
        if problem:
            print(f"gradc: error: {problem}", file=sys.stderr)
            return 1
        print(out)
    return 0


def _write(out: Path, text: str) -> str | None:
    """Write the module; what went wrong, in one line, if that failed."""
    if out.parent.exists() and not out.parent.is_dir():
        return f"-o {out.parent} is a file, not a directory"
    try:
        write_atomic(out, text)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and exc.filename != str(out) else ""
        return f"cannot write {out}: {exc.strerror or exc}{where}"
    return None


def _parse_wrt(text):
    if text is None:
        return None
    items = [int(t) if t.strip().lstrip("-").isdigit() else t.strip()
             for t in text.split(",") if t.strip()]
    return items[0] if len(items) == 1 else tuple(items)


def _command(args):
    parts = ["gradc compile", args.file]
    parts += [f"--function {name}" for name in args.function or ()]
    if args.wrt:
        parts.append(f"--wrt {args.wrt}")
    if args.mode != "reverse":
        parts.append(f"--mode {args.mode}")
    if args.target != "numpy":
        parts.append(f"--target {args.target}")
    if args.no_optimize:
        parts.append("--no-optimize")
    return " ".join(parts)


def format_stage(label, fn) -> str:
    """One stage of ``--emit ir`` (and of the IR goldens in generated/ir/)."""
    return f";; {fn.name}: after {label}\n{format_function(fn)}"


def _print_stage(label, fn):
    print(format_stage(label, fn))
