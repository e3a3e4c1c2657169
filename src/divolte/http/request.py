"""The request as handlers see it, and the helpers that turn raw bytes into text."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, unquote_plus


@dataclass(slots=True)
class Request:
    method: str
    path: str
    """Percent-decoded path with dot-segments resolved (PROTOCOL §1, "canonical path")."""
    raw_query: str
    headers: list[tuple[bytes, bytes]]
    peer: str
    """Client address: the TCP peer, or what X-Forwarded-For says when that is enabled."""
    keep_alive: bool
    send: Callable[[bytes], None]
    """Write response bytes; the connection closes after them when ``keep_alive`` is false."""
    body: bytes = b""
    extras: dict[str, object] = field(default_factory=dict)

    def header_values(self, lower_name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k.lower() == lower_name]

    def first_header(self, lower_name: bytes) -> bytes | None:
        for k, v in self.headers:
            if k.lower() == lower_name:
                return v
        return None


def canonical_path(raw_path: str) -> str:
    """Percent-decode a path and resolve ``.`` and ``..`` segments, keeping a trailing slash."""
    path = unquote(raw_path, errors="replace") if "%" in raw_path else raw_path
    if "/." not in path and "//" not in path:
        return path or "/"
    resolved = posixpath.normpath("/" + path.lstrip("/"))
    if resolved.startswith("//"):
        resolved = "/" + resolved.lstrip("/")
    if path.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    return resolved


def parse_query(raw: str) -> tuple[dict[str, list[str]], bool]:
    """Split a query string into name → values, form-decoded.

    Returns the parameters and whether any escape was malformed. Malformed escapes are
    kept literally and invalid UTF-8 becomes U+FFFD: a beacon cut off by a proxy is then
    still recorded, with a checksum that no longer matches (cases C-03, C-12), instead of
    being refused as a whole like the reference's HTTP server does.
    """
    params: dict[str, list[str]] = {}
    malformed = False
    for piece in raw.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        # Fast path: nothing to decode in most names and in many values.
        if "%" in name or "+" in name:
            malformed |= _is_malformed(name)
            name = unquote_plus(name, errors="replace")
        if "%" in value or "+" in value:
            malformed |= _is_malformed(value)
            value = unquote_plus(value, errors="replace")
        values = params.get(name)
        if values is None:
            params[name] = [value]
        else:
            values.append(value)
    return params, malformed


_HEX = frozenset("0123456789abcdefABCDEF")


def _is_malformed(text: str) -> bool:
    """Whether a %-escape is incomplete or not hexadecimal, or the bytes are not UTF-8."""
    index = text.find("%")
    while index != -1:
        pair = text[index + 1 : index + 3]
        if len(pair) < 2 or pair[0] not in _HEX or pair[1] not in _HEX:
            return True
        index = text.find("%", index + 3)
    try:
        unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        return True
    return False
