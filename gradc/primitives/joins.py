"""Joining arrays: np.concatenate, np.stack, np.hstack, np.vstack and np.array([a, b]).
A join is linear in all its parts together, so forward mode joins the parts' tangents
(passes/forward_ad.py), and each part's adjoint is the slice of g it filled:

    c = np.concatenate([a, b], axis=1)   ->  a_bar = _part_of(c_bar, [a, b], index=0, axis=1)
"""

from .ops import REVERSE_TWICE, linear_jvp
from .record import Primitive, register


def _join_vjp(axis_of):
    """The rule of a join along ``axis_of(axis)`` (np.hstack: 1, or 0 for 1-D arrays,
    which _part_of knows)."""
    def rule(ops, g, *parts_and_out, axis=0):
        parts = parts_and_out[:-1]
        return tuple(ops.part_of(g, *parts, index=index, axis=axis_of(axis))
                     for index in range(len(parts)))
    return rule


def _join(name, axis_of, keywords=()):
    form = "array" if name == "array" else "join"  # np.array([a, b]): nested lists too
    return Primitive(name, None, name, elementwise=False, sequence_from=0, keywords=keywords,
                     join=True, call_form=form, vjp=_join_vjp(axis_of))


register(
    _join("concatenate", lambda axis: axis, ("axis",)),
    _join("stack", lambda axis: axis, ("axis",)),
    _join("hstack", lambda axis: 1),
    _join("vstack", lambda axis: 0),
    _join("array", lambda axis: 0),  # np.array([a, b]) stacks its entries
    # the part of a joined array's gradient that came from the index-th operand
    Primitive("part_of", None, None, elementwise=False, linear_in=(0,),
              keywords=("index", "axis"), sequence_from=1, helper="_part_of", call_form="join",
              view=True,
              no_vjp=REVERSE_TWICE, jvp=linear_jvp),
)
