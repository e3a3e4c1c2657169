"""Methods of producers (MAPPING §6, §7): ``METHODS[kind][name](receiver, args)``.

Every method is resolved when the script loads and returns a new producer whose ``fn`` closes
over the receiver's ``fn``; nothing is looked up by name per event.
"""

from __future__ import annotations

import base64
import operator
from collections.abc import Callable
from typing import Any

from divolte.mapping.json_to_avro import JSON_NULL

from ._errors import MappingError
from ._jsonpath import MISSING, JsonPathError, compile_path, json_equal
from ._text import java_text
from ._values import Args, Ctx, Lit, Producer, cached, describe

Method = Callable[[Producer, Args], Any]
METHODS: dict[str, dict[str, Method]] = {}

# Literal types that can equal a value of each producer kind (Java equals is type-sensitive).
_EQUAL_LITERALS = {
    "string": ("String",),
    "boolean": ("Boolean",),
    "int": ("Integer", "PyInt"),
    "long": ("Long", "PyInt"),
    "float": ("Float", "PyFloat"),
    "double": ("Double", "PyFloat"),
}
_SAME_TYPE = {"headers": "string_list", "params": "json"}


def _derived(recv: Producer, kind: str, name: str, fn: Callable[[Any], Any]) -> Producer:
    """A producer applying ``fn`` to the receiver's value when it is present."""
    get = recv.fn

    def derived(c: Ctx) -> Any:
        value = get(c)
        return None if value is None else fn(value)

    return Producer(kind, derived, f"{recv.desc}.{name}")


def _no_args(args: Args) -> None:
    args.count(0)


# --- every producer ------------------------------------------------------------------------


