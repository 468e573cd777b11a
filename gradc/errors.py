"""Exceptions raised by gradc, written for the person who wrote the source, and the
warning it gives when its cache cannot be used."""

import functools


class GradcError(Exception):
    """Base class of every error gradc raises on purpose."""


def user_facing(function):
    """``function`` of the public API raising gradc's errors without gradc's internal
    frames: the message already says where in the user's code, and why."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841  (IPython and pytest show the caller's frame)
        try:
            return function(*args, **kwargs)
        except GradcError as error:
            raise error.with_traceback(None) from None  # gradc's own frames left out
    return wrapper


class LocatedError(GradcError):
    """An error in the user's source, located to the column.

    Renders as ``FILE:LINE:COL: error: MESSAGE`` followed by the source line, a caret
    under the offending column and, where one helps, a hint.
    """

    def __init__(self, message, filename="<unknown>", line=0, col=0, text="", hint=None):
        super().__init__(message)
        self.msg = message
        self.filename = filename
        self.lineno = line
        self.offset = col + 1  # SyntaxError counts columns from 1
        self.col = col
        self.text = text
        self.hint = hint

    def __str__(self):
        parts = [f"{self.filename}:{self.lineno}:{self.col + 1}: error: {self.msg}"]
        if self.text:
            line = self.text.rstrip("\n")
            code = line.lstrip()
            code, caret = _window(code, max(self.col - (len(line) - len(code)), 0))
            parts.append("    " + code)
            parts.append("    " + " " * caret + "^")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


def _window(code: str, caret: int, width: int = 100) -> tuple[str, int]:
    """At most ``width`` characters of a long line around the caret (a statement with
    thousands of terms would otherwise fill the terminal)."""
    if len(code) <= width:
        return code, caret
    start = min(max(caret - width // 2, 0), len(code) - width)
    shown = code[start:start + width]
    if start > 0:
        shown, caret = "..." + shown[3:], caret - start
    if start + width < len(code):
        shown = shown[:-3] + "..."
    return shown, caret


class UnsupportedSyntaxError(LocatedError, SyntaxError):
    """Source outside the language gradc accepts (or not valid Python at all)."""


class ArgumentError(GradcError, ValueError):
    """A bad ``wrt`` or other option given to the public API."""


class NonDifferentiableError(GradcError, TypeError):
    """Differentiation asked of something that has no derivative (integer inputs,
    non-scalar outputs of ``grad``)."""


class NonDifferentiableSourceError(LocatedError, NonDifferentiableError):
    """A function whose output or inputs have no derivative, located in its source
    (a boolean or tuple output, only integer inputs)."""


class GradientCheckError(GradcError, AssertionError):
    """``check_grad`` found the compiled gradient and finite differences disagreeing."""


class CacheWarning(UserWarning):
    """The on-disk cache could not be trusted or written (a damaged entry, a directory
    other users can write, an unwritable directory); gradc recompiled and carried on."""
