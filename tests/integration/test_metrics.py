"""``/metrics`` and ``/health/sinks`` of a real collector after known traffic (issue 7).

Counts of events and requests are exact the moment the responses are out; per-sink figures
are sampled once a second in every worker (and at the scrape in the worker that answers),
so those are polled.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from divolte.app import Collector
from tests.http_client import get
from tests.integration.beacons import QUERY_B, encode

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not hasattr(Collector, "observability"),
        reason="app.py does not wire divolte.observability yet (issue 7)",
    ),
]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
FAST_FILES = "sinks.hdfs.file_strategy.sync_file_after_records = 1"


def scrape(port: int, path: str = "/metrics") -> Samples:
    answer = get(port, path)
    assert answer.status == 200, answer
    assert answer.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.body.decode())
        for sample in family.samples
    }


def wait_for(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def send_known_traffic(port: int) -> None:
    """7 beacons: 1 valid, its duplicate, 3 corrupt (no checksum), 2 without party id;
    one tag download and one request for a page that does not exist."""
    valid = encode(QUERY_B, x="si9804")
    targets = [valid, valid, *(encode(QUERY_B, e=f"event-{n}") for n in range(3))]
    targets += [encode(QUERY_B, p=None)] * 2
    for target in targets:  # a new connection each: with two workers the kernel spreads them
        assert get(port, target).status == 200
    assert get(port, "/divolte.js").status == 200
    assert get(port, "/no-such-page.html").status == 404


def assert_known_counts(found: Samples) -> None:
    browser, default = (("source", "browser"),), (("mapping", "default"),)
    assert found["divolte_events_received_total", browser] == 7
    dropped = (("reason", "missing_party_id"), ("source", "browser"))
    assert found["divolte_events_dropped_total", dropped] == 2
    assert found["divolte_events_flagged_total", (("flag", "duplicate"), *browser)] == 1
    assert found["divolte_events_flagged_total", (("flag", "corrupt"), *browser)] == 3
    assert found["divolte_records_produced_total", default] == 5
    assert found["divolte_records_failed_total", default] == 0

    def requests(endpoint: str, status: str) -> float:
        return found["divolte_http_requests_total", (("endpoint", endpoint), ("status", status))]

    assert requests("/csc-event", "200") == 7
    assert requests("/divolte.js", "200") == 1
    assert requests("static", "404") == 1
    assert found["divolte_tag_downloads_total", (("source", "browser"), ("status", "200"))] == 1
    latency = found["divolte_http_request_duration_seconds_count", (("endpoint", "/csc-event"),)]
    assert latency == 7


def test_exact_counts_after_known_traffic(collector_factory: Any) -> None:
    collector = collector_factory(FAST_FILES)
    send_known_traffic(collector.port)
    found = scrape(collector.port)
    assert_known_counts(found)
    hdfs = (("sink", "hdfs"),)
    assert found["divolte_sink_records_queued_total", hdfs] == 5
    assert found["divolte_sink_healthy", hdfs] == 1
    assert found["divolte_sink_queue_capacity", hdfs] == 1048576
    assert found["divolte_workers", ()] == 1
    assert found["divolte_start_time_seconds", ()] <= time.time()
    wait_for(
        lambda: scrape(collector.port)["divolte_sink_records_written_total", hdfs] == 5,
        "5 records synced",
    )
    found = scrape(collector.port)
    assert found["divolte_sink_written_bytes_total", hdfs] > 5 * 100
    assert found["divolte_sink_queue_depth", hdfs] == 0
    assert found["divolte_files_published_total", hdfs] == 0  # published at the roll
    assert found["divolte_http_requests_total", (("endpoint", "/metrics"), ("status", "200"))] >= 2
    assert get(collector.port, "/health/sinks").status == 200
    assert len(collector.stop_and_read()) == 5


def test_a_failing_sink_shows_in_metrics_and_readiness(collector_factory: Any) -> None:
    collector = collector_factory(FAST_FILES + "\nsinks.hdfs.file_strategy.roll_every = 1 second")
    publish = collector.publish
    shutil.rmtree(publish)
    publish.write_text("not a directory")  # publishing a file fails from now on
    for n in range(4):
        assert get(collector.port, encode(QUERY_B, e=f"failing-{n}")).status == 200

    def readiness() -> tuple[int, Any]:
        answer = get(collector.port, "/health/sinks")
        return answer.status, json.loads(answer.body)

    wait_for(lambda: readiness()[0] == 503, "the sink to report failure")
    assert readiness() == (503, {"status": "failing", "failing": ["hdfs"]})
    assert get(collector.port, "/health").status == 200  # the load balancer's view is unchanged
    found = scrape(collector.port)
    hdfs = (("sink", "hdfs"),)
    assert found["divolte_sink_healthy", hdfs] == 0
    assert found["divolte_files_published_total", hdfs] == 0
    assert found["divolte_sink_records_queued_total", hdfs] == 4
    assert found["divolte_events_received_total", (("source", "browser"),)] == 4

    publish.unlink()
    publish.mkdir()  # fixed: the sink publishes what it held and is healthy again
    wait_for(lambda: readiness() == (200, {"status": "ok"}), "the sink to recover", 40)
    found = scrape(collector.port)
    assert found["divolte_sink_healthy", hdfs] == 1
    assert found["divolte_files_published_total", hdfs] >= 1
    assert not any(k[0] == "divolte_sink_records_failed_total" and v for k, v in found.items())
    assert len(collector.stop_and_read()) == 4


def test_two_workers_report_the_instance_totals(collector_factory: Any) -> None:
    collector = collector_factory(FAST_FILES + "\nglobal.server.workers = 2")
    deadline = time.monotonic() + 10
    while "All 2 workers are serving" not in collector.process.log():
        assert time.monotonic() < deadline, collector.process.log()
        time.sleep(0.05)
    send_known_traffic(collector.port)
    for _ in range(6):  # whichever worker answers, the totals are the same
        found = scrape(collector.port)
        assert_known_counts(found)
        assert found["divolte_workers", ()] == 2
    hdfs = (("sink", "hdfs"),)
    wait_for(
        lambda: scrape(collector.port)["divolte_sink_records_written_total", hdfs] == 5,
        "5 records synced by the two workers",
    )
    records = collector.stop_and_read()
    assert len(records) == 5
    writers = {p.name.split("-divolte-tracking-")[1] for p in collector.publish.glob("*.avro")}
    assert len(writers) == 2, "both workers must have written records"


def test_metrics_can_be_moved_or_switched_off(collector_factory: Any) -> None:
    moved = collector_factory("global.metrics.path = /internal/prometheus")
    assert get(moved.port, "/metrics").status == 404
    assert "divolte_build_info" in {name for name, _ in scrape(moved.port, "/internal/prometheus")}
    moved.stop_and_read()
    off = collector_factory("global.metrics.enabled = false")
    assert get(off.port, "/metrics").status == 404
    assert get(off.port, "/health/sinks").status == 200
    off.stop_and_read()
