"""The Kafka sink against an in-memory producer (policy, framing, counting) and against the
real librdkafka: its built-in mock cluster (``test.mock.num.brokers``) and a closed port.

The real broker is in tests/integration/kafka/.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from typing import Any, cast

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer

from divolte.errors import ConfigError, FatalSinkError
from divolte.sinks.kafka import KafkaSink
from divolte.types import RecordMeta

PARTY = "0:i1t84hgy:5AF359Zjq5kUy98u4wQjlIZzWGhN~GlG"
META = RecordMeta(PARTY, "0:i1t84hgy:session", "0:event0", 1_700_000_000_123)
DEFAULTS = {"bootstrap.servers": "localhost:9092", "acks": "1", "compression.type": "lz4"}


class FakeMessage:
    def __init__(self, topic: str, value: bytes, key: bytes | None, timestamp: int) -> None:
        self._topic, self._value, self._key, self._timestamp = topic, value, key, timestamp

    def topic(self) -> str:
        return self._topic

    def value(self) -> bytes:
        return self._value

    def key(self) -> bytes | None:
        return self._key

    def timestamp(self) -> tuple[int, int]:
        return (1, self._timestamp)

    def headers(self) -> None:
        return None


class FakeProducer:
    """librdkafka's producer surface as the sink uses it; poll() delivers or fails the queue."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.capacity = 1_000_000
        self.queue: list[FakeMessage] = []
        self.produced: list[FakeMessage] = []
        self.outcomes: deque[KafkaError | None] = deque()
        self.down = False  # nothing is delivered or failed while the broker is "down"
        self.refuse: KafkaException | None = None
        self.purged = 0

    def produce(self, topic: str, value: bytes, key: bytes | None, *, timestamp: int) -> None:
        if self.refuse is not None:
            raise self.refuse
        if len(self.queue) >= self.capacity:
            raise BufferError("Local: Queue full")
        message = FakeMessage(topic, value, key, timestamp)
        self.queue.append(message)
        self.produced.append(message)

    def poll(self, timeout: float = 0) -> int:
        if self.down:
            return 0
        served, self.queue = self.queue, []
        for message in served:
            outcome = self.outcomes.popleft() if self.outcomes else None
            self.config["on_delivery"](outcome, message)
        return len(served)

    def flush(self, timeout: float = 0) -> int:
        self.poll()
        return len(self.queue)

    def purge(self) -> None:
        self.purged, self.queue = len(self.queue), []

    def list_topics(self, topic: str, timeout: float) -> None:
        if self.down:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))

    def __len__(self) -> int:
        return len(self.queue)


@pytest.fixture(autouse=True)
def _info_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "divolte.sinks.kafka")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_sink(
    mode: str = "naked",
    confluent_id: int | None = None,
    buffer_size: int = 1000,
    clock: Clock | None = None,
    **kwargs: Any,
) -> tuple[KafkaSink, FakeProducer]:
    made: list[FakeProducer] = []

    def factory(config: dict[str, Any]) -> Producer:
        made.append(FakeProducer(config))
        return cast(Producer, made[-1])

    sink = KafkaSink(
        "kafka", "clicks", mode, confluent_id, DEFAULTS, buffer_size,
        clock=clock or Clock(), producer_factory=factory, **kwargs,
    )  # fmt: skip
    sink.start()
    return sink, made[0]


def test_naked_message_is_avro_keyed_by_party_with_the_server_time() -> None:
    sink, producer = make_sink()
    sink.write(b"\x02avro-body", META)
    (message,) = producer.produced
    assert message.topic() == "clicks"
    assert message.key() == PARTY.encode()
    assert message.value() == b"\x02avro-body"
    assert message.timestamp() == (1, 1_700_000_000_123)


def test_confluent_wire_format_c07() -> None:
    sink, producer = make_sink("confluent", 1234)
    sink.write(b"\x02avro-body", META)
    assert producer.produced[0].value() == bytes.fromhex("00000004d2") + b"\x02avro-body"
    sink, producer = make_sink("confluent", 0x1DEFACED)
    sink.write(b"body", META)
    assert producer.produced[0].value()[:5] == bytes.fromhex("001defaced")


