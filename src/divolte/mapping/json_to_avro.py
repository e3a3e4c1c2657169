"""JSON trees (event parameters) → Avro record values, by the reference's rules (MAPPING §9.3).

The reference converts with Jackson 2.10's default coercions plus its own rules; the result here
is what its generic record would hold. :func:`check_json_support` is the load-time check of a
target schema; :func:`compile_json_converter` builds, once per target, a converter that either
returns the value, returns :data:`NO_VALUE` (JSON null: leave the field untouched) or raises
:class:`JsonConversionError` (the reference logs at INFO and leaves the field untouched).

Deliberate difference: a ``fixed`` value of the wrong length fails here, at conversion, instead of
at serialisation (where the reference loses the whole record).

Event parameters are hostile input, and a value that cannot be represented fails like any other
value that does not fit (:class:`JsonConversionError`: that field only, the rest of the mapping
runs), never with another exception that would lose the record:

* a recursive record type converts at most :data:`MAX_RECORD_DEPTH` levels deep, so that the
  record stays within what the encoder, the inspector and readers can nest (every other schema is
  finite, so conversion depth does not depend on the input); a RecursionError all the same
  becomes a failed conversion;
* an integer of more than :data:`~divolte.mapping.dsl._text.MAX_INTEGER_DIGITS` digits has no
  text for a ``string`` field, and integer texts are length-checked before ``int()``;
* an integer too large for a double becomes ±Infinity, as a too large decimal does (and as Java's
  ``BigInteger.doubleValue()`` gives);
* error messages show values through :mod:`reprlib` (bounded in depth, length and digits).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import re
import reprlib
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from divolte.mapping._avro_check import (
    INT_MAX,
    INT_MIN,
    LONG_MAX,
    LONG_MIN,
    Named,
    json_default,
    kind,
    nullable,
    resolve,
)
from divolte.mapping.dsl._text import (
    MAX_INTEGER_DIGITS,
    java_text,
    parse_fp64,
    signed_digits,
    to_float32,
)

Converter = Callable[[Any], Any]

NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "NO_VALUE"})()
"""Returned for JSON null: the field keeps what it had."""

JSON_NULL: Any = type("JsonNull", (), {"__repr__": lambda self: "JSON_NULL"})()
"""A JSON null produced as a whole value (e.g. a JSONPath matching a null), which is present,
unlike an absent value (None)."""


class JsonConversionError(ValueError):
    """The JSON does not fit the schema; the message says where and why."""


MAX_RECORD_DEPTH = 100
"""How deep a recursive record type may nest in one converted value."""

_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def check_json_support(schema: Any, named: Named) -> str | None:
    """Why JSON cannot be mapped onto ``schema`` (a fastavro-parsed schema), or None."""
    return _support(schema, named, set())


def _support(schema: Any, named: Named, seen: set[str]) -> str | None:
    schema = resolve(schema, named)
    what = kind(schema)
    if what == "union":
        branches = [resolve(b, named) for b in schema]
        others = [b for b in branches if b != "null"]
        if len(branches) > 2 or (len(branches) == 2 and len(others) != 1):
            return f'union {_name(schema)} (only [X], ["null", X] and [X, "null"] are supported)'
        return _support(others[0], named, seen) if others else None
    if what == "record":
        if schema["name"] in seen:
            return None
        seen.add(schema["name"])
        for field in schema["fields"]:
            problem = _support(field["type"], named, seen)
            if problem:
                return f"{problem} in field {field['name']!r}"
        return None
    if what == "array":
        return _support(schema["items"], named, seen)
    if what == "map":
        return _support(schema["values"], named, seen)
    return None


def _name(schema: Any) -> str:
    if isinstance(schema, list):
        return "[" + ", ".join(_name(b) for b in schema) + "]"
    if isinstance(schema, dict):
        return str(schema.get("name") or schema.get("type"))
    return str(schema)


def compile_json_converter(schema: Any, named: Named) -> Converter:
    """A converter for one target schema; JSON null as the whole value gives NO_VALUE."""
    inner = _Compiler(named).convert(schema)

    def convert(value: Any) -> Any:
        if value is None or value is JSON_NULL:
            return NO_VALUE
        try:
            return inner(value)
        except RecursionError:  # not expected (depth is bounded), but never worth a record
            raise _fail("Avro (nested too deeply)", value) from None

    return convert


class _ShortRepr(reprlib.Repr):
    """``repr`` bounded in depth and length, also for integers too long for ``repr``."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxdict, self.maxlist = 3, 4, 4
        self.maxstring = self.maxlong = self.maxother = 40

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() <= 1000:  # about 300 digits: repr is cheap and allowed
            return super().repr_int(x, level)
        return f"<a {x.bit_length()}-bit integer>"

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        """The first members in document order (reprlib's own sorts every key first)."""
        if not x or level <= 0:
            return "{}" if not x else "{...}"
        pieces = [
            f"{self.repr1(key, level - 1)}: {self.repr1(value, level - 1)}"
            for key, value in itertools.islice(x.items(), self.maxdict)
        ]
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{" + ", ".join(pieces) + "}"


