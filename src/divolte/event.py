"""The event model: what a source hands to the mappings.

An event is plain data. Sources build it from a request (browser beacon or JSON
body); enrichment fills in the flags; mappings read it and produce records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SourceKind = Literal["browser", "json"]


@dataclass(slots=True)
class RequestInfo:
    """The parts of the HTTP request that mappings may look at.

    Headers stay raw bytes until a mapping asks for one: most events only need the
    user agent, and decoding every header line would cost on every beacon.
    """

    remote_host: str
    """Client address rendered the way the reference does (PROTOCOL §2.16)."""
    raw_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    """Header lines in arrival order, names as sent."""
    query: dict[str, list[str]] = field(default_factory=dict)
    """The decoded query parameters (every value, in order)."""

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in arrival order."""
        wanted = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw_headers if k.lower() == wanted]

    def header(self, name: str) -> str | None:
        """The first value of header ``name``, or None."""
        values = self.header_values(name)
        return values[0] if values else None

    @property
    def user_agent(self) -> str | None:
        return self.header("user-agent")

    def cookies(self) -> dict[str, str]:
        """Cookies sent with the request; the last occurrence of a name wins."""
        jar: dict[str, str] = {}
        for line in self.header_values("cookie"):
            for piece in line.split(";"):
                name, sep, value = piece.strip().partition("=")
                if sep and name:
                    jar[name] = value
        return jar


@dataclass(slots=True)
class Event:
    """One parsed event (PROTOCOL §2.2 for browser events, §3.2 for JSON events)."""

    source_kind: SourceKind
    source_name: str
    party_id: str
    """Normalised identifier (PROTOCOL §2.9)."""
    session_id: str
    event_id: str
    new_party: bool
    first_in_session: bool
    client_timestamp: int
    """Milliseconds since the epoch, as sent by the client."""
    timestamp: int
    """Server time in milliseconds since the epoch when the request was handled."""
    request: RequestInfo
    page_view_id: str | None = None
    event_type: str | None = None
    location: str | None = None
    referer: str | None = None
    screen_width: int | None = None
    screen_height: int | None = None
    device_pixel_ratio: int | None = None
    viewport_width: int | None = None
    viewport_height: int | None = None
    corrupt: bool = False
    duplicate: bool = False
    parameters_text: str | None = None
    """Raw custom parameters: mincode for browser events; decoded lazily."""
    parameters_json: Any = None
    """Custom parameters of JSON events (already a JSON tree)."""
