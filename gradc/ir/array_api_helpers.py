"""Runtime helpers of the array-API target: the same helpers as ``helpers.py`` (same
names, same meaning), written against the array API standard, plus the NumPy functions
the standard lacks (``np.dot``, ``np.outer``, ``np.ravel``, ...).

Codegen copies the source of each helper a module uses into it, as for the NumPy
target. They take the namespace from their arguments (``array_api_compat``), build no
host array (zeros, eyes and positions come from the arguments' namespace, dtype and
device), and write only into arrays they have just made (never on JAX, whose arrays are
immutable: .at[] is its way), so JAX can trace them. Where the standard has
no operation (scatter-add), the libraries' own one is used when the namespace has it,
and an equivalent built from standard operations otherwise.
"""

import math

try:
    import array_api_compat
except ImportError:  # gradc runs without it; the modules that call these helpers import it
    pass


def _namespace(*values):
    """The array namespace of the arrays among ``values`` (NumPy's, through
    array-api-compat, when all are numbers), the floating dtype results take (theirs:
    float32 stays float32; the library's default when none is floating) and their
    device."""
    arrays = [v for v in values if hasattr(v, "shape") and hasattr(v, "dtype")]
    if not arrays:
        import array_api_compat.numpy as xp

        return xp, xp.float64, "cpu"
    xp = array_api_compat.array_namespace(*arrays)
    floats = [a for a in arrays if xp.isdtype(a.dtype, "real floating")]
    dtype = xp.result_type(*floats) if floats else xp.asarray(0.0).dtype
    return xp, dtype, array_api_compat.device((floats or arrays)[0])


def _as_arrays(xp, dtype, device, *values):
    """``values`` with Python floats made 0-d arrays of ``dtype`` on ``device`` (standard
    functions take arrays); arrays and integers (sizes, counts) stay as they are."""
    return tuple(xp.asarray(v, dtype=dtype, device=device) if isinstance(v, float) else v
                 for v in values)


def _xp(*values):
    """The namespace of the arrays among ``values`` (numbers are left out)."""
    return array_api_compat.array_namespace(*[v for v in values if hasattr(v, "shape")])


def _shape_of(x):
    """The shape of x (() for a number)."""
    return getattr(x, "shape", ())


def _same_shape(a, b):
    """Shapes equal, where an unknown size (Dask's nan, after a masked read) matches an
    unknown size."""
    return len(a) == len(b) and all(m == n or m != m and n != n for m, n in zip(a, b))


def _ndim(x):
    return len(_shape_of(x))


def _unbroadcast(grad, like):
    """Sum grad over the axes along which `like` was broadcast, so it has like's shape."""
    shape = _shape_of(like)
    grad_shape = _shape_of(grad)
    if _same_shape(grad_shape, shape):
        return grad
    xp = _xp(grad, like)
    if len(grad_shape) < len(shape):
        return xp.broadcast_to(
            xp.asarray(grad, dtype=like.dtype, device=array_api_compat.device(like)), shape)
    lead = len(grad_shape) - len(shape)
    stretched = [lead + i for i, n in enumerate(shape) if n == 1]
    axes = tuple(range(lead)) + tuple(i for i in stretched if grad_shape[i] != 1)
    return xp.reshape(xp.sum(grad, axis=axes), shape)


def _broadcast_like(value, like):
    """value spread over like's shape, in like's precision."""
    shape = _shape_of(like)
    if _same_shape(_shape_of(value), shape):
        return value
    xp, device = _xp(value, like), array_api_compat.device(like)
    return xp.broadcast_to(xp.asarray(value, dtype=like.dtype, device=device), shape)


def _reshape_like(value, like):
    """value with like's shape (the adjoint of a reshape)."""
    return _xp(value, like).reshape(value, _shape_of(like))


def _transpose(x, axes=None):
    """np.transpose: the axes reversed, or permuted as ``axes`` says."""
    xp = _xp(x)
    return xp.permute_dims(x, tuple(range(x.ndim))[::-1] if axes is None else axes)


