"""An event as the inspector page shows it: one JSON-ready dict, built only while watched."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

from divolte.enrich import Enrichment
from divolte.event import Event

MappingResult = tuple[str, object]
"""A mapping's name and its record (a dict), or the exception that stopped it."""


def describe(
    event: Event, results: Sequence[MappingResult], enrichment: Enrichment | None
) -> dict[str, Any]:
    request = event.request
    agent = enrichment.user_agent(event) if enrichment is not None else None
    geo = enrichment.geo(request.remote_host) if enrichment is not None else None
    return {
        "received": time.strftime("%H:%M:%S", time.localtime(event.timestamp / 1000))
        + f".{event.timestamp % 1000:03d}",
        "source": event.source_name,
        "kind": event.source_kind,
        "type": event.event_type,
        "party": event.party_id,
        "session": event.session_id,
        "page_view": event.page_view_id,
        "event_id": event.event_id,
        "location": event.location,
        "referer": event.referer,
        "flags": {
            "corrupt": event.corrupt,
            "duplicate": event.duplicate,
            "new_party": event.new_party,
            "first_in_session": event.first_in_session,
            "robot": bool(agent is not None and agent.is_robot),
        },
        "request": {
            "remote_host": request.remote_host,
            "query": {
                name: values[0] if len(values) == 1 else values
                for name, values in request.query.items()
            },
            "headers": [
                [name.decode("latin-1"), value.decode("latin-1")]
                for name, value in request.raw_headers
            ],
        },
        "user_agent": {"string": request.user_agent, **(_fields(agent) or {})},
        "geo": _fields(geo),
        "records": [_result(name, result) for name, result in results],
    }


def _fields(info: object) -> dict[str, Any] | None:
    if info is None or not dataclasses.is_dataclass(info) or isinstance(info, type):
        return None
    return {k: v for k, v in dataclasses.asdict(info).items() if v is not None}


def _result(mapping: str, result: object) -> dict[str, Any]:
    if isinstance(result, BaseException):
        return {"mapping": mapping, "error": str(result)}
    return {"mapping": mapping, "record": result}
