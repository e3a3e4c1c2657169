"""The mapping vocabulary shared by both front ends (Groovy scripts and Python modules).

A :class:`Builder` is what a script's calls reach: ``call_function('map', args)``,
``call_method(producer, 'path', args)`` and so on. It type-checks every ``map … onto`` against
the schema as it is registered (MAPPING §9.1), keeps the stack of open blocks (``when``,
``section``), and finally :meth:`compile` returns the per-event function.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from divolte.enrich import Enrichment
from divolte.mapping.json_to_avro import JSON_NULL

from . import _producers as producers
from ._errors import MappingError, MappingRuntimeError, Pos
from ._lexer import Lit
from ._methods import lookup
from ._plan import EXIT, STOP, ExitStep, MapStep, SectionStep, Step, WhenStep, compile_steps
from ._schema import Schema
from ._text import java_text
from ._values import (
    CONVERSION_TYPES,
    Args,
    ConversionType,
    Ctx,
    Digester,
    Pending,
    Producer,
    describe,
)

if TYPE_CHECKING:
    from divolte.event import Event

NULL = Lit(None, "null")
NO_TEXT: Any = object()
"""A digest input that has no text (an integer too long to render): the digest is absent."""


class LoadClosure(ABC):
    """A closure of the script, run at load time (``map { … }``, ``when { … }``, ``section``);
    each front end (Groovy scripts, Python modules) has its own kind."""

    @abstractmethod
    def __call__(self, *args: Any) -> Any: ...


class Builder:
    def __init__(self, schema: dict[str, Any], enrichment: Enrichment, path: str) -> None:
        self.schema = Schema(schema)
        self.enrichment = enrichment
        self.path = path
        self.blocks: list[list[Step]] = []
        self.root: list[Step] | None = None

    # --- blocks ----------------------------------------------------------------------------

    def current(self, what: str, pos: Pos) -> list[Step]:
        if not self.blocks:
            raise MappingError(f"'{what}' can only be used inside mapping {{ … }}", pos)
        return self.blocks[-1]

    def open_block(self) -> None:
        self.blocks.append([])

    def close_block(self) -> list[Step]:
        return self.blocks.pop()

    def run_block(self, body: Any, what: str, pos: Pos) -> list[Step]:
        if not isinstance(body, LoadClosure):
            raise MappingError(f"'{what}' needs a block {{ … }}, not {describe(body)}", pos)
        self.open_block()
        try:
            body()
        finally:
            steps = self.close_block()
        return steps

    def start_mapping(self, pos: Pos) -> None:
        if self.root is not None:
            raise MappingError("a script holds exactly one mapping { … } block", pos)
        if self.blocks:
            raise MappingError("mapping { … } cannot be nested", pos)
        self.root = []
        self.blocks.append(self.root)

    def end_mapping(self) -> None:
        self.blocks.pop()

    # --- actions ---------------------------------------------------------------------------

    def register_map(self, value: Any, value_pos: Pos, field: str, field_pos: Pos) -> None:
        block = self.current("map", value_pos)
        convert = self.schema.check(value, value_pos, field, field_pos)
        if isinstance(value, Lit):
            constant = value.value
            block.append(MapStep(field, lambda c: constant, constant=constant))
            return
        assert isinstance(value, Producer)
        block.append(MapStep(field, value.fn, convert, attribute=value.attribute))

    def condition(self, value: Any, pos: Pos, what: str = "when") -> Producer:
        if isinstance(value, LoadClosure):
            value = value()
        if isinstance(value, Producer) and value.kind == "boolean":
            return value
        raise MappingError(
            f"'{what}' needs a Boolean condition such as location().isPresent(), "
            f"not {describe(value)}",
            pos,
        )

    def register_when(self, condition: Producer, body: Any, pos: Pos) -> None:
        block = self.current("when", pos)
        block.append(WhenStep(condition.fn, self.run_block(body, "apply", pos)))

    def register_exit(self, status: int, pos: Pos, condition: Producer | None = None) -> None:
        name = "exit" if status == EXIT else "stop"
        block = self.current(name, pos)
        block.append(ExitStep(status, None if condition is None else condition.fn))

    # --- functions -------------------------------------------------------------------------

    def call_function(self, name: str, args: Args) -> Any:
        if name in producers._EVENT_FIELDS:
            args.count(0)
            return producers.event_field(name)
        handler = _FUNCTIONS.get(name)
        if handler is None:
            raise MappingError(
                f"unknown function {name}(){_suggest(name, _ALL_FUNCTIONS)}", args.pos
            )
        return handler(self, args)

    def call_method(self, receiver: Any, name: str, args: Args) -> Any:
        if isinstance(receiver, Producer):
            method = lookup(receiver, name)
            if method is None:
                from ._methods import METHODS

                known = METHODS.get(receiver.kind, {})
                hint = _suggest(name, known) or f" (it has: {', '.join(sorted(known))})"
                raise MappingError(
                    f"a {receiver.type_name} value ({receiver.desc}) has no method {name}(){hint}",
                    args.pos,
                )
            return method(receiver, args)
        if isinstance(receiver, Digester):
            return self.digester_method(receiver, name, args)
        if isinstance(receiver, Pending):
            return self.pending_method(receiver, name, args)
        raise MappingError(f"{describe(receiver)} has no method {name}()", args.pos)

    def pending_method(self, pending: Pending, name: str, args: Args) -> Any:
        expected = {"map": "onto", "when": "apply", "parse": "to", "match": "against"}[pending.what]
        if pending.what == "when" and name in ("stop", "exit"):
            args.count(0)
            condition = pending.value
            self.register_exit(STOP if name == "stop" else EXIT, args.pos, condition)
            return NULL
        if name != expected:
            alternatives = " or stop()/exit()" if pending.what == "when" else ""
            raise MappingError(
                f"'{pending.what} …' must be followed by '{expected}'{alternatives}, not '{name}'",
                args.pos,
            )
        args.count(1)
        if pending.what == "map":
            field = args.string(0, "the field name")
            self.register_map(pending.value, pending.pos, field, args.at(0))
        elif pending.what == "when":
            self.register_when(pending.value, args.values[0], args.at(0))
        elif pending.what == "parse":
            return producers.convert(pending.value, args.values[0], args, 0)
        else:
            source = args.producer(0, ("string",), "a regex is matched against a String value")
            return producers.matcher(
                pending.value,
                source,
                Args("match", [Lit(pending.value, "String")], [pending.pos], args.pos),
            )
        return NULL

    def digester_method(self, digester: Digester, name: str, args: Args) -> Any:
        if name == "add":
            args.count(1)
            digester.inputs.append(_digest_input(args))
            return digester
        if name == "result":
            args.count(0)
            inputs, hasher = tuple(digester.inputs), digester.hasher

            def result(c: Ctx) -> bytes | None:
                parts = []
                for get in inputs:
                    part = get(c)
                    if part is NO_TEXT:
                        return None  # hashing the other inputs alone would give a wrong digest
                    if part is not None:
                        parts.append(part)
                return hasher(b"".join(parts))

            return Producer("bytes", result, f"{digester.desc}.result()")
        raise MappingError(
            f"a digester has the methods add(…) and result(), not {name}()", args.pos
        )

    # --- the plan --------------------------------------------------------------------------

    def compile(self) -> Callable[[Event], dict[str, Any]]:
        if self.root is None:
            raise MappingError("the script has no mapping { … } block", Pos(self.path, 1, 1))
        top = compile_steps(self.root)
        path = self.path

        def build(event: Event) -> dict[str, Any]:
            record: dict[str, Any] = {}
            c = Ctx(event)
            try:
                top(c, record)
            except Exception as exc:
                raise MappingRuntimeError(f"mapping {path} failed on an event: {exc!r}") from exc
            return record

        return build


def _digest_input(args: Args) -> Callable[[Ctx], bytes | None]:
    value = args.values[0]
    if isinstance(value, Lit) and value.jtype in ("String", "GString"):
        constant = str(value.value).encode("utf-8")
        return lambda c: constant
    if isinstance(value, Producer):
        get = value.fn
        if value.kind == "string":

            def text(c: Ctx) -> bytes | None:
                found = get(c)
                return None if found is None else found.encode("utf-8")

            return text
        if value.kind == "bytes":
            return get
        if value.kind in ("json", "params"):

            def scalar(c: Ctx) -> bytes | None:
                found = get(c)
                if found is None or isinstance(found, dict | list):
                    return None
                if found is JSON_NULL:
                    return b"null"
                text = java_text(found)
                return NO_TEXT if text is None else text.encode("utf-8")

            return scalar
    raise MappingError(
        f"add() takes a String, JSON or bytes value or a string literal, not {describe(value)}",
        args.at(0),
    )


def _suggest(name: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]}()?" if close else ""


# --- the function table --------------------------------------------------------------------


def _map(b: Builder, args: Args) -> Any:
    args.count(1, 2)
    if len(args) == 2:  # map(fieldName, producer): the lower-level form
        field = args.string(0, "the field name")
        b.register_map(_value(args.values[1]), args.at(1), field, args.at(0))
        return NULL
    return Pending("map", _value(args.values[0]), args.at(0))


def _value(value: Any) -> Any:
    """``map { … } onto``: the closure runs now; its last expression is what gets mapped."""
    return value() if isinstance(value, LoadClosure) else value


def _when(b: Builder, args: Args) -> Any:
    args.count(1, 2)
    condition = b.condition(args.values[0], args.at(0))
    if len(args) == 2:
        b.register_when(condition, args.values[1], args.at(1))
        return NULL
    return Pending("when", condition, args.at(0))


def _section(b: Builder, args: Args) -> Any:
    args.count(1)
    block = b.current("section", args.pos)
    block.append(SectionStep(b.run_block(args.values[0], "section", args.at(0))))
    return NULL


def _exit(b: Builder, args: Args) -> Any:
    args.count(0)
    b.register_exit(EXIT, args.pos)
    return NULL


def _stop(b: Builder, args: Args) -> Any:
    args.count(0)
    b.register_exit(STOP, args.pos)
    return NULL


def _exit_when(b: Builder, args: Args) -> Any:
    args.count(1)
    b.register_exit(EXIT, args.pos, b.condition(args.values[0], args.at(0), "exitWhen"))
    return NULL


def _parse(b: Builder, args: Args) -> Any:
    args.count(1)
    source = args.producer(0, ("string",), "only String values can be parsed")
    return Pending("parse", source, args.at(0))


def _match(b: Builder, args: Args) -> Any:
    args.count(1)
    return Pending("match", args.string(0, "the regular expression"), args.at(0))


def _not(b: Builder, args: Args) -> Any:
    args.count(1)
    return producers.negate(b.condition(args.values[0], args.at(0), "not"))


def _conversion(type_name: str) -> Callable[[Builder, Args], Any]:
    def convert(b: Builder, args: Args) -> Any:
        args.count(1)
        source = args.producer(0, ("string",), "only String values can be parsed")
        return producers.convert(source, ConversionType(type_name), args, 0)

    return convert


def _matcher(b: Builder, args: Args) -> Any:
    args.count(2)
    source = args.producer(0, ("string",), "a regex is matched against a String value")
    regex = args.string(1, "the regular expression")
    return producers.matcher(
        regex, source, Args("matcher", [Lit(regex, "String")], [args.at(1)], args.pos)
    )


def _cookie(b: Builder, args: Args) -> Any:
    args.count(1)
    return producers.cookie(args.string(0, "the cookie name"))


def _header(b: Builder, args: Args) -> Any:
    args.count(1)
    return producers.header(args.string(0, "the header name"))


def _event_parameters(b: Builder, args: Args) -> Any:
    args.count(0)
    return producers.event_parameters()


def _event_parameter(b: Builder, args: Args) -> Any:
    args.count(1)
    return b.call_method(producers.event_parameters(), "value", args)


def _user_agent(b: Builder, args: Args) -> Any:
    args.count(0)
    return producers.user_agent(b.enrichment)


def _ip2geo(b: Builder, args: Args) -> Any:
    return producers.ip2geo(b.enrichment, args)


def _digest(b: Builder, args: Args) -> Any:
    return producers.digest(args)


_FUNCTIONS: dict[str, Callable[[Builder, Args], Any]] = {
    "map": _map,
    "when": _when,
    "section": _section,
    "exit": _exit,
    "stop": _stop,
    "exitWhen": _exit_when,
    "parse": _parse,
    "match": _match,
    "not": _not,
    "toInt": _conversion("int32"),
    "toLong": _conversion("int64"),
    "toFloat": _conversion("fp32"),
    "toDouble": _conversion("fp64"),
    "toBoolean": _conversion("bool"),
    "parseUri": _conversion("uri"),
    "matcher": _matcher,
    "cookie": _cookie,
    "header": _header,
    "eventParameters": _event_parameters,
    "eventParameter": _event_parameter,
    "userAgent": _user_agent,
    "ip2geo": _ip2geo,
    "digest": _digest,
}
_ALL_FUNCTIONS = sorted([*_FUNCTIONS, *producers._EVENT_FIELDS, "mapping"])
ZERO_ARGUMENT_PRODUCERS = frozenset([*producers._EVENT_FIELDS, "eventParameters", "userAgent"])
__all__ = ["CONVERSION_TYPES", "NULL", "ZERO_ARGUMENT_PRODUCERS", "Builder", "LoadClosure"]
