"""Every observable happening is one call that both counts and logs (STYLE habit 10).

Code never logs and counts separately: it calls one of these methods. The counters are
plain in-process numbers for now; the metrics endpoint reads them from here.
"""

from __future__ import annotations

import logging
from collections import Counter

log = logging.getLogger("divolte.events")


class Happenings:
    """Counters of what happened to events, keyed by (what, labels…)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, ...]] = Counter()

    def event_received(self, source: str) -> None:
        self.counts["events_received", source] += 1

    def event_dropped(
        self, source: str, reason: str, detail: str = "", level: int = logging.DEBUG
    ) -> None:
        """An event that will never reach a mapping, and why (e.g. ``missing_party_id``).

        Beacons are dropped at DEBUG (browsers with broken cookies would flood the log);
        JSON sources log at INFO because their senders are programs someone can fix.
        """
        self.counts["events_dropped", source, reason] += 1
        log.log(level, "Dropped event from source %s: %s", source, detail or reason)

    def event_flagged(self, source: str, flag: str) -> None:
        self.counts["events_flagged", source, flag] += 1

    def query_malformed(self, source: str) -> None:
        """A beacon with broken %-escapes: recorded (as corrupt), but worth knowing about."""
        self.counts["queries_malformed", source] += 1
        log.debug("Beacon on source %s had malformed percent-encoding.", source)

    def record_produced(self, mapping: str) -> None:
        self.counts["records_produced", mapping] += 1

    def record_failed(self, mapping: str, reason: str) -> None:
        self.counts["records_failed", mapping] += 1
        log.warning("Mapping %s could not build a record: %s", mapping, reason)

    def get(self, *key: str) -> int:
        return self.counts[key]

    def summary(self) -> str:
        """One line with every count, e.g. for the shutdown log."""
        if not self.counts:
            return "no events"
        return ", ".join(f"{'/'.join(key)}={count}" for key, count in sorted(self.counts.items()))
