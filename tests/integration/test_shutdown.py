"""Shutdown publishes everything, once (case C-04; OPERATIONS §4)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from tests.http_client import get
from tests.integration.beacons import QUERY_B, encode

pytestmark = pytest.mark.integration


def _send_pipelined(port: int, targets: list[str]) -> int:
    """Send every target over one keep-alive connection; returns the number of 200 answers."""
    requests = b"".join(f"GET {t} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for t in targets)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(requests)
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < len(targets):
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            received += chunk
    return received.count(b"HTTP/1.1 200 OK")


def test_ten_thousand_events_then_sigterm(collector_factory: Any) -> None:
    collector = collector_factory("sinks.hdfs.file_strategy.roll_every = 1 hour")
    targets = [encode(QUERY_B, e=f"event-{n}") for n in range(10_000)]
    answered = sum(
        _send_pipelined(collector.port, targets[i : i + 1000]) for i in range(0, 10_000, 1000)
    )
    assert answered == 10_000
    records = collector.stop_and_read()  # also asserts the working directory is empty
    assert len(records) == 10_000
    assert len({r["partyId"] for r in records}) == 1
    assert not any(r["detectedDuplicate"] for r in records)


def test_health_turns_503_at_sigterm_while_events_are_still_accepted(
    collector_factory: Any,
) -> None:
    collector = collector_factory("global.server.shutdown_delay = 3 seconds")
    assert get(collector.port, "/health").status == 200
    collector.process.process.terminate()
    deadline = time.monotonic() + 2
    health = get(collector.port, "/health")
    while health.status == 200 and time.monotonic() < deadline:
        time.sleep(0.02)
        health = get(collector.port, "/health")
    assert (health.status, health.body) == (503, b"SHUTDOWN")
    ping = get(collector.port, "/ping")
    assert (ping.status, ping.body) == (503, b"No p*ng for you, shutting down")
    assert get(collector.port, encode(QUERY_B, x="si9804")).status == 200
    (record,) = collector.stop_and_read()
    assert record["detectedCorruption"] is False


def test_old_shutdown_key_names_are_accepted(collector_factory: Any) -> None:
    """The seed's key names: health turns 503 at once, the process leaves after the delay."""
    collector = collector_factory(
        "global.server { shutdown_wait_period_mills = 1500, shutdown_grace_period_mills = 2000 }"
    )
    started = time.monotonic()
    collector.process.process.terminate()
    time.sleep(0.3)
    assert get(collector.port, "/health").status == 503
    assert collector.process.process.wait(timeout=10) == 0
    assert time.monotonic() - started >= 1.5
    assert collector.stop_and_read() == []