def _swapaxes(x, axis1, axis2):
    """np.swapaxes."""
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return _xp(x).permute_dims(x, tuple(axes))


def _as_matrices(g, a, b):
    """g, a, b with 1-D operands made matrices, as a @ b treats them (a row, b a column)."""
    xp = _xp(g, a, b)
    if _ndim(b) == 1:
        g, b = xp.expand_dims(g, axis=-1), xp.expand_dims(b, axis=-1)
    if _ndim(a) == 1:
        g, a = xp.expand_dims(g, axis=-2), xp.expand_dims(a, axis=0)
    return g, a, b


def _matmul_adjoint_a(g, a, b):
    """The adjoint of a in a @ b: g @ b.T, summed over broadcast batch axes."""
    xp = _xp(g, a, b)
    if _ndim(a) == 2 and _ndim(b) == 2:  # the common case, directly
        return g @ b.T
    g2, a2, b2 = _as_matrices(g, a, b)
    return xp.reshape(_unbroadcast(g2 @ _swapaxes(b2, -1, -2), a2), a.shape)


def _matmul_adjoint_b(g, a, b):
    """The adjoint of b in a @ b: a.T @ g, summed over broadcast batch axes."""
    xp = _xp(g, a, b)
    if _ndim(a) == 2 and _ndim(b) <= 2:  # the common cases, directly
        return a.T @ g
    g2, a2, b2 = _as_matrices(g, a, b)
    return xp.reshape(_unbroadcast(_swapaxes(a2, -1, -2) @ g2, b2), b.shape)


# ---- NumPy functions the standard spells otherwise, or lacks

def _ravel(x):
    """np.ravel."""
    return _xp(x).reshape(x, (-1,))


def _squeeze(x, axis=None):
    """np.squeeze: without axis, every axis of length 1."""
    if axis is None:
        axis = tuple(i for i, n in enumerate(x.shape) if n == 1)
    return _xp(x).squeeze(x, axis=axis)


def _size(x, axis=None):
    """np.size: the number of entries (along axis)."""
    return math.prod(_shape_of(x)) if axis is None else _shape_of(x)[axis]


def _float(x):
    """float(x) of a one-entry array, kept an array (of its floating dtype) so that JAX
    can trace it."""
    xp = _xp(x)
    x = xp.reshape(x, ())
    return x if xp.isdtype(x.dtype, "real floating") else xp.astype(x, xp.float64)


def _repeat(x, repeats, axis=None):
    """np.repeat: each entry repeated (a count, or one count per entry)."""
    xp = _xp(x)
    x, axis = (_ravel(x), 0) if axis is None else (x, axis)
    if isinstance(repeats, int):
        return xp.repeat(x, repeats, axis=axis)
    return xp.concat([_take_range(xp, x, axis, k, k + 1) for k, count in enumerate(repeats)
                      for _ in range(count)], axis=axis)  # a list: copies joined


def _roll(x, shift, axis=None):
    """np.roll: entries shifted along axis (None: of the flattened array) and wrapped."""
    xp = _xp(x)
    if axis is None:
        total = shift if isinstance(shift, int) else sum(shift)
        return xp.reshape(xp.roll(_ravel(x), total, axis=0), x.shape)
    return xp.roll(x, shift, axis=axis)


def _diff(x, n=1, axis=-1, prepend=None, append=None):
    """np.diff: n-th differences along axis; a number prepended or appended is spread
    over the other axes, as NumPy does."""
    xp, device = _xp(x), array_api_compat.device(x)
    edge = x.shape[:axis % x.ndim] + (1,) + x.shape[axis % x.ndim + 1:]
    parts = [xp.full(edge, v, dtype=x.dtype, device=device) if isinstance(v, float | int)
             else v for v in (prepend, x, append) if v is not None]
    if len(parts) > 1:
        x = xp.concat(parts, axis=axis)
    return xp.diff(x, axis=axis, n=n)


def _tile(x, reps):
    """np.tile: copies of x along each axis."""
    return _xp(x).tile(x, (reps,) if isinstance(reps, int) else tuple(reps))


