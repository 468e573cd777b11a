"""Forward mode, vector-Jacobian products, Jacobians that pick their mode, and Hessians
by forward over reverse.

For f: R^A -> R^B, reverse mode costs about one evaluation per output (B), forward mode
one per input (A) (SEED.md section 2); ``jacobian(mode="auto")`` picks the cheaper one
from the sizes seen at the call. Hessians differentiate, in forward mode, the gradient
code gradc generated: ``hvp_<name>`` is compiled from ``grad_<name>``'s own source.
"""

import inspect
from dataclasses import replace

import numpy as np

from .api import (
    as_numpy_scalars,
    plain_function,
    require_numbers,
    require_real,
    wrt_indices,
)
from .compiled import generated_function
from .dispatch import target_of
from .errors import ArgumentError, user_facing
from .frontend.live import function_name
from .frontend.live import parameters as live_parameters
from .options import Options, with_argnums


@user_facing
def jvp(f, primals, tangents, *, optimize=True):
    """Forward mode: the value of ``f`` at ``primals`` and its directional derivative
    along ``tangents`` (JAX's convention), from generated dual-number code.

    Args:
        f: a top-level function in the accepted subset.
        primals: a tuple of arguments for ``f`` (trailing ones with defaults may be left out).
        tangents: a tuple of the same length: a tangent for each argument (a scalar
            tangent is broadcast to its argument's shape).

    Returns:
        ``(value, tangent)``, each a tuple when ``f`` returns a tuple.
    """
    primal = plain_function(f)
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ArgumentError(f"jvp needs one tangent per primal: got {len(primals)} primals "
                            f"and {len(tangents)} tangents")
    count = len(primals)
    primals = _complete(primal, primals)
    tangents = tangents + (0.0,) * (len(primals) - count)
    generated = generated_function(primal, "jvp", Options(
        mode="forward", optimize=optimize, target=target_of(primals + tangents)))
    require_numbers(primal, generated, primals)
    return as_numpy_scalars(generated(*primals, *map(_shaped_like, tangents, primals)))


@user_facing
def vjp(f, *primals, optimize=True):
    """Reverse mode with a cotangent of your choice: ``(value, vjp_fn)`` where
    ``vjp_fn(cotangent)`` returns one cotangent per primal (JAX's convention). The
    cotangent has the value's structure: a tuple when ``f`` returns a tuple."""
    primal = plain_function(f)
    count = len(primals)
    primals = _complete(primal, primals)
    options = Options(mode="vjp", optimize=optimize, target=target_of(primals))
    generated = generated_function(primal, "vjp", options)
    require_numbers(primal, generated, primals)
    # the value as gradc compiles it, never by running f: f may update an argument
    value = as_numpy_scalars(generated_function(primal, "value", options)(*primals))
    several = isinstance(value, tuple)

    def vjp_fn(cotangent):
        cotangents = cotangent if several else (cotangent,)
        outputs = value if several else (value,)
        if not isinstance(cotangents, tuple) or len(cotangents) != len(outputs) or any(
                np.shape(c) not in ((), np.shape(o)) for c, o in zip(cotangents, outputs)):
            shapes = ", ".join(str(np.shape(o)) for o in outputs)
            raise ArgumentError(f"the cotangent must have the value's structure and "
                                f"shapes: {'a tuple of ' if several else ''}{shapes}")
        grads = generated(*primals, *map(_shaped_like, cotangents, outputs))[1]
        return as_numpy_scalars(tuple(grads[:count]))

    return value, vjp_fn


