"""Load-time mapping errors that point at the exact place in the user's script.

Every token and AST node carries a :class:`Pos`; an error quotes the line and puts a caret under
the column, in the shape compilers use (``file:line:column: message``) so that editors can jump
to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from divolte.errors import DivolteError


@dataclass(frozen=True, slots=True)
class Pos:
    """A place in a mapping source: 1-based line and column, and the text of that line."""

    path: str
    line: int
    column: int
    text: str = ""

    def quote(self) -> str:
        """The line and a caret under the column (tabs kept so the caret lines up)."""
        if not self.text:
            return ""
        pad = "".join(ch if ch == "\t" else " " for ch in self.text[: self.column - 1])
        return f"    {self.text}\n    {pad}^"


class MappingError(DivolteError):
    """A mapping cannot be loaded: syntax, unknown field, type mismatch, bad argument.

    ``message`` is the bare explanation; ``str(error)`` adds ``file:line:column`` and the quoted
    line with a caret.
    """

    def __init__(self, message: str, pos: Pos | None = None) -> None:
        self.message = message
        self.pos = pos
        super().__init__(self._render())

    def _render(self) -> str:
        pos = self.pos
        if pos is None:
            return self.message
        head = f"{pos.path}:{pos.line}:{pos.column}: {self.message}"
        quoted = pos.quote()
        return f"{head}\n{quoted}" if quoted else head


class MappingRuntimeError(DivolteError):
    """A mapping failed on one event for a reason that is not the event's data (a bug): the
    record is not written, the event is counted as failed, and the collector carries on."""