def _copy(x):
    """np.copy: a new array with x's entries."""
    return _xp(x).asarray(x, copy=True)


def _reciprocal(x):
    """np.reciprocal of a floating array."""
    return 1.0 / x


def _cbrt(x):
    """np.cbrt: the real cube root, negative for negative x."""
    xp = _xp(x)
    return xp.sign(x) * xp.abs(x) ** (1 / 3)


def _dot(a, b):
    """np.dot: a product with a number, a @ b for vectors and matrices, and for higher
    ranks the sum over a's last axis and b's second-to-last."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    if _ndim(b) <= 2:
        return a @ b
    return _xp(a, b).tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))


def _inner(a, b):
    """np.inner: the sum over the last axes of both."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return a * b
    return _xp(a, b).tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


def _outer(a, b):
    """np.outer: every entry of a times every entry of b."""
    return _ravel(a)[:, None] * _ravel(b)[None, :]


def _trace(x):
    """np.trace: the sum of the diagonal of the first two axes."""
    xp = _xp(x)
    rows, columns = x.shape[:2]
    eye = xp.eye(rows, columns, dtype=x.dtype, device=array_api_compat.device(x))
    eye = xp.reshape(eye, (rows, columns) + (1,) * (x.ndim - 2))
    return xp.sum(x * eye, axis=(0, 1))


def _tril(x, k=0):
    """np.tril: zeros above the k-th diagonal of the last two axes."""
    return _triangle(x, k, lower=True)


def _triu(x, k=0):
    """np.triu: zeros below the k-th diagonal of the last two axes."""
    return _triangle(x, k, lower=False)


def _triangle(x, k, lower):
    xp = _xp(x)
    rows = xp.arange(x.shape[-2], device=array_api_compat.device(x))[:, None]
    columns = xp.arange(x.shape[-1], device=array_api_compat.device(x))[None, :]
    keep = columns - rows <= k if lower else columns - rows >= k
    return xp.where(keep, x, xp.zeros_like(x))


def _cholesky(a):
    """np.linalg.cholesky, which reads only the lower triangle of a: the matrix is made
    symmetric from it first (JAX's cholesky would average a with its transpose)."""
    return _xp(a).linalg.cholesky(_tril(a) + _swapaxes(_tril(a, -1), -1, -2))


def _hstack(parts):
    """np.hstack: joined along axis 1 (axis 0 for vectors)."""
    parts = [_atleast_1d(p) for p in parts]
    return _xp(*parts).concat(parts, axis=0 if parts[0].ndim == 1 else 1)


def _vstack(parts):
    """np.vstack: rows joined along axis 0."""
    parts = [_atleast_2d(p) for p in parts]
    return _xp(*parts).concat(parts, axis=0)


def _array(parts):
    """np.array([a, b, c]) of values (numbers or arrays of one shape): stacked."""
    like = [p for p in parts if hasattr(p, "shape")][0]
    xp, device = _xp(like), array_api_compat.device(like)
    parts = [p if hasattr(p, "shape") else xp.asarray(p, dtype=like.dtype, device=device)
             for p in parts]
    return xp.stack(parts, axis=0)


def _atleast_1d(x):
    """np.atleast_1d."""
    return _xp(x).reshape(x, (1,)) if _ndim(x) == 0 else x


def _atleast_2d(x):
    """np.atleast_2d: a vector becomes a row."""
    return _xp(x).reshape(x, (1,) * (2 - _ndim(x)) + x.shape) if _ndim(x) < 2 else x


def _atleast_3d(x):
    """np.atleast_3d: a vector (n,) becomes (1, n, 1), a matrix (m, n) (m, n, 1)."""
    xp = _xp(x)
    if _ndim(x) == 0:
        return xp.reshape(x, (1, 1, 1))
    if _ndim(x) == 1:
        return xp.reshape(x, (1,) + x.shape + (1,))
    return xp.reshape(x, x.shape + (1,)) if _ndim(x) == 2 else x