@user_facing
def jacobian(f, wrt=0, mode="auto", *, argnums=None, optimize=True):
    """The Jacobian of ``f`` with respect to the argument(s) ``wrt``.

    Args:
        mode: "rev" (one reverse pass per output entry), "fwd" (one forward pass per
            input entry) or "auto" (forward when the inputs are no more than the outputs).

    Returns:
        A callable with ``f``'s arguments returning an array of shape
        ``output.shape + input.shape`` (a tuple of them for a tuple ``wrt``).
    """
    if mode not in ("auto", "fwd", "rev"):
        raise ArgumentError(f"mode must be 'auto', 'fwd' or 'rev', got {mode!r}")
    primal = plain_function(f)
    indices, as_tuple = wrt_indices(primal, with_argnums(wrt, argnums))

    def jacobian_of_f(*args):
        args = _complete(primal, args)
        _numpy_only("jacobian", args)
        for index in indices:
            require_real(primal, index, args[index])
        # the value as gradc compiles it: running the user's code could update an argument
        value_of_f = generated_function(primal, "value", _only(indices, optimize, "vjp"))
        require_numbers(primal, value_of_f, args)
        value = value_of_f(*args)
        if isinstance(value, tuple):
            raise ArgumentError(f"jacobian needs {function_name(primal)} to return one array, not "
                                "a tuple; take the Jacobian of each output separately")
        value = np.asarray(value)
        inputs = sum(np.size(args[i]) for i in indices)
        chosen = choose_mode(inputs, value.size) if mode == "auto" else mode
        build = _forward_jacobian if chosen == "fwd" else _reverse_jacobian
        blocks = build(primal, args, indices, value, optimize)
        return tuple(blocks) if as_tuple else blocks[0]

    return user_facing(jacobian_of_f)


def choose_mode(inputs: int, outputs: int) -> str:
    """The lecture's trade-off: forward costs a pass per input, reverse one per output."""
    return "fwd" if inputs <= outputs else "rev"


@user_facing
def hvp(f, wrt=0, *, argnums=None, optimize=True):
    """Hessian-vector products by forward over reverse.

    Returns:
        A callable ``(*args, v)`` giving ``H @ v``, where ``v`` has the shape of the
        ``wrt`` argument (a tuple of vectors for a tuple ``wrt``, and a tuple back).
    """
    primal = plain_function(f)
    indices, as_tuple = wrt_indices(primal, with_argnums(wrt, argnums))
    generated = {"numpy": generated_function(primal, "hvp", _only(indices, optimize, "hvp"))}

    def hvp_of_f(*args, v):
        args = _complete(primal, args)
        target = target_of(args, {"v": v})
        if target not in generated:
            options = replace(_only(indices, optimize, "hvp"), target=target)
            generated[target] = generated_function(primal, "hvp", options)
        for index in indices:
            require_real(primal, index, args[index])
        require_numbers(primal, generated[target], args)
        vectors = v if as_tuple else (v,)
        if not isinstance(vectors, tuple) or len(vectors) != len(indices):
            raise ArgumentError(f"v must hold one vector per differentiated argument "
                                f"({len(indices)})")
        tangents = [_shaped_like(vector, args[i]) for i, vector in zip(indices, vectors)]
        products = generated[target](*args, *tangents)[1]
        products = as_numpy_scalars(tuple(products))
        return products if as_tuple else products[0]

    return user_facing(hvp_of_f)


@user_facing
def hessian(f, wrt=0, *, argnums=None, optimize=True):
    """The Hessian of scalar-valued ``f``, one Hessian-vector product per input entry.

    Returns:
        A callable returning an array of shape ``x.shape + x.shape`` (for a tuple
        ``wrt``, nested tuples of blocks ``H[i][j]``, as JAX does).
    """
    primal = plain_function(f)
    indices, as_tuple = wrt_indices(primal, with_argnums(wrt, argnums))
    product = hvp(primal, tuple(indices), optimize=optimize)

    def hessian_of_f(*args):
        args = _complete(primal, args)
        _numpy_only("hessian", args)
        blocks = [[None] * len(indices) for _ in indices]
        for j, index in enumerate(indices):
            columns = []
            for basis in _basis(args[index]):
                v = [_zeros(args[i]) for i in indices]
                v[j] = basis
                columns.append(product(*args, v=tuple(v)))
            for i, row_index in enumerate(indices):
                shape = np.shape(args[row_index]) + np.shape(args[index])
                stacked = np.stack([np.ravel(c[i]) for c in columns], axis=-1)
                blocks[i][j] = stacked.reshape(shape)
        return tuple(map(tuple, blocks)) if as_tuple else blocks[0][0]

    return user_facing(hessian_of_f)


