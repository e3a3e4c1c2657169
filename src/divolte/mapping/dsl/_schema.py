"""The load-time check of ``map X onto 'field'`` against the Avro schema (MAPPING §9.1).

The field's schema is first unwrapped: a one-branch union is its branch, a two-branch union its
first non-null branch; other unions are refused except for JSON values (§9.3). Then the value's
type must fit exactly, as in the reference (an int producer does not fit a long field).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import fastavro

from divolte.errors import SchemaError
from divolte.mapping._avro_check import Named, kind, resolve
from divolte.mapping.json_to_avro import check_json_support, compile_json_converter

from ._errors import MappingError, Pos
from ._lexer import Lit
from ._values import Digester, Producer, describe

_LITERAL_TARGETS = {
    "String": ("string",),
    "Boolean": ("boolean",),
    "Integer": ("int",),
    "Long": ("long",),
    "Float": ("float",),
    "Double": ("double",),
    "PyInt": ("int", "long"),
    "PyFloat": ("float", "double"),
}
_SCALAR_TARGETS = {k: k for k in ("string", "boolean", "int", "long", "float", "double", "bytes")}
_NOT_MAPPABLE = {
    "uri": "map one of its parts instead, e.g. .path(), .host() or .query()",
    "matcher": "map .matches() or .group(…) instead",
    "user_agent": "map one of its fields instead, e.g. .name() or .osFamily()",
    "geo": "map one of its fields instead, e.g. .countryCode() or .cityName()",
}
_MICROS = frozenset({"timestamp-micros", "local-timestamp-micros"})


class Schema:
    """A record schema prepared for mapping: fields by name, named types resolved."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.named: Named = {}
        try:
            parsed = fastavro.parse_schema(schema, named_schemas=self.named)
        except Exception as exc:  # fastavro raises several unrelated types
            raise SchemaError(f"invalid Avro schema: {exc}") from exc
        if not isinstance(parsed, dict) or parsed.get("type") != "record":
            raise SchemaError("a mapping needs a record schema")
        self.name = str(parsed.get("name", "record"))
        self.fields: dict[str, dict[str, Any]] = {f["name"]: f for f in parsed["fields"]}

    def field(self, name: str, pos: Pos) -> dict[str, Any]:
        found = self.fields.get(name)
        if found is None:
            close = difflib.get_close_matches(name, self.fields, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise MappingError(f"field {name!r} does not exist in schema {self.name}{hint}", pos)
        return found

    def unwrap(self, schema: Any) -> Any | None:
        """The schema a non-JSON value must fit, or None for an unsupported union."""
        schema = resolve(schema, self.named)
        if isinstance(schema, list):
            branches = [resolve(b, self.named) for b in schema]
            if len(branches) == 1:
                return branches[0]
            if len(branches) != 2:
                return None
            others = [b for b in branches if b != "null"]
            return others[0] if others else "null"
        return schema

    def render(self, schema: Any) -> str:
        schema = resolve(schema, self.named)
        if isinstance(schema, list):
            return "[" + ", ".join(self.render(b) for b in schema) + "]"
        what = kind(schema)
        if what == "array":
            return f"array<{self.render(schema['items'])}>"
        if what == "map":
            return f"map<{self.render(schema['values'])}>"
        if isinstance(schema, dict) and schema.get("logicalType"):
            return f"{what} ({schema['logicalType']})"
        if what in ("record", "enum", "fixed"):
            return f"{what} {schema['name']}"
        return what

    def _fits(self, item_schema: Any, wanted: str) -> bool:
        unwrapped = self.unwrap(item_schema)
        return unwrapped is not None and kind(unwrapped) == wanted

    def producer_fits(self, producer: Producer, target: Any) -> bool:
        what = kind(target)
        if producer.kind in _SCALAR_TARGETS:
            return what == _SCALAR_TARGETS[producer.kind]
        if producer.kind in ("headers", "string_list"):
            return what == "array" and self._fits(target["items"], "string")
        if producer.kind == "int_list":
            return what == "array" and self._fits(target["items"], "int")
        if producer.kind == "query":
            if what != "map":
                return False
            values = self.unwrap(target["values"])
            return (
                values is not None
                and kind(values) == "array"
                and self._fits(values["items"], "string")
            )
        return False

    def check(
        self, value: Any, value_pos: Pos, field_name: str, field_pos: Pos
    ) -> Callable[[Any], Any] | None:
        """Check ``map value onto field``; returns a converter for the value, if one is needed
        (JSON → Avro, milliseconds → microseconds), else None."""
        field = self.field(field_name, field_pos)
        field_type = field["type"]
        if isinstance(value, Producer) and value.kind in ("json", "params"):
            problem = check_json_support(field_type, self.named)
            if problem:
                raise MappingError(
                    f"cannot map JSON ({value.desc}) onto field {field_name!r}: {problem} is not "
                    "supported",
                    value_pos,
                )
            return compile_json_converter(field_type, self.named)
        target = self.unwrap(field_type)
        shown = self.render(field_type)
        if target is None:
            raise MappingError(
                f"field {field_name!r} has type {shown}: mapping to non-trivial unions is not "
                "supported (use a union of null and one type)",
                field_pos,
            )
        if isinstance(value, Lit):
            if value.jtype == "GString":
                raise MappingError(
                    f"cannot map an interpolated string (GString) onto field {field_name!r}; "
                    "only plain literals can be mapped (use single quotes)",
                    value_pos,
                )
            if kind(target) not in _LITERAL_TARGETS.get(value.jtype, ()):
                hint = (
                    " (42.0 is a BigDecimal in Groovy: write 42.0D)"
                    if value.jtype == "BigDecimal"
                    else ""
                )
                raise MappingError(
                    f"cannot map {describe(value)} onto field {field_name!r} of type {shown}{hint}",
                    value_pos,
                )
            return None
        if isinstance(value, Producer):
            if value.kind in _NOT_MAPPABLE:
                raise MappingError(
                    f"a {value.type_name} ({value.desc}) cannot be mapped; "
                    f"{_NOT_MAPPABLE[value.kind]}",
                    value_pos,
                )
            if not self.producer_fits(value, target):
                raise MappingError(
                    f"cannot map {value.type_name} ({value.desc}) onto field {field_name!r} of "
                    f"type {shown}",
                    value_pos,
                )
            if (
                value.timestamp
                and isinstance(target, dict)
                and target.get("logicalType") in _MICROS
            ):
                return lambda ms: ms * 1000
            return None
        if isinstance(value, Digester):
            raise MappingError(
                f"a digester cannot be mapped; map {value.desc}.result() (bytes) or "
                ".result().toBase64() / .toHexLower() (String)",
                value_pos,
            )
        raise MappingError(f"cannot map {describe(value)} onto field {field_name!r}", value_pos)
