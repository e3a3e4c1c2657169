"""Per-sink metrics, sampled from the counters the runner and the sinks already keep.

A sink counts what it does where it does it, on its own thread, next to the log line that
reports it (records made durable, files published, records it had to drop; the Kafka sink's
``counts``). Once a second, and just before this worker answers a scrape, the monitor reads
those numbers on the event loop and moves the metrics by the difference: the sink's hot path
pays nothing and every metric write stays on the event loop thread (``metrics.py``).

Failure reasons of ``divolte_sink_records_failed_total``: ``queue_full`` (the runner's queue
refused the record), ``backlog_full`` (a file sink could not hold more records while its disk
failed), ``buffer_full``, ``refused`` and ``undelivered`` (the Kafka sink's ``dropped_full``,
``failed`` and ``undelivered``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from divolte.metrics import Metrics, Value

log = logging.getLogger("divolte.sinks")

INTERVAL_SECONDS = 1.0


class MonitoredRunner(Protocol):
    """What the monitor reads from a ``SinkRunner`` (and, through ``sink``, from the sink)."""

    @property
    def sink(self) -> Any: ...

    @property
    def capacity(self) -> int: ...

    @property
    def depth(self) -> int: ...

    @property
    def enqueued(self) -> int: ...

    @property
    def refused_full(self) -> int: ...

    @property
    def failures(self) -> int: ...


def sink_totals(runner: MonitoredRunner) -> dict[str, int]:
    """The runner's and the sink's monotonic counters, under the names of the metrics.

    Keys are ``<metric>`` or ``<metric>:<reason>`` for the failure counter.
    """
    sink = runner.sink
    totals = {
        "queued": runner.enqueued,
        "failed:queue_full": runner.refused_full,
        "errors": runner.failures,
        "bytes": getattr(runner, "bytes_written", 0),
    }
    counts = getattr(sink, "counts", None)
    if counts is not None:  # the Kafka sink keeps them together
        totals["written"] = counts.delivered
        totals["retried"] = counts.retried
        totals["failed:buffer_full"] = counts.dropped_full
        totals["failed:refused"] = counts.failed
        totals["failed:undelivered"] = counts.undelivered
    else:
        totals["written"] = getattr(sink, "records_written", 0)
        totals["failed:backlog_full"] = getattr(sink, "records_dropped", 0)
        if hasattr(sink, "files_published"):
            totals["published"] = sink.files_published
    return totals


class _SinkSeries:
    """One sink's metric children and the totals last moved into them."""

    def __init__(self, name: str, runner: MonitoredRunner, families: _Families) -> None:
        self.name, self.runner, self._families = name, runner, families
        self._last: dict[str, int] = {}
        self._counters: dict[str, Value] = {}
        for key in sink_totals(runner):
            self._counter(key)  # every series shows 0 from the start
        self.depth = families.depth.labels(name)
        self.capacity = families.capacity.labels(name)
        self.healthy = families.healthy.labels(name)

    def _counter(self, key: str) -> Value:
        child = self._counters.get(key)
        if child is None:
            metric, _, reason = key.partition(":")
            family = self._families.counters[metric]
            child = family.labels(self.name, reason) if reason else family.labels(self.name)
            self._counters[key] = child
        return child

    def sample(self) -> bool:
        """Move the metrics to the current figures; returns whether the sink is healthy."""
        for key, total in sink_totals(self.runner).items():
            delta = total - self._last.get(key, 0)
            if delta:
                self._counter(key).inc(delta)
                self._last[key] = total
        healthy = bool(self.runner.sink.healthy)
        self.depth.set(self.runner.depth)
        self.capacity.set(self.runner.capacity)
        self.healthy.set(1.0 if healthy else 0.0)
        return healthy


class _Families:
    def __init__(self, metrics: Metrics) -> None:
        counter = metrics.counter
        sink = ["sink"]
        self.counters = {
            "queued": counter(
                "divolte_sink_records_queued", "Records accepted into the sink's queue.", sink
            ),
            "written": counter(
                "divolte_sink_records_written",
                "Records made durable (file sink: synced) or delivered (Kafka: acknowledged).",
                sink,
            ),
            "failed": counter(
                "divolte_sink_records_failed",
                "Records the sink will never write, by reason.",
                ["sink", "reason"],
            ),
            "errors": counter(
                "divolte_sink_errors",
                "Failed attempts to write a batch; each is retried with backoff, nothing lost.",
                sink,
            ),
            "retried": counter(
                "divolte_sink_records_retried",
                "Records sent again after a retriable delivery failure (Kafka).",
                sink,
            ),
            "bytes": counter(
                "divolte_sink_written_bytes",
                "Encoded record bytes handed to the sink (Avro body, before framing).",
                sink,
            ),
            "published": counter(
                "divolte_files_published", "Files moved to the publish directory.", sink
            ),
        }
        self.depth = metrics.gauge(
            "divolte_sink_queue_depth", "Records waiting in the sink's queue.", sink, mode="livesum"
        )
        self.capacity = metrics.gauge(
            "divolte_sink_queue_capacity",
            "Records the sink's queue holds before it refuses more.",
            sink,
            mode="livesum",
        )
        self.healthy = metrics.gauge(
            "divolte_sink_healthy",
            "1 while the sink writes normally in every worker, 0 while it fails in any.",
            sink,
            mode="livemin",
        )


class SinkMonitor:
    """Samples every sink runner of this worker into the metrics."""

    def __init__(
        self,
        metrics: Metrics,
        runners: Mapping[str, MonitoredRunner],
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.metrics = metrics
        families = _Families(metrics)
        self._series = [_SinkSeries(name, runner, families) for name, runner in runners.items()]
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> dict[str, bool]:
        """Update every sink's metrics; returns each sink's health in this worker."""
        return {series.name: series.sample() for series in self._series}

    def failing(self) -> list[str]:
        """Sinks failing in this worker or, as last sampled, in any other live worker."""
        local = self.sample()
        failing = {name for name, healthy in local.items() if not healthy}
        for labels, value in self.metrics.instance_values("divolte_sink_healthy").items():
            if value < 1:
                failing.update(v for k, v in labels if k == "sink")
        return sorted(failing)

    def start(self) -> None:
        self.sample()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sink-monitor")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                self.sample()
            except Exception:  # a monitoring bug must not stop the worker
                log.exception("Sampling the sinks' figures failed.")

    async def stop(self) -> None:
        """Stop sampling and take a last sample (records flushed at shutdown count too)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.sample()