@pytest.mark.parametrize(
    ("mode", "confluent_id", "message"),
    [
        ("confluent", None, "divolte.sinks.kafka: confluent mode needs"),
        ("confluent", 2**31, "divolte.sinks.kafka: confluent_id 2147483648 is not"),
        ("Naked", None, "divolte.sinks.kafka.mode must be naked or confluent"),
    ],
)
def test_mode_problems_are_config_errors(mode: str, confluent_id: int | None, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        KafkaSink("kafka", "t", mode, confluent_id, DEFAULTS, 10)
    assert raised.value.problems[0].startswith(message)


def test_delivery_reports_are_counted_and_the_producer_is_configured() -> None:
    sink, producer = make_sink(buffer_size=5000)
    assert producer.config["partitioner"] == "murmur2_random"  # Java's default partitioner
    assert producer.config["queue.buffering.max.messages"] == "5000"
    assert producer.config["compression.type"] == "lz4"
    for _ in range(10):
        sink.write(b"x", META)
    assert sink.pending == 10
    sink.heartbeat()
    assert (sink.counts.delivered, sink.pending, sink.healthy) == (10, 0, True)


def test_a_full_buffer_drops_new_records_counted_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink, producer = make_sink(buffer_size=10)
    producer.down = True
    for n in range(25):
        sink.write(b"%d" % n, META)
    assert (sink.counts.dropped_full, sink.pending, sink.healthy) == (15, 10, False)
    full = [r for r in caplog.records if "dropping new records" in r.getMessage()]
    assert len(full) == 1 and full[0].levelno == logging.ERROR
    producer.down = False
    sink.heartbeat()
    assert (sink.counts.delivered, sink.healthy) == (10, True)
    assert [p.value() for p in producer.produced] == [b"%d" % n for n in range(10)]
    assert "accepting records again; 15 were dropped" in caplog.text


def test_librdkafka_queue_full_counts_as_a_full_buffer() -> None:
    sink, producer = make_sink(buffer_size=100)
    producer.capacity, producer.down = 3, True
    for _ in range(5):
        sink.write(b"x", META)
    assert (sink.counts.dropped_full, len(producer.produced)) == (2, 3)


def test_retriable_failures_are_held_and_retried_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    sink, producer = make_sink(clock=clock, retry_backoff=(0.5, 2.0))
    timed_out = KafkaError(KafkaError._MSG_TIMED_OUT)
    producer.outcomes.extend([timed_out] * 6)
    for n in range(3):
        sink.write(b"%d" % n, META)
    sink.heartbeat()  # all three fail: held
    assert (sink.counts.retried, sink.pending, sink.healthy) == (3, 3, False)
    sink.heartbeat()  # not yet due
    assert len(producer.produced) == 3
    clock.now += 0.5
    sink.heartbeat()  # due: resent
    sink.heartbeat()  # they fail again; the next wait is twice as long
    assert (len(producer.produced), sink.counts.retried) == (6, 6)
    clock.now += 0.5
    sink.heartbeat()
    assert len(producer.produced) == 6
    clock.now += 0.5
    sink.heartbeat()  # resent
    sink.heartbeat()  # and delivered, in their original order
    assert [m.value() for m in producer.produced[6:]] == [b"0", b"1", b"2"]
    assert (sink.counts.delivered, sink.pending, sink.healthy) == (3, 0, True)
    assert caplog.text.count("holding the records and retrying") == 1
    assert "deliveries succeed again (6 failed attempts were retried)" in caplog.text


def test_refused_records_are_counted_and_logged_once_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink, producer = make_sink()
    producer.outcomes.extend([KafkaError(KafkaError.MSG_SIZE_TOO_LARGE)] * 2)
    for _ in range(3):
        sink.write(b"x", META)
    sink.heartbeat()
    assert (sink.counts.failed, sink.counts.delivered, sink.pending) == (2, 1, 0)
    assert caplog.text.count("Kafka refused a record") == 1
    assert "2 records were refused by Kafka" in caplog.text


def test_produce_refusing_at_once_never_raises_into_the_runner() -> None:
    sink, producer = make_sink()
    producer.refuse = KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))
    sink.write(b"x" * 100, META)
    assert sink.counts.failed == 1
    producer.refuse = KafkaException(KafkaError(KafkaError._UNKNOWN_TOPIC))
    sink.write(b"y", META)
    assert (sink.counts.retried, sink.pending) == (1, 1)


def test_unreachable_broker_makes_the_sink_unhealthy_until_a_delivery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink, producer = make_sink()
    for _ in range(3):
        producer.config["error_cb"](KafkaError(KafkaError._ALL_BROKERS_DOWN))
    assert not sink.healthy
    assert caplog.text.count("cannot reach Kafka") == 1
    sink.write(b"x", META)
    sink.heartbeat()
    assert sink.healthy
    assert "Kafka is reachable again" in caplog.text


def test_an_idle_sink_probes_the_broker_to_become_healthy_again() -> None:
    clock = Clock()
    sink, producer = make_sink(clock=clock)
    producer.down = True
    producer.config["error_cb"](KafkaError(KafkaError._TRANSPORT))
    clock.now += 10
    sink.heartbeat()
    assert not sink.healthy
    producer.down = False
    sink.heartbeat()  # probed 5 s ago
    assert not sink.healthy
    clock.now += 5
    sink.heartbeat()
    assert sink.healthy


def test_close_flushes_and_retries_held_records() -> None:
    sink, producer = make_sink(retry_backoff=(0.01, 0.01), clock=time.monotonic)  # type: ignore[arg-type]
    producer.outcomes.append(KafkaError(KafkaError._TRANSPORT))
    for _ in range(5):
        sink.write(b"x", META)
    sink.close()
    assert (sink.counts.delivered, sink.counts.retried, sink.counts.undelivered) == (5, 1, 0)
    sink.close()  # idempotent


