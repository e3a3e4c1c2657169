"""The metric store: prometheus-client's multiprocess files, written cheaply, summed exactly."""

from __future__ import annotations

import logging
import multiprocessing
import os
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from divolte import _metric_files
from divolte.metrics import ENV_DIRECTORY, Metrics, MetricsDirectory
from divolte.observe import Happenings, declare_instance


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the instance's exposition, parsed back with prometheus-client."""
    body, _ = metrics.exposition()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def test_counter_children_are_summed_into_the_exposition(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    family = metrics.counter("divolte_things", "Things.", ["kind"])
    family.labels("a").inc()
    family.labels("a").inc(2)
    family.labels("b").inc()
    assert family.labels("a").value == 3
    found = samples(metrics)
    assert found["divolte_things_total", (("kind", "a"),)] == 3
    assert found["divolte_things_total", (("kind", "b"),)] == 1


def test_files_are_prometheus_client_files(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    metrics.counter("divolte_things", "Things.", ["kind"]).labels("a").inc(5)
    (path,) = tmp_path.glob("counter_*.db")
    assert path.name == f"counter_{os.getpid()}.db"
    values = list(MmapedDict.read_all_values_from_file(str(path)))  # type: ignore[no-untyped-call]
    assert [(value, timestamp) for _, value, timestamp, _ in values] == [(5.0, 0.0)]


def test_histogram_buckets_sum_and_count(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    latency = metrics.histogram("divolte_wait_seconds", "Waits.", ["where"], buckets=(0.1, 1.0))
    child = latency.labels("here")
    for seconds in (0.05, 0.1, 0.5, 3.0):
        child.observe(seconds)
    assert child.count == 4
    found = samples(metrics)
    here = (("where", "here"),)
    assert found["divolte_wait_seconds_bucket", (("le", "0.1"), *here)] == 2
    assert found["divolte_wait_seconds_bucket", (("le", "1.0"), *here)] == 3
    assert found["divolte_wait_seconds_bucket", (("le", "+Inf"), *here)] == 4
    assert found["divolte_wait_seconds_count", here] == 4
    assert found["divolte_wait_seconds_sum", here] == pytest.approx(3.65)


def test_gauges_combine_as_their_mode_says(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    metrics.gauge("divolte_depth", "Depth.", ["sink"], mode="livesum").labels("s").set(7)
    metrics.gauge("divolte_ok", "Ok.", ["sink"], mode="livemin").labels("s").set(0)
    found = samples(metrics)
    assert found["divolte_depth", (("sink", "s"),)] == 7
    assert found["divolte_ok", (("sink", "s"),)] == 0


def test_a_growing_file_keeps_every_child_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_metric_files, "INITIAL_SIZE", 1024)
    metrics = Metrics(str(tmp_path))
    family = metrics.counter("divolte_many", "Many.", ["n"])
    first = family.labels("0")
    for n in range(200):  # ~30 KiB of keys: the file is remapped several times
        family.labels(str(n)).inc(n)
    first.inc(1000)
    found = samples(metrics)
    assert found["divolte_many_total", (("n", "0"),)] == 1000
    assert found["divolte_many_total", (("n", "199"),)] == 199
    assert sum(v for (name, _), v in found.items() if name == "divolte_many_total") == 1000 + sum(
        range(200)
    )


def _worker(directory: str, events: int, depth: int) -> None:
    happenings = Happenings(Metrics(directory))
    for _ in range(events):
        happenings.event_received("browser")
    happenings.metrics.gauge("divolte_depth", "Depth.", mode="livesum").labels().set(depth)


def test_several_processes_add_up_and_dead_ones_keep_their_counts(tmp_path: Path) -> None:
    directory = MetricsDirectory.create(str(tmp_path))
    try:
        assert os.environ[ENV_DIRECTORY] == directory.path
        context = multiprocessing.get_context("fork")
        workers = [
            context.Process(target=_worker, args=(directory.path, n, 10 * n)) for n in (3, 4)
        ]
        for process in workers:
            process.start()
        for process in workers:
            process.join()
            assert process.exitcode == 0
        metrics = Metrics.for_process()
        assert metrics.directory == directory.path
        found = samples(metrics)
        assert found["divolte_events_received_total", (("source", "browser"),)] == 7
        assert found["divolte_depth", ()] == 70
        pid = workers[0].pid
        assert pid is not None
        directory.process_exited(pid)  # what the supervisor does when it reaps a worker
        found = samples(metrics)
        assert found["divolte_events_received_total", (("source", "browser"),)] == 7
        assert found["divolte_depth", ()] == 40
    finally:
        directory.remove()
    assert ENV_DIRECTORY not in os.environ
    assert not Path(directory.path).exists()


def test_private_directory_without_a_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DIRECTORY, raising=False)
    metrics = Metrics.for_process()
    assert Path(metrics.directory).name.startswith("divolte-metrics-")


def test_openmetrics_when_asked(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    metrics.counter("divolte_things", "Things.").labels().inc()
    body, content_type = metrics.exposition("application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")
    body, content_type = metrics.exposition(None)
    assert content_type.startswith("text/plain; version=0.0.4")
    assert b"divolte_things_total 1.0" in body


def test_happenings_keep_their_old_interface(tmp_path: Path) -> None:
    happenings = Happenings(Metrics(str(tmp_path)))
    assert happenings.summary() == "no events"
    happenings.declare(["browser"], ["default"])
    assert happenings.summary() == "no events"  # declared at 0, not counted
    happenings.event_received("browser")
    happenings.event_dropped("browser", "missing_party_id")
    happenings.event_flagged("browser", "duplicate")
    happenings.query_malformed("browser")
    happenings.record_produced("default")
    happenings.record_failed("default", "boom")
    assert happenings.get("events_dropped", "browser", "missing_party_id") == 1
    assert happenings.get("records_produced", "default") == 1
    assert happenings.summary() == (
        "events_dropped/browser/missing_party_id=1, events_flagged/browser/duplicate=1, "
        "events_received/browser=1, queries_malformed/browser=1, records_failed/default=1, "
        "records_produced/default=1"
    )
    found = samples(happenings.metrics)
    assert (
        found[
            "divolte_events_dropped_total", (("reason", "missing_party_id"), ("source", "browser"))
        ]
        == 1
    )
    assert found["divolte_events_flagged_total", (("flag", "corrupt"), ("source", "browser"))] == 0


def test_happenings_without_metrics_still_count() -> None:
    happenings = Happenings()
    happenings.event_received("browser")
    assert happenings.get("events_received", "browser") == 1


def test_a_happening_logs_where_it_counts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    happenings = Happenings(Metrics(str(tmp_path)))
    with caplog.at_level("DEBUG", logger="divolte.events"):
        happenings.record_failed("default", "no such field")
        happenings.event_dropped("json", "invalid_json", "body is not JSON", level=20)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "Mapping default could not build a record: no such field"),
        ("INFO", "Dropped event from source json: body is not JSON"),
    ]


def test_build_info_and_start_time(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    declare_instance(metrics, started=1700000000.0)
    found = samples(metrics)
    assert found["divolte_start_time_seconds", ()] == 1700000000.0
    assert found["divolte_workers", ()] == 1
    ((_, labels),) = [key for key in found if key[0] == "divolte_build_info"]
    assert dict(labels)["version"]


def test_in_memory_values_need_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_metric_files, "INITIAL_SIZE", 1024)
    metrics = Metrics.in_memory_only()
    family = metrics.counter("divolte_many", "Many.", ["n"])
    first = family.labels("first")
    first.inc()
    for n in range(100):  # grows the anonymous map, keeping the values
        family.labels(str(n)).inc()
    first.inc()
    assert first.value == 2
    assert family.labels("99").value == 1
    with pytest.raises(RuntimeError, match="memory only"):
        metrics.exposition()
    metrics.close()


def test_an_odd_accept_header_gets_the_text_format(tmp_path: Path) -> None:
    metrics = Metrics(str(tmp_path))
    metrics.counter("divolte_things", "Things.").labels().inc()
    body, content_type = metrics.exposition("application/openmetrics-text; version=abc")
    assert content_type.startswith("text/plain; version=0.0.4")
    assert b"divolte_things_total 1.0" in body


def test_drop_details_are_logged_on_one_bounded_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    happenings = Happenings(Metrics(str(tmp_path)))
    forged = (
        "x\n2026-12-03 17:44:04,233 [MainProcess] ERROR [divolte.sinks.files]: lost" + "y" * 500
    )
    with caplog.at_level("INFO", logger="divolte.events"):
        happenings.event_dropped("app", "invalid_client_timestamp", forged, logging.INFO)
    (line,) = caplog.messages
    assert "\n" not in line
    assert "\\n2026-12-03" in line
    assert len(line) < 300
