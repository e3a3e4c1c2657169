"""Every observable happening is one call that both counts and logs (STYLE habit 10).

Code never logs and counts separately: it calls one of these methods, which increments the
Prometheus metric (``metrics.py``: one store into shared memory, about 0.1 µs) and writes the
log line, if the happening has one. Every metric of the collector is declared in this module,
so the list below is the list of ``docs/operations.md``:

* :class:`Happenings`: events received, dropped (by reason), flagged, malformed queries,
  records produced and failed (by mapping), tag downloads.
* :class:`HttpHappenings`: requests by endpoint and status, their latency, refused requests.
* :class:`SinkMonitor` (``_sink_monitor.py``): per sink written, failed, retried, queue
  depth, bytes, healthy, files published; sampled from the sinks' own counters once a second.
* :func:`declare_instance`: start time and build info.
"""

from __future__ import annotations

import logging
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable

from divolte import __version__
from divolte.metrics import Family, HistogramFamily, Metrics, Observation, Value

log = logging.getLogger("divolte.events")

_now = time.perf_counter


class _ByLabel(dict[str, Value]):
    """Children of a one-label family, created on first use."""

    def __init__(self, family: Family) -> None:
        super().__init__()
        self.family = family

    def __missing__(self, label: str) -> Value:
        child = self[label] = self.family.labels(label)
        return child


class _ByLabels(dict[tuple[str, ...], Value]):
    """Children of a family with several labels, created on first use."""

    def __init__(self, family: Family) -> None:
        super().__init__()
        self.family = family

    def __missing__(self, labels: tuple[str, ...]) -> Value:
        child = self[labels] = self.family.labels(*labels)
        return child


def _one_line(text: str, limit: int = 200) -> str:
    """``text`` as a bounded single line with control characters escaped."""
    quoted = repr(text[: limit + 1])[1:-1]
    return quoted[:limit] + ("…" if len(text) > limit else "")


class Happenings:
    """What happened to events, counted by source, reason, flag and mapping."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.metrics = metrics if metrics is not None else Metrics.in_memory_only()
        counter = self.metrics.counter
        self._received = _ByLabel(
            counter("divolte_events_received", "Events received, by source.", ["source"])
        )
        self._dropped = _ByLabels(
            counter(
                "divolte_events_dropped",
                "Events that never reached a mapping, by source and reason.",
                ["source", "reason"],
            )
        )
        self._flagged = _ByLabels(
            counter(
                "divolte_events_flagged",
                "Events flagged corrupt or duplicate (they are still mapped), by source.",
                ["source", "flag"],
            )
        )
        self._malformed = _ByLabel(
            counter(
                "divolte_queries_malformed",
                "Beacons with malformed percent-escapes (recorded as corrupt), by source.",
                ["source"],
            )
        )
        self._produced = _ByLabel(
            counter(
                "divolte_records_produced", "Records built and encoded, by mapping.", ["mapping"]
            )
        )
        self._failed = _ByLabel(
            counter(
                "divolte_records_failed",
                "Events a mapping could not turn into a record, by mapping.",
                ["mapping"],
            )
        )
        self._tags = _ByLabels(
            counter(
                "divolte_tag_downloads",
                "Answers on a tag path, by source and status (200 sent it, 304 cached).",
                ["source", "status"],
            )
        )

    def declare(self, sources: Iterable[str], mappings: Iterable[str]) -> None:
        """Show the main counters as 0 from the start, so ``rate()`` works from the first scrape."""
        for source in sources:
            _ = self._received[source], self._malformed[source]
            for flag in ("corrupt", "duplicate"):
                _ = self._flagged[source, flag]
        for mapping in mappings:
            _ = self._produced[mapping], self._failed[mapping]

    def event_received(self, source: str) -> None:
        self._received[source].inc()

    def event_dropped(
        self, source: str, reason: str, detail: str = "", level: int = logging.DEBUG
    ) -> None:
        """An event that will never reach a mapping, and why (e.g. ``missing_party_id``).

        Beacons are dropped at DEBUG (browsers with broken cookies would flood the log);
        JSON sources log at INFO because their senders are programs someone can fix.
        """
        self._dropped[source, reason].inc()
        if log.isEnabledFor(level):
            # The detail may quote the request: one line, bounded, never the client's text raw.
            shown = reason if not detail else _one_line(detail)
            log.log(level, "Dropped event from source %s: %s", source, shown)

    def event_flagged(self, source: str, flag: str) -> None:
        self._flagged[source, flag].inc()

    def query_malformed(self, source: str) -> None:
        """A beacon with broken %-escapes: recorded (as corrupt), but worth knowing about."""
        self._malformed[source].inc()
        log.debug("Beacon on source %s had malformed percent-encoding.", source)

    def record_produced(self, mapping: str) -> None:
        self._produced[mapping].inc()

    def record_failed(self, mapping: str, reason: str) -> None:
        self._failed[mapping].inc()
        log.warning("Mapping %s could not build a record: %s", mapping, reason)

    def tag_served(self, source: str, status: str) -> None:
        self._tags[source, status].inc()

    @property
    def counts(self) -> Counter[tuple[str, ...]]:
        """This process's non-zero counts, keyed by (what, labels…)."""
        counts: Counter[tuple[str, ...]] = Counter()
        singles = (
            ("events_received", self._received),
            ("queries_malformed", self._malformed),
            ("records_produced", self._produced),
            ("records_failed", self._failed),
        )
        for what, single in singles:
            for label, value in single.items():
                counts[what, label] = int(value.value)
        for what, several in (("events_dropped", self._dropped), ("events_flagged", self._flagged)):
            for labels, value in several.items():
                counts[(what, *labels)] = int(value.value)
        return +counts

    def get(self, *key: str) -> int:
        return self.counts[key]

    def summary(self) -> str:
        """One line with every count, e.g. for the shutdown log."""
        counts = self.counts
        if not counts:
            return "no events"
        return ", ".join(f"{'/'.join(key)}={count}" for key, count in sorted(counts.items()))


