"""A real Apache Kafka broker (tests/infra/kafka.sh) and collectors that produce to it.

The broker is one KRaft node on loopback, shared by the session; each test uses its own
topics. Tests skip only when Java or Maven is missing (or while the collector cannot build
Kafka sinks yet), with the reason.
"""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
import pytest
from confluent_kafka import Consumer, Message, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from divolte.mapping.avro_encoder import default_schema
from tests.collector_process import CollectorProcess, start_collector

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "kafka.sh"
SCHEMA = fastavro.parse_schema(default_schema())


def pytest_configure(config: pytest.Config) -> None:
    # Until pyproject.toml registers it (--strict-markers).
    config.addinivalue_line("markers", "kafka: needs a real Kafka broker (Java and Maven)")


def decode(body: bytes) -> dict[str, Any]:
    """An Avro body (no framing) as a record of the default schema."""
    record = fastavro.schemaless_reader(io.BytesIO(body), SCHEMA, None)
    assert isinstance(record, dict)
    return record


@dataclass
class Broker:
    state: Path
    bootstrap: str = ""

    @property
    def port(self) -> int:
        return int(self.bootstrap.rsplit(":", 1)[1])

    def start(self, port: int | None = None) -> Broker:
        args = [str(SCRIPT), "start", str(self.state), *([str(port)] if port else [])]
        done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            raise AssertionError(f"kafka.sh start failed:\n{done.stderr}")
        self.bootstrap = done.stdout.strip().splitlines()[-1]
        return self

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.state)], timeout=60, check=False)

    def create_topic(self, name: str, partitions: int) -> None:
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
            future.result(timeout=30)

    def consume(self, topic: str, count: int, timeout: float = 30.0) -> list[Message]:
        """Read ``count`` messages from every partition of ``topic``, from the beginning."""
        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": f"test-{uuid.uuid4()}"}
        )
        try:
            deadline = time.monotonic() + timeout
            partitions: list[int] = []
            while not partitions and time.monotonic() < deadline:
                metadata = consumer.list_topics(topic, timeout=5).topics[topic]
                partitions = [] if metadata.error else sorted(metadata.partitions)
            consumer.assign([TopicPartition(topic, p, 0) for p in partitions])  # 0: earliest
            messages: list[Message] = []
            while len(messages) < count and time.monotonic() < deadline:
                for message in consumer.consume(1000, 0.5):
                    assert message.error() is None, message.error()
                    messages.append(message)
            # Anything beyond ``count`` would be a duplicate: look a little longer.
            messages.extend(consumer.consume(1000, 0.5))
            return messages
        finally:
            consumer.close()


def _require_java_and_maven() -> None:
    """A missing prerequisite fails loudly, never skips."""
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not on PATH (the Kafka broker needs them): run "
            'scripts/install-test-deps, or leave these tests out with -m "not kafka"'
        )


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    _require_java_and_maven()
    broker = Broker(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker.start()
    finally:
        broker.stop()


@pytest.fixture
def new_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker of the test's own, not started: the test starts (and restarts) it."""
    _require_java_and_maven()
    broker = Broker(tmp_path / "kafka")
    yield broker
    broker.stop()


def topic_name(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kafka_config(bootstrap: str, body: str, producer: str = "") -> str:
    """One worker, no file sinks, Kafka enabled; ``body`` declares sinks (and mappings)."""
    return f"""
divolte {{
  global.server.workers = 1
  global.hdfs.enabled = false
  global.kafka {{
    enabled = true
    producer {{
      bootstrap.servers = "{bootstrap}"
      {producer}
    }}
  }}
  {body}
}}
"""


def start_kafka_collector(
    tmp_path: Path, config: str, started: list[CollectorProcess]
) -> CollectorProcess:
    """Start a collector; it is killed at the end of the test if still running."""
    collector = start_collector(tmp_path, config)
    started.append(collector)
    return collector


def start_failing_collector(tmp_path: Path, config: str) -> str:
    """Run a collector that must refuse to start; its log."""
    try:
        collector = start_collector(tmp_path, config)
    except AssertionError as failed:
        return str(failed)
    collector.stop()
    raise AssertionError(f"the collector started:\n{collector.log()}")


@pytest.fixture
def collectors(tmp_path: Path) -> Iterator[list[CollectorProcess]]:
    """Collectors a test started; any still running at the end are killed."""
    started: list[CollectorProcess] = []
    yield started
    for collector in started:
        if collector.process.poll() is None:
            collector.process.kill()
            collector.process.wait()
