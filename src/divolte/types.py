"""Shared interfaces between the stages of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Record = dict[str, Any]
"""A record as a mapping builds it: field name → Python value, before Avro encoding."""


@dataclass(frozen=True, slots=True)
class RecordMeta:
    """What travels with an encoded record besides its bytes (SINKS §1, "Serialised form"):
    Kafka uses the party id as key and the server time as timestamp; Pub/Sub sets them as
    attributes."""

    party_id: str
    session_id: str
    event_id: str
    timestamp: int
    """Server time of the event, milliseconds since the epoch."""


class Sink(Protocol):
    """What a sink offers the runner that feeds it (see ``sinks/runner.py``).

    Methods are called from one dedicated thread per sink, never concurrently.
    """

    name: str

    @property
    def healthy(self) -> bool: ...

    def start(self) -> None: ...

    def write(self, record_bytes: bytes, meta: RecordMeta | None = None) -> None: ...

    def heartbeat(self) -> None: ...

    def close(self) -> None: ...
