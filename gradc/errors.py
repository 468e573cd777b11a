"""Exceptions raised by gradc, written for the person who wrote the source, and the
warning it gives when its cache cannot be used."""


class GradcError(Exception):
    """Base class of every error gradc raises on purpose."""


class UnsupportedSyntaxError(GradcError, SyntaxError):
    """Source outside the language gradc accepts, located to the column.

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
            parts.append("    " + code)
            parts.append("    " + " " * max(self.col - (len(line) - len(code)), 0) + "^")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "\n".join(parts)


class ArgumentError(GradcError, ValueError):
    """A bad ``wrt`` or other option given to the public API."""


class NonDifferentiableError(GradcError, TypeError):
    """Differentiation asked of something that has no derivative (integer inputs,
    non-scalar outputs of ``grad``)."""


class GradientCheckError(GradcError, AssertionError):
    """``check_grad`` found the compiled gradient and finite differences disagreeing."""


class CacheWarning(UserWarning):
    """The on-disk cache could not be trusted or written (a damaged entry, a directory
    other users can write, an unwritable directory); gradc recompiled and carried on."""
