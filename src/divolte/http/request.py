"""The request as handlers see it, and the helpers that turn raw bytes into text."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, unquote_to_bytes

if TYPE_CHECKING:
    from divolte.http.stream import ResponseStream


class StreamingConnection(Protocol):
    def open_stream(self, head: bytes) -> ResponseStream:
        """Answer with ``head`` and return the stream for the rest (server-sent events)."""
        ...


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
    connection: StreamingConnection | None = None
    """The connection, for a handler that streams its answer instead of calling ``send``."""

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
        # Fast path: plain ASCII without escapes needs no decoding (single-letter names,
        # base-36 numbers, flags).
        if "%" in name or "+" in name or not name.isascii():
            name, bad = _form_decode(name)
            malformed |= bad
        if "%" in value or "+" in value or not value.isascii():
            value, bad = _form_decode(value)
            malformed |= bad
        values = params.get(name)
        if values is None:
            params[name] = [value]
        else:
            values.append(value)
    return params, malformed


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _form_decode(text: str) -> tuple[str, bool]:
    """One name or value: ``+`` → space, escapes → UTF-8; True if something was malformed.

    ``text`` holds the request's bytes as latin-1 characters, so encoding it back gives
    the bytes the client sent; each is decoded once.
    """
    if "+" in text:
        text = text.replace("+", " ")
    raw = unquote_to_bytes(text.encode("latin-1"))
    malformed = "%" in text and _BAD_ESCAPE.search(text) is not None
    try:
        return raw.decode("utf-8"), malformed
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace"), True
