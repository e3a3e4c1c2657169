"""Response bytes, built once where possible.

Every routed response carries ``Server: divolte`` (PROTOCOL §1). The ``Date`` header is
rendered at most once per second and shared by every response of that second.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from http import HTTPStatus

Headers = list[tuple[str, str]]

TEXT_PLAIN = "text/plain; charset=utf-8"

_date_second = -1
_date_line = b""


def date_line() -> bytes:
    """The ``Date:`` header line for the current second, CRLF-terminated."""
    global _date_second, _date_line
    now = int(time.time())
    if now != _date_second:
        _date_second = now
        _date_line = b"Date: " + formatdate(now, usegmt=True).encode("ascii") + b"\r\n"
    return _date_line


def status_line(status: int) -> bytes:
    return f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode("ascii")


def render_head(status: int, headers: Headers, *, server_header: bool = True) -> bytes:
    """Status line and header lines without ``Date``, ``Content-Length`` or ``Connection``."""
    lines = [status_line(status)]
    if server_header:
        lines.append(b"Server: divolte\r\n")
    lines.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)
    return b"".join(lines)


def finish(head: bytes, body: bytes, *, keep_alive: bool, send_body: bool = True) -> bytes:
    """Complete a response whose head came from :func:`render_head`."""
    tail = b"" if keep_alive else b"Connection: close\r\n"
    # A 304 carries no body and, here, no Content-Length (RFC 9110 §8.6 allows one only if
    # it equals the 200's); a HEAD answer declares the length of the body it leaves out.
    no_length = not send_body and not body
    length = b"" if no_length else b"Content-Length: %d\r\n" % len(body)
    return b"".join((head, date_line(), length, tail, b"\r\n", body if send_body else b""))


def simple(
    status: int,
    body: bytes = b"",
    headers: Headers | None = None,
    *,
    keep_alive: bool = True,
    server_header: bool = True,
    send_body: bool = True,
) -> bytes:
    """A whole response in one call, for the paths that are not hot."""
    head = render_head(status, headers or [], server_header=server_header)
    return finish(head, body, keep_alive=keep_alive, send_body=send_body)


def text(
    status: int, message: str, *, keep_alive: bool = True, server_header: bool = True
) -> bytes:
    return simple(
        status,
        message.encode("utf-8"),
        [("Content-Type", TEXT_PLAIN)],
        keep_alive=keep_alive,
        server_header=server_header,
    )


def method_not_allowed(method: str, allow: str, *, keep_alive: bool) -> bytes:
    """405 exactly as the reference answers it (PROTOCOL §1)."""
    return simple(
        405,
        f"HTTP method {method} not allowed.".encode(),
        [("Allow", allow), ("Content-Type", TEXT_PLAIN)],
        keep_alive=keep_alive,
    )


def not_found(*, keep_alive: bool) -> bytes:
    return simple(404, keep_alive=keep_alive)
