"""What to compile: one frozen ``Options`` for every mode, and the one resolver of
``wrt`` (argument indices or names) that the API, the CLI and the pipeline share."""

from dataclasses import dataclass

from .errors import ArgumentError


@dataclass(frozen=True)
class Options:
    """How to compile a function; ``key()`` identifies a compile in the cache.

    mode: "reverse" (value_and_grad_/grad_), "forward" (jvp_), "vjp" (vjp_, value_) or
        "hvp" (hvp_: forward over reverse).
    wrt: the argument indices or names to differentiate (None: the mode's default).
    as_tuple: whether a tuple of gradients was asked for (JAX's convention).
    shapes: the parameters' shapes to specialise to (None: shape-generic code).
    has_aux: the function returns (output, auxiliary data); reserved for the API.
    target: the arrays the generated code is written for: "numpy" (np. calls, the
        default), or "array-api" (xp. calls through array-api-compat: any array library).
    """

    mode: str = "reverse"
    wrt: tuple | int | str | None = None
    as_tuple: bool = False
    optimize: bool = True
    shapes: tuple | None = None
    verify: bool = False
    has_aux: bool = False
    target: str = "numpy"

    def __post_init__(self):
        if self.target not in TARGETS:
            raise ArgumentError(f"target must be one of {', '.join(TARGETS)}, got "
                                f"{self.target!r}")

    def key(self) -> str:
        """A stable text for the cache: equal options give equal keys."""
        return repr((self.mode, self.wrt, self.as_tuple, self.optimize, self.shapes,
                     self.has_aux) + ((self.target,) if self.target != "numpy" else ()))


TARGETS = ("numpy", "array-api")


def wrt_options(wrt, **options) -> Options:
    """Options for ``wrt`` as the public API takes it: a single index or name gives a
    single gradient, a tuple or list a tuple of them."""
    several = isinstance(wrt, (tuple, list))
    return Options(wrt=tuple(wrt) if several else wrt, as_tuple=several, **options)


def with_argnums(wrt, argnums):
    """``wrt``, or JAX's spelling of it, ``argnums`` (argument indices only)."""
    if argnums is None:
        return wrt
    if wrt != 0:
        raise ArgumentError("give wrt or argnums (JAX's name for it), not both")
    several = isinstance(argnums, (tuple, list))
    if not all(type(i) is int for i in (argnums if several else (argnums,))):
        raise ArgumentError(f"argnums takes argument indices (integers), got {argnums!r}")
    return tuple(argnums) if several else argnums


def wrt_positions(names: list[str], fname: str, wrt) -> tuple[tuple[int, ...], bool]:
    """``wrt`` (an index, a name, or a tuple or list of them) as indices into the
    parameters ``names`` of function ``fname``, and whether a tuple was asked for."""
    as_tuple = isinstance(wrt, (tuple, list))
    indices = tuple(_position(names, fname, item) for item in (wrt if as_tuple else (wrt,)))
    if len(set(indices)) != len(indices):
        raise ArgumentError(f"wrt={wrt!r} names an argument of {fname} twice")
    return indices, as_tuple


def _position(names, fname, item) -> int:
    if isinstance(item, bool) or not isinstance(item, (int, str)):
        raise ArgumentError(f"wrt entries are argument indices or names, got {item!r}")
    if isinstance(item, str):
        if item not in names:
            raise ArgumentError(f"{fname} has no argument {item!r} (arguments: "
                                f"{', '.join(names)})")
        return names.index(item)
    if not -len(names) <= item < len(names):
        raise ArgumentError(f"wrt={item} is out of range: {fname} takes {len(names)} "
                            "arguments")
    return item % len(names)
