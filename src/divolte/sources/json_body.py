"""The body of a JSON-source request → an :class:`~divolte.event.Event` (PROTOCOL §3.2).

Validation happens after the 204 was sent, as in the reference, so a bad body is dropped
with a reason rather than answered. Unlike the reference, a timestamp without an offset is
read as UTC instead of crashing a worker (DESIGN §2).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from divolte.event import Event, RequestInfo
from divolte.identifiers import parse_identifier

_REQUIRED = {
    "session_id": str,
    "event_id": str,
    "is_new_party": bool,
    "is_new_session": bool,
    "client_timestamp_iso": str,
}
_KNOWN = frozenset(_REQUIRED) | {"event_type", "parameters"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class InvalidBody(Exception):
    """The body cannot become an event; ``reason`` is a short metric label."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def parse_timestamp(text: str) -> int:
    """ISO-8601 date-time → epoch milliseconds (sub-millisecond digits truncated)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidBody("invalid_client_timestamp", text) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _object(body: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidBody("invalid_json", str(error)) from error
    if not isinstance(document, dict):
        raise InvalidBody("invalid_json", "the body is not a JSON object")
    unknown = sorted(set(document) - _KNOWN)
    if unknown:
        raise InvalidBody("unknown_field", ", ".join(unknown))
    for name, kind in _REQUIRED.items():
        value = document.get(name)
        if value is None:
            raise InvalidBody("missing_field", name)
        if not isinstance(value, kind):
            raise InvalidBody("wrong_field_type", f"{name} must be a {kind.__name__}")
    event_type = document.get("event_type")
    if event_type is not None and not isinstance(event_type, str):
        raise InvalidBody("wrong_field_type", "event_type must be a string")
    return document


def parse_json_event(
    body: bytes, party_id: str, request: RequestInfo, source_name: str, now_ms: int
) -> Event:
    document = _object(body)
    session = parse_identifier(document["session_id"])
    if session is None:
        raise InvalidBody("invalid_session_id", document["session_id"])
    return Event(
        source_kind="json",
        source_name=source_name,
        party_id=party_id,
        session_id=session,
        event_id=document["event_id"],
        new_party=document["is_new_party"],
        first_in_session=document["is_new_session"],
        client_timestamp=parse_timestamp(document["client_timestamp_iso"]),
        timestamp=now_ms,
        request=request,
        event_type=document.get("event_type"),
        parameters_json=document.get("parameters"),
    )
