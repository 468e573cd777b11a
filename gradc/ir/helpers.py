"""Runtime helpers that generated modules carry with them.

Codegen copies the source of each helper it uses into the generated module (so the
module needs nothing but NumPy); the interpreter calls the same functions, so there is
one definition of their meaning.
"""

import numpy as np


def _shape_of(x):
    """np.shape(x), without its cost on the floats a loop passes around."""
    shape = getattr(x, "shape", None)
    if shape is None:
        return () if isinstance(x, (float, int)) else np.shape(x)
    return shape


def _unbroadcast(grad, like):
    """Sum grad over the axes along which `like` was broadcast, so it has like's shape."""
    shape = _shape_of(like)
    grad_shape = _shape_of(grad)
    if grad_shape == shape:
        return grad
    if len(grad_shape) < len(shape):
        return np.broadcast_to(grad, shape).copy()
    lead = len(grad_shape) - len(shape)
    stretched = [lead + i for i, n in enumerate(shape) if n == 1]
    axes = tuple(range(lead)) + tuple(i for i in stretched if grad_shape[i] != 1)
    return np.reshape(np.sum(grad, axis=axes), shape)


def _broadcast_like(value, like):
    """value spread over like's shape (a writable array, unlike np.broadcast_to's view),
    in like's precision: a float seed does not make float32 float64."""
    shape = _shape_of(like)
    if _shape_of(value) == shape:
        return value
    return np.broadcast_to(np.asarray(value, np.result_type(value, like)), shape).copy()


def _reshape_like(value, like):
    """value with like's shape (the adjoint of a reshape)."""
    return np.reshape(value, np.shape(like))


def _as_matrices(g, a, b):
    """g, a, b with 1-D operands made matrices, as a @ b treats them (a row, b a column)."""
    if np.ndim(b) == 1:
        g, b = np.expand_dims(g, -1), np.expand_dims(b, -1)
    if np.ndim(a) == 1:
        g, a = np.expand_dims(g, -2), np.expand_dims(a, 0)
    return g, a, b


def _matmul_adjoint_a(g, a, b):
    """The adjoint of a in a @ b: g @ b.T, summed over broadcast batch axes."""
    rank_a, rank_b = len(_shape_of(a)), len(_shape_of(b))  # np.ndim costs more
    if rank_a == 2 and rank_b == 2:  # the common cases, directly
        return g @ b.T
    if rank_a == 2 and rank_b == 1:
        return np.multiply.outer(g, b)
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))


def _matmul_adjoint_b(g, a, b):
    """The adjoint of b in a @ b: a.T @ g, summed over broadcast batch axes."""
    rank_a, rank_b = len(_shape_of(a)), len(_shape_of(b))
    if rank_a == 2 and rank_b <= 2:  # the common cases, directly
        return a.T @ g
    if rank_a == 1 and rank_b == 2:
        return np.multiply.outer(a, g)
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(_unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))


# ---- numerically stable activations and reductions (gradc.nn); exp never overflows

def _sigmoid(x):
    """1 / (1 + exp(-x)), computed from exp(-|x|) <= 1."""
    z = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + z), z / (1 + z))


def _softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _log_sigmoid(x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))."""
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _relu(x):
    """max(x, 0)."""
    return np.maximum(x, 0)


def _logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) along axis, shifted by the maximum so exp never overflows."""
    shift = np.max(x, axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0)
    total = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return total if keepdims else np.squeeze(total, axis=axis)


