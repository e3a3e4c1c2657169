"""The value producers that mapping scripts call as functions (MAPPING §4 to §6).

Each factory returns a :class:`Producer` whose ``fn`` is the per-event callable. Plain event
fields are ``operator.attrgetter`` objects (C speed); everything that parses (URIs, parameters,
regexes, user agents, geo lookups, header lists) is cached per event by its description.
No producer raises on bad event data: what cannot be read is absent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from divolte.enrich import Enrichment
from divolte.mapping.json_to_avro import JSON_NULL
from divolte.mincode import MincodeError, decode

from . import _text
from ._digest import DigestError, make_hasher
from ._errors import MappingError
from ._headers import header_values, parse_cookies
from ._regex import RegexError, compile_java
from ._uri import parse_uri
from ._values import Args, ConversionType, Ctx, Digester, Producer, cached

log = logging.getLogger("divolte.mapping")

# name → (kind, Event attribute path)
_EVENT_FIELDS = {
    "location": ("string", "location"),
    "referer": ("string", "referer"),
    "eventType": ("string", "event_type"),
    "firstInSession": ("boolean", "first_in_session"),
    "corrupt": ("boolean", "corrupt"),
    "duplicate": ("boolean", "duplicate"),
    "timestamp": ("long", "timestamp"),
    "clientTimestamp": ("long", "client_timestamp"),
    "remoteHost": ("string", "request.remote_host"),
    "viewportPixelWidth": ("int", "viewport_width"),
    "viewportPixelHeight": ("int", "viewport_height"),
    "screenPixelWidth": ("int", "screen_width"),
    "screenPixelHeight": ("int", "screen_height"),
    "devicePixelRatio": ("int", "device_pixel_ratio"),
    "partyId": ("string", "party_id"),
    "sessionId": ("string", "session_id"),
    "pageViewId": ("string", "page_view_id"),
    "eventId": ("string", "event_id"),
    "userAgentString": ("string", "request.user_agent"),
}


def event_field(name: str) -> Producer:
    kind, path = _EVENT_FIELDS[name]
    timestamp = name in ("timestamp", "clientTimestamp")
    return Producer(kind, attrgetter("event." + path), f"{name}()", timestamp, attribute=path)


def _cookie_jar(c: Ctx) -> dict[str, str]:
    return parse_cookies(c.event.request.header_values("cookie"))


_cookies = cached("cookies()", _cookie_jar)


def cookie(name: str) -> Producer:
    return Producer("string", lambda c: _cookies(c).get(name), f"cookie({name!r})")


def header(name: str) -> Producer:
    def values(c: Ctx) -> list[str] | None:
        lines = c.event.request.header_values(name)
        return header_values(lines) if lines else None

    desc = f"header({name.lower()!r})"
    return Producer("headers", cached(desc, values), desc)


def _parameters(c: Ctx) -> Any:
    event = c.event
    if event.parameters_json is not None:
        return event.parameters_json
    text = event.parameters_text
    if text is None:
        return None
    try:
        tree = decode(text)
    except (MincodeError, ValueError, RecursionError):
        return None
    return JSON_NULL if tree is None else tree


def event_parameters() -> Producer:
    return Producer("params", cached("eventParameters()", _parameters), "eventParameters()")


def user_agent(enrichment: Enrichment) -> Producer:
    lookup = enrichment.user_agent

    def parse(c: Ctx) -> Any:
        try:
            return lookup(c.event)
        except Exception:  # an enrichment bug must not lose the event
            log.exception("User agent lookup failed; userAgent() fields are absent.")
            return None

    return Producer("user_agent", cached("userAgent()", parse), "userAgent()")


def ip2geo(enrichment: Enrichment, args: Args) -> Producer:
    if not enrichment.geo_enabled:
        raise MappingError(
            "ip2geo() needs a GeoIP2/GeoLite2 City database: set "
            "divolte.global.mapper.ip2geo_database",
            args.pos,
        )
    args.count(0, 1)
    lookup = enrichment.geo

    def safe(address: str) -> Any:
        try:
            return lookup(address)
        except Exception:
            log.exception("Geo lookup of %r failed; ip2geo() fields are absent.", address)
            return None

    if not args.values:
        return Producer(
            "geo", cached("ip2geo()", lambda c: safe(c.event.request.remote_host)), "ip2geo()"
        )
    source = args.producer(
        0, ("string",), "the address must be a String value such as header(…).first()"
    )
    get = source.fn

    def by_value(c: Ctx) -> Any:
        address = get(c)
        return None if address is None else safe(address)

    desc = f"ip2geo({source.desc})"
    return Producer("geo", cached(desc, by_value), desc)


def digest(args: Args) -> Digester:
    args.count(1, 2)
    algorithm = args.string(0, "the algorithm")
    seed = args.string(1, "the seed") if len(args) == 2 else None
    try:
        hasher = make_hasher(algorithm, seed)
    except DigestError as exc:
        raise MappingError(str(exc), args.at(0)) from exc
    desc = f"digest({algorithm!r}{', …' if seed is not None else ''})"
    return Digester(algorithm, seed, hasher, [], desc)


def negate(condition: Producer) -> Producer:
    get = condition.fn

    def fn(c: Ctx) -> bool | None:
        value = get(c)
        return None if value is None else not value

    return Producer("boolean", fn, f"not({condition.desc})")


_CONVERTERS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "int32": ("int", _text.parse_int32),
    "int64": ("long", _text.parse_int64),
    "fp32": ("float", _text.parse_fp32),
    "fp64": ("double", _text.parse_fp64),
    "bool": ("boolean", _text.parse_bool),
    "uri": ("uri", parse_uri),
}


def convert(source: Producer, target: Any, args: Args, index: int) -> Producer:
    """``parse P to T``: P must produce a String; T is one of the conversion types."""
    if not isinstance(target, ConversionType):
        names = ", ".join(_CONVERTERS)
        raise MappingError(f"cannot parse to {target!r}; use one of {names}", args.at(index))
    if source.kind != "string":
        raise MappingError(
            f"only String values can be parsed, not {source.type_name} ({source.desc})",
            args.pos,
        )
    kind, parse = _CONVERTERS[target.name]
    get = source.fn

    def fn(c: Ctx) -> Any:
        value = get(c)
        return None if value is None else parse(value)

    desc = f"parse {source.desc} to {target.name}"
    return Producer(kind, cached(desc, fn) if kind == "uri" else fn, desc)


def matcher(regex: str, source: Producer, args: Args) -> Producer:
    if source.kind != "string":
        raise MappingError(
            f"a regex can only be matched against a String value, not {source.type_name}",
            args.pos,
        )
    try:
        pattern = compile_java(regex)
    except RegexError as exc:
        raise MappingError(str(exc), args.at(0)) from exc
    get, fullmatch = source.fn, pattern.fullmatch

    def fn(c: Ctx) -> Any:
        value = get(c)
        if value is None:
            return None
        return fullmatch(value) or False

    desc = f"match {regex!r} against {source.desc}"
    return Producer("matcher", cached(desc, fn), desc, extra=pattern)
