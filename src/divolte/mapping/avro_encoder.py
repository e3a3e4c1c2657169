"""Avro binary encoding of records, with an encoder generated once per schema.

Every accepted event is encoded once (SINKS.md §1), so this is on the hot path. A generic writer
walks the schema for every record; instead, :func:`compile_encoder` writes straight-line Python
source for the schema once (field names, defaults, union indexes and enum tables become constants)
and execs it: ≈4.6 µs per default record, against ≈6.7 µs for a tree of closures and ≈12 µs for
fastavro's compiled ``schemaless_writer``, with byte-identical output.

Nothing is validated per record. When encoding fails (missing field, wrong type), a slow walk over
the schema finds the offending field and :class:`RecordError` names it.

A union value goes to the first branch it fits, as in fastavro's compiled writer: None → null;
bool → boolean only; int → int or long when in range, or float/double; float → float/double (a
later double wins over float); str → enum when it is a symbol, or string; bytes → fixed of that
size, or bytes; list → array, dict → map or record, when the whole content fits.

Fast path: in a union of null and one other type (every nullable field), a value that is not None
is written as the other type without a check; a wrong type then fails inside that type's encoder
(or, for a bool given to an int, is written as 0/1).

Logical types are written as their underlying type; values must already be in that form
(timestamp-millis as epoch milliseconds, date as days, and so on).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import json
import linecache
import os
import struct
from collections.abc import Callable, Iterator
from typing import Any

import fastavro
from fastavro.schema import to_parsing_canonical_form

from divolte.errors import DivolteError, SchemaError
from divolte.mapping import _avro_check as check
from divolte.mapping._avro_check import Named, kind, resolve

Encoder = Callable[[dict[str, Any]], bytes]

_BYTE = [bytes((i,)) for i in range(0x80)]


class RecordError(DivolteError):
    """A record does not fit its schema; ``field`` is the path of the offending field."""

    def __init__(self, field: str, reason: str = "missing and the schema gives no default") -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"record field {field!r}: {reason}")


class _NoBranch(ValueError):
    """Raised by generated code when a value fits no branch of a union."""


_RUNTIME = {
    "_BOOL": {True: b"\x01", False: b"\x00"},  # a dict, so that None fails instead of meaning false
    "_pack_f": struct.Struct("<f").pack,
    "_pack_d": struct.Struct("<d").pack,
    "_NoBranch": _NoBranch,
    "_FAILURES": (KeyError, TypeError, AttributeError, ValueError, IndexError, struct.error),
}
_SIMPLE = {
    "null": "pass",
    "boolean": "a(_BOOL[{v}])",
    "int": "a(_long({v}))",
    "long": "a(_long({v}))",
    "float": "a(_pack_f({v}))",
    "double": "a(_pack_d({v}))",
}


def _long(n: int) -> bytes:
    """Zig-zag varint of an Avro int or long (both have the same encoding)."""
    n = (n << 1) ^ (n >> 63)
    if 0 <= n < 0x80:
        return _BYTE[n]
    if n < 0 or n >> 64:
        raise ValueError(f"{n} is outside the range of an Avro long")
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def load_schema(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check an ``.avsc`` file; the error names the file."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except OSError as exc:
        raise SchemaError(f"cannot read Avro schema file {path}: {exc.strerror}") from exc
    return _schema_from_text(text, str(path))


def default_schema() -> dict[str, Any]:
    """The built-in DefaultEventRecord schema (MAPPING.md §10), a fresh copy on every call."""
    resource = importlib.resources.files("divolte.mapping").joinpath("default_schema.avsc")
    return _schema_from_text(resource.read_text(encoding="utf-8"), "default_schema.avsc")


def schema_fingerprint(schema: dict[str, Any]) -> str:
    """SHA-256 of the Parsing Canonical Form, base64url without padding (SINKS.md §6)."""
    digest = hashlib.sha256(to_parsing_canonical_form(schema).encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def compile_encoder(schema: dict[str, Any]) -> Encoder:
    """Generate, once, a function that turns a record (a dict) into Avro binary bytes."""
    parsed, named = _parse(schema, "schema")
    generator = _Generator(named)
    source = generator.module(parsed)
    filename = f"<avro encoder {parsed.get('name', '') if isinstance(parsed, dict) else ''}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {**generator.consts, **_RUNTIME, "_long": _long, "_fail": _failure(parsed, named)}
    exec(compile(source, filename, "exec"), namespace)
    encoder: Encoder = namespace["encode"]
    return encoder


def _schema_from_text(text: str, origin: str) -> dict[str, Any]:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SchemaError(f"{origin}: not JSON ({where}): {exc.msg}") from exc
    if not isinstance(schema, dict):
        raise SchemaError(f"{origin}: an Avro schema file must hold a JSON object")
    _parse(schema, origin)
    return schema


def _parse(schema: Any, origin: str) -> tuple[Any, Named]:
    named: Named = {}
    try:
        parsed = fastavro.parse_schema(schema, named_schemas=named)
    except Exception as exc:  # fastavro raises several unrelated types for bad schemas
        raise SchemaError(f"{origin}: invalid Avro schema: {exc}") from exc
    return parsed, named


class _Generator:
    """Writes the encoder's source; ``emit`` appends code that writes local ``v`` via ``a``."""

    def __init__(self, named: Named) -> None:
        self.named = named
        self.consts: dict[str, Any] = {}
        self.functions: dict[str, str] = {}
        self.todo: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self.count = 0

    def module(self, top: Any) -> str:
        self.lines = ["def encode(r):", "    try:", "        out = []", "        a = out.append"]
        if kind(top) == "record":
            self.record_body(top, "r", 2)
        else:
            self.emit(top, "r", 2)
        self.lines += ["        return b''.join(out)", "    except _FAILURES as exc:"]
        self.lines += ["        raise _fail(r, exc) from exc"]
        main, functions = self.lines, []
        while self.todo:
            record = self.todo.pop()
            self.lines = [f"def {self.functions[record['name']]}(r, a):", "    pass"]
            self.record_body(record, "r", 1)
            functions += self.lines
        return "\n".join(functions + main) + "\n"

    def out(self, indent: int, code: str) -> None:
        self.lines.append("    " * indent + code)

    def const(self, value: Any) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def record_body(self, record: dict[str, Any], rv: str, indent: int) -> None:
        for field in record["fields"]:
            name, v, default = field["name"], self.var(), field.get("default")
            if default is not None:
                default = self.const(check.json_default(field["type"], default, self.named))
                self.out(indent, f"{v} = {rv}.get({name!r}, {default})")
            elif "default" in field or check.nullable(field["type"]):
                self.out(indent, f"{v} = {rv}.get({name!r})")
            else:
                self.out(indent, f"{v} = {rv}[{name!r}]")
            self.emit(field["type"], v, indent)

    def emit(self, schema: Any, v: str, indent: int, prefix: bytes = b"") -> None:
        schema = resolve(schema, self.named)
        what = kind(schema)
        if what in ("string", "bytes"):
            self.emit_sized(v + "b" if what == "string" else v, v, what, indent, prefix)
            return
        if prefix:
            self.out(indent, f"a({prefix!r})")
        if what in _SIMPLE:
            self.out(indent, _SIMPLE[what].format(v=v))
        else:
            getattr(self, "emit_" + what)(schema, v, indent)

    def emit_sized(self, data: str, v: str, what: str, indent: int, prefix: bytes) -> None:
        if what == "string":
            self.out(indent, f"{data} = {v}.encode()")
        table = self.const([prefix + _long(n) for n in range(64)])
        head = f"{prefix!r} + _long({data}n)" if prefix else f"_long({data}n)"
        self.out(indent, f"{data}n = len({data})")
        self.out(indent, f"a({table}[{data}n] if {data}n < 64 else {head})")
        self.out(indent, f"a({data})")

    def emit_fixed(self, schema: Any, v: str, indent: int) -> None:
        self.out(indent, f"if len({v}) != {schema['size']}: raise ValueError('fixed size')")
        self.out(indent, f"a({v})")

    def emit_enum(self, schema: Any, v: str, indent: int) -> None:
        table = {symbol: _long(i) for i, symbol in enumerate(schema["symbols"])}
        self.out(indent, f"a({self.const(table)}[{v}])")

    def emit_array(self, schema: Any, v: str, indent: int) -> None:
        item = self.var()
        self.out(indent, f"if {v}:")
        self.out(indent + 1, f"a(_long(len({v})))")
        self.out(indent + 1, f"for {item} in {v}:")
        self.emit(schema["items"], item, indent + 2)
        self.out(indent, "a(b'\\x00')")

    def emit_map(self, schema: Any, v: str, indent: int) -> None:
        key, value = self.var(), self.var()
        self.out(indent, f"if {v}:")
        self.out(indent + 1, f"a(_long(len({v})))")
        self.out(indent + 1, f"for {key}, {value} in {v}.items():")
        self.emit("string", key, indent + 2)
        self.emit(schema["values"], value, indent + 2)
        self.out(indent, "a(b'\\x00')")

    def emit_record(self, schema: Any, v: str, indent: int) -> None:
        if schema["name"] not in self.functions:
            self.functions[schema["name"]] = f"_record{len(self.functions)}"
            self.todo.append(schema)
        self.out(indent, f"{self.functions[schema['name']]}({v}, a)")

    def emit_union(self, schema: Any, v: str, indent: int) -> None:
        branches = [resolve(branch, self.named) for branch in schema]
        if len(branches) == 2 and "null" in branches:
            # Fast path: null and one other type; anything not None is the other type.
            null = branches.index("null")
            self.out(indent, f"if {v} is None:")
            self.out(indent + 1, f"a({_long(null)!r})")
            self.out(indent, "else:")
            self.emit(branches[1 - null], v, indent + 1, _long(1 - null))
            return
        keyword = "if"
        for test, target in self.union_tests(branches, v):
            self.out(indent, f"{keyword} {test}:")
            self.emit(branches[target], v, indent + 1, _long(target))
            keyword = "elif"
        self.out(indent, "else:")
        self.out(indent + 1, "raise _NoBranch")

    def union_tests(self, branches: list[Any], v: str) -> Iterator[tuple[str, int]]:
        kinds = [kind(branch) for branch in branches]
        for index, (branch, what) in enumerate(zip(branches, kinds, strict=True)):
            target = index
            if what == "float" and "double" in kinds[index + 1 :]:
                target = kinds.index("double", index + 1)  # fastavro prefers double: no loss
            yield self.branch_test(branch, what, v), target

    def branch_test(self, branch: Any, what: str, v: str) -> str:
        number = f"{v}.__class__ is not bool and isinstance({v}, int)"
        tests = {
            "null": f"{v} is None",
            "boolean": f"{v}.__class__ is bool",
            "int": f"{number} and {check.INT_MIN} <= {v} <= {check.INT_MAX}",
            "long": f"{number} and {check.LONG_MIN} <= {v} <= {check.LONG_MAX}",
            "float": f"{v}.__class__ is not bool and isinstance({v}, (int, float))",
            "string": f"isinstance({v}, str)",
            "bytes": f"isinstance({v}, (bytes, bytearray))",
        }
        tests["double"] = tests["float"]
        if what == "fixed":
            return f"{tests['bytes']} and len({v}) == {branch['size']}"
        if what == "enum":
            return f"isinstance({v}, str) and {v} in {self.const(frozenset(branch['symbols']))}"
        if what in tests:
            return tests[what]
        fits = self.const(lambda value: check.problem(branch, value, self.named, "") is None)
        return f"{fits}({v})"


def _failure(schema: Any, named: Named) -> Callable[[Any, Exception], RecordError]:
    """Turns an encoding failure into a RecordError naming the field, found by a slow walk."""

    def fail(record: Any, exc: Exception) -> RecordError:
        found = check.problem(schema, record, named, "")
        if found is None:
            return RecordError("<record>", f"cannot be encoded ({type(exc).__name__}: {exc})")
        return RecordError(*found)

    return fail