def _softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along axis, shifted by the maximum."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    """x - logsumexp(x) along axis."""
    return x - _logsumexp(x, axis=axis, keepdims=True)


def _product_of_others(x, axis=None):
    """For each entry, the product of the other entries along axis (None: all entries),
    from products before and after it: no division, so zeros are fine."""
    x = np.asarray(x)
    x = x.astype(np.result_type(x, 1.0), copy=False)  # float32 stays float32
    flat, restore = _reduced_last(x, axis)
    ones = np.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return restore(before * after)


def _product_of_others_tangent(t, x, axis=None):
    """The tangent of _product_of_others(x, axis) along t: the products before and after
    each entry carried as dual numbers (value, tangent), so still no division."""
    x = np.asarray(x)
    x = x.astype(np.result_type(x, t, 1.0), copy=False)
    flat, restore = _reduced_last(x, axis)
    dots, _ = _reduced_last(np.broadcast_to(np.asarray(t, x.dtype), x.shape), axis)
    before, d_before = np.ones_like(flat), np.zeros_like(flat)
    after, d_after = np.ones_like(flat), np.zeros_like(flat)
    for k in range(1, flat.shape[-1]):
        before[..., k] = before[..., k - 1] * flat[..., k - 1]
        d_before[..., k] = d_before[..., k - 1] * flat[..., k - 1] + \
            before[..., k - 1] * dots[..., k - 1]
        after[..., -k - 1] = after[..., -k] * flat[..., -k]
        d_after[..., -k - 1] = d_after[..., -k] * flat[..., -k] + after[..., -k] * dots[..., -k]
    return restore(d_before * after + before * d_after)


def _reduced_last(x, axis):
    """x with the reduced axes (None: all) flattened into the last one, and the function
    that puts an array of that form back in x's layout."""
    axes = tuple(range(x.ndim)) if axis is None else \
        tuple(a % x.ndim for a in np.atleast_1d(axis))
    rest = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, rest + list(axes))
    flat = np.reshape(moved, moved.shape[:len(rest)] + (-1,))

    def restore(values):
        return np.transpose(np.reshape(values, moved.shape), np.argsort(rest + list(axes)))
    return flat, restore


def _cumprod_adjoint(g, x, axis=None):
    """The adjoint of np.cumprod(x, axis): x_bar[k] = before[k] * s[k], where before[k] is
    the product of the entries before k and s[k] = g[k] + x[k + 1] * s[k + 1] runs from the
    end. No division, so zeros are fine."""
    if axis is None:
        return np.reshape(_cumprod_adjoint(g, np.ravel(x), 0), np.shape(x))
    dtype = np.result_type(g, x, 1.0)  # float32 stays float32
    g, x = np.moveaxis(np.asarray(g, dtype=dtype), axis, 0), np.moveaxis(x, axis, 0)
    before = np.cumprod(np.concatenate([np.ones_like(x[:1]), x[:-1]]), axis=0)
    s = np.zeros(np.shape(g), dtype=dtype)
    s[-1:] = g[-1:]
    for k in range(len(g) - 2, -1, -1):
        s[k] = g[k] + x[k + 1] * s[k + 1]
    return np.moveaxis(before * s, 0, axis)


def _cumprod_adjoint_tangent(g, x, t, axis=None):
    """The tangent of _cumprod_adjoint(g, x, axis) along t (a change of x): the tangents
    of before[k] and s[k], by the recurrences that define them."""
    if axis is None:
        flat = _cumprod_adjoint_tangent(g, np.ravel(x), np.ravel(t), 0)
        return np.reshape(flat, np.shape(x))
    dtype = np.result_type(g, x, t, 1.0)
    g, x = np.moveaxis(np.asarray(g, dtype=dtype), axis, 0), np.moveaxis(x, axis, 0)
    t = np.moveaxis(np.broadcast_to(t, np.shape(np.moveaxis(x, 0, axis))), axis, 0)
    before, s = np.ones(np.shape(x), dtype), np.zeros(np.shape(g), dtype)
    d_before, d_s = np.zeros(np.shape(x), dtype), np.zeros(np.shape(g), dtype)
    for k in range(1, len(x)):
        before[k] = before[k - 1] * x[k - 1]
        d_before[k] = d_before[k - 1] * x[k - 1] + before[k - 1] * t[k - 1]
    s[-1:] = g[-1:]
    for k in range(len(g) - 2, -1, -1):
        s[k] = g[k] + x[k + 1] * s[k + 1]
        d_s[k] = t[k + 1] * s[k + 1] + x[k + 1] * d_s[k + 1]
    return np.moveaxis(d_before * s + before * d_s, 0, axis)


