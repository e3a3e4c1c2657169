"""Model of ``divolte.sinks.<name>`` (CONFIG.md §7); re-exported by ``model.py``."""

# RUF009: setting()/setting_factory()/required() wrap dataclasses.field (see _fields.py).
# ruff: noqa: RUF009

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from ._fields import required, setting, setting_factory
from .duration import ZERO, Duration

D = Duration.parse


@dataclass(frozen=True)
class FileStrategyConfig:
    roll_every: Duration = setting(
        D("1 hour"), "close and publish a file after this age", above=ZERO
    )
    sync_file_after_records: int = setting(
        1000, "sync after this many records since last sync", minimum=1
    )
    sync_file_after_duration: Duration = setting(
        D("30 seconds"), "sync after this long when records are pending", minimum=ZERO
    )
    working_dir: str = setting("/tmp", "directory (GCS: object prefix) of in-flight files")
    publish_dir: str = setting("/tmp", "directory (GCS: object prefix) of finished files")


@dataclass(frozen=True)
class HdfsSinkConfig:
    type: ClassVar[str] = "hdfs"
    replication: int = setting(
        3,
        "replication factor of created files",
        bits=16,
        default_doc="3 (1 for the implicit default sink 'hdfs')",
    )
    file_strategy: FileStrategyConfig = setting_factory(FileStrategyConfig, "file rolling")


@dataclass(frozen=True)
class GcsRetrySettings:
    max_attempts: int = setting(0, "attempts per API call; 0 = unlimited")
    total_timeout: Duration = setting(
        D("10 minutes"), "give up on a call after this long", minimum=ZERO
    )
    initial_retry_delay: Duration = setting(D("1 second"), "first back-off delay", minimum=ZERO)
    retry_delay_multiplier: float = setting(2.0, "back-off growth factor")
    max_retry_delay: Duration = setting(D("64 seconds"), "back-off ceiling", minimum=ZERO)
    jitter_delay: Duration | None = setting(
        None,
        "random ± added to each delay",
        default_doc="1 second unless jitter_factor is set",
        minimum=ZERO,
    )
    jitter_factor: float | None = setting(None, "random relative ± scaling of each delay")

    def __post_init__(self) -> None:
        if self.jitter_delay is None and self.jitter_factor is None:
            object.__setattr__(self, "jitter_delay", D("1 second"))

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt; -1 means unlimited (``max_attempts = 0``)."""
        return self.max_attempts - 1 if self.max_attempts > 0 else -1


@dataclass(frozen=True)
class GcsSinkConfig:
    type: ClassVar[str] = "gcs"
    bucket: str = required("bucket name; the file strategy's dirs are prefixes inside it")
    file_strategy: FileStrategyConfig = setting_factory(FileStrategyConfig, "file rolling")
    retry_settings: GcsRetrySettings = setting_factory(GcsRetrySettings, "API call retries")


@dataclass(frozen=True)
class KafkaSinkConfig:
    type: ClassVar[str] = "kafka"
    topic: str = setting("divolte", "destination topic")
    mode: Literal["naked", "confluent"] = setting(
        "naked", "naked (plain Avro) or confluent (wire format with schema id)"
    )


@dataclass(frozen=True)
class GcpsRetrySettings:
    max_attempts: int = setting(0, "attempts per publish; 0 = unlimited")
    total_timeout: Duration = setting(
        D("10 seconds"), "give up on a publish after this long", minimum=ZERO
    )
    initial_retry_delay: Duration = setting(
        D("5 milliseconds"), "first back-off delay", minimum=ZERO
    )
    retry_delay_multiplier: float = setting(2.0, "back-off growth factor")
    max_retry_delay: Duration = setting(D("1 minute"), "back-off ceiling", minimum=ZERO)
    initial_rpc_timeout: Duration = setting(
        D("15 seconds"), "timeout of the first RPC", minimum=ZERO
    )
    rpc_timeout_multiplier: float = setting(2.0, "RPC timeout growth factor")
    max_rpc_timeout: Duration | None = setting(
        None, "RPC timeout ceiling", default_doc="= initial_rpc_timeout", minimum=ZERO
    )

    def __post_init__(self) -> None:
        if self.max_rpc_timeout is None:
            object.__setattr__(self, "max_rpc_timeout", self.initial_rpc_timeout)


@dataclass(frozen=True)
class GcpsBatchingSettings:
    element_count_threshold: int = setting(100, "publish a batch at this many messages", bits=64)
    request_bytes_threshold: int = setting(1000, "… or at this many bytes", bits=64)
    delay_threshold: Duration = setting(D("1 millisecond"), "… or after this delay")


@dataclass(frozen=True)
class GcpsSinkConfig:
    type: ClassVar[str] = "gcps"
    topic: str = setting("divolte", "topic within the project of global.gcps.project_id")
    retry_settings: GcpsRetrySettings = setting_factory(GcpsRetrySettings, "publish retries")
    batching_settings: GcpsBatchingSettings = setting_factory(
        GcpsBatchingSettings, "publish batching"
    )


SinkConfig = HdfsSinkConfig | GcsSinkConfig | KafkaSinkConfig | GcpsSinkConfig

SINK_TYPES: dict[str, type[SinkConfig]] = {
    cls.type: cls for cls in (HdfsSinkConfig, GcsSinkConfig, KafkaSinkConfig, GcpsSinkConfig)
}
