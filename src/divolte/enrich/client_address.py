"""The client address of a request and how ``remoteHost()`` renders it (PROTOCOL §2.16).

Addresses are rendered the way the reference (Java) does, so downstream data stays
comparable: IPv4 dotted quad; IPv6 in full, uncompressed form without leading zeros in a
group and without brackets (``2001:db8:0:0:0:0:0:1``); IPv4-mapped IPv6 as its IPv4.

With ``use_x_forwarded_for`` the last ``X-Forwarded-For`` line's last entry is used, as in
the reference. Unlike the reference, a value that is not an IP literal is never looked up
in DNS: the TCP peer is kept instead.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from divolte.http.request import Request

log = logging.getLogger("divolte.client_address")


@lru_cache(maxsize=4096)
def render_address(text: str) -> str | None:
    """The Java rendering of an IP literal, or None when ``text`` is not one."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return ":".join(format(int(group, 16), "x") for group in address.exploded.split(":"))
    return str(address)


def peer_address(request: Request) -> str:
    """The TCP peer, rendered."""
    return render_address(request.peer) or request.peer


def forwarded_for_address(request: Request) -> str:
    """The client named by the last ``X-Forwarded-For`` entry, else the TCP peer."""
    lines = request.header_values(b"x-forwarded-for")
    if not lines:
        return peer_address(request)
    value = lines[-1].decode("latin-1")
    if "," in value:
        value = value.rsplit(",", 1)[1].strip()
    rendered = render_address(value.strip())
    if rendered is None:
        log.debug("X-Forwarded-For value %r is not an IP address; using the peer.", value)
        return peer_address(request)
    return rendered
