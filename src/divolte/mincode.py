"""Mincode, the tag's URL-friendly JSON for custom event parameters (PROTOCOL §2.8).

:func:`decode` turns the ``u`` parameter into a JSON tree the way the reference server's parser
did: objects are ``dict`` in member order, arrays ``list``, integers ``int`` of any size, and
numbers with a fraction or exponent ``decimal.Decimal`` kept exactly (trailing zeros stripped,
like Jackson's tree of ``BigDecimal``). Any malformation raises :class:`MincodeError`, after
which the caller treats the parameters as absent. Text after the first complete value is ignored.

The decoder is an index-based scanner with an explicit stack: text runs are found with
``str.find`` (C speed), so strings of any length cost linear time.

Unlike the reference, which had no limits, two things make mincode malformed here, because
parameters are hostile input and everything downstream (mappings, JSONPath, the inspector,
converted records) should not have to cope with them: a number record (``d`` or ``j``) longer
than :data:`MAX_NUMBER_LENGTH` characters (converting a digit run to an integer is quadratic), and
arrays and objects nested more than :data:`MAX_DEPTH` levels deep.

:func:`to_json_text` prints a tree as the reference printed it (compact, member order, decimals in
Java ``BigDecimal.toString()`` form). The tag's encoder lives in :mod:`divolte.mincode_encoder`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_NUMBER_LENGTH", "MincodeError", "decode", "to_json_text"]


class MincodeError(ValueError):
    """Malformed mincode; the event's custom parameters are then absent."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at offset {position})")
        self.position = position


# --- decoding --------------------------------------------------------------------------------

MAX_NUMBER_LENGTH = 1000
"""Characters a ``d`` or ``j`` record may hold (sign, digits, point, exponent)."""
MAX_DEPTH = 256
"""Levels of arrays and objects (also empty ones) a value may nest."""

_JAVA_INT_MIN, _JAVA_INT_MAX = -(2**31), 2**31 - 1
_SAFE_INT_DIGITS = 640  # int() never refuses this many digits, whatever the interpreter's limit
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(\.[0-9]*)?|(\.[0-9]+))(?:[eE]([+-]?[0-9]+))?")
_EOF = "Unexpected end-of-input"


def _read_text(text: str, i: int) -> tuple[str, int]:
    """A TEXT/NAME run starting at ``i`` that may hold escapes: (text, index after its ``!``)."""
    parts: list[str] = []
    start = i
    while True:
        end = text.find("!", start)
        tilde = text.find("~", start, len(text) if end < 0 else end)
        if tilde < 0:
            if end < 0:
                raise MincodeError(f"{_EOF}: was expecting end of string value", len(text))
            parts.append(text[start:end])
            return "".join(parts), end + 1
        if tilde + 1 == len(text):
            raise MincodeError(f"{_EOF} in character escape sequence", tilde)
        parts.append(text[start:tilde])
        parts.append(text[tilde + 1])
        start = tilde + 2


def _next_tilde(text: str, i: int, tilde: int) -> int:
    """The position of the first '~' at or after ``i`` (``tilde`` is the previous answer)."""
    if tilde >= i:
        return tilde
    found = text.find("~", i)
    return len(text) if found < 0 else found


def _big_int(digits: str, base: int) -> int:
    """``int(digits, base)`` without the interpreter's conversion-length limit (Java has none)."""
    if len(digits) <= _SAFE_INT_DIGITS:
        return int(digits, base)
    value = 0
    for k in range(0, len(digits), _SAFE_INT_DIGITS):
        chunk = digits[k : k + _SAFE_INT_DIGITS]
        value = value * base ** len(chunk) + int(chunk, base)
    return value


def _too_long(raw: str, position: int) -> MincodeError:
    return MincodeError(
        f"Number record longer than {MAX_NUMBER_LENGTH} characters: {raw[:20]!r}...", position
    )


def _integer_record(raw: str, position: int) -> int:
    """A ``d`` payload: Java ``new BigInteger(raw, 36)`` (sign, then ASCII base-36 digits)."""
    if len(raw) > MAX_NUMBER_LENGTH:
        raise _too_long(raw, position)
    body = raw[1:] if raw[:1] in ("+", "-") else raw
    if not (body.isascii() and body.isalnum()):
        raise MincodeError(f"Invalid integer record: {raw!r}", position)
    value = _big_int(body, 36)
    return -value if raw[0] == "-" else value


def _number_record(raw: str, position: int) -> int | Decimal:
    """A ``j`` payload: Java ``new BigDecimal(raw)``; scale 0 gives an integer."""
    if len(raw) > MAX_NUMBER_LENGTH:
        raise _too_long(raw, position)
    # fast path: plain decimal digits are a scale-0 BigDecimal, i.e. an integer
    if raw.isascii() and raw.isdigit():
        return _big_int(raw, 10)
    match = _NUMBER.fullmatch(raw)
    if match is None:
        raise MincodeError(f"Invalid number record: {raw!r}", position)
    fraction = match.group(1) or match.group(2) or "."
    exponent_text = match.group(3) or "0"
    if len(exponent_text.lstrip("+-").lstrip("0")) > 10:  # certainly beyond an int
        raise MincodeError(f"Invalid number record: {raw!r}", position)
    exponent = int(exponent_text)
    scale = len(fraction) - 1 - exponent
    # BigDecimal keeps exponent and scale in an int; beyond that Java refuses the number
    if not (_JAVA_INT_MIN <= exponent <= _JAVA_INT_MAX and _JAVA_INT_MIN <= scale <= _JAVA_INT_MAX):
        raise MincodeError(f"Invalid number record: {raw!r}", position)
    number = Decimal(raw)
    if scale == 0:
        return int(number)
    # fast path: a fraction without exponent whose last digit is not 0 has no trailing zeros
    if match.group(3) is None and raw[-1] != "0":
        return number
    if not number:
        return Decimal(0)  # Jackson maps every decimal zero to BigDecimal.ZERO
    sign, digits, exp = number.as_tuple()
    assert isinstance(exp, int)
    kept = len(digits)
    while digits[kept - 1] == 0:
        kept -= 1
    return Decimal((sign, digits[:kept], exp + len(digits) - kept))