def _cumsum(x, axis=None):
    """np.cumsum: running sums along axis (None: of the flattened array)."""
    xp = _xp(x)
    return xp.cumulative_sum(_ravel(x) if axis is None else x, axis=0 if axis is None else axis)


def _cumprod(x, axis=None):
    """np.cumprod: running products along axis (None: of the flattened array)."""
    xp = _xp(x)
    return xp.cumulative_prod(_ravel(x) if axis is None else x,
                              axis=0 if axis is None else axis)


def _norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm for the forms gradc differentiates: the 2-norm of all entries
    (ord None or 'fro') or a vector p-norm along an int axis."""
    xp = _xp(x)
    if ord is None or ord == "fro":
        return xp.linalg.vector_norm(x, axis=axis, keepdims=keepdims)
    return xp.linalg.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _einsum(subscripts, *operands):
    """np.einsum, through the library's own einsum (the standard has none: NumPy, CuPy,
    Dask, JAX and PyTorch have one; array_api_strict has not)."""
    xp = _xp(*operands)
    if not hasattr(xp, "einsum"):
        raise TypeError(f"{xp.__name__} has no einsum (the array API standard defines "
                        "none); run this gradient on a library that has one")
    return xp.einsum(subscripts, *operands)


# ---- numerically stable activations and reductions (gradc.nn); exp never overflows

def _sigmoid(x):
    """1 / (1 + exp(-x)), computed from exp(-|x|) <= 1."""
    xp = _xp(x)
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z))


def _softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    xp = _xp(x)
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))


def _log_sigmoid(x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))."""
    xp = _xp(x)
    return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))


def _relu(x):
    """max(x, 0)."""
    return _xp(x).maximum(x, 0.0)


def _logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) along axis, shifted by the maximum so exp never overflows."""
    xp = _xp(x)
    shift = xp.max(x, axis=axis, keepdims=True)
    shift = xp.where(xp.isfinite(shift), shift, xp.zeros_like(shift))
    total = xp.log(xp.sum(xp.exp(x - shift), axis=axis, keepdims=True)) + shift
    if keepdims:
        return total
    return xp.reshape(total, ()) if axis is None else xp.squeeze(total, axis=axis)


def _softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along axis, shifted by the maximum."""
    xp = _xp(x)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    """x - logsumexp(x) along axis."""
    return x - _logsumexp(x, axis=axis, keepdims=True)


# ---- adjoints of array primitives

def _product_of_others(x, axis=None):
    """For each entry, the product of the other entries along axis (None: all entries),
    from products before and after it: no division, so zeros are fine."""
    xp = _xp(x)
    axes = tuple(range(x.ndim)) if axis is None else \
        tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = xp.permute_dims(x, tuple(rest + list(axes)))
    flat = xp.reshape(moved, moved.shape[:len(rest)] + (-1,))
    before = xp.cumulative_prod(flat, axis=-1, include_initial=True)[..., :-1]
    after = xp.flip(xp.cumulative_prod(xp.flip(flat, axis=-1), axis=-1, include_initial=True)
                    [..., :-1], axis=-1)
    order = sorted(range(x.ndim), key=(rest + list(axes)).__getitem__)
    return xp.permute_dims(xp.reshape(before * after, moved.shape), tuple(order))


def _repeat_adjoint(g, like, repeats, axis=None):
    """The adjoint of np.repeat(like, repeats, axis): each entry's copies' gradients summed."""
    xp = _xp(g, like)
    if axis is None:
        return xp.reshape(_repeat_adjoint(g, _ravel(like), repeats, 0), like.shape)
    axis = axis % like.ndim
    n = like.shape[axis]
    if isinstance(repeats, int):  # n groups of `repeats` copies: a reshape and a sum
        split = g.shape[:axis] + (n, repeats) + g.shape[axis + 1:]
        return xp.sum(xp.reshape(g, split), axis=axis + 1)
    starts = [sum(repeats[:k]) for k in range(n)]
    return xp.stack([xp.sum(_take_range(xp, g, axis, start, start + r), axis=axis)
                     for start, r in zip(starts, repeats)], axis=axis)


