"""Derivative templates of the elementwise functions, derived once with sympy.

Each elementwise record gives its sympy form (``elementwise.py``); ``template(form)``
differentiates it with respect to each argument, rewrites the result in terms of the
function's own output where that is cheaper (exp: g*y, tanh: g*(1 - y**2), sqrt:
g/(2*y)) and turns it into a small sympy-free expression tree that ``elementwise.py``
lowers to IR:

    ('mul', ('g',), ('out',))          # exp
    ('div', ('g',), ('arg', 0))        # log

sympy is imported here only, and only when a template is first needed.
"""

import functools
import pprint

# sympy function name -> primitive name, for lowering derivatives back to IR
_SYMPY_FUNCTIONS = {
    "exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "asin": "arcsin", "acos": "arccos", "atan": "arctan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
    "sign": "sign", "Abs": "abs", "Max": "maximum", "Min": "minimum",
}


@functools.cache
def template(spelled: str, rewrites: tuple = ()) -> tuple:
    """One template per argument of the function ``spelled`` in sympy (of a0, a1, a2):
    the contribution to that argument's adjoint, as an expression tree in g, the
    arguments and the output Y. ``rewrites`` are extra (expression, in terms of Y) pairs
    to try: expm1's exp(a0) is Y + 1. Read from the table stored with the package
    (``derived_table.py``) when it has the row, so most compiles never import sympy."""
    from .derived_table import TEMPLATES

    stored = TEMPLATES.get((spelled, rewrites))
    return stored if stored is not None else derive(spelled, rewrites)


def derive(spelled: str, rewrites: tuple = ()) -> tuple:
    """``template``'s result, derived with sympy."""
    import sympy as sp

    args = sp.symbols("a0 a1 a2", real=True)
    g, out = sp.Symbol("g", real=True), sp.Symbol("Y", real=True)
    namespace = {"a0": args[0], "a1": args[1], "a2": args[2], "Y": out}
    function = sp.sympify(spelled, locals=namespace)
    substitutions = {sp.sympify(k, locals=namespace): sp.sympify(v, locals=namespace)
                     for k, v in rewrites}
    arity = 1 + ("a1" in spelled) + ("a2" in spelled)
    return tuple(_to_tree(g * _cheapest(sp, sp.diff(function, args[i]), function, out,
                                        substitutions), args)
                 for i in range(arity))


def _cheapest(sp, derivative, function, out, rewrites):
    """The derivative, or its rewrite in terms of the output when that has fewer ops."""
    candidates = [derivative, derivative.subs(function, out)]
    candidates += [derivative.subs(old, new) for old, new in rewrites.items()]
    candidates = [c for c in candidates if c.free_symbols or c.is_number]
    return min(candidates, key=lambda c: (sp.count_ops(c), -(out in c.free_symbols)))


def _to_tree(expr, args):
    import sympy as sp

    if expr.is_Symbol:
        return _symbol_tree(expr.name)
    if expr.is_number:
        value = float(expr)
        return ("const", int(value) if value.is_integer() else value)
    if isinstance(expr, sp.Add):
        return _sum_tree(expr.as_ordered_terms(), args)
    if isinstance(expr, sp.Mul):
        return _product_tree(expr, args)
    if isinstance(expr, sp.Pow):
        return _power_tree(expr, args)
    if isinstance(expr, sp.Heaviside):  # step(u) with step(0) = 1/2: (1 + sign(u)) / 2
        step = ("add", ("const", 1), ("sign", _to_tree(expr.args[0], args)))
        return ("div", step, ("const", 2))
    name = type(expr).__name__
    if name in _SYMPY_FUNCTIONS:
        return (_SYMPY_FUNCTIONS[name],) + tuple(_to_tree(a, args) for a in expr.args)
    raise NotImplementedError(f"cannot lower sympy expression {expr}")


def _symbol_tree(name):
    return {"g": ("g",), "Y": ("out",), "a0": ("arg", 0), "a1": ("arg", 1),
            "a2": ("arg", 2)}[name]


def _sum_tree(terms, args):
    tree = None
    for term in sorted(terms, key=lambda t: t.could_extract_minus_sign()):
        negative = term.could_extract_minus_sign()
        part = _to_tree(-term if negative else term, args)
        if tree is None:
            tree = ("neg", part) if negative else part
        else:
            tree = ("sub" if negative else "add", tree, part)
    return tree


def _product_tree(expr, args):
    import sympy as sp

    negative = expr.could_extract_minus_sign()
    numer, denom = sp.fraction(-expr if negative else expr)
    tree = _factors_tree(numer, args)
    if denom != 1:
        tree = ("div", tree, _factors_tree(denom, args))
    return ("neg", tree) if negative else tree


def _factors_tree(expr, args):
    import sympy as sp

    if not isinstance(expr, sp.Mul):
        return _to_tree(expr, args)
    coeff, rest = expr.as_coeff_Mul()
    factors = [_to_tree(f, args) for f in sp.Mul.make_args(rest)]
    factors.sort(key=lambda t: t != ("g",))  # lead with the incoming gradient
    if coeff != 1:
        factors.insert(0, _to_tree(coeff, args))
    tree = factors[0]
    for factor in factors[1:]:
        tree = ("mul", tree, factor)
    return tree


def _power_tree(expr, args):
    import sympy as sp

    base, exponent = expr.args
    if exponent == sp.Rational(1, 2):
        return ("sqrt", _to_tree(base, args))
    if exponent.is_negative:
        return ("div", ("const", 1), _to_tree(base ** -exponent, args))
    return ("pow", _to_tree(base, args), _to_tree(exponent, args))


def table_text(records) -> str:
    """``derived_table.py``: the templates of ``records`` (the elementwise rows), derived
    now with sympy."""
    rows = sorted({(r.sympy, r.sympy_rewrites) for r in records if r.sympy})
    table = pprint.pformat({row: derive(*row) for row in rows}, width=95, sort_dicts=True)
    return ('"""The derivative templates of the elementwise rows, derived with sympy: a golden\n'
            "that tests/test_primitives.py regenerates (GRADC_UPDATE_GOLDEN=1) and compares, so\n"
            'a compile reads them here and does not import sympy. Do not edit by hand."""\n\n'
            f"TEMPLATES = {table}\n")
