"""The local-file ``hdfs`` sink: TESTS.md §11 (FileFlusherLocalHdfsTest), the §2.2 policy,
cases C-04 and C-05, and our deliberate differences (DESIGN.md §2): nothing accepted is deleted.

Time is a fake clock; records are encoded by fastavro, independently of our encoder.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import fastavro
import pytest
from avro.datafile import DataFileReader
from avro.io import DatumReader

from divolte.errors import ConfigError, FatalSinkError
from divolte.sinks.files import FileSink

HOST = "testhost"
WALL_START = 1_700_000_000.0
DAY, HOUR = 86_400.0, 3_600.0
MINIMAL: dict[str, Any] = {  # TESTS.md §11 MinimalRecord
    "type": "record",
    "name": "MinimalRecord",
    "namespace": "io.divolte.examples.record",
    "fields": [
        {"name": "ts", "type": "long"},
        {"name": "session", "type": "string", "default": ""},
        {"name": "remoteHost", "type": "string"},
    ],
}


def record(ts: int) -> dict[str, Any]:
    return {"ts": ts, "session": "", "remoteHost": "8.8.8.8"}


def encoded(ts: int) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(MINIMAL), record(ts))
    return out.getvalue()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def wall(self) -> float:
        return WALL_START + self.now - 1000.0


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.work, self.publish = tmp_path / "work", tmp_path / "publish"
        self.work.mkdir()
        self.publish.mkdir()
        self.clock = Clock()
        self.sinks: list[FileSink] = []

    def sink(self, roll: float, records: int = 1, duration: float = 1.0, **extra: Any) -> FileSink:
        options: dict[str, Any] = {"wall_clock": self.clock.wall, "hostname": HOST} | extra
        writer_id = options.pop("writer_id", "1")
        sink = FileSink(
            *("test", MINIMAL, str(self.work), str(self.publish), roll, records, duration),
            writer_id,
            self.clock,
            **options,
        )
        self.sinks.append(sink)
        sink.start()
        return sink

    def write(self, sink: FileSink, numbers: range) -> None:
        for ts in numbers:
            sink.write(encoded(ts))

    def tick(self, sink: FileSink, seconds: float, times: int = 1) -> None:
        for _ in range(times):
            self.clock.now += seconds
            sink.heartbeat()

    def published(self) -> list[list[int]]:
        return [read_ts(path) for path in sorted(self.publish.iterdir())]


def read_ts(path: Path) -> list[int]:
    with path.open("rb") as file:
        items: list[Any] = list(fastavro.reader(file))
        return [item["ts"] for item in items]


def blocks(path: Path) -> list[int]:
    with path.open("rb") as file:
        return [block.num_records for block in fastavro.block_reader(file)]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    environment = Env(tmp_path)
    yield environment
    for sink in environment.sinks:
        sink.close()  # idempotent; releases files a test left open


# --- TESTS.md §11, FileFlusherLocalHdfsTest (sync after every record, 1 s duration) ---------


def test_simple(env: Env) -> None:
    sink = env.sink(roll=DAY)
    env.write(sink, range(10))
    sink.close()
    assert env.published() == [list(range(10))]
    assert list(env.work.iterdir()) == []
    [path] = env.publish.iterdir()
    with DataFileReader(path.open("rb"), DatumReader()) as reader:  # Apache Avro reads it too
        items: list[Any] = list(reader)
    assert [item["ts"] for item in items] == list(range(10))


def test_in_progress_name(env: Env) -> None:
    sink = env.sink(roll=DAY)
    env.write(sink, range(10))
    [partial] = env.work.iterdir()
    stamp = datetime.fromtimestamp(WALL_START).strftime("%Y%m%d%H%M%S")
    assert partial.name == f"{stamp}-divolte-tracking-{HOST}-1.avro.partial"
    assert read_ts(partial) == list(range(10))  # readable up to its last sync
    assert list(env.publish.iterdir()) == []


def test_rolling(env: Env) -> None:
    sink = env.sink(roll=1.0)
    env.write(sink, range(5))
    env.tick(sink, 0.501, times=2)
    env.write(sink, range(5, 10))
    sink.close()
    assert env.published() == [list(range(5)), list(range(5, 10))]


def test_no_empty_files(env: Env) -> None:
    sink = env.sink(roll=0.1)
    env.write(sink, range(5))
    env.tick(sink, 0.5, times=4)
    env.write(sink, range(5, 10))
    sink.close()
    assert env.published() == [list(range(5)), list(range(5, 10))]


# --- SINKS.md §2.2 policy, FileFlusherTest scripts observed through the files' blocks ---------


def test_sync_and_roll_by_count(env: Env) -> None:
    sink = env.sink(roll=0.2, records=2, duration=HOUR)
    env.write(sink, range(3))
    [partial] = env.work.iterdir()
    assert blocks(partial) == [2]
    env.tick(sink, 0.3)
    [published] = env.publish.iterdir()
    assert (blocks(published), read_ts(published)) == ([2, 1], [0, 1, 2])


def test_sync_and_roll_by_time(env: Env) -> None:
    sink = env.sink(roll=0.3, records=200, duration=0.05)
    env.write(sink, range(1))
    env.tick(sink, 0.1)
    assert blocks(next(env.work.iterdir())) == [1]
    env.clock.now += 0.4
    env.write(sink, range(1, 2))
    [published] = env.publish.iterdir()
    assert (blocks(published), read_ts(published)) == ([1, 1], [0, 1])


def test_duration_clock_restarts_after_idle_heartbeats(env: Env) -> None:
    sink = env.sink(roll=DAY, records=200, duration=1.0)
    env.write(sink, range(1))
    env.tick(sink, 1.0, times=10)  # first heartbeat syncs; the rest see nothing pending
    env.clock.now += 0.5
    env.write(sink, range(1, 2))
    partial = next(env.work.iterdir())
    assert blocks(partial) == [1]  # 0.5 s since the last idle heartbeat: not yet
    env.tick(sink, 0.5)
    assert blocks(partial) == [1, 1]


def test_roll_publishes_a_never_synced_file(env: Env) -> None:
    # The reference discards it (SINKS.md §2.2 quirk); we never delete accepted data.
    sink = env.sink(roll=0.1, records=200, duration=HOUR)
    env.write(sink, range(1))
    env.tick(sink, 0.2)
    assert env.published() == [[0]]


def test_close_publishes_unsynced_records(env: Env) -> None:
    sink = env.sink(roll=HOUR, records=200, duration=HOUR)
    env.write(sink, range(2))
    sink.heartbeat()
    sink.close()
    assert env.published() == [[0, 1]]
    assert (sink.records_written, sink.files_published) == (2, 1)


def test_close_without_records_leaves_nothing(env: Env) -> None:
    sink = env.sink(roll=HOUR, records=200, duration=HOUR)
    sink.heartbeat()
    sink.close()
    sink.close()  # idempotent
    assert (list(env.work.iterdir()), list(env.publish.iterdir())) == ([], [])
    with pytest.raises(FatalSinkError):
        sink.write(encoded(0))


def test_c05_no_empty_files_after_idle_roll_periods(env: Env) -> None:
    sink = env.sink(roll=60.0, records=200, duration=1.0)
    env.tick(sink, 1.0, times=180)  # three minutes without traffic
    assert (list(env.work.iterdir()), list(env.publish.iterdir())) == ([], [])
    env.write(sink, range(1))
    env.tick(sink, 1.0, times=59)
    assert list(env.publish.iterdir()) == []
    env.tick(sink, 1.0, times=2)
    assert env.published() == [[0]]
    assert list(env.work.iterdir()) == []


# --- names -------------------------------------------------------------------------------------


def test_names_stay_unique_within_one_second_and_against_old_files(env: Env) -> None:
    stamp = datetime.fromtimestamp(WALL_START).strftime("%Y%m%d%H%M%S")
    base = f"{stamp}-divolte-tracking-{HOST}-7"
    (env.publish / f"{base}.avro").write_bytes(b"from an earlier run")
    sink = env.sink(roll=0.01, writer_id="7")
    env.write(sink, range(1))
    env.clock.now += 0.02
    env.write(sink, range(1, 2))  # rolls the first file
    env.clock.now += 0.02
    env.write(sink, range(2, 3))
    sink.close()
    names = sorted(path.name for path in env.publish.iterdir())
    assert names == [f"{base}.avro", f"{base}_2.avro", f"{base}_3.avro"]
    assert (env.publish / f"{base}.avro").read_bytes() == b"from an earlier run"
    assert read_ts(env.publish / f"{base}_2.avro") == [0, 1]


def test_writers_of_one_instance_never_collide(env: Env) -> None:
    sinks = [env.sink(roll=HOUR, writer_id=writer) for writer in ("1", "3-2")]
    for number, sink in enumerate(sinks):
        env.write(sink, range(number, number + 1))
        sink.close()
    assert sorted(env.published()) == [[0], [1]]


# --- start-up -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["working_dir", "publish_dir"])
def test_start_requires_both_directories(env: Env, key: str) -> None:
    broken = env.work if key == "working_dir" else env.publish
    broken.rmdir()
    broken.write_text("not a directory")
    with pytest.raises(ConfigError) as caught:
        env.sink(roll=HOUR)
    assert f"divolte.sinks.test.file_strategy.{key}" in str(caught.value)
    assert str(broken) in str(caught.value)


def leftover(env: Env, name: str, block_sizes: list[int], cut: int = 0) -> Path:
    """A file written by fastavro with the given blocks, cut ``cut`` bytes short."""
    path = env.work / name
    numbers = iter(range(1000))
    with path.open("wb") as file:
        writer = fastavro.write.Writer(file, fastavro.parse_schema(MINIMAL))
        for size in block_sizes:
            for _ in range(size):
                writer.write(record(next(numbers)))
            writer.flush()
    if cut:
        os.truncate(path, path.stat().st_size - cut)
    return path


def test_c04_leftovers_are_cut_to_complete_blocks_and_published(env: Env) -> None:
    name = f"20240101000000-divolte-tracking-{HOST}-9.avro"
    leftover(env, name + ".partial", [2, 3, 4], cut=5)
    sink = env.sink(roll=HOUR)
    assert [path.name for path in env.publish.iterdir()] == [name]
    assert read_ts(env.publish / name) == [0, 1, 2, 3, 4]
    assert list(env.work.iterdir()) == []
    assert sink.healthy


KILLED_WRITER = """
import os, signal, sys
from divolte.sinks.files import FileSink
from tests.unit.test_file_sink import MINIMAL, encoded
work, publish = sys.argv[1:]
sink = FileSink("test", MINIMAL, work, publish, 3600.0, 2, 3600.0, "1", hostname="testhost")
sink.start()
for ts in range(5):
    sink.write(encoded(ts))
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_c04_files_of_a_killed_process_are_published_at_the_next_start(env: Env) -> None:
    argv = [sys.executable, "-c", KILLED_WRITER, str(env.work), str(env.publish)]
    killed = subprocess.run(argv, cwd=Path(__file__).parents[2], check=False, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert len(list(env.work.iterdir())) == 1
    env.sink(roll=HOUR)
    assert env.published() == [[0, 1, 2, 3]]  # the synced blocks; record 4 was only in memory
    assert list(env.work.iterdir()) == []


def test_leftovers_that_cannot_be_read_are_moved_aside(env: Env) -> None:
    name = f"20240101000000-divolte-tracking-{HOST}-9.avro"
    (env.work / (name + ".partial")).write_bytes(b"garbage, not Avro")
    env.sink(roll=HOUR)
    assert [path.name for path in env.work.iterdir()] == [name + ".corrupt"]
    assert list(env.publish.iterdir()) == []


def test_leftovers_without_complete_blocks_are_deleted(env: Env) -> None:
    leftover(env, f"20240101000000-divolte-tracking-{HOST}-9.avro.partial", [3], cut=2)
    env.sink(roll=HOUR)
    assert (list(env.work.iterdir()), list(env.publish.iterdir())) == ([], [])


def test_files_of_other_hosts_and_live_writers_are_left_alone(env: Env) -> None:
    other = leftover(env, "20240101000000-divolte-tracking-otherhost-1.avro.partial", [1])
    live = leftover(env, f"20240101000000-divolte-tracking-{HOST}-2.avro.partial", [1])
    with live.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        env.sink(roll=HOUR)
    assert sorted(env.work.iterdir()) == sorted([other, live])
    assert list(env.publish.iterdir()) == []


# --- I/O errors: nothing accepted is deleted -------------------------------------------------


def break_dir(path: Path) -> Path:
    """Replace a directory by a regular file (fails for root too); returns where it went."""
    moved = path.with_name(path.name + ".away")
    path.rename(moved)
    path.write_text("in the way")
    return moved


def repair_dir(path: Path, moved: Path) -> None:
    path.unlink()
    moved.rename(path)


def test_publish_failure_keeps_the_file_and_publishes_after_repair(env: Env) -> None:
    sink = env.sink(roll=10.0, retry_delays=(1.0, 8.0))
    env.write(sink, range(3))
    moved = break_dir(env.publish)
    env.tick(sink, 11.0)  # roll: the rename fails
    assert not sink.healthy
    env.write(sink, range(3, 5))  # writing goes on into a new file
    assert len(list(env.work.iterdir())) == 2
    env.tick(sink, 1.0, times=3)  # retries keep failing
    repair_dir(env.publish, moved)
    env.tick(sink, 8.0)
    assert sink.healthy
    sink.close()
    assert env.published() == [[0, 1, 2], [3, 4]]


def test_create_failure_holds_records_until_the_working_dir_is_back(env: Env) -> None:
    sink = env.sink(roll=HOUR, retry_delays=(1.0, 8.0))
    moved = break_dir(env.work)
    env.write(sink, range(4))
    assert not sink.healthy
    env.tick(sink, 1.0, times=5)
    repair_dir(env.work, moved)
    env.tick(sink, 8.0)
    assert sink.healthy
    assert sink.records_written == 4
    sink.close()
    assert env.published() == [[0, 1, 2, 3]]


def test_sync_failure_keeps_synced_data_and_rewrites_the_rest(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = env.sink(roll=HOUR, records=2, duration=HOUR)
    env.write(sink, range(2))  # one durable block

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    env.write(sink, range(2, 4))  # this block's fsync fails
    env.write(sink, range(4, 5))  # held while the sink waits to retry
    assert not sink.healthy
    monkeypatch.undo()
    env.tick(sink, 1.0)
    assert sink.healthy
    sink.close()
    assert env.published() == [[0, 1], [2, 3, 4]]


def test_held_records_are_bounded_and_counted(env: Env) -> None:
    sink = env.sink(roll=HOUR, max_backlog=3)
    moved = break_dir(env.work)
    env.write(sink, range(5))
    assert sink.records_dropped == 2
    repair_dir(env.work, moved)
    env.tick(sink, 2.0)
    sink.close()
    assert env.published() == [[0, 1, 2]]


def test_close_leaves_unpublishable_files_for_recovery(env: Env) -> None:
    sink = env.sink(roll=HOUR)
    env.write(sink, range(2))
    moved = break_dir(env.publish)
    sink.close()
    [partial] = env.work.iterdir()
    repair_dir(env.publish, moved)
    env.sink(roll=HOUR)  # the next start publishes it
    assert env.published() == [[0, 1]]
    assert not partial.exists()


def test_moves_across_file_systems_copy_then_rename(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_rename = os.rename

    def rename(source: Any, target: Any) -> None:
        if re.search(r"\.partial$", str(source)):
            raise OSError(18, "Invalid cross-device link")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    sink = env.sink(roll=HOUR)
    env.write(sink, range(3))
    sink.close()
    assert env.published() == [[0, 1, 2]]
    assert [path.name.endswith("-1.avro") for path in env.publish.iterdir()] == [True]
    assert list(env.work.iterdir()) == []


def test_a_file_appears_only_locked_and_with_its_header(env: Env) -> None:
    """A worker starting up must never adopt another worker's file: the file is created under
    a hidden name, locked, given its header, and only then linked under its real name."""
    writer = env.sink(roll=3600, writer_id="1-1")
    env.write(writer, range(3))  # not yet synced: the file holds only its header
    (partial,) = env.work.glob("*.avro.partial")
    assert list(env.work.glob(".*")) == []
    with partial.open("rb") as handle:
        assert handle.read(4) == b"Obj\x01"
        with pytest.raises(BlockingIOError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    env.sink(roll=3600, writer_id="2-1")  # starting recovers leftovers: must leave it alone
    assert partial.exists()
    writer.close()
    assert sorted(read_ts(p) == [0, 1, 2] for p in env.publish.glob("*.avro")) == [True]


def test_abandoned_creations_are_removed_at_start(env: Env) -> None:
    abandoned = env.work / f".20261203170452-divolte-tracking-{HOST}-1-1.avro.partial.creating"
    abandoned.write_bytes(b"Obj\x01")
    env.sink(roll=3600)
    assert not abandoned.exists()


def test_partial_files_of_other_hosts_are_reported_not_touched(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    foreign = env.work / "20261203170452-divolte-tracking-otherhost-1.avro.partial"
    foreign.write_bytes(b"Obj\x01")
    env.sink(roll=3600)
    assert foreign.exists()
    assert "written on another host" in caplog.text
    assert foreign.name in caplog.text
