"""The client address of a request and how ``remoteHost()`` renders it (PROTOCOL §2.16).

Rendering is the reference's (Java's): IPv4 dotted quad; IPv6 in full, uncompressed form
without leading zeros in a group and without brackets (``2001:db8:0:0:0:0:0:1``,
``0:0:0:0:0:0:0:1``); IPv4-mapped IPv6 as its IPv4 (``::ffff:203.0.113.5`` →
``203.0.113.5``); a zone id (``%eth0``) is dropped.

Without forwarding the client is the TCP peer. With ``use_x_forwarded_for`` (or
``use_forwarded``, the standard ``Forwarded:`` header of RFC 7239) every header line of that
name is read, in order, as one list of hops (cases C-01, C-02):

* no ``trusted_proxies``: the last hop, as in the reference;
* with ``trusted_proxies`` (CIDR networks): the right-most hop that is not in one of them
  (all trusted: the left-most);
* each hop may carry a port (``198.51.100.23:51234``), brackets (``[2001:db8::7]:4711``) or
  quotes; ``unknown``, obfuscated names and anything that is not an IP literal make the
  request fall back to the TCP peer. Nothing is ever looked up in DNS (the reference does,
  for a non-IP value).

When both headers are enabled, a request's ``Forwarded`` header wins over its
``X-Forwarded-For``.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Sequence
from functools import lru_cache

from divolte.errors import ConfigError
from divolte.http.request import Request

log = logging.getLogger("divolte.client_address")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[Request], str]


_LONGEST_HOP = 64
"""No address, even IPv6 with brackets, a port and a zone id, is longer; longer text is
not an address, and is not cached (clients choose it)."""


def parse_hop(text: str) -> IPAddress | None:
    """One forwarded hop as an address: ports, brackets, quotes and zone ids removed."""
    if len(text) > _LONGEST_HOP:
        return None
    return _parse_hop(text)


@lru_cache(maxsize=4096)
def _parse_hop(text: str) -> IPAddress | None:
    value = text.strip().strip('"').strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        value = value[1:end]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]  # IPv4 with a port; bare IPv6 has several colons
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def render(address: IPAddress) -> str:
    """Java's ``InetAddress.getHostAddress()`` form of an address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return ":".join(format(int(group, 16), "x") for group in address.exploded.split(":"))
    return str(address)


@lru_cache(maxsize=4096)
def render_address(text: str) -> str | None:
    """The Java rendering of an IP literal, or None when ``text`` is not one."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return render(address)


def peer_address(request: Request) -> str:
    """The TCP peer, rendered."""
    return render_address(request.peer) or request.peer


def forwarded_for_hops(request: Request) -> list[str]:
    """Every ``X-Forwarded-For`` entry, all header lines in order, as one list."""
    hops: list[str] = []
    for line in request.header_values(b"x-forwarded-for"):
        hops.extend(line.decode("latin-1").split(","))
    return hops


def forwarded_hops(request: Request) -> list[str]:
    """The ``for=`` values of every ``Forwarded`` element (RFC 7239), in order."""
    hops: list[str] = []
    for line in request.header_values(b"forwarded"):
        for element in _split_outside_quotes(line.decode("latin-1"), ","):
            for pair in _split_outside_quotes(element, ";"):
                name, _, value = pair.partition("=")
                if name.strip().lower() == "for":
                    hops.append(value)
    return hops


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    if '"' not in text:
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def choose_client(hops: Sequence[str], trusted: Sequence[IPNetwork]) -> IPAddress | None:
    """The client among the hops (see the module doc); None means "use the peer"."""
    if not trusted:
        return parse_hop(hops[-1])
    address: IPAddress | None = None
    for hop in reversed(hops):
        address = parse_hop(hop)
        if address is None:
            return None  # an unknown hop: nothing to its left can be trusted
        if not any(address in network for network in trusted):
            return address
    return address  # every hop trusted: the left-most


class ClientAddressResolver:
    """``Request → remoteHost()`` text; install as the server's ``resolve_peer``."""

    def __init__(
        self,
        *,
        use_x_forwarded_for: bool = False,
        use_forwarded: bool = False,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.use_x_forwarded_for = use_x_forwarded_for
        self.use_forwarded = use_forwarded
        self.trusted = tuple(trusted_proxies)

    def __call__(self, request: Request) -> str:
        hops: list[str] = []
        if self.use_forwarded:
            hops = forwarded_hops(request)
        if not hops and self.use_x_forwarded_for:
            hops = forwarded_for_hops(request)
        if not hops:
            return peer_address(request)
        address = choose_client(hops, self.trusted)
        if address is None:
            log.debug("Forwarded client %r is not an IP address; using the peer.", hops)
            return peer_address(request)
        return render(address)


def parse_trusted_proxies(values: Sequence[str]) -> tuple[IPNetwork, ...]:
    """The configured CIDR strings as networks; a ConfigError names every bad one."""
    networks: list[IPNetwork] = []
    problems: list[str] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as error:
            problems.append(
                f"divolte.global.server.trusted_proxies: '{value}' is not a network "
                f"({error}); write an address or a CIDR block such as 10.0.0.0/8 or fd00::/8"
            )
    if problems:
        raise ConfigError(problems)
    return tuple(networks)


def forwarded_for_address(request: Request) -> str:
    """The reference's rule: the last ``X-Forwarded-For`` entry, else the TCP peer."""
    return _DIVOLTE_COMPATIBLE(request)


_DIVOLTE_COMPATIBLE = ClientAddressResolver(use_x_forwarded_for=True)
