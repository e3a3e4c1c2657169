"""What mapping expressions evaluate to at load time.

* :class:`Lit` — a literal with its Groovy type (from the lexer);
* :class:`Producer` — a description of how to get a value from an event: its *kind* decides which
  methods it has and which Avro types it may be mapped onto, ``fn`` is the plain callable run per
  event (``fn(ctx)`` → value, or None when absent);
* :class:`Digester` and the *pending* halves of the two-word forms (``map X`` waiting for
  ``onto``, ``when C`` for ``apply``, ``parse P`` for ``to``, ``match R`` for ``against``).

Per event, producers receive a :class:`Ctx`: the event and a small cache shared by producers
with the same description (URI parses, user agent, geo lookups are then done once per event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._errors import MappingError, Pos
from ._lexer import Lit

if TYPE_CHECKING:
    from divolte.event import Event

__all__ = ["MISS", "Args", "Ctx", "Digester", "Getter", "Lit", "Producer", "cached"]


class Ctx:
    __slots__ = ("cache", "event")

    def __init__(self, event: Event) -> None:
        self.event = event
        self.cache: dict[str, Any] = {}


Getter = Callable[[Ctx], Any]
MISS: Any = object()


def cached(key: str, compute: Getter) -> Getter:
    """A getter computed at most once per event, shared by every producer with this key."""

    def get(c: Ctx) -> Any:
        cache = c.cache
        value = cache.get(key, MISS)
        if value is MISS:
            value = cache[key] = compute(c)
        return value

    return get


TYPE_NAMES = {
    "string": "String",
    "boolean": "Boolean",
    "int": "int",
    "long": "long",
    "float": "float",
    "double": "double",
    "bytes": "bytes",
    "headers": "List<String>",
    "string_list": "List<String>",
    "int_list": "List<Integer>",
    "query": "Map<String,List<String>>",
    "json": "JSON",
    "params": "JSON",
    "uri": "URI",
    "matcher": "regex matcher",
    "user_agent": "user agent",
    "geo": "geo lookup result",
}


@dataclass(eq=False, slots=True)
class Producer:
    kind: str
    fn: Getter
    desc: str
    timestamp: bool = False
    """Epoch milliseconds (``timestamp()``, ``clientTimestamp()``): scaled for timestamp-micros."""
    extra: Any = None
    """Load-time detail some methods need (a matcher's compiled pattern)."""
    attribute: str | None = None
    """For plain event fields, the attribute path under the event (``request.remote_host``):
    the plan then reads it inline instead of calling ``fn``."""

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]


@dataclass(eq=False, slots=True)
class Digester:
    algorithm: str
    seed: str | None
    hasher: Callable[[bytes], bytes]
    inputs: list[Callable[[Ctx], bytes | None]] = field(default_factory=list)
    desc: str = ""


@dataclass(eq=False, slots=True)
class Pending:
    """The first half of a two-word form; ``what`` is ``map``, ``when``, ``parse`` or ``match``."""

    what: str
    value: Any
    pos: Pos


@dataclass(frozen=True, slots=True)
class ConversionType:
    """``int32``, ``int64``, ``fp32``, ``fp64``, ``bool`` or ``uri`` in ``parse P to T``."""

    name: str


CONVERSION_TYPES = frozenset({"int32", "int64", "fp32", "fp64", "bool", "uri"})


def describe(value: Any) -> str:
    """A value's type as a user would call it, for error messages."""
    if isinstance(value, Lit):
        return "null" if value.jtype == "null" else f"a {value.jtype} literal"
    if isinstance(value, Producer):
        return f"a {value.type_name} value ({value.desc})"
    if isinstance(value, Digester):
        return "a digester"
    if isinstance(value, Pending):
        return f"an incomplete '{value.what} …' expression"
    if isinstance(value, ConversionType):
        return f"the conversion type {value.name}"
    if isinstance(value, list):
        return "a list"
    if callable(value):
        return "a closure"
    return type(value).__name__


class Args:
    """The arguments of one call, with their positions, and checks that name the culprit."""

    def __init__(self, name: str, values: list[Any], positions: list[Pos], pos: Pos) -> None:
        self.name = name
        self.values = values
        self.positions = positions
        self.pos = pos

    def __len__(self) -> int:
        return len(self.values)

    def at(self, index: int) -> Pos:
        return self.positions[index] if index < len(self.positions) else self.pos

    def count(self, *allowed: int) -> None:
        if len(self.values) not in allowed:
            wanted = " or ".join(str(n) for n in allowed)
            plural = "" if allowed == (1,) else "s"
            raise MappingError(
                f"{self.name}() takes {wanted} argument{plural}, got {len(self.values)}",
                self.at(len(self.values) - 1) if self.values else self.pos,
            )

    def string(self, index: int, what: str) -> str:
        value = self.values[index]
        if isinstance(value, Lit) and value.jtype in ("String", "GString"):
            return str(value.value)
        raise MappingError(
            f"{self.name}(): {what} must be a string literal, not {describe(value)}",
            self.at(index),
        )

    def integer(self, index: int, what: str) -> int:
        value = self.values[index]
        if isinstance(value, Lit) and value.jtype in ("Integer", "Long", "PyInt"):
            return int(value.value)
        raise MappingError(
            f"{self.name}(): {what} must be an integer literal, not {describe(value)}",
            self.at(index),
        )

    def producer(self, index: int, kinds: tuple[str, ...], what: str) -> Producer:
        value = self.values[index]
        if isinstance(value, Producer) and value.kind in kinds:
            return value
        raise MappingError(
            f"{self.name}(): {what}, not {describe(value)}",
            self.at(index),
        )
