"""The beacon checksum (PROTOCOL §2.7) and the party-id affinity hash (SINKS §1).

The tag hashes a canonical rendering of every query parameter except ``x`` and sends the signed
32-bit MurmurHash3 as ``x``; the server recomputes it to detect truncated or rewritten URLs.

We deliberately hash the UTF-8 bytes with a *correct* MurmurHash3 for all of Unicode (DESIGN §2):
the reference server used Guava 29, whose UTF-8 string hashing is wrong for characters outside the
Basic Multilingual Plane, so it flagged every event containing an emoji as corrupt although the tag
had computed the right value. :func:`guava29_murmur3_32` reproduces that defect, only so that tests
and documentation can show the difference with real numbers; nothing in the collector calls it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import mmh3

from divolte.base36 import parse_int

__all__ = [
    "Params",
    "affinity",
    "beacon_checksum",
    "canonical_string",
    "guava29_murmur3_32",
    "is_corrupt",
    "murmur3_32",
]

Params = Mapping[str, Sequence[str]]
"""Decoded query parameters: name → every value in arrival order."""

_AFFINITY_SEED = 42


def _utf16_order(name: str) -> bytes:
    """Sort key giving Java ``String.compareTo`` order (UTF-16 code units, not code points)."""
    return name.encode("utf-16-be", "surrogatepass")


def canonical_string(params: Params) -> str:
    """The text the checksum covers: ``name=v1,v2,;`` per name, names sorted, ``x`` left out.

    Every parameter takes part, including ones the tag never sends and empty names or values.
    """
    names = sorted(params)
    # fast path: for names without supplementary characters (always, for the tag's single
    # letters) code-point order is UTF-16 code-unit order, so the plain sort is already right
    if not "".join(names).isascii():
        names.sort(key=_utf16_order)
    parts: list[str] = []
    append = parts.append
    for name in names:
        if name == "x":
            continue
        values = params[name]
        if len(values) == 1:
            append(f"{name}={values[0]},;")
        else:
            append(name + "=" + "".join([value + "," for value in values]) + ";")
    return "".join(parts)


def murmur3_32(text: str, seed: int = 0) -> int:
    """Correct MurmurHash3 x86_32 of the UTF-8 bytes of ``text``, as a signed int32."""
    # A lone surrogate cannot come from the tag (encodeURIComponent refuses it); encode it as
    # '?' like Java's String.getBytes(UTF_8) so a hostile request cannot raise here.
    return int(mmh3.hash(text.encode("utf-8", "replace"), seed))


def beacon_checksum(params: Params) -> int:
    """MurmurHash3 x86_32, seed 0, over the UTF-8 canonical string, as a signed int32."""
    return murmur3_32(canonical_string(params), 0)


def is_corrupt(params: Params) -> bool:
    """True when ``x`` is missing, empty, not a 64-bit base-36 number or not the checksum.

    Only the first ``x`` value counts (the server reads the first value of every parameter).
    The comparison is numeric, so the unsigned rendering of a negative hash is a mismatch.
    """
    values = params.get("x")
    if not values:
        return True
    sent = parse_int(values[0], 64)
    return sent is None or sent != beacon_checksum(params)


def affinity(party_id: str) -> int:
    """Routing value of a normalised party id: MurmurHash3 x86_32 seed 42 & 0x7fffffff."""
    return murmur3_32(party_id, _AFFINITY_SEED) & 0x7FFFFFFF


# --- the reference's defective variant, for tests and documentation only -------------------

_M32 = 0xFFFFFFFF


def _mix_k1(k1: int) -> int:
    k1 = (k1 * 0xCC9E2D51) & _M32
    k1 = ((k1 << 15) | (k1 >> 17)) & _M32
    return (k1 * 0x1B873593) & _M32


def _mix_h1(h1: int, k1: int) -> int:
    h1 ^= k1
    h1 = ((h1 << 13) | (h1 >> 19)) & _M32
    return (h1 * 5 + 0xE6546B64) & _M32


def _fmix(h1: int, length: int) -> int:
    h1 ^= length
    h1 ^= h1 >> 16
    h1 = (h1 * 0x85EBCA6B) & _M32
    h1 ^= h1 >> 13
    h1 = (h1 * 0xC2B2AE35) & _M32
    h1 ^= h1 >> 16
    return h1 - (1 << 32) if h1 & 0x80000000 else h1


def _utf8_packed(code_point: int) -> int:
    """The UTF-8 bytes of one code point packed little-endian into an int."""
    return int.from_bytes(chr(code_point).encode("utf-8"), "little")


def guava29_murmur3_32(s: str, seed: int = 0) -> int:
    """Guava 29's ``murmur3_32().hashString(s, UTF_8)``, defect included (PROTOCOL §2.7).

    For a supplementary character it mixes in the four UTF-8 bytes but does not advance the bit
    position, so the following bytes are OR-ed over them. Equal to the correct hash for text
    without supplementary characters. Not used by the collector.
    """
    units = memoryview(s.encode("utf-16-le", "surrogatepass")).cast("H")
    n = len(units)
    h, i, length = seed & _M32, 0, 0
    while i + 4 <= n and max(units[i : i + 4]) < 0x80:  # the ASCII fast path of the original
        k1 = units[i] | units[i + 1] << 8 | units[i + 2] << 16 | units[i + 3] << 24
        h = _mix_h1(h, _mix_k1(k1))
        i += 4
        length += 4
    buf, shift = 0, 0
    while i < n:
        c = units[i]
        if c < 0x80:
            buf |= c << shift
            shift += 8
            length += 1
        elif c < 0x800 or not 0xD800 <= c <= 0xDFFF:
            width = 2 if c < 0x800 else 3
            buf |= _utf8_packed(c) << shift
            shift += 8 * width
            length += width
        else:
            low = units[i + 1] if i + 1 < n else 0
            if not (c <= 0xDBFF and 0xDC00 <= low <= 0xDFFF):
                # lone surrogate: Guava falls back to hashing Java's getBytes (which writes '?')
                joined = units.tobytes().decode("utf-16-le", "surrogatepass")
                return murmur3_32(joined, seed)
            i += 1
            buf |= _utf8_packed(0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00)) << shift
            length += 4  # the defect: shift is not advanced
        if shift >= 32:
            h = _mix_h1(h, _mix_k1(buf & _M32))
            buf >>= 32
            shift -= 32
        i += 1
    h ^= _mix_k1(buf & _M32)
    return _fmix(h, length)
