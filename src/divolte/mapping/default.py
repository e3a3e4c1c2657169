"""The built-in default mapping (MAPPING.md §10): event → DefaultEventRecord fields."""

from __future__ import annotations

from collections.abc import Callable

from divolte.enrich import Enrichment, NoEnrichment
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


def make_default_mapping(enrichment: Enrichment | None = None) -> Callable[[Event], Record]:
    """The reference's default mapping, with the nine ``userAgent()`` fields from
    ``enrichment`` (null without a User-Agent header, as in the reference)."""
    if enrichment is None or isinstance(enrichment, NoEnrichment):
        return default_record
    user_agent = enrichment.user_agent

    def build(event: Event) -> Record:
        record = default_record(event)
        info = user_agent(event)
        if info is not None:
            record["userAgentName"] = info.name
            record["userAgentFamily"] = info.family
            record["userAgentVendor"] = info.vendor
            record["userAgentType"] = info.type
            record["userAgentVersion"] = info.version
            record["userAgentDeviceCategory"] = info.device_category
            record["userAgentOsFamily"] = info.os_family
            record["userAgentOsVersion"] = info.os_version
            record["userAgentOsVendor"] = info.os_vendor
        return record

    return build


def default_record(event: Event) -> Record:
    """The record the reference's default mapping builds for ``event``, without enrichment:
    the user-agent breakdown stays null here; see :func:`make_default_mapping`.
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