def test_close_reports_what_could_not_be_delivered(caplog: pytest.LogCaptureFixture) -> None:
    sink, producer = make_sink(flush_timeout=0.2, clock=time.monotonic)  # type: ignore[arg-type]
    producer.down = True
    for _ in range(7):
        sink.write(b"x", META)
    started = time.monotonic()
    with pytest.raises(FatalSinkError, match="7 records could not be delivered to topic clicks"):
        sink.close()
    assert time.monotonic() - started < 1.5
    assert (sink.counts.undelivered, producer.purged) == (7, 7)
    assert "7 records could not be delivered" in caplog.text
    with pytest.raises(FatalSinkError):
        sink.write(b"x", META)


def test_unknown_property_names_the_users_key() -> None:
    sink = KafkaSink("kafka", "t", "naked", None, {**DEFAULTS, "frobnicate.ms": "3"}, 10)
    with pytest.raises(ConfigError) as raised:
        sink.start()
    assert raised.value.problems == [
        "divolte.global.kafka.producer.frobnicate.ms: not accepted by librdkafka: "
        'No such configuration property: "frobnicate.ms"'
    ]


def test_invalid_translated_value_names_the_users_key() -> None:
    sink = KafkaSink("kafka", "t", "naked", None, {"max.request.size": "5"}, 10)
    with pytest.raises(ConfigError) as raised:
        sink.start()
    assert raised.value.problems[0].startswith(
        "divolte.global.kafka.producer.max.request.size: not accepted by librdkafka: "
        'Configuration property "message.max.bytes" value 5 is outside allowed range'
    )


def test_ignored_properties_are_logged_by_name(caplog: pytest.LogCaptureFixture) -> None:
    KafkaSink("kafka", "t", "naked", None, {"max.block.ms": "1000"}, 10)
    assert "Sink kafka: divolte.global.kafka.producer.max.block.ms is ignored" in caplog.text


# --- the real librdkafka ---------------------------------------------------------------------


def test_librdkafka_mock_cluster_delivers_everything() -> None:
    config = {"test.mock.num.brokers": "1", "linger.ms": "1", **DEFAULTS}
    sink = KafkaSink("kafka", "clicks", "confluent", 1234, config, 100_000)
    sink.start()
    started = time.perf_counter()
    for n in range(5000):
        sink.write(b"record-%d" % n, META)
    write_seconds = time.perf_counter() - started
    deadline = time.monotonic() + 10
    while sink.counts.delivered < 5000 and time.monotonic() < deadline:
        sink.heartbeat()
        time.sleep(0.01)
    sink.close()
    assert (sink.counts.delivered, sink.counts.undelivered, sink.counts.failed) == (5000, 0, 0)
    assert write_seconds < 1.0  # ≈2 µs each here; the point is that nothing waits


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_librdkafka_with_the_broker_down_never_blocks_and_reports_at_close() -> None:
    config = {"bootstrap.servers": f"127.0.0.1:{_closed_port()}", "reconnect.backoff.ms": "10"}
    sink = KafkaSink("kafka", "clicks", "naked", None, config, 1000, flush_timeout=0.5)
    sink.start()
    started = time.perf_counter()
    for _ in range(1500):
        sink.write(b"x", META)
    assert time.perf_counter() - started < 0.5
    assert (sink.counts.dropped_full, sink.pending) == (500, 1000)
    deadline = time.monotonic() + 5
    while sink.healthy and time.monotonic() < deadline:
        sink.heartbeat()
        time.sleep(0.02)
    assert not sink.healthy
    started = time.perf_counter()
    with pytest.raises(FatalSinkError, match="1000 records could not be delivered"):
        sink.close()
    assert time.perf_counter() - started < 2.0


def test_librdkafka_timeouts_while_the_broker_is_down_are_retried() -> None:
    config = {"bootstrap.servers": f"127.0.0.1:{_closed_port()}", "delivery.timeout.ms": "100"}
    sink = KafkaSink(
        "kafka", "clicks", "naked", None, config, 1000, flush_timeout=0.2,
        retry_backoff=(0.3, 0.3),
    )  # fmt: skip
    sink.start()
    for _ in range(20):
        sink.write(b"x", META)
    deadline = time.monotonic() + 5
    while sink.counts.retried < 20 and time.monotonic() < deadline:
        sink.heartbeat()
        time.sleep(0.02)
    assert (sink.counts.retried, sink.held) == (20, 20)  # timed out once and held, not lost
    assert sink.counts.failed == 0 and not sink.healthy
    time.sleep(0.35)
    sink.heartbeat()  # the backoff has passed: all of them are back in librdkafka's queue
    assert sink.held == 0 and sink.pending >= 20
    with pytest.raises(FatalSinkError, match="20 records could not be delivered"):
        sink.close()
