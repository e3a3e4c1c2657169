"""Container files from pre-encoded records (SINKS.md §3), read back by two independent readers."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import fastavro
import pytest
from avro.datafile import DataFileReader
from avro.io import DatumReader

from divolte.sinks.avro_container import ContainerError, ContainerWriter, read_header, recover

# TESTS.md §11: MinimalRecord {ts: long, session: string default "", remoteHost: string}.
MINIMAL: dict[str, Any] = {
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
    return {"ts": ts, "session": f"s{ts}", "remoteHost": "8.8.8.8"}


def encoded(ts: int) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(MINIMAL), record(ts))
    return out.getvalue()


def read_fastavro(path: Path) -> list[Any]:
    with path.open("rb") as file:
        return list(fastavro.reader(file))


def read_apache(path: Path) -> list[Any]:
    with DataFileReader(path.open("rb"), DatumReader()) as reader:
        return list(reader)


def write_blocks(path: Path, sizes: list[int]) -> list[int]:
    """Writes blocks of the given sizes; returns the file size after each sync."""
    writer, ts, ends = ContainerWriter(str(path), MINIMAL), 0, [path.stat().st_size]
    for size in sizes:
        for _ in range(size):
            writer.append(encoded(ts))
            ts += 1
        writer.sync()
        ends.append(path.stat().st_size)
    writer.close()
    return ends


def test_records_are_readable_by_fastavro_and_apache_avro(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    write_blocks(path, [3, 1, 6])
    expected = [record(ts) for ts in range(10)]
    assert read_fastavro(path) == expected
    assert read_apache(path) == expected


def test_header_metadata_is_compact_schema_and_null_codec(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    write_blocks(path, [1])
    with path.open("rb") as file:
        reader = fastavro.reader(file)
        assert reader.metadata["avro.codec"] == "null"
        assert reader.metadata["avro.schema"] == json.dumps(MINIMAL, separators=(",", ":"))
    assert path.read_bytes()[:4] == b"Obj\x01"


def test_one_block_per_sync_and_empty_syncs_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    writer = ContainerWriter(str(path), MINIMAL)
    for sizes in ([2], [], [3], []):
        for ts in range(sizes[0] if sizes else 0):
            writer.append(encoded(ts))
        writer.sync()
    writer.close()
    with path.open("rb") as file:
        assert [block.num_records for block in fastavro.block_reader(file)] == [2, 3]


def test_every_file_gets_its_own_random_sync_marker(tmp_path: Path) -> None:
    markers = set()
    for name in ("a", "b"):
        write_blocks(tmp_path / name, [1])
        with (tmp_path / name).open("rb") as file:
            markers.add(read_header(file).sync_marker)
    assert len(markers) == 2


def test_header_only_file_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    ends = write_blocks(path, [])
    assert read_fastavro(path) == []
    assert recover(str(path)) == (0, ends[0])


def test_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    path.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        ContainerWriter(str(path), MINIMAL)
    assert path.read_bytes() == b"keep me"


def test_recover_finds_the_last_complete_block_at_every_truncation(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    sizes = [2, 1, 4]
    ends = write_blocks(path, sizes)
    full = path.read_bytes()
    for cut in range(ends[0], len(full) + 1):
        path.write_bytes(full[:cut])
        complete = max(i for i, end in enumerate(ends) if end <= cut)
        assert recover(str(path)) == (sum(sizes[:complete]), ends[complete]), f"cut at {cut}"


def test_a_recovered_length_is_a_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "f.avro"
    ends = write_blocks(path, [2, 3])
    with path.open("r+b") as file:
        file.truncate(ends[2] - 5)
    count, length = recover(str(path))
    os.truncate(path, length)
    assert read_fastavro(path) == [record(0), record(1)]
    assert count == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PAR1 not avro at all", "not an Avro data file"),
        (b"", "not an Avro data file"),
        (b"Obj\x01\x04\x16avro.sch", "incomplete"),
        (b"Obj\x01\x02\xfe\xff\xff\xff\x0f", "implausible length"),
    ],
)
def test_recover_rejects_files_that_are_not_containers(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "f.avro.partial"
    path.write_bytes(content)
    with pytest.raises(ContainerError, match=message):
        recover(str(path))


def test_failed_sync_keeps_the_records_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.avro"
    writer = ContainerWriter(str(path), MINIMAL)
    header_length = writer.synced_length

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    writer.append(encoded(0))
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        writer.sync()
    assert writer.pending == [encoded(0)]
    assert (writer.records_synced, writer.synced_length) == (0, header_length)
    writer.release()
