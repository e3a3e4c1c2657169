"""Assemble a running collector from a configuration, and run it until it is told to stop.

Start-up order follows OPERATIONS §2: schemas, sinks, mappings, sources, then listening.
Shutdown runs in reverse once the lifecycle says so: HTTP drained, then every sink flushed
and closed (files published).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from divolte import logs
from divolte.config import (
    BrowserSourceConfig,
    Config,
    HdfsSinkConfig,
    KafkaSinkConfig,
)
from divolte.dedup import DuplicateMemory
from divolte.enrich import Enrichment, NoEnrichment
from divolte.enrich.factory import build_client_address_resolver, build_enrichment
from divolte.errors import ConfigError, SinkError
from divolte.http.health import register_health
from divolte.http.metrics import ObservedServerState
from divolte.http.server import ServerState, listen
from divolte.http.static import StaticPages
from divolte.lifecycle import Lifecycle
from divolte.mapping.avro_encoder import compile_encoder
from divolte.mapping.configured import build_mapping
from divolte.observability import Observability
from divolte.observe import Happenings
from divolte.pipeline import MappingRoute, Pipeline
from divolte.sinks.files import FileSink
from divolte.sinks.kafka import KafkaSink
from divolte.sinks.runner import SinkRunner
from divolte.sources.browser import BrowserSource
from divolte.sources.json import JsonSource
from divolte.sources.tag import TagResource

log = logging.getLogger("divolte.server")

_writer_numbers = itertools.count(1)


@dataclass
class Collector:
    config: Config
    sock: socket.socket
    duplicates: DuplicateMemory | None = None
    """Shared by the workers of an instance; a private one is made when None."""
    worker: int | None = None
    """Index of this worker process, or None when the collector runs in one process."""
    enrichment: Enrichment = field(default_factory=NoEnrichment)
    _closers: list[Callable[[], None]] = field(default_factory=list)
    """Called after the sinks are closed (e.g. the GeoIP file watcher)."""
    happenings: Happenings = field(default_factory=Happenings)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    state: ServerState = field(default_factory=ObservedServerState)
    observability: Observability | None = None
    sinks: dict[str, SinkRunner] = field(default_factory=dict)
    server: asyncio.Server | None = None

    async def start(self) -> None:
        """Build every part and start listening; raises ConfigError on unusable settings."""
        config = self.config
        collector_enrichment = build_enrichment(config.global_, announce=self.worker in (None, 1))
        self.enrichment = collector_enrichment
        self._closers.append(collector_enrichment.close)
        self.observability = Observability(config, collector_enrichment)
        self.happenings = self.observability.happenings
        routes = self._build_mappings()
        for runner in self.sinks.values():
            await runner.start()
        log.info("Initialized sinks: [%s]", ", ".join(self.sinks))
        if self.duplicates is None:
            self.duplicates = DuplicateMemory(config.global_.mapper.duplicate_memory_size)
        pipeline = Pipeline(self.duplicates, routes, self.happenings, self.observability.inspector)
        self._build_sources(pipeline)
        server_config = config.global_.server
        self.state.resolve_peer = build_client_address_resolver(server_config)
        register_health(self.state, lambda: self.lifecycle.shutting_down)
        self.observability.register(self.state, self.sinks)
        if server_config.serve_static_resources:
            self.state.fallback = StaticPages(self._demo_tag_path())
        self.observability.start()
        self.server = await listen(self.state, self.sock)
        if self.worker is None or self.worker == 1:
            log.info("Listening on %s", _render(self.sock.getsockname()))

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    def _build_mappings(self) -> dict[str, list[MappingRoute]]:
        config = self.config
        routes: dict[str, list[MappingRoute]] = {}
        problems: list[str] = []
        for name, mapping in config.mappings.items():
            built = build_mapping(name, mapping, self.enrichment, problems)
            if built is None:
                continue
            schema, build = built
            sinks = [self._sink(sink_name, schema, problems) for sink_name in mapping.sinks]
            route = MappingRoute(
                name=name,
                build=build,
                encode=compile_encoder(schema),
                sinks=[s for s in sinks if s is not None],
                discard_corrupted=mapping.discard_corrupted,
                discard_duplicates=mapping.discard_duplicates,
            )
            for source in mapping.sources:
                routes.setdefault(source, []).append(route)
            created = [sink for sink in mapping.sinks if sink in self.sinks]
            log.info(
                "Mapping %s: [%s] -> [%s]",
                name,
                ", ".join(mapping.sources),
                ", ".join(created) or "no sink of an enabled type",
            )
        if problems:
            raise ConfigError(problems)
        return routes

    def _sink(self, name: str, schema: dict[str, Any], problems: list[str]) -> SinkRunner | None:
        if name in self.sinks:
            return self.sinks[name]
        sink_config = self.config.sinks[name]
        if isinstance(sink_config, KafkaSinkConfig):
            return self._kafka_sink(name, sink_config, problems)
        if not isinstance(sink_config, HdfsSinkConfig):
            kind = type(sink_config).__name__
            section = "gcs" if kind == "GcsSinkConfig" else "gcps"
            if getattr(self.config.global_, section).enabled:
                problems.append(
                    f"divolte.sinks.{name}: sinks of type {section} are not supported by this "
                    f"version yet; set divolte.global.{section}.enabled = false or remove the sink."
                )
            return None
        global_hdfs = self.config.global_.hdfs
        if not global_hdfs.enabled:
            return None
        if global_hdfs.client:
            # Hadoop client properties point at a cluster this version cannot write to;
            # writing to local disk instead would surprise silently.
            problems.append(
                "divolte.global.hdfs.client: writing to an HDFS cluster is not supported by "
                "this version; sinks of type hdfs write to the local file system. Remove the "
                "client properties to write local files."
            )
            return None
        strategy = sink_config.file_strategy
        sink = FileSink(
            name=name,
            schema=schema,
            working_dir=strategy.working_dir,
            publish_dir=strategy.publish_dir,
            roll_every=strategy.roll_every.seconds,
            sync_after_records=strategy.sync_file_after_records,
            sync_after_duration=strategy.sync_file_after_duration.seconds,
            writer_id=self._writer_id(),
        )
        runner = SinkRunner(sink, global_hdfs.buffer_size)
        self.sinks[name] = runner
        if self.worker in (None, 1):
            log.info(
                "Sink %s: Avro files in %s, published to %s.",
                name,
                strategy.working_dir,
                strategy.publish_dir,
            )
        return runner

    def _kafka_sink(
        self, name: str, sink_config: KafkaSinkConfig, problems: list[str]
    ) -> SinkRunner | None:
        kafka = self.config.global_.kafka
        if not kafka.enabled:
            return None
        # Validation (CONFIG §9) allows at most one confluent_id among a sink's mappings.
        ids = {
            m.confluent_id
            for m in self.config.mappings.values()
            if name in m.sinks and m.confluent_id is not None
        }
        try:
            sink = KafkaSink(
                name=name,
                topic=sink_config.topic,
                mode=sink_config.mode,
                confluent_id=min(ids) if ids else None,
                producer_config=kafka.producer,
                buffer_size=kafka.buffer_size,
                flush_timeout=self.config.global_.server.shutdown_timeout.seconds,
            )
        except ConfigError as error:
            problems.extend(error.problems)
            return None
        runner = SinkRunner(sink, kafka.buffer_size)
        self.sinks[name] = runner
        return runner

    def _demo_tag_path(self) -> str:
        """Where the demo page finds the tag: the first browser source's script."""
        for source in self.config.sources.values():
            if isinstance(source, BrowserSourceConfig):
                return source.prefix + source.javascript.name
        return "/divolte.js"

    def _writer_id(self) -> str:
        """The ``<n>`` of file names: unique per writer within this instance."""
        number = next(_writer_numbers)
        return str(number) if self.worker is None else f"{self.worker}-{number}"

    def _build_sources(self, pipeline: Pipeline) -> None:
        for name, source in self.config.sources.items():
            if not isinstance(source, BrowserSourceConfig):
                json_source = JsonSource(
                    name=name,
                    event_path=source.event_path,
                    party_id_parameter=source.party_id_parameter,
                    maximum_body_size=source.maximum_body_size,
                    on_event=pipeline,
                    happenings=self.happenings,
                )
                json_source.register(self.state)
                log.info("Source %s: JSON events at %s", name, source.event_path)
                continue
            js = source.javascript
            tag = TagResource(
                script_name=js.name,
                event_suffix=source.event_suffix,
                party_cookie=source.party_cookie,
                party_timeout_seconds=int(source.party_timeout.seconds),
                session_cookie=source.session_cookie,
                session_timeout_seconds=int(source.session_timeout.seconds),
                cookie_domain=source.cookie_domain,
                logging=js.logging,
                debug=js.debug,
                auto_page_view_event=js.auto_page_view_event,
                event_timeout_seconds=js.event_timeout.seconds,
            )
            browser = BrowserSource(
                name=name,
                prefix=source.prefix,
                event_suffix=source.event_suffix,
                tag=tag,
                tag_name=js.name,
                response_delay=source.http_response_delay.seconds,
                on_event=pipeline,
                happenings=self.happenings,
            )
            browser.register(self.state)
            log.info(
                "Source %s: tag at %s (%s bytes, %s gzip'd), events at %s",
                name,
                browser.tag_path,
                tag.plain_size,
                tag.gzip_size,
                browser.event_path,
            )

    async def run_until_stopped(self) -> int:
        """Serve until a signal, then shut down in order; exit status 0 when all was flushed."""
        assert self.server is not None
        await self.lifecycle.wait_for_request()
        server_config = self.config.global_.server
        await self.lifecycle.drain_http(
            self.state,
            self.server,
            server_config.shutdown_delay.seconds,
            server_config.shutdown_timeout.seconds,
        )
        flushed = await self.close_sinks()
        if self.observability is not None:
            await self.observability.stop()
        log.info("Totals since start: %s", self.happenings.summary())
        logs.flush_repeats()
        return 0 if flushed else 1

    async def close_sinks(self) -> bool:
        ok = True
        for name, runner in self.sinks.items():
            log.info("Flushing sink %s (%d records queued).", name, runner.depth)
            try:
                await runner.close()
            except SinkError as error:  # expected failures: the sink already said what was lost
                ok = False
                log.error("Sink %s could not be flushed and closed: %s", name, error)
            except Exception:
                ok = False
                log.exception("Sink %s could not be flushed and closed.", name)
        log.info("All sinks closed.")
        for close in self._closers:
            close()
        return ok


def _render(sockname: tuple[object, ...]) -> str:
    host, port = sockname[0], sockname[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


async def serve(
    config: Config,
    sock: socket.socket,
    *,
    duplicates: DuplicateMemory | None = None,
    worker: int | None = None,
    ready: Callable[[], None] | None = None,
    stop_requested: Callable[[], bool] | None = None,
    hurry_signal: int | None = None,
) -> int:
    """Run one collector until it is stopped; ``ready`` is called once it serves, and
    ``stop_requested`` tells whether a shutdown signal came before the loop could see it."""
    collector = Collector(config, sock, duplicates, worker)
    collector.lifecycle.install_signal_handlers(hurry_signal)
    if stop_requested is not None and stop_requested():
        collector.lifecycle.request_shutdown("SIGTERM during start-up")
    try:
        await collector.start()
    except (ConfigError, OSError) as error:
        problems = error.problems if isinstance(error, ConfigError) else [str(error)]
        for problem in problems:
            log.error("%s", problem)
        log.error("The collector cannot start. Exiting.")
        await collector.close_sinks()
        return 1
    if ready is not None:
        ready()
    return await collector.run_until_stopped()
