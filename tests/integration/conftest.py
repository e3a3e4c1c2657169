from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastavro
import pytest

from tests.collector_process import CollectorProcess, file_sink_config, start_collector


class RunningCollector:
    """A collector process writing the default records to files under ``tmp_path``."""

    def __init__(self, tmp_path: Path, extra_config: str = "") -> None:
        self.working = tmp_path / "working"
        self.publish = tmp_path / "publish"
        self.working.mkdir()
        self.publish.mkdir()
        self.process: CollectorProcess = start_collector(
            tmp_path, file_sink_config(self.working, self.publish, extra_config)
        )

    @property
    def port(self) -> int:
        return self.process.port

    def stop_and_read(self) -> list[dict[str, Any]]:
        """SIGTERM the collector and return every published record, in file order."""
        status = self.process.stop()
        assert status == 0, self.process.log()
        assert list(self.working.iterdir()) == [], "working directory not empty after shutdown"
        records: list[dict[str, Any]] = []
        for path in sorted(self.publish.glob("*.avro")):
            with path.open("rb") as handle:
                records.extend(fastavro.reader(handle))  # type: ignore[arg-type]
        return records


@pytest.fixture
def collector_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[RunningCollector] = []

    def start(extra_config: str = "") -> RunningCollector:
        directory = tmp_path / f"collector{len(started)}"
        directory.mkdir()
        running = RunningCollector(directory, extra_config)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.process.poll() is None:
            running.process.process.kill()
            running.process.process.wait()