def _is_present(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    get = recv.fn
    return Producer("boolean", lambda c: get(c) is not None, f"{recv.desc}.isPresent()")


def _is_absent(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    get = recv.fn
    return Producer("boolean", lambda c: get(c) is None, f"{recv.desc}.isAbsent()")


def _equal_to(recv: Producer, args: Args) -> Producer:
    args.count(1)
    other, get = args.values[0], recv.fn
    desc = f"{recv.desc}.equalTo(…)"
    if isinstance(other, Lit):
        if other.jtype not in _EQUAL_LITERALS.get(recv.kind, ()):
            return Producer("boolean", lambda c: False, desc)  # never equal, as in Java
        literal = other.value

        def equals_literal(c: Ctx) -> bool:
            value = get(c)
            return value is not None and value == literal

        return Producer("boolean", equals_literal, desc)
    if not isinstance(other, Producer):
        raise MappingError(
            f"equalTo() compares with a producer or a literal, not {describe(other)}", args.at(0)
        )
    get_other = other.fn
    if _SAME_TYPE.get(recv.kind, recv.kind) != _SAME_TYPE.get(other.kind, other.kind):
        return Producer("boolean", lambda c: get(c) is None and get_other(c) is None, desc)

    # JSON trees are compared without recursion: they may be nested arbitrarily deep
    equal = json_equal if recv.kind in ("json", "params") else operator.eq

    def equals_producer(c: Ctx) -> bool:
        a, b = get(c), get_other(c)
        if a is None or b is None:
            return a is None and b is None  # both absent counts as equal (reference quirk)
        return bool(equal(a, b))

    return Producer("boolean", equals_producer, desc)


_COMMON: dict[str, Method] = {
    "isPresent": _is_present,
    "isAbsent": _is_absent,
    "equalTo": _equal_to,
}


# --- booleans ------------------------------------------------------------------------------


def _logic(name: str, both: Callable[[bool, bool], bool]) -> Method:
    def method(recv: Producer, args: Args) -> Producer:
        args.count(1)
        other = args.producer(0, ("boolean",), f"{name}() needs a Boolean value")
        left, right = recv.fn, other.fn

        def fn(c: Ctx) -> bool | None:
            a, b = left(c), right(c)  # both sides are always evaluated
            if a is None or b is None:
                return None
            return both(a, b)

        return Producer("boolean", fn, f"{recv.desc}.{name}({other.desc})")

    return method


def _negate(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    return _derived(recv, "boolean", "negate()", lambda v: not v)


METHODS["boolean"] = {
    "and": _logic("and", lambda a, b: a and b),
    "or": _logic("or", lambda a, b: a or b),
    "negate": _negate,
}


# --- header lists --------------------------------------------------------------------------


def _first(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    return _derived(recv, "string", "first()", lambda v: v[0] if v else None)


def _last(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    return _derived(recv, "string", "last()", lambda v: v[-1] if v else None)


def _get(recv: Producer, args: Args) -> Producer:
    args.count(1)
    index = args.integer(0, "the index")
    return _derived(
        recv, "string", f"get({index})", lambda v: v[index] if -len(v) <= index < len(v) else None
    )


def _comma_separated(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    return _derived(recv, "string", "commaSeparated()", ",".join)


METHODS["headers"] = {
    "first": _first,
    "last": _last,
    "get": _get,
    "commaSeparated": _comma_separated,
}


# --- event parameters and JSON -------------------------------------------------------------


def _member_text(name: str) -> Callable[[Any], str | None]:
    def text(tree: Any) -> str | None:
        if not isinstance(tree, dict) or name not in tree:
            return ""  # present even when the member is missing (reference quirk)
        member = tree[name]
        # None (absent) for an integer too long to render (see _text.MAX_INTEGER_DIGITS)
        return "" if isinstance(member, dict | list) else java_text(member)

    return text


def _value(recv: Producer, args: Args) -> Producer:
    args.count(1)
    name = args.string(0, "the parameter name")
    return _derived(recv, "string", f"value({name!r})", _member_text(name))


def _path(recv: Producer, args: Args) -> Producer:
    args.count(1)
    text = args.string(0, "the JSONPath")
    try:
        path = compile_path(text)
    except JsonPathError as exc:
        raise MappingError(f"invalid JSONPath: {exc}", args.at(0)) from exc

    def evaluate(tree: Any) -> Any:
        if tree is JSON_NULL:
            tree = None
        found = path(tree)
        if found is MISSING:
            return None
        return JSON_NULL if found is None else found

    producer = _derived(recv, "json", f"path({text!r})", evaluate)
    return Producer("json", cached(producer.desc, producer.fn), producer.desc)


METHODS["params"] = {"value": _value, "path": _path}
METHODS["json"] = {"path": _path}


# --- URIs and query maps -------------------------------------------------------------------


def _query(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    from ._uri import parse_query

    def parse(uri: Any) -> dict[str, list[str]] | None:
        raw = uri.raw_query
        return None if raw is None else parse_query(raw)

    producer = _derived(recv, "query", "query()", parse)
    return Producer("query", cached(producer.desc, producer.fn), producer.desc)


def _named_uri_part(kind: str, attribute: str, name: str) -> Method:
    from operator import attrgetter

    getter = attrgetter(attribute)

    def method(recv: Producer, args: Args) -> Producer:
        _no_args(args)
        return _derived(recv, kind, f"{name}()", getter)

    return method


METHODS["uri"] = {
    "scheme": _named_uri_part("string", "scheme", "scheme"),
    "host": _named_uri_part("string", "host", "host"),
    "port": _named_uri_part("int", "port", "port"),
    "path": _named_uri_part("string", "path", "path"),
    "rawPath": _named_uri_part("string", "raw_path", "rawPath"),
    "decodedQueryString": _named_uri_part("string", "query", "decodedQueryString"),
    "rawQueryString": _named_uri_part("string", "raw_query", "rawQueryString"),
    "decodedFragment": _named_uri_part("string", "fragment", "decodedFragment"),
    "rawFragment": _named_uri_part("string", "raw_fragment", "rawFragment"),
    "query": _query,
}


def _query_value(recv: Producer, args: Args) -> Producer:
    args.count(1)
    key = args.string(0, "the parameter name")

    def first(query: dict[str, list[str]]) -> str | None:
        values = query.get(key)
        return values[0] if values else None

    return _derived(recv, "string", f"value({key!r})", first)


def _query_values(recv: Producer, args: Args) -> Producer:
    args.count(1)
    key = args.string(0, "the parameter name")
    return _derived(recv, "string_list", f"valueList({key!r})", lambda q: q.get(key))


METHODS["query"] = {"value": _query_value, "valueList": _query_values}


# --- regex matchers ------------------------------------------------------------------------


def _matches(recv: Producer, args: Args) -> Producer:
    _no_args(args)
    return _derived(recv, "boolean", "matches()", lambda m: m is not False)


def _group(recv: Producer, args: Args) -> Producer:
    args.count(1)
    pattern = recv.extra
    group: int | str
    value = args.values[0]
    if isinstance(value, Lit) and value.jtype in ("Integer", "Long", "PyInt"):
        group = int(value.value)
        if not 0 <= group <= pattern.groups:
            raise MappingError(
                f"the regex has {pattern.groups} group(s); group({group}) does not exist",
                args.at(0),
            )
    else:
        group = args.string(0, "the group (a number or a name)")
        if group not in pattern.groupindex:
            names = ", ".join(pattern.groupindex) or "none"
            raise MappingError(
                f"the regex has no group named {group!r} (named groups: {names})", args.at(0)
            )
    return _derived(recv, "string", f"group({group!r})", lambda m: m.group(group) if m else None)


METHODS["matcher"] = {"matches": _matches, "group": _group}


# --- bytes ---------------------------------------------------------------------------------


def _encoding(name: str, encode: Callable[[bytes], str]) -> Method:
    def method(recv: Producer, args: Args) -> Producer:
        _no_args(args)
        return _derived(recv, "string", f"{name}()", encode)

    return method


METHODS["bytes"] = {
    "toHexLower": _encoding("toHexLower", bytes.hex),
    "toHexUpper": _encoding("toHexUpper", lambda b: b.hex().upper()),
    "toBase64": _encoding("toBase64", lambda b: base64.b64encode(b).decode("ascii")),
}


# --- user agent and geo --------------------------------------------------------------------


def _fields(table: dict[str, tuple[str, str]]) -> dict[str, Method]:
    from operator import attrgetter

    def make(name: str, kind: str, attribute: str) -> Method:
        getter = attrgetter(attribute)
        if kind in ("string_list", "int_list"):

            def as_list(value: Any) -> Any:
                found = getter(value)
                return None if found is None else list(found)

            fn: Callable[[Any], Any] = as_list
        else:
            fn = getter

        def method(recv: Producer, args: Args) -> Producer:
            _no_args(args)
            return _derived(recv, kind, f"{name}()", fn)

        return method

    return {name: make(name, kind, attribute) for name, (kind, attribute) in table.items()}


METHODS["user_agent"] = _fields(
    {
        "name": ("string", "name"),
        "family": ("string", "family"),
        "vendor": ("string", "vendor"),
        "type": ("string", "type"),
        "version": ("string", "version"),
        "deviceCategory": ("string", "device_category"),
        "osFamily": ("string", "os_family"),
        "osVersion": ("string", "os_version"),
        "osVendor": ("string", "os_vendor"),
        "isRobot": ("boolean", "is_robot"),
        "robotReason": ("string", "robot_reason"),
    }
)

_GEO = {
    "cityId": ("int", "city_id"),
    "cityName": ("string", "city_name"),
    "continentCode": ("string", "continent_code"),
    "continentId": ("int", "continent_id"),
    "continentName": ("string", "continent_name"),
    "countryCode": ("string", "country_code"),
    "countryId": ("int", "country_id"),
    "countryName": ("string", "country_name"),
    "latitude": ("double", "latitude"),
    "longitude": ("double", "longitude"),
    "metroCode": ("int", "metro_code"),
    "timeZone": ("string", "time_zone"),
    "mostSpecificSubdivisionCode": ("string", "most_specific_subdivision_code"),
    "mostSpecificSubdivisionId": ("int", "most_specific_subdivision_id"),
    "mostSpecificSubdivisionName": ("string", "most_specific_subdivision_name"),
    "postalCode": ("string", "postal_code"),
    "registeredCountryCode": ("string", "registered_country_code"),
    "registeredCountryId": ("int", "registered_country_id"),
    "registeredCountryName": ("string", "registered_country_name"),
    "representedCountryCode": ("string", "represented_country_code"),
    "representedCountryId": ("int", "represented_country_id"),
    "representedCountryName": ("string", "represented_country_name"),
    "subdivisionCodes": ("string_list", "subdivision_codes"),
    "subdivisionIds": ("int_list", "subdivision_ids"),
    "subdivisionNames": ("string_list", "subdivision_names"),
    "autonomousSystemNumber": ("int", "autonomous_system_number"),
    "autonomousSystemOrganization": ("string", "autonomous_system_organization"),
    "domain": ("string", "domain"),
    "isp": ("string", "isp"),
    "organisation": ("string", "organisation"),
    "anonymousProxy": ("boolean", "anonymous_proxy"),
    "satelliteProvider": ("boolean", "satellite_provider"),
}
METHODS["geo"] = _fields(_GEO)

for _kind in ("string", "int", "long", "float", "double", "string_list", "int_list"):
    METHODS.setdefault(_kind, {})
for _table in METHODS.values():
    for _name, _method in _COMMON.items():
        _table.setdefault(_name, _method)


def lookup(recv: Producer, name: str) -> Method | None:
    return METHODS.get(recv.kind, _COMMON).get(name)
