"""What each mode generates from an IR function: names, docstrings, return shapes.

Reverse mode: ``value_and_grad_f(*args) -> (value, grads)`` and ``grad_f(*args) -> grads``
(a tuple of gradients when several were asked for). Forward mode:
``jvp_f(*args, *tangents) -> (outputs, output_tangents)``. Vector-Jacobian products:
``vjp_f(*args, *cotangents)`` beside ``value_f(*args)``, which gives the outputs'
shapes the cotangents must have.
"""

from dataclasses import replace

from .module import GradientFunction


def gradient_functions(fn, grad_only, name, indices, as_tuple):
    wrt_names = ", ".join(fn.params[i].name for i in indices)

    def grads(results):
        return tuple(results) if as_tuple else results[0]

    return [
        GradientFunction(fn, f"value_and_grad_{name}",
                         f"Value of {name} and its gradient with respect to {wrt_names}.",
                         (fn.results[0], grads(fn.results[1:]))),
        GradientFunction(grad_only, f"grad_{name}",
                         f"Gradient of {name} with respect to {wrt_names}.",
                         grads(grad_only.results)),
    ]


def jvp_function(fn, name, prefix="jvp", doc=None):
    """Tangent parameters follow the primal ones, so primal defaults cannot stay."""
    count = len(fn.results) // 2
    outputs, tangents = fn.results[:count], fn.results[count:]
    if count == 1 and not fn.tuple_result:
        outputs, tangents = outputs[0], tangents[0]
    params = tuple(replace(p, default=None) for p in fn.params)
    doc = doc or f"Value of {name} and its tangent, from the tangents of its arguments."
    return GradientFunction(replace(fn, params=params), f"{prefix}_{name}", doc,
                            (outputs, tangents))


def hvp_function(fn, name):
    """Forward mode over ``grad_<name>``: ``hvp_f(*args, *tangents) -> (grad, H @ v)``."""
    doc = (f"Gradient of {name} and its derivative along the tangents: a Hessian-vector "
           "product.")
    return jvp_function(fn, name, "hvp", doc)


def vjp_function(fn, name, differentiated):
    """``vjp_f(*args, *cotangents) -> (outputs, cotangents of the arguments)``, where
    ``fn`` returns its outputs and then ``differentiated`` argument cotangents."""
    outputs = fn.results[:len(fn.results) - differentiated]
    grads = tuple(fn.results[len(outputs):])
    params = tuple(replace(p, default=None) for p in fn.params)
    doc = f"Value of {name} and the cotangents of its arguments, given those of its results."
    several = len(outputs) > 1 or fn.tuple_result
    return GradientFunction(replace(fn, params=params), f"vjp_{name}", doc,
                            (tuple(outputs) if several else outputs[0], grads))


def value_function(fn, name):
    """``value_f(*args) -> outputs``: the function as gradc reads it, so derivative modes
    get the value without running the user's own code."""
    several = len(fn.results) > 1 or fn.tuple_result
    doc = f"Value of {name}, as gradc compiles it."
    return GradientFunction(fn, f"value_{name}", doc,
                            tuple(fn.results) if several else fn.results[0])
