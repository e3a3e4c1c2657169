"""Plain configuration trees with the place each value came from.

A :class:`Layer` is one source of settings (the environment, the user's file, overrides): a tree
of dicts, lists and :class:`Scalar` leaves, plus an :class:`Origin` for each key path. Layers are
deep-merged (objects merge, anything else replaces) before binding to the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

ScalarKind = Literal["string", "number", "boolean", "null"]
Path: TypeAlias = tuple[str, ...]
Node: TypeAlias = "dict[str, Node] | list[Node] | Scalar"


@dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf value exactly as written: ``text`` is the string, or the number's literal."""

    text: str
    kind: ScalarKind


NULL = Scalar("null", "null")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a key was set: a file (with line and column when known) or another source."""

    source: str
    line: int | None = None
    column: int | None = None
    line_text: str | None = None

    def describe(self) -> str:
        if self.line is None:
            return self.source
        column = f", column {self.column}" if self.column else ""
        return f"{self.source}, line {self.line}{column}"

    def excerpt(self) -> str:
        """The source line with a caret under the column, indented for an error message."""
        if self.line_text is None:
            return ""
        pad = "".join(c if c == "\t" else " " for c in self.line_text[: (self.column or 1) - 1])
        return f"\n\t    {self.line_text}\n\t    {pad}^"


@dataclass
class Layer:
    """One source of settings: a tree and the origin of each key path in it."""

    tree: dict[str, Node] = field(default_factory=dict)
    origins: dict[Path, Origin] = field(default_factory=dict)

    def origin_of(self, path: Path) -> Origin | None:
        """The origin of ``path``, or of its nearest ancestor with a known origin."""
        for end in range(len(path), 0, -1):
            found = self.origins.get(path[:end])
            if found is not None:
                return found
        return None

    def where(self, path: Path) -> str:
        """The location part of an error message about ``path``: file, line and excerpt when
        known, then the path."""
        origin = self.origin_of(path)
        located = f"\n\tLocation: {origin.describe()}.{origin.excerpt()}" if origin else ""
        return f"{located}\n\tConfiguration path to error: '{'.'.join(path)}'"


def merge(base: Layer, top: Layer) -> Layer:
    """``top`` over ``base``: objects merge key by key, any other value replaces."""
    return Layer(_merge_objects(base.tree, top.tree), {**base.origins, **top.origins})


def _merge_objects(base: dict[str, Node], top: dict[str, Node]) -> dict[str, Node]:
    merged = dict(base)
    for key, value in top.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = _merge_objects(old, value)
        else:
            merged[key] = value
    return merged


def from_python(value: Any) -> Node:
    """A tree node for a Python value (used for overrides and the environment)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return Scalar("true" if value else "false", "boolean")
    if isinstance(value, int | float):
        return Scalar(repr(value), "number")
    if isinstance(value, Mapping):
        return {str(k): from_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_python(v) for v in value]
    return Scalar(str(value), "string")


def layer_from_paths(values: Mapping[str, Any], describe: str) -> Layer:
    """A layer from dotted keys (``a.b.c = value``), like Java system properties.

    ``describe`` is formatted with ``key`` to name each value's origin.
    """
    layer = Layer()
    for dotted, value in values.items():
        path = tuple(dotted.split("."))
        nested: Node = from_python(value)
        for part in reversed(path):
            nested = {part: nested}
        assert isinstance(nested, dict)
        layer.tree = _merge_objects(layer.tree, nested)
        layer.origins[path] = Origin(describe.format(key=dotted))
    return layer


def to_python(node: Node) -> Any:
    """Plain Python data for a node: numbers become int/float, null becomes None."""
    if isinstance(node, dict):
        return {k: to_python(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_python(v) for v in node]
    if node.kind == "null":
        return None
    if node.kind == "boolean":
        return node.text == "true"
    if node.kind == "number":
        try:
            return int(node.text)
        except ValueError:
            return float(node.text)
    return node.text
