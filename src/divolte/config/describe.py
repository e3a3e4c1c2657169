"""Rendering the effective configuration as HOCON text (for logs and ``check-config``).

The text reads back to the same configuration: durations are written as strings, unset optional
keys as ``null`` and property keys quoted, so ``load_config`` of the output gives an equal
:class:`~divolte.config.model.Config`. With ``docs=True`` each key gets its one-line doc from the
model above it, with its allowed range when it has one.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from ._fields import hocon_key, key_info, model_fields
from .duration import Duration
from .model import Config

_INDENT = "  "


def describe(config: Config, *, docs: bool = False) -> str:
    """The whole effective configuration, rooted at ``divolte``."""
    lines = [f"# Effective configuration; source: {config.origin}", "divolte {"]
    lines += _section(config.global_, 1, docs, "global")
    for key, entries in (
        ("sources", config.sources),
        ("sinks", config.sinks),
        ("mappings", config.mappings),
    ):
        lines.append(f"{_INDENT}{key} {{")
        for name, entry in entries.items():
            lines += _section(entry, 2, docs, _key(name))
        lines.append(f"{_INDENT}}}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _section(obj: Any, depth: int, docs: bool, name: str) -> list[str]:
    pad = _INDENT * depth
    lines = [f"{pad}{name} {{"]
    fields = model_fields(type(obj))
    kind = getattr(type(obj), "type", None)  # the ClassVar of a source or sink class
    if isinstance(kind, str) and all(f.name != "type" for f in fields):
        lines.append(f"{pad}{_INDENT}type = {kind}")
    for fld in fields:
        value = getattr(obj, fld.name)
        info = key_info(fld)
        if docs:
            notes = [f"default: {info.default_doc}"] if info.default_doc else []
            notes += [f"allowed: {info.allowed()}"] if info.allowed() else []
            extra = f" ({'; '.join(notes)})" if notes else ""
            lines.append(f"{pad}{_INDENT}# {info.doc}{extra}")
        if dataclasses.is_dataclass(value):
            lines += _section(value, depth + 1, docs, hocon_key(fld))
        elif isinstance(value, dict):
            lines.append(f"{pad}{_INDENT}{hocon_key(fld)} {{")
            lines += [
                f"{pad}{_INDENT * 2}{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items()
            ]
            lines.append(f"{pad}{_INDENT}}}")
        else:
            lines.append(f"{pad}{_INDENT}{hocon_key(fld)} = {_value(value)}")
    lines.append(f"{pad}}}")
    return lines


def _key(name: str) -> str:
    simple = name.replace("_", "").replace("-", "").isalnum()
    return name if simple else json.dumps(name)


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Duration | str):
        return json.dumps(str(value))
    if isinstance(value, tuple):
        return "[" + ", ".join(json.dumps(v) for v in value) + "]"
    return repr(value)


def to_plain(obj: Any, *, aliased: bool = True) -> dict[str, Any]:
    """A model section as plain nested data (HOCON keys; durations as text).

    Property keys are split on dots (``bootstrap.servers`` → ``bootstrap { servers }``) the way
    the reference's ``reference.conf`` spells them, so ``${…}`` references can reach them.
    ``aliased=False`` leaves out keys that have an old alias.
    """
    plain: dict[str, Any] = {}
    for fld in model_fields(type(obj)):
        value = getattr(obj, fld.name)
        if not aliased and key_info(fld).alias:
            continue
        if dataclasses.is_dataclass(value):
            plain[hocon_key(fld)] = to_plain(value, aliased=aliased)
        elif isinstance(value, dict):
            plain[hocon_key(fld)] = _nest(value)
        elif isinstance(value, Duration):
            plain[hocon_key(fld)] = str(value)
        elif isinstance(value, tuple):
            plain[hocon_key(fld)] = list(value)
        else:
            plain[hocon_key(fld)] = value
    return plain


def _nest(properties: dict[str, str]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for name, value in properties.items():
        *parents, leaf = name.split(".")
        target = nested
        for part in parents:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                break
            target = child
        else:
            target.setdefault(leaf, value)
    return nested
