"""Base-36 integers as the tag sends them and the reference server parses them (PROTOCOL §2.2).

The tag writes numbers with JavaScript's ``n.toString(36)``; the reference server reads them with
Java's ``Long.parseLong(s, 36)`` / ``Integer.parseInt(s, 36)``. Python's ``int(s, 36)`` is more
lenient than Java (it accepts surrounding whitespace, ``_`` separators and non-ASCII digits), so the
text is validated here before ``int`` is trusted with it. Out-of-range values are rejected rather
than wrapped, exactly like Java's ``NumberFormatException``.
"""

from __future__ import annotations

from functools import cache

__all__ = ["parse_int", "to_base36"]

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@cache
def _max_digits(bits: int) -> int:
    """Longest digit run (leading zeros stripped) that can still be in range for ``bits``.

    Anything longer overflows; checking the length first also keeps ``int()`` away from
    pathological inputs that would trip its 4300-digit conversion limit.
    """
    return len(to_base36(1 << (bits - 1)))


def parse_int(text: str, bits: int) -> int | None:
    """Parse a signed base-36 integer of the given width (32 or 64), or return None.

    Accepted: an optional leading ``+`` or ``-`` followed by at least one of ``0-9a-zA-Z``;
    nothing else (no whitespace, no empty text, no bare sign). The value must lie in the signed
    two's-complement range of ``bits`` bits, e.g. ``-8000000000000000`` is not a 64-bit base-36
    value but ``-1y2p0ij32e8e8`` (-2**63) is.
    """
    if not text:
        return None
    body = text[1:] if text[0] in "+-" else text
    # fast path: ASCII alphanumerics are exactly the characters Java accepts for radix 36 here
    if not (body.isascii() and body.isalnum()):
        return None
    digits = body.lstrip("0")
    if len(digits) > _max_digits(bits):
        return None
    value = int(digits, 36) if digits else 0
    if text[0] == "-":
        value = -value
    half = 1 << (bits - 1)
    if -half <= value < half:
        return value
    return None


def to_base36(n: int) -> str:
    """Render ``n`` like JavaScript ``n.toString(36)`` / Java ``Long.toString(n, 36)``.

    Lower-case digits, a leading ``-`` for negative numbers, no padding. Works for any int.
    """
    if 0 <= n < 36:
        return _DIGITS[n]
    negative = n < 0
    if negative:
        n = -n
    out: list[str] = []
    while n:
        n, digit = divmod(n, 36)
        out.append(_DIGITS[digit])
    if negative:
        out.append("-")
    return "".join(reversed(out))
