"""Text conversions exactly as the reference does them: ``parse … to int32|int64|fp32|fp64|bool``
(MAPPING §5) and Java's rendering of numbers (``Double.toString``, ``BigDecimal.toString``)."""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal
from typing import Any

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

_INTEGER = re.compile(r"-?[0-9]+")
_JAVA_FLOAT = re.compile(
    r"[+-]?(?:NaN|Infinity|"
    r"(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|0[xX](?:[0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?[0-9]+)[fFdD]?)"
)


def parse_int32(text: str) -> int | None:
    if _INTEGER.fullmatch(text) is None:
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


def parse_int64(text: str) -> int | None:
    if _INTEGER.fullmatch(text) is None:
        return None
    value = int(text)
    return value if LONG_MIN <= value <= LONG_MAX else None


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
        return sign * float.fromhex(f"0x{mantissa or '0'}p{exponent}")
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


def java_text(value: Any) -> str:
    """The text of a JSON scalar as Jackson's ``asText`` gives it (numbers Java-formatted)."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)  # the General Decimal Arithmetic rendering = BigDecimal.toString
    if isinstance(value, float):
        return java_double(value)
    return ""
