"""The typed configuration model: every key of CONFIG.md §3-§8, each declared once.

Each field carries its HOCON key, type, default and a one-line doc (see ``_fields.py``).
Instances are immutable and fully defaulted; :func:`divolte.config.load_config` builds them.
Sink-side classes live in ``_sinks.py`` and are re-exported here.
"""

# RUF009: setting()/setting_factory()/required() wrap dataclasses.field (see _fields.py).
# ruff: noqa: RUF009

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from ..errors import ConfigError
from ._fields import required, setting, setting_factory
from ._sinks import (
    FileStrategyConfig,
    GcpsBatchingSettings,
    GcpsRetrySettings,
    GcpsSinkConfig,
    GcsRetrySettings,
    GcsSinkConfig,
    HdfsSinkConfig,
    KafkaSinkConfig,
    SinkConfig,
)
from .duration import ZERO, Duration

__all__ = [
    "BrowserSourceConfig",
    "Config",
    "FileStrategyConfig",
    "GcpsBatchingSettings",
    "GcpsGlobalConfig",
    "GcpsRetrySettings",
    "GcpsSinkConfig",
    "GcsGlobalConfig",
    "GcsRetrySettings",
    "GcsSinkConfig",
    "GlobalConfig",
    "HdfsGlobalConfig",
    "HdfsSinkConfig",
    "InspectorConfig",
    "JavascriptConfig",
    "JsonSourceConfig",
    "KafkaGlobalConfig",
    "KafkaSinkConfig",
    "LoggingConfig",
    "MapperConfig",
    "MappingConfig",
    "MetricsConfig",
    "ServerConfig",
    "SinkConfig",
    "SinkTypeConfig",
    "SourceConfig",
    "UserAgentParserConfig",
]

D = Duration.parse
JAVASCRIPT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\.js$")


# The rules of trusted_proxies and log levels are those the collector applies at start-up,
# called here so that check-config reports them too. Imported on use: the configuration layer
# does not load the runtime's modules (HTTP, logging setup) just by being imported.


def _network(value: str) -> None:
    """A trusted proxy: what the client-address resolver accepts at start-up."""
    from divolte.enrich.client_address import parse_trusted_proxies

    try:
        parse_trusted_proxies([value])
    except ConfigError:
        raise ValueError(
            f"'{value}' is not an IP network; write an address or a CIDR block such as "
            "10.0.0.0/8 or fd00::/8"
        ) from None


def _log_level(value: str) -> None:
    """A log level: what the log setup accepts at start-up."""
    from divolte.logs import parse_levels

    try:
        parse_levels({"": value})
    except ValueError:
        raise ValueError(
            f"'{value}' is not a log level; allowed (in any case): "
            "debug, info, warning, error, critical"
        ) from None


@dataclass(frozen=True)
class ServerConfig:
    host: str | None = setting(None, "bind address; unset means the loopback address")
    port: int = setting(
        8290, "TCP port; $DIVOLTE_PORT overrides the default", minimum=0, maximum=65535
    )
    use_x_forwarded_for: bool = setting(False, "client address from the last X-Forwarded-For")
    use_forwarded: bool = setting(False, "client address from the Forwarded header (RFC 7239)")
    trusted_proxies: tuple[str, ...] = setting(
        (),
        "proxy networks (CIDR) skipped when picking the forwarded client; empty: last hop",
        rule=_network,
    )
    workers: int | None = setting(
        None, "worker processes sharing the port; unset means one per CPU core", minimum=1
    )
    serve_static_resources: bool = setting(True, "serve the static test page under /")
    debug_requests: bool = setting(False, "log every request and response (never in production)")
    shutdown_delay: Duration = setting(
        D("0 ms"),
        "after SIGTERM keep serving, /ping and /health answer 503 for this long",
        alias="shutdown_wait_period_mills",
        minimum=ZERO,
    )
    shutdown_timeout: Duration = setting(
        D("2 minutes"),
        "then stop accepting and wait at most this long for in-flight requests",
        alias="shutdown_grace_period_mills",
        minimum=ZERO,
    )


@dataclass(frozen=True)
class UserAgentParserConfig:
    type: Literal["non_updating", "online_updating", "caching_and_updating"] = setting(
        "non_updating", "user-agent database (case-insensitive)", ignore_case=True
    )
    cache_size: int = setting(
        1000, "parsed user agents cached per mapping per mapper thread", minimum=0
    )


@dataclass(frozen=True)
class MapperConfig:
    threads: int = setting(1, "mapper threads, shared by all mappings and sources", minimum=1)
    buffer_size: int = setting(1048576, "capacity of each mapper thread's input queue", minimum=1)
    duplicate_memory_size: int = setting(
        1000000, "duplicate-memory slots per mapper thread", minimum=1
    )
    user_agent_parser: UserAgentParserConfig = setting_factory(
        UserAgentParserConfig, "user-agent parsing"
    )
    ip2geo_database: str | None = setting(None, "MaxMind City .mmdb path; enables ip2geo()")


