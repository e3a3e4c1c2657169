"""``avro-cat``: records as JSON lines, writer schema, ``.partial`` files, clear errors."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import fastavro
import pytest

from divolte.avro_cat import main
from divolte.sinks.avro_container import ContainerWriter

SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "Sample",
    "namespace": "io.divolte.test",
    "fields": [
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "host", "type": ["null", "string"]},
        {"name": "digest", "type": "bytes"},
        {"name": "id", "type": {"type": "fixed", "name": "Id", "size": 2}},
        {"name": "ratio", "type": "double"},
        {"name": "tags", "type": {"type": "map", "values": "int"}},
    ],
}


# Avro header: magic, map of 2 entries (avro.schema, avro.codec = snappy), end of map, sync marker.
SNAPPY_HEADER = b'Obj\x01\x04\x16avro.schema\x10"string"\x14avro.codec\x0csnappy\x00' + bytes(16)


def sample(n: int) -> dict[str, Any]:
    return {
        "ts": 1_700_000_000_000 + n,
        "host": None if n % 2 else f"host{n}",
        "digest": bytes([0, 0xFF, n]),
        "id": b"\xe9" + bytes([n]),
        "ratio": n / 4,
        "tags": {"n": n},
    }


def expected_json(n: int) -> dict[str, Any]:
    """The documented output: raw logical values, bytes as one char per byte (latin-1)."""
    return {
        "ts": 1_700_000_000_000 + n,
        "host": None if n % 2 else f"host{n}",
        "digest": "\u0000\u00ff" + chr(n),
        "id": "\u00e9" + chr(n),
        "ratio": n / 4,
        "tags": {"n": n},
    }


def write_file(path: Path, block_sizes: list[int], codec: str = "null") -> None:
    numbers = iter(range(1000))
    with path.open("wb") as file:
        writer = fastavro.write.Writer(file, fastavro.parse_schema(SCHEMA), codec=codec)
        for size in block_sizes:
            for _ in range(size):
                writer.write(sample(next(numbers)))
            writer.flush()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any], str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


@pytest.mark.parametrize("codec", ["null", "deflate"])
def test_records_print_as_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], codec: str
) -> None:
    path = tmp_path / "f.avro"
    write_file(path, [2, 3], codec)
    status, lines, err = run(capsys, str(path))
    assert (status, err) == (0, "")
    assert lines == [expected_json(n) for n in range(5)]


def test_schema_option_prints_the_writer_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.avro"
    write_file(path, [1])
    status, lines, _ = run(capsys, "--schema", str(path))
    with path.open("rb") as file:
        stored = json.loads(fastavro.reader(file).metadata["avro.schema"])
    assert (status, lines) == (0, [stored])


def test_partial_files_print_up_to_the_last_complete_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.avro.partial"
    write_file(path, [2, 2, 3])
    os.truncate(path, path.stat().st_size - 7)
    status, lines, _ = run(capsys, str(path))
    assert (status, lines) == (0, [expected_json(n) for n in range(4)])


def test_files_of_our_container_writer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ours.avro.partial"
    writer = ContainerWriter(str(path), SCHEMA)
    for n in range(3):
        out = io.BytesIO()
        fastavro.schemaless_writer(out, fastavro.parse_schema(SCHEMA), sample(n))
        writer.append(out.getvalue())
    writer.sync()
    writer.append(b"never synced")
    writer.release()
    status, lines, _ = run(capsys, str(path))
    assert (status, lines) == (0, [expected_json(n) for n in range(3)])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PAR1 this is parquet", "not an Avro data file"),
        (b"", "not an Avro data file"),
        (None, "No such file or directory"),
        (SNAPPY_HEADER, "the snappy codec is not supported"),
    ],
)
def test_unreadable_files_give_one_line_and_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    good, bad = tmp_path / "good.avro", tmp_path / "bad.avro"
    write_file(good, [1])
    if content is not None:
        bad.write_bytes(content)
    status, lines, err = run(capsys, str(bad), str(good))
    assert status == 1
    assert lines == [expected_json(0)]  # the other file is still printed
    assert err.splitlines() == [f"avro-cat: {bad}: {err.split(': ', 2)[2].rstrip()}"]
    assert message in err
    assert "Traceback" not in err


NODE: dict[str, Any] = {
    "type": "record",
    "name": "Node",
    "fields": [
        {"name": "label", "type": "string"},
        {"name": "data", "type": "bytes"},
        {"name": "ratio", "type": "double"},
        {"name": "child", "type": ["null", "Node"]},
        {"name": "tags", "type": {"type": "map", "values": {"type": "array", "items": "Node"}}},
    ],
}


def chain(depth: int) -> dict[str, Any]:
    node: dict[str, Any] | None = None
    for level in range(depth):
        tags = {"t": [{"label": "x", "data": b"", "ratio": 0.0, "child": None, "tags": {}}]}
        node = {
            "label": f"é{level}\n",
            "data": bytes([level % 64]),
            "ratio": float("nan") if level == 3 else level / 3,
            "child": node,
            "tags": tags if level % 7 == 0 else {},
        }
    assert node is not None
    return node


def test_records_nested_beyond_orjsons_limit_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.avro"
    with path.open("wb") as file:
        fastavro.writer(file, fastavro.parse_schema(NODE), [chain(5), chain(600), chain(3)])
    status, lines, err = run(capsys, str(path))
    assert (status, err) == (0, "")
    assert [line["label"] for line in lines] == ["é4\n", "é599\n", "é2\n"]
    node, depth = lines[1], 1
    while node["child"] is not None:
        node, depth = node["child"], depth + 1
    assert depth == 600 and node["data"] == "\u0000"


def test_the_fallback_prints_what_orjson_prints() -> None:
    import orjson

    from divolte.avro_cat import _bytes_as_latin1, _deep_json

    values: list[Any] = [chain(20), sample(3), {}, [], {"a": []}, [{}], "s", None, [1, [2, [3]]]]
    for value in values:
        assert _deep_json(value) == orjson.dumps(value, default=_bytes_as_latin1)
