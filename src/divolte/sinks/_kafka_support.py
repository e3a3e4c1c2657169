"""Pieces of the Kafka sink that need no producer: error classes, counts, episodes, logging."""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass

from confluent_kafka import KafkaError

from divolte.errors import ConfigError

client_log = logging.getLogger("divolte.sinks.kafka.client")

UNREACHABLE = {KafkaError._ALL_BROKERS_DOWN, KafkaError._TRANSPORT, KafkaError._RESOLVE}
RETRIABLE = UNREACHABLE | {
    KafkaError._MSG_TIMED_OUT,
    KafkaError._TIMED_OUT,
    KafkaError._TIMED_OUT_QUEUE,
    KafkaError._UNKNOWN_TOPIC,
    KafkaError._UNKNOWN_PARTITION,
    KafkaError._QUEUE_FULL,
    KafkaError._NODE_UPDATE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError.BROKER_NOT_AVAILABLE,
    KafkaError.NETWORK_EXCEPTION,
    KafkaError.NOT_ENOUGH_REPLICAS,
    KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    KafkaError.KAFKA_STORAGE_ERROR,
    KafkaError.THROTTLING_QUOTA_EXCEEDED,
}
"""Codes retried like Java's RetriableException (librdkafka's own ``retriable()`` counts too)."""


def is_retriable(error: KafkaError) -> bool:
    return error.retriable() or error.code() in RETRIABLE


@dataclass
class KafkaCounts:
    delivered: int = 0
    retried: int = 0
    """Deliveries that failed with a retriable error; the record is produced again."""
    failed: int = 0
    """Records Kafka refused for good (logged)."""
    dropped_full: int = 0
    """Records not accepted because ``buffer_size`` records were awaiting delivery."""
    undelivered: int = 0
    """Records still undelivered when the flush at close ran out of time."""


class Episode:
    """A condition logged once when it begins and once when it ends, counted in between."""

    __slots__ = ("active", "count")

    def __init__(self) -> None:
        self.active, self.count = False, 0

    def begin(self) -> bool:
        """Count one occurrence; True if it starts a new episode (log it)."""
        self.count += 1
        if self.active:
            return False
        self.active = True
        return True

    def end(self) -> int:
        """End the episode; the number of occurrences it had (0 when none was active)."""
        count = self.count if self.active else 0
        self.active, self.count = False, 0
        return count


class ClientLog:
    """librdkafka's log lines (served by poll) into ``divolte.sinks.kafka.client``.

    A failed connection attempt (facility FAIL) is repeated at every reconnect; the sink
    reports the episode once through the error callback, so these go to DEBUG.
    """

    def log(self, level: int, fmt: str, *args: object) -> None:
        if args and args[0] == "FAIL":
            level = min(level, logging.DEBUG)
        client_log.log(level, fmt, *args)


class Silent:
    def log(self, level: int, fmt: str, *args: object) -> None:
        """Discard: used for throw-away producers that only check a setting."""


def value_prefix(name: str, mode: str, confluent_id: int | None) -> bytes:
    """b"" (naked) or the confluent wire-format header: 0x00 + the id as big-endian int32."""
    if mode == "naked":
        return b""
    where = f"divolte.sinks.{name}"
    if mode != "confluent":
        raise ConfigError([f"{where}.mode must be naked or confluent: {mode!r}"])
    if confluent_id is None:
        raise ConfigError([f"{where}: confluent mode needs the mappings' confluent_id"])
    try:
        return b"\x00" + struct.pack(">i", confluent_id)
    except struct.error as error:
        raise ConfigError([f"{where}: confluent_id {confluent_id} is not a 32-bit int"]) from error


def summary(counts: KafkaCounts) -> str:
    return ", ".join(f"{count} {what.replace('_', ' ')}" for what, count in vars(counts).items())
