"""Several worker processes in one instance (DESIGN §4; case C-09)."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.collector_process import file_sink_config, launch, start_collector
from tests.http_client import get
from tests.integration.beacons import QUERY_B, encode

pytestmark = pytest.mark.integration

TWO_WORKERS = "global.server.workers = 2"


def _writers(publish: Path) -> set[str]:
    """The ``<n>`` parts of published file names; ``<worker>-<n>`` with several workers."""
    return {
        re.sub(r"^.*-divolte-tracking-.*?-(\d+-\d+)(_\d+)?\.avro$", r"\1", p.name)
        for p in publish.glob("*.avro")
    }


def test_duplicates_recognised_across_workers(collector_factory: Any) -> None:
    collector = collector_factory(TWO_WORKERS)
    target = encode(QUERY_B, x="si9804")
    for _ in range(60):  # every request on a new connection: the kernel picks the worker
        assert get(collector.port, target).status == 200
    records = collector.stop_and_read()
    assert len(records) == 60
    assert [r["detectedDuplicate"] for r in records].count(False) == 1
    writers = {w.split("-")[0] for w in _writers(collector.publish)}
    assert writers == {"1", "2"}, "both workers must have received some of the requests"


def test_distinct_events_spread_over_workers(collector_factory: Any) -> None:
    collector = collector_factory(TWO_WORKERS)
    for n in range(1000):
        assert get(collector.port, encode(QUERY_B, e=f"event-{n}")).status == 200
    records = collector.stop_and_read()
    assert sorted(r["timestamp"] > 0 for r in records) == [True] * 1000
    assert not any(r["detectedDuplicate"] for r in records)
    assert len(_writers(collector.publish)) == 2


def test_a_dead_worker_is_replaced(collector_factory: Any) -> None:
    collector = collector_factory(TWO_WORKERS)
    deadline = time.monotonic() + 10
    while "All 2 workers are serving" not in collector.process.log():
        assert time.monotonic() < deadline, collector.process.log()
        time.sleep(0.05)
    pattern = r"Started worker \d+ \(pid (\d+)\)"
    pids = [int(p) for p in re.findall(pattern, collector.process.log())]
    assert len(pids) == 2
    os.kill(pids[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while "starting a new one" not in collector.process.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Worker 1 died" in collector.process.log()
    for n in range(20):
        assert get(collector.port, encode(QUERY_B, e=f"after-{n}")).status == 200
    assert len(collector.stop_and_read()) == 20


def test_a_worker_that_cannot_start_stops_the_instance(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist"
    config = file_sink_config(missing, missing, TWO_WORKERS)
    with pytest.raises(AssertionError, match="exited with 1"):
        start_collector(tmp_path, config)


def test_sigterm_while_workers_start_stops_cleanly(tmp_path: Path) -> None:
    """A worker that gets SIGTERM before its event loop runs must still shut down."""
    publish = tmp_path / "publish"
    publish.mkdir()
    collector = launch(tmp_path, file_sink_config(publish, publish, TWO_WORKERS))
    process, log = collector.process, collector.log_path
    deadline = time.monotonic() + 20
    while "Started worker 2" not in log.read_text():
        assert time.monotonic() < deadline and process.poll() is None, log.read_text()
        time.sleep(0.005)
    process.terminate()
    assert process.wait(timeout=20) == 0, log.read_text()
