"""The ``kafka`` sink (SINKS §5): one librdkafka producer per sink, fed by the sink's thread.

Data flow: the runner (``sinks/runner.py``) calls :meth:`KafkaSink.write` on the sink's own
thread, which hands the message to librdkafka's queue (``produce()``: microseconds, never
blocks, never touches the network); librdkafka's threads send it; delivery reports are served
by ``poll()`` in :meth:`KafkaSink.heartbeat` (the runner calls it after every batch and once a
second when idle) and counted. The browser never waits on any of this.

Message: key = UTF-8 party id; value = the Avro body (``naked``), or ``0x00``, the
``confluent_id`` as 4-byte big-endian and the Avro body (``confluent``, case C-07); timestamp
= the event's server time; no headers; partition = Java's default (murmur2 of the key), so a
party's records land where the reference would put them.

Failure policy (case C-06), each an episode that is logged when it starts and when it ends,
with every record counted in ``counts``:

* **Buffer full.** At most ``buffer_size`` records await delivery (in librdkafka or held for
  a retry). A record that arrives when the buffer is full is dropped (``dropped_full``):
  the newest records go, the buffered ones are kept.
* **Broker unreachable / retriable failure.** librdkafka holds records while it reconnects; a
  record whose delivery fails with a retriable error (timed out, transport, leader moving,
  unknown topic) is held and produced again with backoff (``retried``), indefinitely, like
  the reference. ``healthy`` is False meanwhile.
* **Refused** (message too large, not authorised): counted ``failed`` and logged; retrying
  would not help.
* **Close.** Held records are retried and everything is flushed for at most
  ``flush_timeout`` seconds; what is still undelivered is logged, counted (``undelivered``)
  and raised as :class:`FatalSinkError`, so the exit status says data was lost.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from divolte.errors import ConfigError, FatalSinkError
from divolte.sinks._kafka_properties import PREFIX, translate
from divolte.sinks._kafka_support import (
    ClientLog,
    Episode,
    KafkaCounts,
    Silent,
    is_retriable,
    summary,
    value_prefix,
)
from divolte.types import RecordMeta

log = logging.getLogger("divolte.sinks.kafka")

_PURGED = {KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT}
DEFAULTS = {"partitioner": "murmur2_random", "log.connection.close": "false"}
"""Java's default partitioner for keyed records; idle disconnects are not worth a log line."""
PROBE_SECONDS = 5.0

Held = tuple[bytes, bytes | None, int]
"""A record waiting for a retry: value, key, timestamp."""


