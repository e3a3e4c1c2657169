"""The tag's mincode encoder in Python (PROTOCOL §2.8, "Encoder (tag) rules").

The collector itself only decodes; this mirror of the JavaScript encoder exists for tests
and tools that need to produce beacons exactly as the tag would, including JavaScript's
number formatting (``toString(36)``, ``toExponential``) and ``undefined``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Final

from divolte.base36 import to_base36

__all__ = ["UNDEFINED", "encode"]


class _Undefined:
    """JavaScript's ``undefined``: omitted as an object member, ``null`` inside an array."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED: Final = _Undefined()


def _shortest(x: float) -> tuple[str, int]:
    """Shortest round-trip digits of finite ``x > 0`` and n such that x = 0.DIGITS * 10**n."""
    mantissa, _, exponent = repr(x).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    stripped = digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(digits) - len(stripped))
    return stripped.rstrip("0"), point


def _js_string(x: float) -> str:
    """JavaScript ``String(x)`` for a finite number (ECMAScript Number::toString)."""
    if x == 0:
        return "0"
    digits, n = _shortest(abs(x))
    k, sign = len(digits), "-" if x < 0 else ""
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return f"{sign}{digits[:n]}.{digits[n:]}"
    if -6 < n <= 0:
        return f"{sign}0.{'0' * -n}{digits}"
    return sign + _js_exponential(abs(x))


def _js_exponential(x: float) -> str:
    """JavaScript ``x.toExponential()`` (as many digits as needed) for a finite number."""
    if x == 0:
        return "0e+0"
    digits, n = _shortest(abs(x))
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{'-' if x < 0 else ''}{mantissa}e{'+' if n >= 1 else '-'}{abs(n - 1)}"


def _js_radix36(x: float) -> str:
    """V8's ``x.toString(36)`` for an integral number: digits past 2**53 come out as zeros."""
    if x == 0:
        return "0"
    magnitude, zeros = abs(x), 0
    while magnitude / 36 >= 2.0**53:
        magnitude /= 36
        zeros += 1
    return ("-" if x < 0 else "") + to_base36(int(magnitude)) + "0" * zeros


def _escape(text: str) -> str:
    if "~" in text or "!" in text:
        return text.replace("~", "~~").replace("!", "~!")
    return text


def _number(x: float) -> tuple[str, str] | None:
    """(record type, payload) for a JavaScript number; None for NaN and ±Infinity."""
    if not math.isfinite(x):
        return None
    j1, j2 = _js_exponential(x), _js_string(x)
    if x.is_integer():
        d = _js_radix36(x)
        if len(d) <= len(j1) and len(d) <= len(j2):
            return "d", d
    return "j", j1 if len(j1) < len(j2) else j2


def _to_json(value: object) -> object:
    """Apply JavaScript's ``toJSON``: a datetime becomes its ISO string (as a ``Date``)."""
    if isinstance(value, datetime):
        utc = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return utc.isoformat(timespec="milliseconds") + "Z"
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


def _encode_into(value: object, name: str | None, out: list[str]) -> None:
    head = "" if name is None else _escape(name) + "!"
    if isinstance(value, str):
        out.append(f"s{head}{_escape(value)}!")
    elif isinstance(value, bool):
        out.append(("t" if value else "f") + head)
    elif value is None:
        out.append("n" + head)
    elif isinstance(value, int | float):
        try:
            number = _number(float(value))
        except OverflowError:  # an int beyond a double is Infinity in JavaScript
            number = None
        out.append("n" + head if number is None else f"{number[0]}{head}{number[1]}!")
    elif isinstance(value, list | tuple):
        out.append("a" + head)
        for element in value:
            element = _to_json(element)
            _encode_into(None if element is UNDEFINED else element, None, out)
        out.append(".")
    elif isinstance(value, dict):
        out.append("(" + head)
        for key, member in value.items():
            member = _to_json(member)
            if member is not UNDEFINED:
                _encode_into(member, str(key), out)
        out.append(")")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as mincode")


def encode(value: object) -> str:
    """Mincode for a value, following the tag's encoder rules (PROTOCOL §2.8).

    Python stands in for JavaScript: ``int``/``float`` are numbers (ints as the double they would
    be), ``list``/``tuple`` arrays, ``dict`` objects, :data:`UNDEFINED` is ``undefined``, and a
    ``datetime`` or an object with a ``to_json()`` method goes through ``toJSON``. ``undefined``
    at the top level has no mincode (the tag sends no ``u``): ValueError.
    """
    value = _to_json(value)
    if value is UNDEFINED:
        raise ValueError("undefined has no mincode form; the tag sends no parameters at all")
    out: list[str] = []
    _encode_into(value, None, out)
    return "".join(out)