_short = _ShortRepr().repr


def _fail(expected: str, value: Any) -> JsonConversionError:
    shown = _short(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return JsonConversionError(f"cannot convert JSON {shown} to {expected}")


_nesting = threading.local()
"""``depth``: how many recursive record levels this thread is converting right now."""


def _depth_limited(convert: Converter, name: str) -> Converter:
    def limited(v: Any) -> Any:
        depth: int = getattr(_nesting, "depth", 0)
        if depth >= MAX_RECORD_DEPTH:
            raise JsonConversionError(
                f"record {name}: nested more than {MAX_RECORD_DEPTH} levels deep"
            )
        _nesting.depth = depth + 1
        try:
            return convert(v)
        finally:
            _nesting.depth = depth

    return limited


class _Compiler:
    def __init__(self, named: Named) -> None:
        self.named = named
        self.records: dict[str, Converter] = {}
        self.compiling: set[str] = set()
        """Records whose fields are being compiled: a reference to one is a recursion."""
        self.recursive: set[str] = set()

    def convert(self, schema: Any) -> Converter:
        schema = resolve(schema, self.named)
        what = kind(schema)
        if what == "union":
            return self.union(schema)
        if what == "record":
            return self.record(schema)
        if what == "array":
            items = self.convert(schema["items"])
            return lambda v: [items(x) for x in v] if isinstance(v, list) else [items(v)]
        scalar: Converter
        if what == "map":
            values = self.convert(schema["values"])

            def scalar(v: Any) -> Any:
                if not isinstance(v, dict):
                    raise _fail("a map", v)
                return {k: values(x) for k, x in v.items()}

        elif what == "enum":
            symbols = frozenset(schema["symbols"])

            def scalar(v: Any) -> Any:
                if isinstance(v, str) and v in symbols:
                    return v
                raise _fail(f"enum {schema['name']}", v)

        elif what == "fixed":
            size = schema["size"]

            def scalar(v: Any) -> Any:
                data = _base64(v, f"fixed({size})")
                if len(data) != size:
                    raise _fail(f"fixed({size}) (decoded to {len(data)} bytes)", v)
                return data

        else:
            scalar = _SCALARS[what]
        return _unwrapping(scalar)

    def union(self, schema: list[Any]) -> Converter:
        branches = [resolve(b, self.named) for b in schema]
        others = [b for b in branches if b != "null"]
        if not others:
            return _SCALARS["null"]
        inner = self.convert(others[0])
        if len(branches) == 1:
            return inner
        return lambda v: None if v is None or v is JSON_NULL else inner(v)

    def record(self, schema: dict[str, Any]) -> Converter:
        name = schema["name"]
        if name in self.records:
            if name in self.compiling:
                self.recursive.add(name)
            return self.records[name]
        fields: list[tuple[str, Converter, bool, Any]] = []

        def convert(v: Any) -> Any:
            if not isinstance(v, dict):
                raise _fail(f"record {name}", v)
            out: dict[str, Any] = {}
            for field_name, field_convert, has_default, default in fields:
                if field_name in v:
                    out[field_name] = field_convert(v[field_name])
                elif has_default:
                    out[field_name] = default
                else:
                    raise JsonConversionError(
                        f"record {name}: member {field_name!r} is missing and has no default"
                    )
            return out

        # References made while the fields compile are recursive: they get the depth limit.
        self.records[name] = limited = _depth_limited(convert, name)
        self.compiling.add(name)
        for field in schema["fields"]:
            has_default = "default" in field
            if has_default:
                default = json_default(field["type"], field["default"], self.named)
            elif nullable(resolve(field["type"], self.named)):
                has_default, default = True, None
            else:
                default = None
            fields.append((field["name"], self.convert(field["type"]), has_default, default))
        self.compiling.discard(name)
        if name in self.recursive:
            return limited
        self.records[name] = convert  # not recursive: no limit, no extra call
        return convert


def _unwrapping(convert: Converter) -> Converter:
    """Jackson's UNWRAP_SINGLE_VALUE_ARRAYS: ``[x]`` converts as ``x`` for non-array types."""

    def unwrap(v: Any) -> Any:
        if isinstance(v, list):
            if len(v) != 1:
                raise _fail("a single value", v)
            v = v[0]
        return convert(v)

    return unwrap


def _null(v: Any) -> Any:
    if v is None or v is JSON_NULL:
        return None
    raise _fail("null", v)


def _boolean(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    elif isinstance(v, int):
        return v != 0
    raise _fail("boolean", v)


def _integer(low: int, high: int, name: str) -> Converter:
    def convert(v: Any) -> int:
        if isinstance(v, bool):
            raise _fail(name, v)
        if isinstance(v, int):
            result = v
        elif isinstance(v, Decimal | float):
            if not math.isfinite(v):
                raise _fail(name, v)
            result = int(v)  # truncates toward zero, like Jackson
        elif isinstance(v, str) and _INTEGER_TEXT.fullmatch(text := v.strip()):
            parsed = signed_digits(text)
            if parsed is None:
                raise _fail(f"{name} (out of range)", v)
            result = parsed
        else:
            raise _fail(name, v)
        if not low <= result <= high:
            raise _fail(f"{name} (out of range)", v)
        return result

    return convert


def _floating(single: bool) -> Converter:
    name = "float" if single else "double"

    def convert(v: Any) -> float:
        if isinstance(v, bool):
            raise _fail(name, v)
        if isinstance(v, int | float | Decimal):
            try:
                result = float(v)
            except OverflowError:  # an int beyond a double: Infinity, like 1E+400
                result = math.inf if v > 0 else -math.inf
        elif isinstance(v, str) and (parsed := parse_fp64(v.strip())) is not None:
            result = parsed
        else:
            raise _fail(name, v)
        return to_float32(result) if single else result

    return convert


def _string(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool | int | float | Decimal):
        text = java_text(v)
        if text is not None:
            return text
        raise _fail(f"string (more than {MAX_INTEGER_DIGITS} digits)", v)
    raise _fail("string", v)


def _base64(v: Any, name: str) -> bytes:
    if not isinstance(v, str):
        raise _fail(name, v)
    text = v.strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _fail(f"{name} (not Base64)", v) from exc


_SCALARS: dict[str, Converter] = {
    "null": _null,
    "boolean": _boolean,
    "int": _integer(INT_MIN, INT_MAX, "int"),
    "long": _integer(LONG_MIN, LONG_MAX, "long"),
    "float": _floating(True),
    "double": _floating(False),
    "string": _string,
    "bytes": lambda v: _base64(v, "bytes"),
}
