"""Tokens of the Groovy subset used by mapping scripts, each with its position.

There are no newline tokens: a token records whether it starts a line (``newline``), and the
parser decides where that ends a statement or a command chain. A line that starts with ``.`` or
``?.`` continues the previous one, as in Groovy.

Literals are typed the way Groovy types them, because the schema check depends on it (§9.1):
``42`` Integer, ``42L`` Long, ``42.0`` BigDecimal, ``42.0D`` Double, ``'x'`` String, ``"x$y"``
GString.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from ._errors import MappingError, Pos
from ._text import to_float32

NAME, STRING, GSTRING, NUMBER, OP, EOF = "name", "string", "gstring", "number", "op", "eof"

_OPERATOR_TEXT = "( ) { } [ ] , . ; ?. -> = == != <= >= < > && || ! + - * / % ?: ? :"
_OPERATORS = sorted(_OPERATOR_TEXT.split(" "), key=len, reverse=True)
_VALUE_END = {")", "]", "}"}
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", "s": " "}
_ESCAPES.update({c: c for c in "\"'\\$/"})
_INT_MAX, _LONG_MAX = 2**31 - 1, 2**63 - 1


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal value with its Groovy/Java type: String, GString, Boolean, Integer, Long,
    BigInteger, BigDecimal, Float, Double or null (and PyInt/PyFloat for Python mappings)."""

    value: Any
    jtype: str


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: Any
    pos: Pos
    newline: bool = False
    """Whether this is the first token of its line."""
    space_before: bool = False


