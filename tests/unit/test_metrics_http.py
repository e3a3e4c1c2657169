"""Request metrics, ``/metrics``, ``/health/sinks`` and the sink monitor, without sockets."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from divolte._sink_monitor import SinkMonitor, sink_totals
from divolte.config import load_config
from divolte.http import responses
from divolte.http.health import register_health
from divolte.http.metrics import MetricsEndpoint, ObservedServerState, SinksHealthEndpoint
from divolte.http.request import Request
from divolte.metrics import Metrics
from divolte.observability import Observability
from divolte.observe import Happenings, HttpHappenings
from tests.unit.test_metrics import samples


class Sent:
    """``request.send`` for tests: keeps what was sent."""

    def __init__(self) -> None:
        self.data: list[bytes] = []

    def __call__(self, data: bytes) -> None:
        self.data.append(data)

    @property
    def status(self) -> int:
        return int(self.data[-1][9:12])

    @property
    def body(self) -> bytes:
        return self.data[-1].split(b"\r\n\r\n", 1)[1]


def request(
    path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[Request, Sent]:
    sent = Sent()
    return Request(method, path, "", headers or [], "127.0.0.1", True, sent), sent


def observed(metrics: Metrics, tag_paths: dict[str, str] | None = None) -> ObservedServerState:
    state = ObservedServerState()
    state.observer = HttpHappenings(Happenings(metrics), tag_paths)
    return state


def test_requests_counted_by_endpoint_and_status(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    state = observed(metrics, {"/divolte.js": "browser"})
    register_health(state, lambda: False)
    state.add_route(
        "/divolte.js",
        {"GET"},
        lambda r: r.send(responses.simple(304, keep_alive=True, send_body=False)),
    )
    for path, method in [
        ("/health", "GET"),
        ("/health", "GET"),
        ("/divolte.js", "GET"),
        ("/divolte.js", "POST"),  # 405 from the router itself
        ("/nowhere", "GET"),  # 404 without a static fallback
    ]:
        state.dispatch(request(path, method)[0])
    state.count_refused(431)
    found = samples(metrics)

    def count(endpoint: str, status: str) -> float:
        return found["divolte_http_requests_total", (("endpoint", endpoint), ("status", status))]

    assert count("/health", "200") == 2
    assert count("/divolte.js", "304") == 1
    assert count("/divolte.js", "405") == 1
    assert count("unknown", "404") == 1
    assert count("malformed", "431") == 1
    assert state.refused[431] == 1
    assert found["divolte_http_request_duration_seconds_count", (("endpoint", "/health"),)] == 2
    tag = found["divolte_tag_downloads_total", (("source", "browser"), ("status", "304"))]
    assert tag == 1


def test_a_late_response_is_counted_when_it_is_written(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    state = observed(metrics)
    later: list[Request] = []
    state.add_route("/slow", {"GET"}, later.append)
    state.dispatch(request("/slow")[0])
    assert "divolte_http_requests_total" not in {name for name, _ in samples(metrics)}
    later[0].send(responses.simple(200))
    found = samples(metrics)
    assert found["divolte_http_requests_total", (("endpoint", "/slow"), ("status", "200"))] == 1


def test_without_observer_the_state_is_the_plain_one(tmp_path: Path) -> None:
    state = ObservedServerState()
    register_health(state, lambda: False)
    plain, sent = request("/health")
    state.dispatch(plain)
    assert sent.status == 200
    assert isinstance(plain.send, Sent)  # not wrapped


def test_metrics_endpoint_samples_first_then_renders(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    calls: list[int] = []
    endpoint = MetricsEndpoint(metrics, lambda: calls.append(1))
    metrics.counter("divolte_things", "Things.").labels().inc()
    scrape, sent = request("/metrics")
    endpoint(scrape)
    assert calls == [1]
    assert sent.status == 200
    assert b"divolte_things_total 1.0" in sent.body
    assert b"Content-Type: text/plain; version=0.0.4" in sent.data[0]
    accept = [(b"Accept", b"application/openmetrics-text; version=1.0.0")]
    scrape, sent = request("/metrics", headers=accept)
    endpoint(scrape)
    assert sent.body.endswith(b"# EOF\n")


def test_sinks_health_names_the_failing_sinks() -> None:
    failing: list[str] = []
    endpoint = SinksHealthEndpoint(lambda: failing)
    probe, sent = request("/health/sinks")
    endpoint(probe)
    assert (sent.status, json.loads(sent.body)) == (200, {"status": "ok"})
    failing.append("hdfs")
    probe, sent = request("/health/sinks")
    endpoint(probe)
    assert (sent.status, json.loads(sent.body)) == (503, {"status": "failing", "failing": ["hdfs"]})
    assert b"Content-Type: application/json" in sent.data[0]


@dataclass
class FakeFileSink:
    name: str = "hdfs"
    healthy: bool = True
    records_written: int = 0
    records_dropped: int = 0
    files_published: int = 0


@dataclass
class FakeKafkaCounts:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    dropped_full: int = 0
    undelivered: int = 0


@dataclass
class FakeKafkaSink:
    name: str = "kafka"
    healthy: bool = True
    counts: FakeKafkaCounts = field(default_factory=FakeKafkaCounts)


@dataclass
class FakeRunner:
    sink: object
    capacity: int = 100
    depth: int = 0
    enqueued: int = 0
    refused_full: int = 0
    failures: int = 0
    bytes_written: int = 0


def test_monitor_moves_metrics_by_the_sinks_own_counts(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    files, kafka = FakeRunner(FakeFileSink()), FakeRunner(FakeKafkaSink())
    monitor = SinkMonitor(metrics, {"hdfs": files, "kafka": kafka})
    found = samples(metrics)
    assert found["divolte_sink_records_written_total", (("sink", "hdfs"),)] == 0
    files.enqueued, files.refused_full, files.failures, files.bytes_written = 12, 2, 1, 900
    files.sink.records_written, files.sink.files_published = 10, 1  # type: ignore[attr-defined]
    files.depth = 2
    kafka.sink.counts.delivered, kafka.sink.counts.retried = 5, 3  # type: ignore[attr-defined]
    kafka.sink.healthy = False  # type: ignore[attr-defined]
    assert monitor.sample() == {"hdfs": True, "kafka": False}
    monitor.sample()  # nothing changed: nothing added twice
    found = samples(metrics)
    hdfs, kafka_sink = (("sink", "hdfs"),), (("sink", "kafka"),)
    assert found["divolte_sink_records_queued_total", hdfs] == 12
    assert found["divolte_sink_records_written_total", hdfs] == 10
    assert found["divolte_sink_records_failed_total", (("reason", "queue_full"), *hdfs)] == 2
    assert found["divolte_sink_errors_total", hdfs] == 1
    assert found["divolte_sink_written_bytes_total", hdfs] == 900
    assert found["divolte_files_published_total", hdfs] == 1
    assert found["divolte_sink_queue_depth", hdfs] == 2
    assert found["divolte_sink_queue_capacity", hdfs] == 100
    assert found["divolte_sink_healthy", hdfs] == 1
    assert found["divolte_sink_records_written_total", kafka_sink] == 5
    assert found["divolte_sink_records_retried_total", kafka_sink] == 3
    assert found["divolte_sink_healthy", kafka_sink] == 0
    assert monitor.failing() == ["kafka"]


def test_sink_totals_of_a_runner_without_byte_counts() -> None:
    runner = FakeRunner(FakeFileSink())
    del runner.bytes_written
    assert sink_totals(runner)["bytes"] == 0


def test_monitor_samples_in_the_background_and_once_more_at_stop(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    runner = FakeRunner(FakeFileSink())
    monitor = SinkMonitor(metrics, {"hdfs": runner}, interval=0.01)

    async def scenario() -> None:
        monitor.start()
        runner.sink.records_written = 4  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
        assert samples(metrics)["divolte_sink_records_written_total", (("sink", "hdfs"),)] == 4
        runner.sink.files_published = 1  # type: ignore[attr-defined]
        await monitor.stop()

    # A thread of its own: a session's browser tests leave Playwright's loop running here.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result()
    assert samples(metrics)["divolte_files_published_total", (("sink", "hdfs"),)] == 1


def test_observability_registers_what_the_configuration_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "divolte.conf"
    config_file.write_text(
        "divolte.global.metrics.path = /prometheus\ndivolte.global.inspector.enabled = true\n"
    )
    config = load_config(str(config_file), env={})
    observability = Observability(config, metrics=Metrics(str(tmp_path)))
    state = ObservedServerState()
    observability.register(state, {"hdfs": FakeRunner(FakeFileSink())})
    assert {"/prometheus", "/health/sinks", "/inspector", "/inspector/events"} <= set(state.routes)
    assert state.observer is not None
    assert observability.inspector is not None
    scrape, sent = request("/prometheus")
    state.dispatch(scrape)
    assert b'divolte_sink_healthy{sink="hdfs"} 1.0' in sent.body
    assert b'divolte_records_produced_total{mapping="default"} 0.0' in sent.body

    config_file.write_text("divolte.global.metrics.enabled = false\n")
    off = load_config(str(config_file), env={})
    (tmp_path / "quiet").mkdir()
    quiet = Observability(off, metrics=Metrics(str(tmp_path / "quiet")))
    state = ObservedServerState()
    quiet.register(state, {})
    assert "/metrics" not in state.routes
    assert "/health/sinks" in state.routes
    assert state.observer is None
    assert quiet.inspector is None