@dataclass(frozen=True)
class HdfsGlobalConfig:
    enabled: bool = setting(True, "create HDFS (file) sinks")
    threads: int = setting(2, "worker threads per HDFS sink", minimum=1)
    buffer_size: int = setting(1048576, "queue capacity of each worker thread", minimum=1)
    client: dict[str, str] | None = setting(None, "Hadoop client properties (only these apply)")


@dataclass(frozen=True)
class GcsGlobalConfig:
    enabled: bool = setting(False, "create Google Cloud Storage sinks")
    threads: int = setting(1, "worker threads per GCS sink", minimum=1)
    buffer_size: int = setting(1048576, "queue capacity of each worker thread", minimum=1)


def _kafka_producer_defaults() -> dict[str, str]:
    return {
        "bootstrap.servers": "localhost:9092",
        "client.id": "divolte.collector",
        "acks": "1",
        "retries": "0",
        "compression.type": "lz4",
        "max.in.flight.requests.per.connection": "1",
    }


@dataclass(frozen=True)
class KafkaGlobalConfig:
    enabled: bool = setting(False, "create Kafka sinks")
    threads: int = setting(2, "worker threads per Kafka sink", minimum=1)
    buffer_size: int = setting(1048576, "queue capacity of each worker thread", minimum=1)
    producer: dict[str, str] = setting_factory(
        _kafka_producer_defaults, "Kafka producer properties, shared by all Kafka sinks"
    )


@dataclass(frozen=True)
class GcpsGlobalConfig:
    enabled: bool = setting(False, "create Google Cloud Pub/Sub sinks")
    threads: int = setting(2, "worker threads per Pub/Sub sink", minimum=1)
    buffer_size: int = setting(1048576, "queue capacity of each worker thread", minimum=1)
    project_id: str | None = setting(
        None, "Google Cloud project; unset → discovered from the environment"
    )


SinkTypeConfig = HdfsGlobalConfig | GcsGlobalConfig | KafkaGlobalConfig | GcpsGlobalConfig


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = setting(True, "serve Prometheus metrics (the instance's totals)")
    path: str = setting("/metrics", "path of the metrics endpoint")


@dataclass(frozen=True)
class InspectorConfig:
    enabled: bool = setting(False, "serve the live event inspector (for development only)")
    path: str = setting(
        "/inspector", "path of the inspector page; events stream from <path>/events"
    )


@dataclass(frozen=True)
class LoggingConfig:
    format: Literal["human", "json"] = setting(
        "human", "human-readable lines, or one JSON object per line", ignore_case=True
    )
    level: str = setting(
        "info",
        "level of every component without its own (--log-level): debug … critical",
        rule=_log_level,
    )
    levels: dict[str, str] = setting_factory(
        dict, 'level per component, e.g. "divolte.sinks" = debug', rule=_log_level
    )
    repeat_interval: Duration = setting(
        D("1 minute"), "a warning repeated within this time is counted, not printed again"
    )


@dataclass(frozen=True)
class GlobalConfig:
    server: ServerConfig = setting_factory(ServerConfig, "HTTP server")
    mapper: MapperConfig = setting_factory(MapperConfig, "event mapping")
    hdfs: HdfsGlobalConfig = setting_factory(HdfsGlobalConfig, "HDFS / local file sinks")
    gcs: GcsGlobalConfig = setting_factory(GcsGlobalConfig, "Google Cloud Storage sinks")
    kafka: KafkaGlobalConfig = setting_factory(KafkaGlobalConfig, "Kafka sinks")
    gcps: GcpsGlobalConfig = setting_factory(GcpsGlobalConfig, "Google Cloud Pub/Sub sinks")
    metrics: MetricsConfig = setting_factory(MetricsConfig, "Prometheus metrics")
    inspector: InspectorConfig = setting_factory(InspectorConfig, "live event inspector")
    logging: LoggingConfig = setting_factory(LoggingConfig, "log output")


@dataclass(frozen=True)
class JavascriptConfig:
    name: str = setting("divolte.js", "tag file name; must match ^[A-Za-z0-9_-]+\\.js$")
    logging: bool = setting(False, "the tag logs to the browser console")
    debug: bool = setting(False, "serve a pretty-printed, less mangled tag")
    auto_page_view_event: bool = setting(True, "the tag signals pageView at each page view")
    event_timeout: Duration = setting(
        D("750 milliseconds"), "per-event delivery timeout", minimum=ZERO
    )


@dataclass(frozen=True)
class BrowserSourceConfig:
    type: ClassVar[str] = "browser"
    prefix: str = setting("/", "path prefix of tag and beacon; a trailing / is appended")
    event_suffix: str = setting("csc-event", "beacon path = prefix + event_suffix")
    party_cookie: str = setting("_dvp", "party cookie name")
    party_timeout: Duration = setting(D("730 days"), "party cookie max-age", minimum=ZERO)
    session_cookie: str = setting("_dvs", "session cookie name")
    session_timeout: Duration = setting(
        D("30 minutes"), "session cookie max-age (sliding)", minimum=ZERO
    )
    cookie_domain: str | None = setting(None, "domain= attribute of both cookies")
    http_response_delay: Duration = setting(
        D("0 seconds"), "beacon response delay (testing)", minimum=ZERO
    )
    javascript: JavascriptConfig = setting_factory(JavascriptConfig, "the tracking tag")

    def __post_init__(self) -> None:
        if not self.prefix.endswith("/"):
            object.__setattr__(self, "prefix", self.prefix + "/")


