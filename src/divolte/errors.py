"""The collector's errors, one hierarchy.

    DivolteError
    ├── ConfigError            a configuration file or value is wrong (user's fault, fatal at start)
    ├── SchemaError            an Avro schema cannot be loaded or does not fit its use
    └── SinkError              a sink could not do its job
        ├── RetriableSinkError     transient (disk full, broker down): retried with backoff
        └── FatalSinkError         will not get better by retrying

Foreign exceptions (OSError, Avro, Kafka) are translated where they enter our code and kept as
``__cause__``. The retry loop only reads ``retriable``.
"""

from __future__ import annotations


class DivolteError(Exception):
    """Base of every error the collector raises on purpose."""


class ConfigError(DivolteError):
    """One or more configuration problems; ``problems`` holds every message."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class SchemaError(DivolteError):
    """An Avro schema is unreadable, invalid or unsupported."""


class SinkError(DivolteError):
    retriable: bool = False


class RetriableSinkError(SinkError):
    retriable = True


class FatalSinkError(SinkError):
    retriable = False
