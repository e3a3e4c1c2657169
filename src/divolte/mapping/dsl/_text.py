"""Text conversions exactly as the reference does them: ``parse … to int32|int64|fp32|fp64|bool``
(MAPPING §5) and Java's rendering of numbers (``Double.toString``, ``BigDecimal.toString``).

Event data is hostile input, so nothing here costs more than linear time in the text it is given
or raises on it: integer texts longer than any ``long`` are refused before ``int()`` sees them,
and the float syntax is a regex without ambiguous repetitions (the obvious one backtracks
quadratically on a long run of digits). Java renders integers of any size as text; Python's
``str(int)`` is quadratic and refuses more than a few thousand digits, so :func:`java_text` gives
None (no text: the value does not convert) for integers of more than
:data:`MAX_INTEGER_DIGITS` digits.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal
from typing import Any

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

MAX_INTEGER_DIGITS = 4300
"""Integers with more decimal digits than this have no text here (Java has no limit)."""
_TEXT_LIMIT = 10**MAX_INTEGER_DIGITS
_STR_SAFE = 10**600  # str(int) never refuses this, whatever the interpreter's limit (≥ 640)
_LONG_DIGITS = 19  # digits of LONG_MAX; longer digit runs (after leading zeros) are out of range

_INTEGER = re.compile(r"-?[0-9]+")
# Each alternative consumes a digit run in exactly one way: no quadratic backtracking.
_JAVA_FLOAT = re.compile(
    r"[+-]?(?:NaN|Infinity|"
    r"(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?)"
)


def parse_int32(text: str) -> int | None:
    value = parse_int64(text)
    return value if value is not None and INT_MIN <= value <= INT_MAX else None


def parse_int64(text: str) -> int | None:
    if _INTEGER.fullmatch(text) is None:
        return None
    value = signed_digits(text)
    return value if value is not None and LONG_MIN <= value <= LONG_MAX else None


def signed_digits(text: str) -> int | None:
    """The value of an optional sign and a run of ASCII digits (already checked), or None when
    it has more significant digits than a long: ``int()`` never sees a long digit run."""
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _LONG_DIGITS:
        return None
    value = int(digits) if digits else 0
    return -value if text[0] == "-" else value


def parse_fp64(text: str) -> float | None:
    """Java ``Double.parseDouble`` syntax without surrounding spaces; None when invalid."""
    if _JAVA_FLOAT.fullmatch(text) is None:
        return None
    body = text.rstrip("fFdD") if not text.endswith(("NaN", "Infinity")) else text
    sign = -1.0 if body.startswith("-") else 1.0
    unsigned = body.lstrip("+-")
    if unsigned == "NaN":
        return math.nan
    if unsigned == "Infinity":
        return sign * math.inf
    if unsigned[:2] in ("0x", "0X"):
        mantissa, _, exponent = (
            unsigned[2:].partition("p") if "p" in unsigned else unsigned[2:].partition("P")
        )
        try:
            return sign * float.fromhex(f"0x{mantissa or '0'}p{exponent}")
        except OverflowError:  # Java overflows to Infinity, as float() does for decimals
            return sign * math.inf
    return sign * float(unsigned)


def parse_fp32(text: str) -> float | None:
    value = parse_fp64(text)
    return None if value is None else to_float32(value)


def to_float32(value: float) -> float:
    """Round a double to the nearest float, overflowing to ±Infinity like Java."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def parse_bool(text: str) -> bool:
    """``Boolean.parseBoolean``: only ``true`` in any case is true."""
    return text.lower() == "true"


def java_double(value: float) -> str:
    """``Double.toString``: ``1.0``, ``53.2``, ``1.0E21``, ``-7.83E-9``, ``NaN``, ``Infinity``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if "." in text else text + ".0"
    mantissa, _, power = f"{Decimal(repr(value)).normalize():E}".partition("E")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{int(power)}"


def java_text(value: Any) -> str | None:
    """The text of a JSON scalar as Jackson's ``asText`` gives it (numbers Java-formatted);
    None for an integer of more than :data:`MAX_INTEGER_DIGITS` digits."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return integer_text(value)
    if isinstance(value, Decimal):
        return str(value)  # the General Decimal Arithmetic rendering = BigDecimal.toString
    if isinstance(value, float):
        return java_double(value)
    return ""


def integer_text(value: int) -> str | None:
    """``str(value)`` without the interpreter's digit limit, or None beyond
    :data:`MAX_INTEGER_DIGITS` digits (which keeps the quadratic conversion cheap)."""
    if -_STR_SAFE < value < _STR_SAFE:
        return str(value)
    if -_TEXT_LIMIT < value < _TEXT_LIMIT:
        return str(Decimal(value))  # Decimal's conversion has no digit limit
    return None
