"""Build the collector's enrichment from its configuration.

``build_enrichment(config.global_)`` gives the object mappings use (user agents, GeoIP);
``build_client_address_resolver(config.global_.server)`` gives the server's ``resolve_peer``.
Both raise :class:`~divolte.errors.ConfigError` for unusable settings (a missing or
corrupt GeoIP database, a malformed trusted-proxy network).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from . import GeoInfo, UserAgentInfo
from ._client_hints import user_agent_and_hints
from .client_address import ClientAddressResolver, Resolver, parse_trusted_proxies
from .geoip import GeoDatabase
from .useragent import UserAgentParser

if TYPE_CHECKING:
    from divolte.config import GlobalConfig, ServerConfig
    from divolte.event import Event

log = logging.getLogger("divolte.enrich")


class CollectorEnrichment:
    """The :class:`~divolte.enrich.Enrichment` of a running collector."""

    def __init__(self, user_agents: UserAgentParser, geo: GeoDatabase | None = None) -> None:
        self._parse = user_agents.parse
        self._geo = geo
        self.user_agents = user_agents
        self._last_event: Event | None = None
        self._last_info: UserAgentInfo | None = None

    @property
    def geo_enabled(self) -> bool:
        return self._geo is not None

    def user_agent(self, event: Event) -> UserAgentInfo | None:
        # Fast path: a mapping asks once per field; the same event gets the same answer.
        if event is self._last_event:
            return self._last_info
        ua, hints = user_agent_and_hints(event.request.raw_headers)
        info = None if ua is None else self._parse(ua, hints)
        self._last_event, self._last_info = event, info
        return info

    def geo(self, address: str) -> GeoInfo | None:
        return None if self._geo is None else self._geo.lookup(address)

    def close(self) -> None:
        """Stop the GeoIP watcher thread, if any."""
        if self._geo is not None:
            self._geo.close()


def build_enrichment(
    config: GlobalConfig, *, watch: bool = True, announce: bool = True
) -> CollectorEnrichment:
    """User-agent parser sized by ``mapper.user_agent_parser.cache_size``; GeoIP when
    ``mapper.ip2geo_database`` is set (watched for changes unless ``watch`` is false).

    With ``announce`` (false in all worker processes but one) it also logs the C-01
    warning when GeoIP would only ever see a proxy's address.
    """
    mapper = config.mapper
    parser = UserAgentParser(mapper.user_agent_parser.cache_size)
    geo = None
    if mapper.ip2geo_database is not None:
        geo = GeoDatabase(mapper.ip2geo_database, poll_interval=5.0 if watch else None)
        if announce:
            warn_if_geo_sees_proxies(config.server)
    return CollectorEnrichment(parser, geo)


def build_client_address_resolver(server: ServerConfig) -> Resolver:
    """``remoteHost()`` for every request: peer or forwarded client, rendered as Java does."""
    return ClientAddressResolver(
        use_x_forwarded_for=server.use_x_forwarded_for,
        use_forwarded=server.use_forwarded,
        trusted_proxies=parse_trusted_proxies(server.trusted_proxies),
    )


def warn_if_geo_sees_proxies(server: ServerConfig) -> bool:
    """Case C-01: with no forwarding configured on a server that only loopback or private
    networks can reach, every GeoIP lookup would see the proxy in front. Say so once."""
    if server.use_x_forwarded_for or server.use_forwarded:
        return False
    host = server.host or "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a host name: we cannot tell (and do not resolve it)
    if not (address.is_loopback or address.is_private) or address.is_unspecified:
        return False
    log.warning(
        "GeoIP is configured but the server listens on %s, which only loopback or private "
        "networks reach, and neither divolte.global.server.use_x_forwarded_for nor "
        "use_forwarded is set: lookups will see the proxy's address, not the client's.",
        host,
    )
    return True