def _cumprod_tangent(t, x, axis=None):
    """The tangent of np.cumprod(x, axis) along t: y_dot[k] = x[k] * y_dot[k - 1] +
    y[k - 1] * t[k], with no division."""
    if axis is None:
        return _cumprod_tangent(np.ravel(t), np.ravel(x), 0)
    dtype = np.result_type(t, x, 1.0)
    t, x = np.moveaxis(np.asarray(t, dtype=dtype), axis, 0), np.moveaxis(x, axis, 0)
    t = np.broadcast_to(t, np.shape(x))
    y = np.cumprod(x, axis=0)
    tangent = np.zeros(np.shape(x), dtype)
    tangent[:1] = t[:1]
    for k in range(1, len(x)):
        tangent[k] = x[k] * tangent[k - 1] + y[k - 1] * t[k]
    return np.moveaxis(tangent, 0, axis)


def _repeat_adjoint(g, like, repeats, axis=None):
    """The adjoint of np.repeat(like, repeats, axis): each entry's copies' gradients summed."""
    if axis is None:
        return np.reshape(_repeat_adjoint(g, np.ravel(like), repeats, 0), np.shape(like))
    copies = np.moveaxis(g, axis, 0)
    n = np.shape(like)[axis]
    grad = np.zeros((n,) + np.shape(copies)[1:], dtype=np.result_type(g, like))
    np.add.at(grad, np.repeat(np.arange(n), repeats), copies)  # the entry each copy is of
    return np.moveaxis(grad, 0, axis)


def _tile_adjoint(g, like, reps):
    """The adjoint of np.tile(like, reps): the copies' gradients summed."""
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    ndim = max(len(reps), np.ndim(like))
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - np.ndim(like)) + np.shape(like)
    split = [size for pair in zip(reps, shape) for size in pair]  # (copies, size) per axis
    summed = np.sum(np.reshape(g, split), axis=tuple(range(0, 2 * ndim, 2)))
    return np.reshape(summed, np.shape(like))


# ---- contractions: np.dot, np.inner and np.tensordot as np.tensordot(a, b, (A, B))

def _contracted_axes(a, b, axes):
    """The axes (of a, of b) summed over: axes is "dot", "inner" or tensordot's axes."""
    na, nb = np.ndim(a), np.ndim(b)
    if axes in ("dot", "inner") and (na == 0 or nb == 0):
        return [], []  # a product with a scalar
    if axes == "dot":
        return [na - 1], [max(nb - 2, 0)]
    if axes == "inner":
        return [na - 1], [nb - 1]
    if isinstance(axes, int):
        return list(range(na - axes, na)), list(range(axes))
    a_axes, b_axes = (np.atleast_1d(side) for side in axes)
    return [int(i) % na for i in a_axes], [int(i) % nb for i in b_axes]


