"""Beacons in → a real Kafka broker → a real consumer → records decoded with the schema.

SINKS §5, CONFIG §7.4 and §9, cases C-06 (outage) and C-07 (confluent wire format).
"""

from __future__ import annotations

import http.client
import socket
import statistics
import time
from pathlib import Path

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, Message

from tests.collector_process import CollectorProcess
from tests.integration.beacons import QUERY_B, encode
from tests.integration.kafka.conftest import (
    Broker,
    closed_port,
    decode,
    kafka_config,
    start_kafka_collector,
    topic_name,
)

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.slow]


def party(n: int) -> str:
    return f"0:i1t84hgy:party{n:03d}"


def beacon(n: int, parties: int = 1, label: str = "e") -> str:
    return encode(QUERY_B, p=party(n % parties), e=f"0:{label}{n}", l=f"http://example.com/{n}")


def send(port: int, targets: list[str]) -> None:
    """Every target over one keep-alive connection, pipelined 500 at a time; all must be 200."""
    for start in range(0, len(targets), 500):
        chunk = targets[start : start + 500]
        requests = b"".join(f"GET {t} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for t in chunk)
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(requests)
            received = b""
            while received.count(b"HTTP/1.1 200 OK") < len(chunk):
                data = sock.recv(1 << 20)
                assert data, "connection closed early"
                received += data


def location_number(message: Message, offset: int = 0) -> int:
    value = message.value()
    assert value is not None
    return int(decode(value[offset:])["location"].rsplit("/", 1)[1])


def stop_ok(collector: CollectorProcess) -> str:
    status = collector.stop()
    log = collector.log()
    assert status == 0, log
    return log


def test_naked_records_keys_and_timestamps(
    kafka_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    topic = topic_name("naked")
    config = kafka_config(kafka_broker.bootstrap, f"sinks.k {{ type = kafka, topic = {topic} }}")
    collector = start_kafka_collector(tmp_path, config, collectors)
    send(collector.port, [beacon(n, parties=5) for n in range(50)])
    messages = kafka_broker.consume(topic, 50)
    assert len(messages) == 50
    seen: dict[bytes, list[int]] = {}
    for message in messages:
        value, key = message.value(), message.key()
        assert value is not None and key is not None
        record = decode(value)
        assert key == record["partyId"].encode()
        assert message.timestamp() == (TIMESTAMP_CREATE_TIME, record["timestamp"])
        assert message.headers() is None
        seen.setdefault(key, []).append(location_number(message))
    assert sorted(seen) == sorted(party(n).encode() for n in range(5))
    for numbers in seen.values():  # each party's records in the order they were sent
        assert numbers == sorted(numbers)
    assert "Sink k closed: 50 delivered, 0 retried, 0 failed" in stop_ok(collector)


def test_confluent_wire_format_c07(
    kafka_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    topic = topic_name("confluent")
    body = f"""
      sinks.k {{ type = kafka, topic = {topic}, mode = confluent }}
      mappings.m {{ sources = [browser], sinks = [k], confluent_id = 1234 }}
    """
    collector = start_kafka_collector(
        tmp_path, kafka_config(kafka_broker.bootstrap, body), collectors
    )
    send(collector.port, [beacon(n) for n in range(10)])
    messages = kafka_broker.consume(topic, 10)
    assert len(messages) == 10
    for message in messages:
        value = message.value()
        assert value is not None
        assert value[:5] == bytes([0x00, 0x00, 0x00, 0x04, 0xD2])
        assert decode(value[5:])["partyId"] == party(0)
        assert message.key() == party(0).encode()
    assert sorted(location_number(m, 5) for m in messages) == list(range(10))
    stop_ok(collector)


def test_two_mappings_into_two_topics(
    kafka_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    plain, framed = topic_name("first"), topic_name("second")
    body = f"""
      sinks {{
        a {{ type = kafka, topic = {plain} }}
        b {{ type = kafka, topic = {framed}, mode = confluent }}
      }}
      mappings {{
        one {{ sources = [browser], sinks = [a] }}
        two {{ sources = [browser], sinks = [b], confluent_id = 7 }}
      }}
    """
    collector = start_kafka_collector(
        tmp_path, kafka_config(kafka_broker.bootstrap, body), collectors
    )
    send(collector.port, [beacon(n, parties=3) for n in range(20)])
    first, second = kafka_broker.consume(plain, 20), kafka_broker.consume(framed, 20)
    assert sorted(location_number(m) for m in first) == list(range(20))
    assert {(m.value() or b"")[:5] for m in second} == {b"\x00\x00\x00\x00\x07"}
    assert sorted(location_number(m, 5) for m in second) == list(range(20))
    stop_ok(collector)


def java_murmur2(data: bytes) -> int:
    """org.apache.kafka.common.utils.Utils.murmur2, as Java's default partitioner uses it."""
    m, length = 0x5BD1E995, len(data)
    h = (0x9747B28C ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    rest = length % 4
    tail = data[length - rest :]
    if rest == 3:
        h ^= tail[2] << 16
    if rest >= 2:
        h ^= tail[1] << 8
    if rest >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def test_a_party_stays_on_the_partition_java_would_choose(
    kafka_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    topic = topic_name("partitions")
    kafka_broker.create_topic(topic, 4)
    config = kafka_config(kafka_broker.bootstrap, f"sinks.k {{ type = kafka, topic = {topic} }}")
    collector = start_kafka_collector(tmp_path, config, collectors)
    send(collector.port, [beacon(n, parties=12) for n in range(60)])
    messages = kafka_broker.consume(topic, 60)
    assert len(messages) == 60
    for message in messages:
        key = message.key() or b""
        assert message.partition() == (java_murmur2(key) & 0x7FFFFFFF) % 4
    assert len({m.partition() for m in messages}) > 1
    stop_ok(collector)


def test_producer_properties_pass_through_translate_and_warn(
    kafka_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    topic = topic_name("properties")
    producer = """
      linger.ms = 20
      buffer.memory = 16777216
      max.request.size = 2097152
      max.block.ms = 1000
      partitioner.class = org.apache.kafka.clients.producer.internals.DefaultPartitioner
      queue.buffering.max.ms = 20
    """
    config = kafka_config(
        kafka_broker.bootstrap, f"sinks.k {{ type = kafka, topic = {topic} }}", producer
    )
    collector = start_kafka_collector(tmp_path, config, collectors)
    send(collector.port, [beacon(n) for n in range(10)])
    assert len(kafka_broker.consume(topic, 10)) == 10
    log = stop_ok(collector)
    assert "divolte.global.kafka.producer.max.block.ms is ignored" in log
    assert "linger.ms" not in log and "buffer.memory" not in log


def test_shutdown_delivers_everything(
    kafka_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    topic, count = topic_name("shutdown"), 5000
    config = kafka_config(kafka_broker.bootstrap, f"sinks.k {{ type = kafka, topic = {topic} }}")
    collector = start_kafka_collector(tmp_path, config, collectors)
    send(collector.port, [beacon(n, parties=50) for n in range(count)])
    log = stop_ok(collector)  # SIGTERM right after the last answer
    totals = f"{count} delivered, 0 retried, 0 failed, 0 dropped full, 0 undelivered"
    assert f"Sink k closed: {totals}" in log
    messages = kafka_broker.consume(topic, count)
    assert sorted(location_number(m) for m in messages) == list(range(count))


def test_broker_down_buffer_bounded_and_shutdown_reports_the_loss(
    tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    body = """
      sinks.k { type = kafka, topic = lost }
      global.kafka.buffer_size = 60
      global.server.shutdown_timeout = 1 second
    """
    config = kafka_config(f"127.0.0.1:{closed_port()}", body)
    collector = start_kafka_collector(tmp_path, config, collectors)
    send(collector.port, [beacon(n) for n in range(100)])  # all answered at once
    started = time.monotonic()
    assert collector.stop() == 1
    assert time.monotonic() - started < 10
    log = collector.log()
    assert "60 records could not be delivered to topic lost within 1.0 s" in log
    # The other 40 were refused by the full buffer: by the sink, or by the queue before it.
    assert "40 dropped full, 60 undelivered" in log or "Queue of sink k is full" in log


def paced_beacons(port: int, rate: int, seconds: float, label: str) -> list[float]:
    """Send ``rate`` beacons a second over one keep-alive connection; each one's latency."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    started = time.perf_counter()
    try:
        for n in range(int(rate * seconds)):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            connection.request("GET", beacon(n, parties=20, label=label))
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - sent)
            assert response.status == 200
    finally:
        connection.close()
    return latencies


def describe(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p50, p99 = statistics.median(ms), ms[int(len(ms) * 0.99) - 1]
    return f"n={len(ms)} p50={p50:.2f} ms p99={p99:.2f} ms max={ms[-1]:.2f} ms"


def test_broker_outage_c06(
    new_broker: Broker, tmp_path: Path, collectors: list[CollectorProcess]
) -> None:
    """C-06, shortened: 200 events/s for 10 s at a closed port, then the broker comes up."""
    port, topic, rate, seconds = closed_port(), topic_name("outage"), 200, 10.0
    producer = "reconnect.backoff.max.ms = 500\ndelivery.timeout.ms = 3000"
    config = kafka_config(
        f"127.0.0.1:{port}", f"sinks.k {{ type = kafka, topic = {topic} }}", producer
    )
    collector = start_kafka_collector(tmp_path, config, collectors)
    down = paced_beacons(collector.port, rate, seconds, "down")
    new_broker.start(port)
    came_up = time.monotonic()
    total = int(rate * seconds)
    messages = new_broker.consume(topic, total, timeout=60)
    delivered_after = time.monotonic() - came_up
    up = paced_beacons(collector.port, rate, 2.0, "up")
    log = stop_ok(collector)
    print(f"\nC-06 beacon latency, broker down: {describe(down)}")
    print(f"C-06 beacon latency, broker up:   {describe(up)}")
    print(f"C-06 all {total} buffered events on the topic {delivered_after:.1f} s after start")
    print("C-06 " + next(line for line in log.splitlines() if "Sink k closed" in line))
    assert sorted(location_number(m) for m in messages) == list(range(total))
    assert "Sink k: cannot reach Kafka" in log
    assert "holding the records and retrying with backoff" in log  # delivery.timeout.ms < outage
    assert max(down) < 0.5 and statistics.median(down) < 0.02