# ---- Jacobians, column by column or row by row

def _only(indices, optimize, mode) -> Options:
    """Options compiling derivatives along the ``wrt`` arguments only."""
    return Options(mode=mode, optimize=optimize, wrt=tuple(indices), as_tuple=True)


def _forward_jacobian(primal, args, indices, value, optimize):
    generated = generated_function(primal, "jvp", _only(indices, optimize, "forward"))
    blocks = []
    for position, index in enumerate(indices):
        columns = []
        for basis in _basis(args[index]):
            tangents = [_zeros(args[i]) for i in indices]
            tangents[position] = basis
            tangent = np.ravel(generated(*args, *tangents)[1])
            columns.append(np.broadcast_to(tangent, (value.size,)))
        stacked = np.stack(columns, axis=-1)
        blocks.append(stacked.reshape(value.shape + np.shape(args[index])))
    return blocks


def _reverse_jacobian(primal, args, indices, value, optimize):
    generated = generated_function(primal, "vjp", _only(indices, optimize, "vjp"))
    rows = [[] for _ in indices]
    for basis in _basis(value):
        grads = generated(*args, basis)[1]
        for row, grad, index in zip(rows, grads, indices):
            row.append(np.ravel(_shaped_like(grad, args[index])))
    return [np.stack(row).reshape(value.shape + np.shape(args[index]))
            for row, index in zip(rows, indices)]


def _basis(x):
    """The unit vectors of x's space, each with x's shape and precision (a float for a
    Python float)."""
    size = np.size(x)
    for k in range(size):
        unit = np.zeros(size, dtype=_precision(x))
        unit[k] = 1.0
        yield unit.reshape(np.shape(x)) if np.ndim(x) else unit[0][()]


def _zeros(x):
    """Zeros with x's shape and precision (float32 stays float32)."""
    return np.zeros(np.shape(x), dtype=_precision(x))


def _precision(x):
    return np.result_type(x, 1.0)


# ---- shared checks



def _complete(primal, args):
    """``args`` with the defaults of the parameters left out appended."""
    args = tuple(args)
    parameters = live_parameters(primal)
    if len(args) > len(parameters):
        raise ArgumentError(f"{function_name(primal)} takes {len(parameters)} arguments, "
                            f"got {len(args)}")
    for param in parameters[len(args):]:
        if param.default is inspect.Parameter.empty:
            raise ArgumentError(f"{function_name(primal)}: missing argument {param.name!r}")
        args += (param.default,)
    return args




def _shaped_like(value, like):
    """``value`` broadcast to ``like``'s shape (a scalar tangent fills the whole array),
    by like's own library."""
    shape = getattr(like, "shape", None)
    if shape is None or isinstance(like, np.ndarray):
        return value if np.shape(value) == np.shape(like) else np.broadcast_to(
            value, np.shape(like))
    if getattr(value, "shape", ()) == shape:
        return value
    import array_api_compat

    xp = array_api_compat.array_namespace(like)
    return xp.broadcast_to(xp.asarray(value, dtype=like.dtype,
                                      device=array_api_compat.device(like)), shape)


def _numpy_only(mode: str, args) -> None:
    """Jacobians and Hessians are assembled in NumPy, from one pass per row or column."""
    if target_of(args) != "numpy":
        raise ArgumentError(
            f"gradc.{mode} assembles its result with NumPy and takes NumPy arrays; for "
            "arrays of another library, use gradc.jvp, gradc.vjp or gradc.hvp (one "
            "direction per call), which run the array-API module")
