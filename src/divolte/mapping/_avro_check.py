"""Schema helpers shared by the encoder, and the slow walk that explains an encoding failure.

The generated encoder never checks values (that would cost on every record). Only after it has
failed does :func:`problem` walk the schema and the record side by side to name the first field
that does not fit, so that the error a user sees points at their mapping, not at our code. It is
also the deep test for array, map and record branches of general unions, which are rare.

Schemas here are fastavro-parsed: names are full names, and a named type used a second time is a
string looked up in ``named``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Named = dict[str, Any]

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def resolve(schema: Any, named: Named) -> Any:
    """The definition behind a named-type reference; other schemas unchanged."""
    return named[schema] if isinstance(schema, str) and schema in named else schema


def kind(schema: Any) -> str:
    """The Avro type name of a resolved schema; ``union`` for a list."""
    if isinstance(schema, list):
        return "union"
    return schema if isinstance(schema, str) else str(schema["type"])


def nullable(schema: Any) -> bool:
    """Whether None is a valid value, so a missing field without default can be written."""
    return schema == "null" or (isinstance(schema, list) and "null" in schema)


def json_default(schema: Any, value: Any, named: Named) -> Any:
    """A field default as a record value: Avro JSON gives bytes as text, one char per byte."""
    schema = resolve(schema, named)
    if isinstance(schema, list):
        return json_default(schema[0], value, named)
    if kind(schema) in ("bytes", "fixed") and isinstance(value, str):
        return value.encode("latin-1")
    return value


def _describe(value: Any) -> str:
    return "None" if value is None else f"a value of type {type(value).__name__}"


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _number(value: Any) -> bool:
    return value.__class__ is not bool and isinstance(value, int | float)


def _integer(value: Any, low: int, high: int) -> bool:
    return value.__class__ is not bool and isinstance(value, int) and low <= value <= high


_SCALARS: dict[str, Callable[[Any, Any], bool]] = {
    "null": lambda s, v: v is None,
    "boolean": lambda s, v: isinstance(v, bool),
    "int": lambda s, v: _integer(v, INT_MIN, INT_MAX),
    "long": lambda s, v: _integer(v, LONG_MIN, LONG_MAX),
    "float": lambda s, v: _number(v),
    "double": lambda s, v: _number(v),
    "string": lambda s, v: isinstance(v, str) and _utf8(v),
    "bytes": lambda s, v: isinstance(v, bytes | bytearray),
    "fixed": lambda s, v: isinstance(v, bytes | bytearray) and len(v) == s["size"],
    "enum": lambda s, v: isinstance(v, str) and v in s["symbols"],
}


def problem(schema: Any, value: Any, named: Named, path: str = "") -> tuple[str, str] | None:
    """The first place where ``value`` does not fit ``schema``: (field path, reason), or None."""
    schema = resolve(schema, named)
    what, where = kind(schema), path or "<record>"
    if what == "union":
        if any(problem(branch, value, named, path) is None for branch in schema):
            return None
        return where, f"{_describe(value)} fits no branch of the union"
    if what == "record":
        return _record_problem(schema, value, named, path)
    if what == "array" and isinstance(value, list | tuple):
        items = (problem(schema["items"], x, named, f"{path}[{i}]") for i, x in enumerate(value))
        return next((found for found in items if found), None)
    if what == "map" and isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            return where, "a map key is not a string"
        entries = (problem(schema["values"], x, named, f"{path}[{k!r}]") for k, x in value.items())
        return next((found for found in entries if found), None)
    if what in _SCALARS and _SCALARS[what](schema, value):
        return None
    return where, f"expected {what}, got {_describe(value)}"


def _record_problem(schema: Any, value: Any, named: Named, path: str) -> tuple[str, str] | None:
    if not isinstance(value, Mapping):
        return path or "<record>", f"expected a record (a dict), got {_describe(value)}"
    for field in schema["fields"]:
        name = field["name"]
        where = f"{path}.{name}" if path else name
        if name in value:
            found = problem(field["type"], value[name], named, where)
            if found:
                return found
        elif "default" not in field and not nullable(resolve(field["type"], named)):
            return where, "missing and the schema gives no default"
    return None