def _tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of a in a contraction of a with b (g: the result's adjoint)."""
    a_axes, b_axes = _contracted_axes(a, b, axes)
    a_free = [i for i in range(np.ndim(a)) if i not in a_axes]
    b_free = [i for i in range(np.ndim(b)) if i not in b_axes]
    summed = np.tensordot(g, b, (list(range(len(a_free), np.ndim(g))), b_free))
    # summed's axes: a's free axes, then the partners of b's summed axes in b's order
    paired = [a_axes[k] for k in np.argsort(b_axes)]
    return np.transpose(summed, np.argsort(a_free + paired))


def _tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of b in a contraction of a with b (g: the result's adjoint)."""
    a_axes, b_axes = _contracted_axes(a, b, axes)
    a_free = [i for i in range(np.ndim(a)) if i not in a_axes]
    b_free = [i for i in range(np.ndim(b)) if i not in b_axes]
    summed = np.tensordot(a, g, (a_free, list(range(len(a_free)))))
    # summed's axes: the partners of a's summed axes in a's order, then b's free axes
    paired = [b_axes[k] for k in np.argsort(a_axes)]
    return np.transpose(summed, np.argsort(paired + b_free))


def _trace_adjoint(g, like):
    """The adjoint of np.trace(like): g on the diagonal of like's first two axes."""
    rows, columns = np.shape(like)[:2]
    eye = np.eye(rows, columns, dtype=np.result_type(g, 1.0))
    eye = np.reshape(eye, (rows, columns) + (1,) * (np.ndim(like) - 2))
    return eye * g


def _einsum_spread(value, like, subscripts):
    """The adjoint of np.einsum("<like's>-><value's>", like): value put back on the
    diagonals of repeated indices and spread along indices that were summed away."""
    source, target = subscripts.split("->")
    sizes = dict(zip(target, np.shape(like)))
    dtype = np.result_type(value, 1.0)
    spare = iter(sorted(set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        - set(subscripts)))
    operands, terms, output = [value], [source], ""
    for letter in target:
        if letter in output:  # a repeated index: the diagonal, through an identity
            twin = next(spare)
            operands.append(np.eye(sizes[letter], dtype=dtype))
            terms.append(letter + twin)
            letter = twin
        elif letter not in source:  # summed away: the same gradient along it
            operands.append(np.ones(sizes[letter], dtype=dtype))
            terms.append(letter)
        output += letter
    return np.einsum(f"{','.join(terms)}->{output}", *operands)


def _part_of(g, parts, index, axis=0):
    """The slice of g that parts[index] filled when parts were joined along axis
    (np.concatenate, np.stack, np.hstack, np.vstack, np.array), in that part's shape."""
    if axis is None:
        g, axis = np.ravel(g), 0
    axis = min(axis, np.ndim(g) - 1) % np.ndim(g)  # np.hstack joins 1-D arrays on axis 0
    across = np.size(g) // max(np.shape(g)[axis], 1)  # entries per step along axis
    counts = [np.size(part) // max(across, 1) for part in parts[:index + 1]]
    start = sum(counts[:-1])
    window = (slice(None),) * axis + (slice(start, start + counts[-1]),)
    return np.reshape(g[window], np.shape(parts[index]))


def _scatter_like(g, like, index):
    """The adjoint of like[index]: zeros shaped like `like`, with g added at index
    (entries an integer array repeats receive the sum of their gradients)."""
    grad = np.zeros(np.shape(like), dtype=np.result_type(g, like))
    np.add.at(grad, index, g)
    return grad


def _integer_arrays(index):
    """Whether an index holds integer arrays (or lists), which may name an entry twice."""
    entries = index if isinstance(index, tuple) else (index,)
    return any(isinstance(e, (list, np.ndarray)) and np.asarray(e).dtype.kind in "iu"
               for e in entries)


def _written_part(g, value, index):
    """The gradient of `value` in x[index] = value: g at index, summed to value's shape,
    in value's precision, as a new array. Where an integer array repeats an entry, only
    the write NumPy kept (the last) receives g."""
    part = np.array(g[index], copy=True)
    if _integer_arrays(index):
        order = np.arange(part.size).reshape(part.shape)
        stamps = np.full(np.shape(g), -1)
        stamps[index] = order
        part = np.where(stamps[index] == order, part, 0)
    part = _unbroadcast(part, value)
    dtype = getattr(value, "dtype", None)  # a float32 value written into float64 entries
    return part if dtype is None or dtype.kind != "f" else part.astype(dtype, copy=False)


def _add_at(acc, index, g):
    """acc[index] += g in place, where an index that repeats an entry adds each of its
    values (np.add.at): the adjoint of reading acc[index], accumulated."""
    if _integer_arrays(index):
        np.add.at(acc, index, g)
    else:
        acc[index] += g


def _grow(rows, value, count):
    """The array that holds a list built by one append per loop iteration: made at the
    first append (count rows shaped like value, in its precision), then the same."""
    shape = (count,) + np.shape(value)
    if isinstance(rows, np.ndarray) and rows.shape == shape:
        return rows
    return np.zeros(shape, dtype=np.result_type(value))
