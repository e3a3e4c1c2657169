"""``divolte-collector avro-cat FILE...``: print the records of Avro data files as JSON lines.

Each record is one JSON object on its own line, files in argument order. Values are plain JSON,
the way people read records, not Avro's JSON encoding (which wraps union values as
``{"string": …}``):

* bytes and fixed values are strings with one character per byte (ISO-8859-1), as avro-tools
  ``tojson`` prints them, so ``"\\u00ff"`` is the byte 0xff; chosen over base64 so that text
  stored as bytes stays readable and the output matches the reference's tooling;
* logical types are shown as stored (timestamp-millis as the number in the file, not a date);
* NaN and infinities print as ``null`` (JSON has no such numbers).

Records are printed by orjson; one nested deeper than its 254 levels is printed by a slower
encoder without recursion that gives the same text.

``--schema`` prints each file's writer schema (the JSON stored in its header) instead.

``.partial`` files work too: they are read up to their last complete block, so a file still being
written, or left by a crash, can be inspected. A file that cannot be read (not an Avro data file,
missing, damaged) gives one line on stderr and no traceback; the other files are still printed and
the exit status is 1.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import zlib
from collections.abc import Callable
from typing import Any, BinaryIO

import fastavro
import orjson

from divolte.sinks.avro_container import ContainerError, blocks, read_header


def main(argv: list[str]) -> int:
    """Run the subcommand; 0 when every file was printed, 1 otherwise."""
    args = _parser().parse_args(argv)
    out = sys.stdout.buffer
    status = 0
    for path in args.files:
        try:
            _cat(path, args.schema, out)
        except BrokenPipeError:
            # The reader went away (e.g. ``| head``): stop quietly, like other Unix tools.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return status
        except Exception as exc:  # one line per unreadable file, never a traceback at the user
            print(f"avro-cat: {path}: {_reason(exc)}", file=sys.stderr)
            status = 1
    out.flush()
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="divolte-collector avro-cat",
        description="Print the records of Avro data files (also .partial files) as JSON lines.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="Avro object container file")
    parser.add_argument("--schema", action="store_true", help="print the writer schema instead")
    return parser


def _cat(path: str, schema_only: bool, out: BinaryIO) -> None:
    with open(path, "rb") as file:
        header = read_header(file)
        writer_schema = header.metadata.get("avro.schema")
        if writer_schema is None:
            raise ContainerError("the header has no avro.schema entry")
        if schema_only:
            out.write(writer_schema + b"\n")
            return
        codec = header.metadata.get("avro.codec", b"null").decode("utf-8", "replace")
        if codec not in _CODECS:
            raise ContainerError(f"the {codec} codec is not supported here (null and deflate are)")
        # Decoding with the writer schema minus its logical types shows values as stored;
        # fastavro's file reader would turn them into dates.
        raw = fastavro.parse_schema(_without_logical_types(json.loads(writer_schema)))
        for count, data, _ in blocks(file, header):
            stream = io.BytesIO(_CODECS[codec](data))
            for _ in range(count):
                record = fastavro.schemaless_reader(stream, raw)
                try:
                    line = orjson.dumps(record, default=_bytes_as_latin1)
                except orjson.JSONEncodeError:  # nested deeper than orjson goes
                    line = _deep_json(record)
                out.write(line + b"\n")


_CODECS: dict[str, Callable[[bytes], bytes]] = {
    "null": lambda data: data,
    "deflate": lambda data: zlib.decompress(data, -15),
}


def _without_logical_types(schema: Any) -> Any:
    """The same schema minus ``logicalType``."""
    if isinstance(schema, list):
        return [_without_logical_types(branch) for branch in schema]
    if isinstance(schema, dict):
        return {k: _without_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    return schema


def _bytes_as_latin1(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    raise TypeError(f"cannot show a {type(value).__name__} as JSON")


def _deep_json(value: Any) -> bytes:
    """What orjson would print for ``value``, however deeply nested: containers are walked with
    an explicit stack; every other value is printed by orjson itself."""
    out: list[bytes] = []
    stack: list[tuple[Any, bytes]] = [(value, b"")]  # (item, what to write before it)
    while stack:
        item, before = stack.pop()
        out.append(before)
        if isinstance(item, dict):
            out.append(b"{")
            stack.append((_END, b"}"))
            members = list(item.items())
            for index in range(len(members) - 1, -1, -1):
                key, member = members[index]
                separator = b"," if index else b""
                stack.append((member, separator + orjson.dumps(str(key)) + b":"))
        elif isinstance(item, list | tuple):
            out.append(b"[")
            stack.append((_END, b"]"))
            for index in range(len(item) - 1, -1, -1):
                stack.append((item[index], b"," if index else b""))
        elif item is not _END:
            out.append(orjson.dumps(item, default=_bytes_as_latin1))
    return b"".join(out)


_END: Any = object()


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, ContainerError):
        return str(exc)
    return f"cannot decode the records ({type(exc).__name__}: {exc})"