class EndpointFigures:
    """Requests of one endpoint: a counter per status (created on first use) and a latency
    histogram. ``tag_source`` is set for a tag path, whose answers are tag downloads too."""

    __slots__ = ("_by_status", "_family", "_happenings", "_label", "_latency", "_tag_source")

    def __init__(
        self,
        label: str,
        requests: Family,
        latency: HistogramFamily,
        happenings: Happenings,
        tag_source: str | None,
    ) -> None:
        self._label, self._family, self._happenings = label, requests, happenings
        self._latency: Observation = latency.labels(label)
        self._by_status: dict[bytes, Value] = {}
        self._tag_source = tag_source

    def sent(self, send: Callable[[bytes], None], started: float, response: bytes) -> None:
        """Send ``response`` (what ``request.send`` would have done), then count it."""
        send(response)
        self.answered(response, _now() - started)

    def answered(self, response: bytes, seconds: float) -> None:
        """A response went out; its status is the 3 digits after ``HTTP/1.1 ``."""
        status = response[9:12]
        child = self._by_status.get(status)
        if child is None:
            child = self._by_status[status] = self._family.labels(self._label, status.decode())
        child.inc()
        self._latency.observe(seconds)
        if self._tag_source is not None:
            self._happenings.tag_served(self._tag_source, status.decode())


class HttpHappenings:
    """Requests by endpoint (a registered path, ``static``, ``unknown`` or ``malformed``)."""

    def __init__(self, happenings: Happenings, tag_paths: dict[str, str] | None = None) -> None:
        metrics = happenings.metrics
        self._happenings = happenings
        self._requests = metrics.counter(
            "divolte_http_requests",
            "HTTP requests answered, by endpoint and status.",
            ["endpoint", "status"],
        )
        self._latency = metrics.histogram(
            "divolte_http_request_duration_seconds",
            "Time from a complete request to its response being written, by endpoint.",
            ["endpoint"],
        )
        self._tag_paths = tag_paths or {}
        self._endpoints: dict[str, EndpointFigures] = {}

    def endpoint(self, label: str) -> EndpointFigures:
        found = self._endpoints.get(label)
        if found is None:
            found = self._endpoints[label] = EndpointFigures(
                label, self._requests, self._latency, self._happenings, self._tag_paths.get(label)
            )
        return found

    def refused(self, status: int) -> None:
        """A request refused before routing (400, 413, 414, 431); logged at DEBUG."""
        self._requests.labels("malformed", str(status)).inc()
        log.debug("Refused a malformed or oversized request with status %d.", status)


def declare_instance(metrics: Metrics, started: float | None = None) -> None:
    """Build info, start time and one live worker."""
    metrics.gauge(
        "divolte_build_info",
        "Always 1; the labels name the collector's and Python's versions.",
        ["version", "python"],
        mode="livemax",
    ).labels(__version__, platform.python_version()).set(1)
    metrics.gauge(
        "divolte_start_time_seconds",
        "When the oldest live worker started (Unix time); a change means a restart.",
        mode="livemin",
    ).labels().set(started if started is not None else time.time())
    metrics.gauge(
        "divolte_workers", "Live worker processes of the instance.", mode="livesum"
    ).labels().set(1)
