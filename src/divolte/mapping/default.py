"""The built-in default mapping (MAPPING.md §10): event → DefaultEventRecord fields."""

from __future__ import annotations

from divolte.event import Event
from divolte.types import Record

_USER_AGENT_FIELDS = (
    "userAgentName",
    "userAgentFamily",
    "userAgentVendor",
    "userAgentType",
    "userAgentVersion",
    "userAgentDeviceCategory",
    "userAgentOsFamily",
    "userAgentOsVersion",
    "userAgentOsVendor",
)


def default_record(event: Event) -> Record:
    """The record the reference's default mapping builds for ``event``.

    The user-agent breakdown stays null here; see ``make_default_mapping``.
    """
    record: Record = {
        "detectedDuplicate": event.duplicate,
        "detectedCorruption": event.corrupt,
        "firstInSession": event.first_in_session,
        "timestamp": event.timestamp,
        "clientTimestamp": event.client_timestamp,
        "remoteHost": event.request.remote_host,
        "referer": event.referer,
        "location": event.location,
        "viewportPixelWidth": event.viewport_width,
        "viewportPixelHeight": event.viewport_height,
        "screenPixelWidth": event.screen_width,
        "screenPixelHeight": event.screen_height,
        "partyId": event.party_id,
        "sessionId": event.session_id,
        "pageViewId": event.page_view_id,
        "eventType": "unknown" if event.event_type is None else event.event_type,
        "userAgentString": event.request.user_agent,
    }
    for field in _USER_AGENT_FIELDS:
        record[field] = None
    return record
