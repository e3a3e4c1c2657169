"""Metrics, readiness and the event inspector of one worker, built from the configuration.

``app.py`` makes one :class:`Observability` per worker before anything else, hands its
:attr:`~Observability.happenings` to the sources and the pipeline (and its
:attr:`~Observability.inspector` to the pipeline), calls :meth:`~Observability.register` once
the sinks and routes exist, and :meth:`~Observability.stop` after the sinks were closed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from divolte._sink_monitor import MonitoredRunner, SinkMonitor
from divolte.config import BrowserSourceConfig, Config
from divolte.enrich import Enrichment
from divolte.http.health import ALL_METHODS
from divolte.http.metrics import MetricsEndpoint, ObservedServerState, SinksHealthEndpoint
from divolte.http.server import ServerState
from divolte.inspector import Inspector
from divolte.metrics import Metrics
from divolte.observe import Happenings, HttpHappenings, declare_instance

log = logging.getLogger("divolte.server")

SINKS_HEALTH_PATH = "/health/sinks"


class Observability:
    def __init__(
        self,
        config: Config,
        enrichment: Enrichment | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.config = config
        self.metrics = metrics if metrics is not None else Metrics.for_process()
        self.happenings = Happenings(self.metrics)
        self.happenings.declare(config.sources, config.mappings)
        declare_instance(self.metrics)
        settings = config.global_.inspector
        self.inspector: Inspector | None = (
            Inspector(settings.path, enrichment) if settings.enabled else None
        )
        """None unless ``divolte.global.inspector.enabled``."""
        self.monitor: SinkMonitor | None = None

    def register(self, state: ServerState, sinks: Mapping[str, MonitoredRunner]) -> None:
        """Routes (``/metrics``, ``/health/sinks``, the inspector) and request metrics."""
        self.monitor = SinkMonitor(self.metrics, sinks)
        state.add_route(SINKS_HEALTH_PATH, ALL_METHODS, SinksHealthEndpoint(self.monitor.failing))
        settings = self.config.global_.metrics
        if settings.enabled:
            endpoint = MetricsEndpoint(self.metrics, self.monitor.sample)
            state.add_route(settings.path, {"GET", "HEAD"}, endpoint)
            if isinstance(state, ObservedServerState):
                state.observer = HttpHappenings(self.happenings, self._tag_paths())
            else:
                log.warning("Request metrics need an ObservedServerState; they stay absent.")
            log.info("Metrics at %s", settings.path)
        if self.inspector is not None:
            self.inspector.register(state)
            log.warning(
                "Event inspector at %s: every event is visible there; never enable it in "
                "production.",
                self.inspector.path,
            )

    def start(self) -> None:
        """Start sampling the sinks (needs the running event loop)."""
        if self.monitor is not None:
            self.monitor.start()

    async def stop(self) -> None:
        """Close inspector streams and take the last sample of the sinks' figures."""
        if self.inspector is not None:
            self.inspector.close()
        if self.monitor is not None:
            await self.monitor.stop()

    def _tag_paths(self) -> dict[str, str]:
        return {
            source.prefix + source.javascript.name: name
            for name, source in self.config.sources.items()
            if isinstance(source, BrowserSourceConfig)
        }
