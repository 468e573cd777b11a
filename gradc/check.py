"""``check_grad``: compiled gradients against central finite differences (SEED.md
section 2: finite differences are how one tests a backpropagation implementation)."""


import numpy as np

from .api import grad
from .errors import GradientCheckError, user_facing
from .frontend.live import parameters as live_parameters
from .options import with_argnums


@user_facing
def check_grad(f, *args, wrt=0, argnums=None, eps=1e-6, tol=1e-6):
    """Compare gradc's gradient of ``f`` with central finite differences.

    The error of each entry is ``|analytic - numeric| / max(1, |analytic|, |numeric|)``
    (relative for large gradients, absolute for small ones).

    Returns:
        The largest error over all entries of all ``wrt`` arguments.

    Raises:
        GradientCheckError: the largest error exceeds ``tol``; the message gives both numbers.
    """
    primal = getattr(f, "primal", f)
    wrt = with_argnums(wrt, argnums)
    indices = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    names = [p.name for p in live_parameters(primal)]
    indices = [names.index(w) if isinstance(w, str) else w for w in indices]
    analytic = grad(primal, wrt=tuple(indices))(*args)
    worst, report = 0.0, ""
    for index, g in zip(indices, analytic):
        numeric = _finite_differences(primal, args, index, eps)
        g = np.asarray(g, dtype=float)
        errors = np.abs(g - numeric) / np.maximum(1.0, np.maximum(np.abs(g), np.abs(numeric)))
        if errors.size and errors.max() > worst:
            worst = float(errors.max())
            report = (f"argument {names[index]!r}: analytic {g.tolist()} vs numeric "
                      f"{numeric.tolist()}")
    if worst > tol:
        raise GradientCheckError(f"gradient check failed (error {worst:.3g} > {tol:g}): "
                                 f"{report}")
    return worst


def _finite_differences(f, args, index, eps):
    """Central differences of ``f`` with respect to argument ``index``, entry by entry."""
    base = np.array(args[index], dtype=float)
    numeric = np.zeros_like(base)
    for position in np.ndindex(base.shape):
        step = eps * max(1.0, abs(base[position]))
        values = []
        for sign in (1, -1):
            shifted = base.copy()
            shifted[position] += sign * step
            point = shifted if np.ndim(args[index]) else float(shifted)
            values.append(f(*args[:index], point, *args[index + 1:]))
        numeric[position] = (values[0] - values[1]) / (2 * step)
    return numeric
