"""Enrichment: what the collector derives from a request beyond its parameters.

Mappings (the built-in one and scripts) reach enrichment only through :class:`Enrichment`,
so the parsers behind it can change without touching the mapping code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from divolte.config import Config
    from divolte.event import Event


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    """The nine fields of the reference's ``userAgent()`` (MAPPING §6.6), in its vocabulary,
    plus whether the agent is a robot and why."""

    name: str | None
    family: str | None
    vendor: str | None
    type: str | None
    version: str | None
    device_category: str | None
    os_family: str | None
    os_version: str | None
    os_vendor: str | None
    is_robot: bool = False
    robot_reason: str | None = None


@dataclass(frozen=True, slots=True)
class GeoInfo:
    """The ``ip2geo()`` fields of MAPPING §6.7; None where the database has no value."""

    city_id: int | None = None
    city_name: str | None = None
    continent_code: str | None = None
    continent_id: int | None = None
    continent_name: str | None = None
    country_code: str | None = None
    country_id: int | None = None
    country_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    metro_code: int | None = None
    time_zone: str | None = None
    most_specific_subdivision_code: str | None = None
    most_specific_subdivision_id: int | None = None
    most_specific_subdivision_name: str | None = None
    postal_code: str | None = None
    registered_country_code: str | None = None
    registered_country_id: int | None = None
    registered_country_name: str | None = None
    represented_country_code: str | None = None
    represented_country_id: int | None = None
    represented_country_name: str | None = None
    subdivision_codes: tuple[str, ...] | None = None
    subdivision_ids: tuple[int, ...] | None = None
    subdivision_names: tuple[str, ...] | None = None
    autonomous_system_number: int | None = None
    autonomous_system_organization: str | None = None
    domain: str | None = None
    isp: str | None = None
    organisation: str | None = None
    anonymous_proxy: bool | None = None
    satellite_provider: bool | None = None


class Enrichment(Protocol):
    """Per-event lookups, cached by the implementation."""

    @property
    def geo_enabled(self) -> bool:
        """Whether an ip2geo database is configured (scripts using ``ip2geo`` need one)."""
        ...

    def user_agent(self, event: Event) -> UserAgentInfo | None:
        """The parsed user agent of the event's request; None without a User-Agent header."""
        ...

    def geo(self, address: str) -> GeoInfo | None:
        """Look up an IP address literal (no DNS); None when invalid or not found."""
        ...


class NoEnrichment:
    """Enrichment that knows nothing: user-agent fields and geo lookups stay absent."""

    geo_enabled = False

    def user_agent(self, event: Event) -> UserAgentInfo | None:
        return None

    def geo(self, address: str) -> GeoInfo | None:
        return None


def from_config(config: Config) -> Enrichment:
    """The collector's enrichment for ``config`` (see :mod:`divolte.enrich.factory`)."""
    from .factory import build_enrichment  # imported here: the parsers load on first use

    return build_enrichment(config.global_)
