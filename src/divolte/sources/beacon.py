"""Turn a beacon's query parameters into an :class:`~divolte.event.Event` (PROTOCOL §2.2).

Only the first value of each parameter is used; the checksum covers all of them.
An event without a valid ``p s v e c n f`` is dropped (the caller counts why);
anything else that does not parse is simply absent.
"""

from __future__ import annotations

from divolte.base36 import parse_int
from divolte.checksum import is_corrupt
from divolte.event import Event, RequestInfo
from divolte.identifiers import parse_identifier


class DroppedBeacon(Exception):
    """The beacon cannot become an event; ``reason`` is a short metric label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _required(params: dict[str, list[str]], name: str, reason: str) -> str:
    value = _first(params, name)
    if value is None:
        raise DroppedBeacon(reason)
    return value


def _int32(params: dict[str, list[str]], name: str) -> int | None:
    value = _first(params, name)
    return None if value is None else parse_int(value, 32)


def parse_beacon(
    params: dict[str, list[str]], request: RequestInfo, source_name: str, now_ms: int
) -> Event:
    """Build the event of one beacon or raise :class:`DroppedBeacon`."""
    party = parse_identifier(_required(params, "p", "missing_party_id"))
    if party is None:
        raise DroppedBeacon("invalid_party_id")
    session = parse_identifier(_required(params, "s", "missing_session_id"))
    if session is None:
        raise DroppedBeacon("invalid_session_id")
    page_view = _required(params, "v", "missing_page_view_id")
    event_id = _required(params, "e", "missing_event_id")
    client_time = parse_int(_required(params, "c", "missing_client_timestamp"), 64)
    if client_time is None:
        raise DroppedBeacon("invalid_client_timestamp")
    new_party = _required(params, "n", "missing_new_party_flag") == "t"
    first_in_session = _required(params, "f", "missing_first_in_session_flag") == "t"
    return Event(
        source_kind="browser",
        source_name=source_name,
        party_id=party,
        session_id=session,
        event_id=event_id,
        new_party=new_party,
        first_in_session=first_in_session,
        client_timestamp=client_time,
        timestamp=now_ms,
        request=request,
        page_view_id=page_view,
        event_type=_first(params, "t"),
        location=_first(params, "l"),
        referer=_first(params, "r"),
        screen_width=_int32(params, "i"),
        screen_height=_int32(params, "j"),
        device_pixel_ratio=_int32(params, "k"),
        viewport_width=_int32(params, "w"),
        viewport_height=_int32(params, "h"),
        corrupt=is_corrupt(params),
        parameters_text=_first(params, "u"),
    )
