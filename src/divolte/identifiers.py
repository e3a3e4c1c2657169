"""Divolte identifiers for parties and sessions: ``0:<b36 timestamp>:<unique>`` (PROTOCOL §2.9).

Identifiers are kept as plain strings in their *normalised* form: the timestamp re-rendered in
canonical base 36, so that ``0:ABC:x`` and ``0:+abc:x`` are the same party. The normalised text is
what mappings see, what duplicate detection and worker affinity hash, and what becomes the Kafka
key, so every place that accepts an identifier from outside goes through :func:`parse_identifier`.
The unique part is opaque: any characters except ``:``, even empty.
"""

from __future__ import annotations

import secrets

from divolte.base36 import parse_int, to_base36

__all__ = ["generate_identifier", "identifier_timestamp", "parse_identifier"]

_VERSION = "0"


def _split(text: str) -> tuple[int, str] | None:
    """(timestamp, timestamp text as sent) of a valid identifier, else None."""
    parts = text.split(":", 3)
    if len(parts) != 3 or parts[0] != _VERSION:
        return None
    timestamp = parse_int(parts[1], 64)
    if timestamp is None:
        return None
    return timestamp, parts[1]


def _is_canonical(b36: str) -> bool:
    """Whether already-parsed base-36 text is exactly what ``to_base36`` would print."""
    first = b36[0]
    if first == "-":
        return b36[1] != "0" and b36 == b36.lower()
    return (first != "0" or len(b36) == 1) and first != "+" and b36 == b36.lower()


def parse_identifier(text: str) -> str | None:
    """The normalised identifier, or None when ``text`` is not a valid identifier.

    Valid: exactly three ``:``-separated pieces, the first exactly ``0``, the second a signed
    64-bit base-36 number. ``0:ABC:x`` → ``0:abc:x``; ``0:abc:de:f`` and ``0::x`` → None.
    """
    split = _split(text)
    if split is None:
        return None
    timestamp, sent = split
    # fast path: the tag always sends canonical lower-case base 36, so the text is already
    # normalised and need not be rebuilt
    if _is_canonical(sent):
        return text
    unique = text[len(sent) + 3 :]
    return f"{_VERSION}:{to_base36(timestamp)}:{unique}"


def identifier_timestamp(text: str) -> int | None:
    """The generation time (ms since the epoch) of a valid identifier, else None."""
    split = _split(text)
    return None if split is None else split[0]


def generate_identifier(timestamp_ms: int) -> str:
    """A new identifier the way the Java server made them (mapping test server).

    ``0:`` + base-36 timestamp + ``:`` + URL-safe Base64 of 24 random bytes (32 characters from
    ``A-Za-z0-9-_``, no padding). The tag generates its own, differently shaped, unique parts.
    """
    return f"{_VERSION}:{to_base36(timestamp_ms)}:{secrets.token_urlsafe(24)}"
