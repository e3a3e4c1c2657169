"""Turning tree values into typed settings (CONFIG.md §2), one function per value type.

Each function takes a node and returns the Python value, or raises :class:`BadValue` whose
message the binder completes with the key path and location.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ._tree import Node, Scalar
from .duration import Duration, DurationFormatError

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INT_NAMES = {16: "a short integer", 32: "an integer", 64: "a long integer"}


class BadValue(ValueError):
    """A value of the wrong type or format; ``expected`` is None for format errors."""

    def __init__(self, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected


def found(node: Node) -> str:
    """How an error message shows the offending value."""
    if isinstance(node, dict):
        return "an object"
    if isinstance(node, list):
        return "a list"
    if node.kind == "null":
        return "null"
    if node.kind == "string":
        return f"'{node.text}' (a string)"
    return f"{node.text} (a {node.kind})"


def _scalar(node: Node, expected: str) -> Scalar:
    if not isinstance(node, Scalar) or node.kind == "null":
        raise BadValue("", expected)
    return node


def to_str(node: Node) -> str:
    return _scalar(node, "a string").text


def to_bool(node: Node) -> bool:
    text = _scalar(node, "true or false").text.lower()
    if text in ("true", "false"):
        return text == "true"
    raise BadValue("", "true or false")


def to_int(node: Node, bits: int = 32) -> int:
    expected = _INT_NAMES[bits]
    text = _scalar(node, expected).text.strip()
    if not _INTEGER.fullmatch(text):
        raise BadValue("", expected)
    value = int(text)
    limit = 2 ** (bits - 1)
    if not -limit <= value < limit:
        raise BadValue(f"{value} is out of range for {expected} ({-limit} to {limit - 1})")
    return value


def to_float(node: Node) -> float:
    text = _scalar(node, "a number").text.strip()
    if not _DECIMAL.fullmatch(text):
        raise BadValue("", "a number")
    return float(text)


def to_duration(node: Node) -> Duration:
    expected = "a duration string such as '30 seconds'"
    if isinstance(node, Scalar) and node.kind == "number":
        raise BadValue(
            f"a duration must be a string with a unit, such as '{node.text} ms' or "
            f"'{node.text} seconds'; a bare number like {node.text} is not accepted"
        )
    if not isinstance(node, Scalar) or node.kind != "string":
        raise BadValue("", expected)
    try:
        return Duration.parse(node.text)
    except DurationFormatError as exc:
        raise BadValue(str(exc)) from exc


def to_millis(node: Node) -> Duration:
    """An old ``*_mills`` key: whole milliseconds as a number (DESIGN §2)."""
    return Duration.of_millis(to_int(node, 64))


def to_choice(node: Node, choices: Sequence[str], ignore_case: bool) -> str:
    expected = "one of " + ", ".join(f"'{c}'" for c in choices)
    text = _scalar(node, expected).text
    wanted = text.lower() if ignore_case else text
    if wanted in choices:
        return wanted
    raise BadValue("", expected)


def to_names(node: Node) -> tuple[str, ...]:
    expected = "a list of names such as [browser]"
    if not isinstance(node, list):
        raise BadValue("", expected)
    names = []
    for item in node:
        if not isinstance(item, Scalar) or item.kind == "null":
            raise BadValue(f"the list holds {found(item)}; only names are allowed", expected)
        names.append(item.text)
    return tuple(names)


def to_properties(node: Node) -> dict[str, str]:
    """Flatten an object to ``key=value`` strings as CONFIG.md §2.2 describes."""
    if not isinstance(node, dict):
        raise BadValue("", "an object of properties")
    flat: dict[str, str] = {}
    _flatten(node, "", flat)
    return flat


def _flatten(node: dict[str, Node], prefix: str, into: dict[str, str]) -> None:
    for key, value in node.items():
        name = prefix + key
        if isinstance(value, dict):
            _flatten(value, name + ".", into)
        elif isinstance(value, list):
            into[name] = ",".join(_property_item(name, item) for item in value)
        elif value.kind == "null":
            raise BadValue(f"property '{name}' is null; remove it or give it a value")
        else:
            into[name] = value.text


def _property_item(name: str, item: Node) -> str:
    if not isinstance(item, Scalar) or item.kind == "null":
        raise BadValue(f"property '{name}' is a list holding {found(item)}; only plain values")
    return item.text
