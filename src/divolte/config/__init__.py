"""Configuration: HOCON files compatible with Divolte Collector, bound to a typed model.

``load_config(path)`` reads a user's file over the built-in defaults and returns a validated,
immutable :class:`Config`, or raises :class:`~divolte.errors.ConfigError` with every problem.
``describe(config)`` renders the effective configuration. The model's classes are re-exported
here; see ``model.py`` for each key's type, default and doc.
"""

from __future__ import annotations

from ._load import load_config
from .describe import describe
from .duration import Duration, DurationFormatError
from .model import (
    BrowserSourceConfig,
    Config,
    FileStrategyConfig,
    GcpsBatchingSettings,
    GcpsGlobalConfig,
    GcpsRetrySettings,
    GcpsSinkConfig,
    GcsGlobalConfig,
    GcsRetrySettings,
    GcsSinkConfig,
    GlobalConfig,
    HdfsGlobalConfig,
    HdfsSinkConfig,
    JavascriptConfig,
    JsonSourceConfig,
    KafkaGlobalConfig,
    KafkaSinkConfig,
    MapperConfig,
    MappingConfig,
    ServerConfig,
    SinkConfig,
    SinkTypeConfig,
    SourceConfig,
    UserAgentParserConfig,
)

__all__ = [
    "BrowserSourceConfig",
    "Config",
    "Duration",
    "DurationFormatError",
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
    "JavascriptConfig",
    "JsonSourceConfig",
    "KafkaGlobalConfig",
    "KafkaSinkConfig",
    "MapperConfig",
    "MappingConfig",
    "ServerConfig",
    "SinkConfig",
    "SinkTypeConfig",
    "SourceConfig",
    "UserAgentParserConfig",
    "describe",
    "load_config",
]