class KafkaSink:
    def __init__(
        self,
        name: str,
        topic: str,
        mode: str,
        confluent_id: int | None,
        producer_config: Mapping[str, str],
        buffer_size: int,
        *,
        flush_timeout: float = 10.0,
        retry_backoff: tuple[float, float] = (0.5, 5.0),
        clock: Callable[[], float] = time.monotonic,
        producer_factory: Callable[[dict[str, Any]], Producer] = Producer,
    ) -> None:
        self.name, self.topic = name, topic
        self._prefix = value_prefix(name, mode, confluent_id)
        if buffer_size < 1:
            raise ConfigError([f"divolte.global.kafka.buffer_size must be positive: {buffer_size}"])
        translation = translate(producer_config)
        for warning in translation.warnings:
            log.warning("Sink %s: %s", name, warning)
        self._settings = {
            **DEFAULTS,
            "queue.buffering.max.messages": str(min(buffer_size, 2**31 - 1)),
            **translation.settings,
        }
        self._origin = translation.origin
        self._limit, self._flush_timeout = buffer_size, flush_timeout
        self._first_backoff, self._max_backoff = retry_backoff
        self._backoff, self._retry_at, self._probe_at = retry_backoff[0], 0.0, 0.0
        self._clock, self._factory = clock, producer_factory
        self._producer: Producer | None = None
        self._held: deque[Held] = deque()
        self._outstanding = 0  # produced, delivery report not yet served
        self._full, self._retrying = Episode(), Episode()
        self._refused, self._unreachable = Episode(), Episode()
        self._closing = False
        self.counts = KafkaCounts()

    @property
    def healthy(self) -> bool:
        """False while Kafka is unreachable, records wait for a retry, or the buffer is full."""
        return not (self._unreachable.active or self._retrying.active or self._full.active)

    @property
    def pending(self) -> int:
        """Records accepted but not yet delivered (in librdkafka or held for a retry)."""
        return self._outstanding + len(self._held)

    @property
    def held(self) -> int:
        """Records whose delivery failed and that wait for their retry."""
        return len(self._held)

    def start(self) -> None:
        """Create the producer; it connects in the background (an absent broker is no error)."""
        settings: dict[str, Any] = {
            **self._settings,
            "on_delivery": self._on_delivery,
            "error_cb": self._on_error,
            "logger": ClientLog(),
        }
        try:
            self._producer = self._factory(settings)
        except (KafkaException, ValueError, TypeError) as error:
            raise ConfigError([self._explain(error)]) from error
        log.info(
            "Sink %s: producing to topic %s (%s mode) via %s.",
            *(self.name, self.topic, "confluent" if self._prefix else "naked"),
            self._settings.get("bootstrap.servers", "?"),
        )

    def write(self, record_bytes: bytes, meta: RecordMeta | None = None) -> None:
        """Hand one record to librdkafka; never blocks (a full buffer drops it, counted)."""
        if self._producer is None:
            raise FatalSinkError(f"sink {self.name} is not open")
        value = self._prefix + record_bytes if self._prefix else record_bytes
        key = meta.party_id.encode() if meta is not None else None
        timestamp = meta.timestamp if meta is not None else 0
        # Fast path: room in the buffer and in librdkafka's queue.
        if self.pending < self._limit and self._send(value, key, timestamp):
            return
        self._producer.poll(0)  # delivery reports may free room
        if self.pending >= self._limit or not self._send(value, key, timestamp):
            self.counts.dropped_full += 1
            if self._full.begin():
                log.error(
                    "Sink %s: %d records await delivery to Kafka (buffer_size); dropping new "
                    "records until the buffer drains.",
                    *(self.name, self.pending),
                )

    def heartbeat(self) -> None:
        """Serve delivery reports, retry held records when due, track the episodes."""
        producer = self._producer
        if producer is None:
            return
        producer.poll(0)
        now = self._clock()
        if self._held and now >= self._retry_at:
            self._resend(now)
        if self._full.active and self.pending <= self._limit // 2:
            dropped = self._full.end()
            log.warning("Sink %s: accepting records again; %d were dropped.", self.name, dropped)
        if self._unreachable.active and not self.pending and now >= self._probe_at:
            self._probe(producer, now)

    def close(self) -> None:
        """Retry and flush for at most ``flush_timeout`` s; raise if records stay undelivered."""
        producer = self._producer
        if producer is None:
            return
        deadline = self._clock() + self._flush_timeout
        while True:
            now = self._clock()
            if self._held and now >= self._retry_at:
                self._resend(now)
            left = deadline - now
            if not self.pending or left <= 0:
                break
            if len(producer):
                producer.flush(min(left, 0.5))
            else:  # only held records, waiting for their retry time
                time.sleep(max(0.0, min(self._retry_at - now, left)))
        undelivered = self.pending
        self._closing = True
        producer.purge()
        producer.poll(0)
        self._producer = None
        self.counts.undelivered = undelivered
        log.info("Sink %s closed: %s.", self.name, summary(self.counts))
        if undelivered:
            message = (
                f"sink {self.name}: {undelivered} records could not be delivered to topic "
                f"{self.topic} within {self._flush_timeout:.1f} s and are lost"
            )
            log.error("%s.", message[0].upper() + message[1:])
            raise FatalSinkError(message)

    def _send(self, value: bytes, key: bytes | None, timestamp: int) -> bool:
        """produce(); False if librdkafka's queue is full. Other refusals are handled here."""
        assert self._producer is not None
        try:
            self._producer.produce(self.topic, value, key, timestamp=timestamp)
        except BufferError:
            return False
        except KafkaException as exception:
            self._failed(exception.args[0], (value, key, timestamp))
            return True
        self._outstanding += 1
        return True

    def _resend(self, now: float) -> None:
        held, self._held = self._held, deque()
        while held and self._send(*held[0]):
            held.popleft()
        held.extend(self._held)  # records failing again while we resent go after the rest
        self._held = held
        self._retry_at = now + self._backoff
        self._backoff = min(self._backoff * 2, self._max_backoff)

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        self._outstanding -= 1
        if error is None:
            self.counts.delivered += 1
            if self._retrying.active or self._refused.active or self._unreachable.active:
                self._recovered()
            return
        if self._closing and error.code() in _PURGED:
            return  # counted as undelivered by close()
        value, key = message.value(), message.key()
        assert value is not None
        self._failed(error, (value, key, message.timestamp()[1]))

    def _failed(self, error: KafkaError, record: Held) -> None:
        if is_retriable(error):
            self.counts.retried += 1
            if not self._held:
                self._retry_at = self._clock() + self._backoff
            self._held.append(record)
            if self._retrying.begin():
                log.warning(
                    "Sink %s: delivery to topic %s failed (%s); holding the records and "
                    "retrying with backoff.",
                    *(self.name, self.topic, error.str()),
                )
            return
        self.counts.failed += 1
        if self._refused.begin():
            log.error(
                "Sink %s: Kafka refused a record for topic %s (%s); it is dropped (retrying "
                "cannot help). Further refusals are counted until a record is delivered.",
                *(self.name, self.topic, error.str()),
            )

    def _recovered(self) -> None:
        self._backoff = self._first_backoff
        if self._unreachable.end():
            log.info("Sink %s: Kafka is reachable again.", self.name)
        retried = self._retrying.end()
        if retried:
            log.info(
                "Sink %s: deliveries succeed again (%d failed attempts were retried).",
                *(self.name, retried),
            )
        refused = self._refused.end()
        if refused:
            log.warning("Sink %s: %d records were refused by Kafka.", self.name, refused)

    def _on_error(self, error: KafkaError) -> None:
        """Client-level errors (served by poll): connection trouble or a fatal client state."""
        if error.fatal():
            log.error("Sink %s: the Kafka producer failed for good: %s", self.name, error.str())
        if self._unreachable.begin():
            self._probe_at = self._clock() + PROBE_SECONDS
            log.warning(
                "Sink %s: cannot reach Kafka (%s); buffering up to %d records meanwhile.",
                *(self.name, error.str(), self._limit),
            )

    def _probe(self, producer: Producer, now: float) -> None:
        """Idle and marked unreachable: ask for metadata, as the next record would."""
        self._probe_at = now + PROBE_SECONDS
        try:
            producer.list_topics(self.topic, timeout=1.0)
        except KafkaException:
            return
        self._recovered()

    def _explain(self, error: Exception) -> str:
        """Name the user's property that librdkafka refused, if one alone is refused."""
        reason = error.args[0].str() if isinstance(error.args[0], KafkaError) else str(error)
        for name, value in self._settings.items():
            if name in DEFAULTS or name == "queue.buffering.max.messages":
                continue
            try:
                self._factory({name: value, "logger": Silent()})
            except (KafkaException, ValueError, TypeError) as alone:
                why = alone.args[0].str() if isinstance(alone.args[0], KafkaError) else alone
                return f"{PREFIX}{self._origin.get(name, name)}: not accepted by librdkafka: {why}"
        return f"{PREFIX[:-1]}: the Kafka client refused the producer settings: {reason}"
