"""Event → duplicate flag → every mapping of its source → encoded record → every sink.

This is the whole per-event path after a source has parsed a request; it runs on the
event loop right after the response was written, so it must stay cheap: the mapping and
the encoder are plain callables resolved at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from divolte.dedup import DuplicateMemory
from divolte.errors import DivolteError
from divolte.event import Event
from divolte.inspector import Inspector, MappingResult
from divolte.observe import Happenings
from divolte.sinks.runner import SinkRunner
from divolte.types import Record, RecordMeta

log = logging.getLogger("divolte.inspector")


@dataclass(frozen=True, slots=True)
class MappingRoute:
    name: str
    build: Callable[[Event], Record]
    encode: Callable[[Record], bytes]
    sinks: Sequence[SinkRunner]
    discard_corrupted: bool = False
    discard_duplicates: bool = False


class Pipeline:
    def __init__(
        self,
        duplicates: DuplicateMemory,
        routes_by_source: dict[str, list[MappingRoute]],
        happenings: Happenings,
        inspector: Inspector | None = None,
    ) -> None:
        self._duplicates = duplicates
        self._routes = routes_by_source
        self._happenings = happenings
        self._inspector = inspector

    def __call__(self, event: Event) -> None:
        happenings = self._happenings
        event.duplicate = self._duplicates.is_duplicate(
            event.party_id, event.session_id, event.event_id
        )
        if event.duplicate:
            happenings.event_flagged(event.source_name, "duplicate")
        if event.corrupt:
            happenings.event_flagged(event.source_name, "corrupt")
        meta: RecordMeta | None = None
        inspector = self._inspector
        # Fast path: no inspector, or no page watching it; then nothing is kept for it.
        shown: list[MappingResult] | None = None
        if inspector is not None and inspector.watching:
            shown = []
        for route in self._routes.get(event.source_name, ()):
            if (route.discard_corrupted and event.corrupt) or (
                route.discard_duplicates and event.duplicate
            ):
                continue
            try:
                record = route.build(event)
                data = route.encode(record)
            except DivolteError as error:
                happenings.record_failed(route.name, str(error))
                if shown is not None:
                    shown.append((route.name, error))
                continue
            happenings.record_produced(route.name)
            if shown is not None:
                shown.append((route.name, record))
            if meta is None:
                meta = RecordMeta(event.party_id, event.session_id, event.event_id, event.timestamp)
            for sink in route.sinks:
                sink.enqueue(data, meta)
        if shown is not None and inspector is not None:
            try:
                inspector.publish(event, shown)
            except Exception:  # a development aid must never affect the event or its response
                log.exception("The inspector failed to show an event; the event is not affected.")
