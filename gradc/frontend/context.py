"""What the parts of the function lowering share, declared in one place.

``lower._FunctionLowering`` is assembled from parts, one per kind of construct
(control.py, loops.py, conditions.py, calls.py, arrays.py). Each part subclasses
``LoweringHost``, so it can be read (and type-checked) on its own: every attribute and
method it uses from the others is declared here, with the file that provides it.

An abstract base rather than a Protocol: mypy checks a part's assignments (``self.env =
...``) against the types declared here, and a method no part provides fails at once.
"""

import ast
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..ir.core import Atom, Block, Builder, Loc, Var
from .source import ModuleInfo
from .storage import Memory

Params = tuple[tuple[str, object], ...]  # an instruction's static parameters (axis=...)
Env = dict[str, Atom]  # source names (and jump flags such as $skip) to their values
Result = TypeVar("Result")


class LoweringHost(ABC):
    """The state and the methods the parts of the function lowering use from each other."""

    # ---- state (lower.py)
    info: ModuleInfo
    builder: Builder  # where instructions go: a function body, or a nested block
    call_stack: tuple[str, ...]  # the function lowered, then the helpers inlined into it
    env: Env
    loc: Loc | None  # the statement being lowered
    statement_start: int  # where its instructions begin in builder.body
    unavailable: dict[str, str]  # names that went out of scope, and why
    memory: Memory  # which values share memory (storage.py)

    # ---- state (control.py)
    in_loop: bool
    return_count: int | None  # how many values the returns seen so far give

    # ---- statements and expressions (lower.py)
    @abstractmethod
    def _statement(self, stmt: ast.stmt) -> None: ...

    @abstractmethod
    def _return(self, stmt: ast.Return) -> list[Atom]: ...

    @abstractmethod
    def _values(self, node: ast.expr) -> list[Atom]: ...

    @abstractmethod
    def _single(self, node: ast.expr) -> Atom: ...

    @abstractmethod
    def _name(self, node: ast.Name) -> Atom: ...

    @abstractmethod
    def _comparison(self, op: ast.cmpop, left: Atom, right: Atom) -> Var: ...

    @abstractmethod
    def _emit(self, op: str, *args: Atom, lib: str | None = None, call: bool = False,
              params: Params = ()) -> Var: ...

    @abstractmethod
    def _bind(self, name: str, atom: Atom) -> None: ...

    @abstractmethod
    def _loc(self, node: ast.stmt | ast.expr) -> Loc: ...

    # ---- blocks and jumps (control.py)
    @abstractmethod
    def _run_statements(self, stmts: list[ast.stmt]) -> list[Atom] | None: ...

    @abstractmethod
    def _block(self, params: Sequence[Var],
               lower: Callable[[], Result]) -> tuple[Block, Env, Result]: ...

    @abstractmethod
    def _forget(self, name: str, before: Env, why: str) -> None: ...

    @abstractmethod
    def _check_return_count(self, stmt: ast.stmt, count: int) -> None: ...

    @abstractmethod
    def _returned_value_names(self) -> list[str]: ...

    # ---- conditions (conditions.py)
    @abstractmethod
    def _condition(self, node: ast.expr) -> Atom: ...

    # ---- indexing (arrays.py) and the storages of values (memory.py)
    @abstractmethod
    def _index_pattern(self, node: ast.expr) -> tuple[tuple, list]: ...

    @abstractmethod
    def _track(self, out: Var, op, args) -> None: ...

    @abstractmethod
    def _check_fresh(self, node: ast.Name) -> None: ...

    # ---- library calls (calls.py)
    @abstractmethod
    def _static_arguments(self, node: ast.Call, prim: str,
                          extra_positional: list[ast.expr]) -> Params: ...