class Lexer:
    def __init__(self, text: str, path: str, full_text: str | None = None, offset: int = 0) -> None:
        self.text = text
        self.path = path
        self.full_text = text if full_text is None else full_text
        self.offset = offset
        self.lines = self.full_text.split("\n")
        self.line_starts = [0]
        for line in self.lines[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.i = 0
        self.tokens: list[Token] = []

    def pos(self, index: int) -> Pos:
        index += self.offset
        line = bisect.bisect_right(self.line_starts, index) - 1
        start = self.line_starts[line]
        return Pos(self.path, line + 1, index - start + 1, self.lines[line].rstrip("\r"))

    def fail(self, message: str, index: int) -> MappingError:
        return MappingError(message, self.pos(index))

    def tokenize(self) -> list[Token]:
        text, n = self.text, len(self.text)
        if text.startswith("#!"):
            self.i = text.find("\n") if "\n" in text else n
        newline, space = True, False
        while True:
            newline_seen, space_seen = self.skip_blank()
            newline, space = newline or newline_seen, space or space_seen
            if self.i >= n:
                self.tokens.append(Token(EOF, None, self.pos(n), True, space))
                return self.tokens
            start = self.i
            kind, value = self.next_token()
            if newline and kind == OP and value in (".", "?."):
                newline = False  # a line starting with a dot continues the previous one
            self.tokens.append(Token(kind, value, self.pos(start), newline, space))
            newline, space = False, False

    def skip_blank(self) -> tuple[bool, bool]:
        text, n = self.text, len(self.text)
        newline = space = False
        while self.i < n:
            ch = text[self.i]
            if ch == "\n":
                newline = space = True
                self.i += 1
            elif ch in " \t\r\f":
                space = True
                self.i += 1
            elif text.startswith("\\\n", self.i):
                self.i += 2  # explicit line continuation
            elif text.startswith("//", self.i):
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end
            elif text.startswith("/*", self.i):
                end = text.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("unterminated comment", self.i)
                newline = newline or "\n" in text[self.i : end]
                self.i, space = end + 2, True
            else:
                break
        return newline, space

    def next_token(self) -> tuple[str, Any]:
        text, i = self.text, self.i
        ch = text[i]
        if ch.isalpha() or ch in "_$":
            end = i + 1
            while end < len(text) and (text[end].isalnum() or text[end] in "_$"):
                end += 1
            self.i = end
            return NAME, text[i:end]
        if ch.isdigit() or (ch == "." and text[i + 1 : i + 2].isdigit() and self.value_expected()):
            return NUMBER, self.number()
        if ch in "'\"":
            return self.string(ch)
        if ch == "/" and self.slashy_here():
            return self.slashy()
        for op in _OPERATORS:
            if text.startswith(op, i):
                self.i = i + len(op)
                return OP, op
        raise self.fail(f"unexpected character {ch!r}", i)

    def value_expected(self) -> bool:
        if not self.tokens:
            return True
        last = self.tokens[-1]
        return last.kind == OP and last.value not in _VALUE_END

    def slashy_here(self) -> bool:
        if self.value_expected():
            return True
        last, following = self.tokens[-1], self.text[self.i + 1 : self.i + 2]
        before = self.text[self.i - 1 : self.i]
        return last.kind == NAME and before.isspace() and following not in ("", " ", "\t", "\n")

    # --- numbers -------------------------------------------------------------------------

    def number(self) -> Lit:
        text, start = self.text, self.i
        i = start
        if text.startswith(("0x", "0X"), i):
            i += 2
            while i < len(text) and (text[i] in "0123456789abcdefABCDEF_"):
                i += 1
            digits, value = text[start:i], int(text[start + 2 : i].replace("_", "") or "x", 16)
            return self.integer_suffix(value, digits, i, start)
        while i < len(text) and (text[i].isdigit() or text[i] == "_"):
            i += 1
        decimal = False
        if text[i : i + 1] == "." and text[i + 1 : i + 2].isdigit():
            decimal, i = True, i + 1
            while i < len(text) and (text[i].isdigit() or text[i] == "_"):
                i += 1
        if text[i : i + 1] in ("e", "E"):
            j = i + 1 + (text[i + 1 : i + 2] in ("+", "-"))
            if text[j : j + 1].isdigit():
                decimal, i = True, j
                while i < len(text) and text[i].isdigit():
                    i += 1
        literal = text[start:i].replace("_", "")
        if not decimal:
            return self.integer_suffix(int(literal), literal, i, start)
        suffix = text[i : i + 1]
        if suffix in ("d", "D"):
            self.i = i + 1
            return Lit(float(literal), "Double")
        if suffix in ("f", "F"):
            self.i = i + 1
            return Lit(to_float32(float(literal)), "Float")
        self.i = i + (suffix in ("g", "G"))
        return Lit(literal, "BigDecimal")

    def integer_suffix(self, value: int, literal: str, i: int, start: int) -> Lit:
        suffix = self.text[i : i + 1]
        jtype = {"l": "Long", "i": "Integer", "g": "BigInteger", "d": "Double", "f": "Float"}.get(
            suffix.lower()
        )
        if jtype is not None:
            i += 1
        elif value <= _INT_MAX:
            jtype = "Integer"
        else:
            jtype = "Long" if value <= _LONG_MAX else "BigInteger"
        self.i = i
        if (jtype == "Integer" and value > _INT_MAX + 1) or (
            jtype == "Long" and value > _LONG_MAX + 1
        ):
            raise self.fail(f"number {literal} is too large for {jtype}", start)
        if jtype == "Double":
            return Lit(float(value), jtype)
        if jtype == "Float":
            return Lit(to_float32(float(value)), jtype)
        return Lit(value, jtype)

    # --- strings -------------------------------------------------------------------------

    def string(self, quote: str) -> tuple[str, Any]:
        text, start = self.text, self.i
        triple = text.startswith(quote * 3, start)
        delimiter = quote * 3 if triple else quote
        i = start + len(delimiter)
        parts: list[Any] = []
        chunk: list[str] = []
        while True:
            if i >= len(text) or (not triple and text[i] == "\n"):
                raise self.fail("unterminated string", start)
            if text.startswith(delimiter, i):
                i += len(delimiter)
                break
            ch = text[i]
            if ch == "\\":
                i = self.escape(i, chunk)
            elif ch == "$" and quote == '"' and self.interpolation_at(i + 1):
                parts.append("".join(chunk))
                chunk = []
                i = self.interpolation(i, parts)
            else:
                chunk.append(ch)
                i += 1
        self.i = i
        parts.append("".join(chunk))
        if len(parts) == 1:
            return STRING, parts[0]
        return GSTRING, parts

    def escape(self, i: int, chunk: list[str]) -> int:
        text = self.text
        ch = text[i + 1 : i + 2]
        if ch in _ESCAPES:
            chunk.append(_ESCAPES[ch])
            return i + 2
        if ch == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                chunk.append(chr(int(digits, 16)))
                return i + 6
        if ch and ch in "01234567":
            j = i + 1
            while j < i + 4 and j < len(text) and text[j] in "01234567":
                j += 1
            chunk.append(chr(int(text[i + 1 : j], 8) & 0xFF))
            return j
        if ch == "\n":
            return i + 2
        raise self.fail(f"unknown escape sequence \\{ch} in string (write \\\\ for a backslash)", i)

    def interpolation_at(self, i: int) -> bool:
        ch = self.text[i : i + 1]
        return ch == "{" or (ch != "" and (ch.isalpha() or ch == "_"))

    def interpolation(self, i: int, parts: list[Any]) -> int:
        """``${expr}`` or ``$name.name``: appends (source text, its start index)."""
        text = self.text
        if text[i + 1] == "{":
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:
                raise self.fail("unterminated ${...} in string", i)
            parts.append((text[i + 2 : j - 1], i + 2))
            return j
        j = i + 1
        while j < len(text) and (text[j].isalnum() or text[j] in "_."):
            if text[j] == "." and not (text[j + 1 : j + 2].isalpha()):
                break
            j += 1
        parts.append((text[i + 1 : j], i + 1))
        return j

    def slashy(self) -> tuple[str, Any]:
        text, start = self.text, self.i
        i = start + 1
        chunk: list[str] = []
        parts: list[Any] = []
        while True:
            if i >= len(text):
                raise self.fail("unterminated /slashy/ string", start)
            ch = text[i]
            if ch == "/":
                i += 1
                break
            if ch == "\\" and text[i + 1 : i + 2] == "/":
                chunk.append("/")
                i += 2
            elif (
                ch == "$" and text[i + 1 : i + 2] not in ("", "/") and self.interpolation_at(i + 1)
            ):
                parts.append("".join(chunk))
                chunk = []
                i = self.interpolation(i, parts)
            else:
                chunk.append(ch)
                i += 1
        self.i = i
        parts.append("".join(chunk))
        return (STRING, parts[0]) if len(parts) == 1 else (GSTRING, parts)


def tokenize(text: str, path: str) -> list[Token]:
    return Lexer(text, path).tokenize()


def tokenize_part(full_text: str, path: str, start: int, source: str) -> list[Token]:
    """Tokens of an interpolated ``${...}`` expression, positioned in the whole script."""
    return Lexer(source, path, full_text, start).tokenize()