@dataclass(frozen=True)
class JsonSourceConfig:
    type: ClassVar[str] = "json"
    event_path: str = setting("/", "exact path accepting POSTed events")
    party_id_parameter: str = setting("p", "query parameter carrying the party id")
    maximum_body_size: int = setting(4096, "maximum request body in bytes", minimum=1)


SourceConfig = BrowserSourceConfig | JsonSourceConfig

SOURCE_TYPES: dict[str, type[SourceConfig]] = {
    cls.type: cls for cls in (BrowserSourceConfig, JsonSourceConfig)
}


@dataclass(frozen=True)
class MappingConfig:
    sources: tuple[str, ...] = required("sources whose events this mapping processes")
    sinks: tuple[str, ...] = required("sinks receiving every record produced")
    schema_file: str | None = setting(None, "Avro schema (.avsc); unset → DefaultEventRecord")
    mapping_script_file: str | None = setting(None, "mapping script; unset → built-in mapping")
    confluent_id: int | None = setting(None, "Schema Registry id of the schema")
    discard_corrupted: bool = setting(False, "skip events flagged corrupt")
    discard_duplicates: bool = setting(False, "skip events flagged duplicate")


def implicit_sources() -> dict[str, SourceConfig]:
    """The sources that exist when ``divolte.sources`` is absent (§6)."""
    return {"browser": BrowserSourceConfig()}


def implicit_sinks() -> dict[str, SinkConfig]:
    """The sinks that exist when ``divolte.sinks`` is absent (§7)."""
    return {
        "hdfs": HdfsSinkConfig(replication=1),
        "kafka": KafkaSinkConfig(),
        "gcps": GcpsSinkConfig(),
    }


def implicit_mappings(
    sources: dict[str, SourceConfig], sinks: dict[str, SinkConfig]
) -> dict[str, MappingConfig]:
    """The mapping that exists when ``divolte.mappings`` is absent (§8)."""
    return {"default": MappingConfig(sources=tuple(sources), sinks=tuple(sinks))}


class _ImplicitMappings(dict[str, MappingConfig]):
    """Marks "no mappings section": replaced by :func:`implicit_mappings` after init.

    An explicit empty section (``mappings {}``) is a plain dict and stays empty.
    """


@dataclass(frozen=True)
class Config:
    """The whole, validated ``divolte`` configuration."""

    global_: GlobalConfig = setting_factory(GlobalConfig, "server-wide settings", key="global")
    sources: dict[str, SourceConfig] = setting_factory(implicit_sources, "event sources")
    sinks: dict[str, SinkConfig] = setting_factory(implicit_sinks, "record destinations")
    mappings: dict[str, MappingConfig] = setting_factory(
        _ImplicitMappings,
        "source → record → sink routes",
        default_doc="one mapping 'default' with all sources and all sinks",
    )
    origin: str = setting("built-in defaults", "where the configuration came from")

    def __post_init__(self) -> None:
        if isinstance(self.mappings, _ImplicitMappings):
            object.__setattr__(self, "mappings", implicit_mappings(self.sources, self.sinks))

    def sink_type_section(self, sink: SinkConfig) -> SinkTypeConfig:
        """``divolte.global.<type>`` for the sink's type: enabled, threads, buffer_size, …"""
        sections: dict[str, SinkTypeConfig] = {
            "hdfs": self.global_.hdfs,
            "gcs": self.global_.gcs,
            "kafka": self.global_.kafka,
            "gcps": self.global_.gcps,
        }
        return sections[sink.type]

    def sink_type_enabled(self, sink: SinkConfig) -> bool:
        """Whether ``divolte.global.<type>.enabled`` is set for the sink's type."""
        return self.sink_type_section(sink).enabled

    def used_sink_names(self) -> set[str]:
        """Names of the sinks that at least one mapping writes to."""
        return {name for mapping in self.mappings.values() for name in mapping.sinks}

    def enabled_sinks(self) -> dict[str, SinkConfig]:
        """The sinks to create: referenced by a mapping and of an enabled type (§5, §7)."""
        used = self.used_sink_names()
        return {
            name: sink
            for name, sink in self.sinks.items()
            if name in used and self.sink_type_enabled(sink)
        }

    def mappings_for_source(self, source: str) -> dict[str, MappingConfig]:
        """The mappings that process events of ``source``, in configuration order."""
        return {name: m for name, m in self.mappings.items() if source in m.sources}

    def mappings_for_sink(self, sink: str) -> dict[str, MappingConfig]:
        """The mappings whose records go to ``sink``, in configuration order."""
        return {name: m for name, m in self.mappings.items() if sink in m.sinks}