def _take_range(xp, g, axis, start, stop):
    return g[(slice(None),) * axis + (slice(start, stop), ...)]


def _tile_adjoint(g, like, reps):
    """The adjoint of np.tile(like, reps): the copies' gradients summed."""
    xp = _xp(g, like)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    ndim = max(len(reps), _ndim(like))
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - _ndim(like)) + _shape_of(like)
    split = [size for pair in zip(reps, shape) for size in pair]  # (copies, size) per axis
    summed = xp.sum(xp.reshape(g, tuple(split)), axis=tuple(range(0, 2 * ndim, 2)))
    return xp.reshape(summed, _shape_of(like))


def _contracted_axes(a, b, axes):
    """The axes (of a, of b) summed over: axes is "dot", "inner" or tensordot's axes."""
    na, nb = _ndim(a), _ndim(b)
    if axes in ("dot", "inner") and (na == 0 or nb == 0):
        return [], []  # a product with a scalar
    if axes == "dot":
        return [na - 1], [max(nb - 2, 0)]
    if axes == "inner":
        return [na - 1], [nb - 1]
    if isinstance(axes, int):
        return list(range(na - axes, na)), list(range(axes))
    a_axes, b_axes = ([side] if isinstance(side, int) else list(side) for side in axes)
    return [int(i) % na for i in a_axes], [int(i) % nb for i in b_axes]


def _inverse_order(order):
    return sorted(range(len(order)), key=order.__getitem__)


