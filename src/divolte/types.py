"""Shared interfaces between the stages of the pipeline."""

from __future__ import annotations

from typing import Any, Protocol

Record = dict[str, Any]
"""A record as a mapping builds it: field name → Python value, before Avro encoding."""


class Sink(Protocol):
    """What a sink offers the runner that feeds it (see ``sinks/runner.py``).

    Methods are called from one dedicated thread per sink, never concurrently.
    """

    name: str

    @property
    def healthy(self) -> bool: ...

    def start(self) -> None: ...

    def write(self, record_bytes: bytes) -> None: ...

    def heartbeat(self) -> None: ...

    def close(self) -> None: ...