def _too_deep(position: int) -> MincodeError:
    return MincodeError(f"Arrays and objects nested more than {MAX_DEPTH} levels deep", position)


def decode(text: str) -> Any:
    """Decode the first mincode value in ``text`` into a JSON tree (see the module docstring)."""
    find = text.find
    # Position of the next '~' (len(text) if none). Fast path below: a text run that ends before
    # it has no escapes, so it is simply everything up to the next '!'.
    tilde = find("~")
    if tilde < 0:
        tilde = len(text)
    stack: list[Any] = []  # open containers, innermost last
    top: Any = None  # stack[-1] or None at the top level
    in_object = False
    i, n = 0, len(text)
    while True:
        if i >= n:
            where = "OBJECT" if in_object else "ARRAY" if stack else "a record"
            raise MincodeError(f"{_EOF}: expected {where}", i)
        kind = text[i]
        start = i
        i += 1
        name: str | None = None
        if in_object:
            if kind == ")":
                stack.pop()
                if not stack:
                    return top
                top = stack[-1]
                in_object = type(top) is dict
                continue
            # every other record in an object starts with the member name
            end = find("!", i)
            if 0 <= end < tilde:
                name, i = text[i:end], end + 1
            else:
                name, i = _read_text(text, i)
                tilde = _next_tilde(text, i, tilde)
        elif kind == "." and stack:
            stack.pop()
            if not stack:
                return top
            top = stack[-1]
            in_object = type(top) is dict
            continue
        value: Any
        if kind == "s" or kind == "d" or kind == "j":
            end = find("!", i)
            if 0 <= end < tilde:
                value, i = text[i:end], end + 1
            else:
                value, i = _read_text(text, i)
                tilde = _next_tilde(text, i, tilde)
            if kind == "d":
                # fast path: plain base-36 digits of a modest length are exactly what int() takes
                if value.isalnum() and value.isascii() and len(value) <= _SAFE_INT_DIGITS:
                    value = int(value, 36)
                else:
                    value = _integer_record(value, start)
            elif kind == "j":
                value = _number_record(value, start)
        elif kind == "t":
            value = True
        elif kind == "f":
            value = False
        elif kind == "n":
            value = None
        elif kind == "(" or kind == "a":
            if len(stack) >= MAX_DEPTH:
                raise _too_deep(start)
            child: Any = {} if kind == "(" else []
            if name is not None:
                top[name] = child
            elif stack:
                top.append(child)
            stack.append(child)
            top, in_object = child, kind == "("
            continue
        elif kind == "o":
            if len(stack) >= MAX_DEPTH:
                raise _too_deep(start)
            value = {}
        elif kind == ")":
            raise MincodeError("Unexpected end of object while not in object.", start)
        elif kind == ".":
            raise MincodeError("Unexpected end of array while not in array.", start)
        else:
            raise MincodeError(f"Unknown record type encountered: {kind!r}", start)
        if name is not None:
            top[name] = value
        elif stack:
            top.append(value)
        else:
            return value


# --- rendering -------------------------------------------------------------------------------

_JSON_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in range(0x20)}
_JSON_ESCAPES.update({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"})
_JSON_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\"})
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _quote(text: str) -> str:
    """A JSON string as Jackson writes it: only quote, backslash and C0 controls escaped."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return f'"{text.translate(_JSON_ESCAPES)}"'


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        # str() of an int refuses more than ~4300 digits; Decimal has no such limit
        return str(value) if -(10**600) < value < 10**600 else str(Decimal(value))
    if isinstance(value, Decimal):
        return str(value)  # Python's to-scientific-string is Java's BigDecimal.toString()
    raise TypeError(f"not a decoded mincode value: {type(value).__name__}")


def to_json_text(tree: Any) -> str:
    """Compact JSON of a decoded tree, in member order, numbers printed the way Java does."""
    out: list[str] = []
    frames: list[tuple[Iterator[tuple[str | None, Any]], str]] = []
    key: str | None = None
    value = tree
    while True:
        if key is not None:
            out.append(_quote(key) + ":")
        if isinstance(value, dict):
            out.append("{")
            frames.append((iter(value.items()), "}"))
        elif isinstance(value, list):
            out.append("[")
            frames.append((((None, element) for element in value), "]"))
        else:
            out.append(_scalar(value))
        while frames:
            item = next(frames[-1][0], None)
            if item is not None:
                if out[-1] != "{" and out[-1] != "[":  # not the container's first item
                    out.append(",")
                key, value = item
                break
            out.append(frames.pop()[1])
        else:
            return "".join(out)