def _tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of a in a contraction of a with b (g: the result's adjoint)."""
    xp = _xp(g, a, b)
    a_axes, b_axes = _contracted_axes(a, b, axes)
    a_free = [i for i in range(_ndim(a)) if i not in a_axes]
    b_free = [i for i in range(_ndim(b)) if i not in b_axes]
    summed = xp.tensordot(g, b, axes=(list(range(len(a_free), _ndim(g))), b_free))
    # summed's axes: a's free axes, then the partners of b's summed axes in b's order
    paired = [a_axes[k] for k in _inverse_order(b_axes)]
    return xp.permute_dims(summed, tuple(_inverse_order(a_free + paired)))


def _tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of b in a contraction of a with b (g: the result's adjoint)."""
    xp = _xp(g, a, b)
    a_axes, b_axes = _contracted_axes(a, b, axes)
    a_free = [i for i in range(_ndim(a)) if i not in a_axes]
    b_free = [i for i in range(_ndim(b)) if i not in b_axes]
    summed = xp.tensordot(a, g, axes=(a_free, list(range(len(a_free)))))
    # summed's axes: the partners of a's summed axes in a's order, then b's free axes
    paired = [b_axes[k] for k in _inverse_order(a_axes)]
    return xp.permute_dims(summed, tuple(_inverse_order(paired + b_free)))


def _trace_adjoint(g, like):
    """The adjoint of np.trace(like): g on the diagonal of like's first two axes."""
    xp = _xp(g, like)
    rows, columns = like.shape[:2]
    eye = xp.eye(rows, columns, dtype=like.dtype, device=array_api_compat.device(like))
    return xp.reshape(eye, (rows, columns) + (1,) * (like.ndim - 2)) * g


def _einsum_spread(value, like, subscripts):
    """The adjoint of np.einsum("<like's>-><value's>", like): value put back on the
    diagonals of repeated indices and spread along indices that were summed away."""
    xp, device = _xp(value, like), array_api_compat.device(like)
    source, target = subscripts.split("->")
    sizes = dict(zip(target, like.shape))
    spare = iter(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        - set(subscripts)))
    operands, terms, output = [value], [source], ""
    for letter in target:
        if letter in output:  # a repeated index: the diagonal, through an identity
            twin = next(spare)
            operands.append(xp.eye(sizes[letter], dtype=like.dtype, device=device))
            terms.append(letter + twin)
            letter = twin
        elif letter not in source:  # summed away: the same gradient along it
            operands.append(xp.ones(sizes[letter], dtype=like.dtype, device=device))
            terms.append(letter)
        output += letter
    return _einsum(f"{','.join(terms)}->{output}", *operands)


def _part_of(g, parts, index, axis=0):
    """The slice of g that parts[index] filled when parts were joined along axis
    (np.concatenate, np.stack, np.hstack, np.vstack, np.array), in that part's shape."""
    xp = _xp(g)
    if axis is None:
        g, axis = _ravel(g), 0
    axis = min(axis, g.ndim - 1) % g.ndim  # np.hstack joins 1-D arrays on axis 0
    across = _size(g) // max(g.shape[axis], 1)  # entries per step along axis
    counts = [_size(part) // max(across, 1) for part in parts[:index + 1]]
    start = sum(counts[:-1])
    window = (slice(None),) * axis + (slice(start, start + counts[-1]), ...)
    return xp.reshape(g[window], _shape_of(parts[index]))


class _s:
    """np.s_ without NumPy: _s[1:, i] is the index (slice(1, None), i)."""

    def __class_getitem__(cls, index):
        return index


def _gather(x, index):
    """x[index] by NumPy's rules, where the index may hold integer arrays and masks.
    NumPy, CuPy, JAX and PyTorch read it themselves; on other libraries (Dask, the
    standard's own checker) a block of array entries, leading or after full slices, is
    read with the standard's take at the entries' flat positions."""
    index = index if isinstance(index, tuple) else (index,)
    if not any(hasattr(entry, "shape") for entry in index):  # ints and slices only
        return x[index if any(e is Ellipsis for e in index) else index + (...,)]
    if _reads_fancy_indexes(x):
        return x[index]
    xp = _xp(x)
    entries = [e for e in index if e is not Ellipsis]
    if len(entries) == 1 and xp.isdtype(entries[0].dtype, "bool"):
        return x[entries[0]]  # one mask: the standard's own boolean indexing
    index = _masks_as_positions(xp, index)
    start = 0
    while start < len(index) and _full_slice(index[start]):
        start += 1
    stop = start
    while stop < len(index) and (hasattr(index[stop], "shape") or isinstance(index[stop], int)):
        stop += 1
    if any(hasattr(entry, "shape") for entry in index[stop:]):
        return x[index]  # arrays apart: the library's own rules
    moved = xp.permute_dims(x, tuple(range(start, stop)) + tuple(range(start)) +
                            tuple(range(stop, x.ndim)))
    entries = [xp.asarray(e, device=array_api_compat.device(x)) for e in index[start:stop]]
    if len(entries) > 1:  # (Dask cannot broadcast the unknown size of a masked read)
        entries = xp.broadcast_arrays(*entries)
    flat = entries[0] % moved.shape[0]
    for entry, n in zip(entries[1:], moved.shape[1:stop - start]):
        flat = flat * n + entry % n
    rest = moved.shape[stop - start:]
    taken = xp.take(xp.reshape(moved, (-1,) + rest), _ravel(flat), axis=0)
    taken = xp.reshape(taken, entries[0].shape + rest)
    points = entries[0].ndim
    taken = xp.permute_dims(taken, tuple(range(points, points + start)) + tuple(range(points))
                            + tuple(range(points + start, taken.ndim)))
    after = index[stop:]
    return taken[(slice(None),) * (start + points) + after] if after else taken


def _reads_fancy_indexes(x):
    return (array_api_compat.is_numpy_array(x) or array_api_compat.is_cupy_array(x)
            or array_api_compat.is_jax_array(x) or array_api_compat.is_torch_array(x))


def _full_slice(entry):
    return isinstance(entry, slice) and entry == slice(None)


def _masks_as_positions(xp, index):
    """Boolean arrays replaced by the integer arrays of their true entries' positions."""
    expanded = []
    for entry in index:
        if hasattr(entry, "dtype") and xp.isdtype(entry.dtype, "bool"):
            expanded += list(xp.nonzero(entry))
        else:
            expanded.append(entry)
    return tuple(expanded)


def _integer_arrays(index):
    """Whether an index holds integer arrays, which may name an entry twice."""
    entries = index if isinstance(index, tuple) else (index,)
    return any(hasattr(e, "dtype") and "bool" not in str(e.dtype) for e in entries)


def _set_at(x, index, value):
    """x with value written at index (x[index] = value), as a new array. Where integer
    arrays name an entry twice NumPy keeps the last write; JAX leaves which one open, so
    such a write is refused there."""
    if array_api_compat.is_jax_array(x):
        if _integer_arrays(index):
            raise TypeError("x[index] = value with an integer array index: on JAX, which of "
                            "the writes to a repeated entry wins is unspecified")
        return x.at[index].set(value)
    entries = index if isinstance(index, tuple) else (index,)
    if not any(hasattr(e, "shape") for e in entries) and not any(e is Ellipsis for e in entries):
        entries += (...,)
    written = _xp(x).asarray(x, copy=True)
    written[entries] = value
    return written


def _written_part(g, value, index):
    """The gradient of `value` in x[index] = value: g at index, summed to value's shape."""
    if _integer_arrays(index):
        raise TypeError("the gradient of x[index] = value with an integer array index needs "
                        "the last write to each repeated entry, which the array-API target "
                        "does not track; compile for NumPy")
    return _unbroadcast(_gather(g, index), value)


def _added_at(acc, index, g):
    """acc with g added at index (acc[index] += g, where an index that repeats an entry
    adds each of its values), as a new array."""
    if array_api_compat.is_jax_array(acc):
        return acc.at[index].add(g)
    return acc + _scatter_like(g, acc, index)


def _scatter_like(g, like, index):
    """The adjoint of like[index]: zeros shaped like `like`, with g added at index
    (entries an integer array repeats receive the sum of their gradients). The standard
    has no scatter-add: JAX's .at[].add; an index of integers and slices names no entry
    twice, so g is written into new zeros; else the library's bincount of the entries'
    flat positions, else (array_api_strict) a product with a one-hot matrix."""
    xp = _xp(g, like)
    dtype = like.dtype if not hasattr(g, "dtype") else xp.result_type(g, like)
    if array_api_compat.is_jax_array(like):
        return xp.zeros(like.shape, dtype=dtype).at[index].add(g)
    size, device = _size(like), array_api_compat.device(like)
    entries = index if isinstance(index, tuple) else (index,)
    if not any(hasattr(entry, "shape") for entry in entries):  # no entry twice: g put there
        grad = xp.zeros(like.shape, dtype=dtype, device=device)
        grad[entries if any(e is Ellipsis for e in entries) else entries + (...,)] = g
        return grad
    positions = _gather(xp.reshape(xp.arange(size, device=device), like.shape), index)
    flat = _ravel(positions)
    g = xp.asarray(g, dtype=dtype, device=device)
    if g.ndim != positions.ndim:  # (Dask may not know the shapes of a masked read)
        g = xp.broadcast_to(g, positions.shape)
    weights = _ravel(g)
    if array_api_compat.is_dask_array(flat):
        weights = weights.rechunk(flat.chunks)  # Dask's bincount pairs them chunk by chunk
    if hasattr(xp, "bincount"):
        summed = xp.bincount(flat, weights=weights, minlength=size)
    else:
        onehot = flat[:, None] == xp.arange(size, device=device)[None, :]
        summed = weights @ xp.astype(onehot, dtype)
    return xp.reshape(xp.astype(summed, dtype), like.shape)


def _grow(rows, value, count):
    """The array that holds a list built by one append per loop iteration: made at the
    first append (count rows shaped like value, in its dtype and on its device), then the
    same."""
    shape = (count, *_shape_of(value))
    if hasattr(rows, "shape") and tuple(rows.shape) == shape:
        return rows
    xp = _xp(value)
    return xp.zeros(shape, dtype=value.dtype, device=array_api_compat.device(value))
