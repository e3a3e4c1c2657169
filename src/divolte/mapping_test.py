"""``divolte-collector mapping-test``: try a mapping without browsers or sinks (OPERATIONS §8).

    divolte-collector mapping-test -s schema.avsc -m mapping.groovy [-c collector.conf]
                                   [--input events.jsonl]          # JSON lines in, records out
    divolte-collector mapping-test -s schema.avsc -m mapping.groovy --serve [-i HOST] [-p PORT]

Each event is a JSON object with the fields of the reference's mapping test server (all
optional): ``party_id``, ``session_id``, ``page_view_id``, ``event_id``, ``event_type``,
``parameters``, ``location``, ``referer``, ``viewport_pixel_width``/``_height``,
``screen_pixel_width``/``_height``, ``device_pixel_ratio``, ``corrupt``, ``duplicate``,
``new_party_id``, ``first_in_session``, ``remote_host``; and, as extensions, ``headers``
(name → value or list of values, for ``header()``, ``cookie()`` and the user agent),
``timestamp`` and ``client_timestamp`` (milliseconds; default: now).

Each record is printed as one JSON line: every schema field in order, defaults filled in, byte
values as Avro's JSON encoding writes them (one character per byte). An event whose record cannot
be built (a required field left unset) prints the error on stderr; the exit status is then 1.
The configuration is read only for the user-agent parser and the GeoIP database.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from divolte.errors import DivolteError
from divolte.event import Event, RequestInfo
from divolte.identifiers import generate_identifier, parse_identifier

if TYPE_CHECKING:
    from divolte.config import Config
    from divolte.enrich import Enrichment
    from divolte.http.request import Request

log = logging.getLogger("divolte.mapping_test")

EnrichmentFactory = Callable[["Config | None"], "Enrichment"]
Build = Callable[[Event], dict[str, Any]]

_INTS = {
    "viewport_pixel_width": "viewport_width",
    "viewport_pixel_height": "viewport_height",
    "screen_pixel_width": "screen_width",
    "screen_pixel_height": "screen_height",
    "device_pixel_ratio": "device_pixel_ratio",
}
_BOOLS = {
    "corrupt": "corrupt",
    "duplicate": "duplicate",
    "new_party_id": "new_party",
    "first_in_session": "first_in_session",
}


def event_from_json(data: dict[str, Any], peer: str = "127.0.0.1", headers: Any = None) -> Event:
    """The browser event a mapping-test request describes (fields of the wrong type are absent)."""
    now = int(time.time() * 1000)

    def typed(name: str, kind: type | tuple[type, ...]) -> Any:
        value = data.get(name)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            log.warning("Field %s has the wrong JSON type; treated as absent.", name)
            return None
        return value

    def identifier(name: str) -> str:
        value = typed(name, str)
        parsed = None if value is None else parse_identifier(value)
        return parsed or generate_identifier(now)

    page_view = typed("page_view_id", str) or generate_identifier(now)
    event = Event(
        source_kind="browser",
        source_name="mapping-test",
        party_id=identifier("party_id"),
        session_id=identifier("session_id"),
        event_id=typed("event_id", str) or page_view + "0",
        new_party=False,
        first_in_session=False,
        client_timestamp=_or(typed("client_timestamp", int), now),
        timestamp=_or(typed("timestamp", int), now),
        request=RequestInfo(
            remote_host=typed("remote_host", str) or peer,
            raw_headers=_headers(data.get("headers")) if "headers" in data else list(headers or []),
        ),
        page_view_id=page_view,
        event_type=typed("event_type", str),
        location=typed("location", str),
        referer=typed("referer", str),
        parameters_json=data.get("parameters"),
    )
    for name, attribute in _INTS.items():
        setattr(event, attribute, typed(name, int))
    for name, attribute in _BOOLS.items():
        setattr(event, attribute, bool(typed(name, bool)))
    return event


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _headers(value: Any) -> list[tuple[bytes, bytes]]:
    pairs: list[tuple[bytes, bytes]] = []
    items: Iterable[Any] = value.items() if isinstance(value, dict) else value or []
    for item in items:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            continue
        name, values = item
        for one in values if isinstance(values, list) else [values]:
            pairs.append((str(name).encode("latin-1"), str(one).encode("latin-1", "replace")))
    return pairs


class RecordRenderer:
    """Encodes a record with the schema (so it is checked and defaults are filled in), reads it
    back and renders it as a JSON line."""

    def __init__(self, schema: dict[str, Any]) -> None:
        import fastavro

        from divolte.mapping.avro_encoder import compile_encoder

        self.encode = compile_encoder(schema)
        self.parsed = fastavro.parse_schema(schema)
        self.reader = fastavro.schemaless_reader

    def __call__(self, record: dict[str, Any]) -> str:
        data = self.encode(record)
        complete = self.reader(io.BytesIO(data), self.parsed, None)
        return json.dumps(complete, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("latin-1")
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot render {type(value).__name__}")


def _load_json(text: str) -> Any:
    return json.loads(text, parse_float=lambda s: Decimal(s).normalize())


def run_lines(
    build: Build, render: RecordRenderer, lines: Iterable[str], out: IO[str], err: IO[str]
) -> int:
    status = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = _load_json(line)
        except ValueError as exc:
            print(f"line {number}: not JSON: {exc}", file=err)
            status = 1
            continue
        if not isinstance(data, dict):
            print(f"line {number}: an event must be a JSON object", file=err)
            status = 1
            continue
        try:
            print(render(build(event_from_json(data))), file=out, flush=True)
        except DivolteError as exc:
            print(f"line {number}: {exc}", file=err)
            status = 1
    return status


def http_handler(build: Build, render: RecordRenderer) -> Callable[[Request], None]:
    """The reference's mapping test server: POST a JSON event to any path, get the record."""
    from divolte.http import responses

    def handle(request: Request) -> None:
        keep_alive = request.keep_alive
        if request.method != "POST":
            request.send(
                responses.method_not_allowed(request.method, "POST", keep_alive=keep_alive)
            )
            return
        try:
            data = _load_json(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            request.send(
                responses.text(400, f"The body is not JSON: {exc}\n", keep_alive=keep_alive)
            )
            return
        if not isinstance(data, dict):
            request.send(
                responses.text(400, "The body must be a JSON object.\n", keep_alive=keep_alive)
            )
            return
        try:
            body = render(build(event_from_json(data, request.peer, request.headers)))
        except DivolteError as exc:
            request.send(responses.text(500, f"{exc}\n", keep_alive=keep_alive))
            return
        headers = [("Content-Type", "application/json")]
        request.send(responses.simple(200, body.encode("utf-8"), headers, keep_alive=keep_alive))

    return handle


async def serve(
    build: Build,
    render: RecordRenderer,
    host: str,
    port: int,
    ready: Callable[[int], None] | None = None,
) -> None:
    from divolte.enrich.client_address import forwarded_for_address
    from divolte.http.server import ServerState, listen

    state = ServerState(fallback=http_handler(build, render), resolve_peer=forwarded_for_address)
    server = await listen(state, socket.create_server((host, port)))
    bound = int(server.sockets[0].getsockname()[1])
    log.info("Mapping test server listening on %s:%d", host, bound)
    if ready is not None:
        ready(bound)
    async with server:
        await server.serve_forever()


def _default_enrichment(config: Config | None) -> Enrichment:
    import divolte.enrich as enrich

    if config is None:
        return enrich.NoEnrichment()
    return enrich.from_config(config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="divolte-collector mapping-test",
        description="Feed events through a mapping and print the records it builds.",
    )
    parser.add_argument("-s", "--schema", required=True, help="Avro schema (.avsc)")
    parser.add_argument("-m", "--mapping", required=True, help="mapping (.groovy or .py)")
    parser.add_argument("-c", "--config", help="collector configuration (user agent, GeoIP)")
    parser.add_argument("--input", help="events as JSON lines (default: standard input)")
    parser.add_argument("--serve", action="store_true", help="answer HTTP POSTs instead")
    parser.add_argument("-i", "--host", default="127.0.0.1", help="address for --serve")
    parser.add_argument("-p", "--port", type=int, default=8390, help="port for --serve")
    return parser


def main(
    argv: list[str],
    enrichment_factory: EnrichmentFactory | None = None,
    stdin: IO[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        build, render = _load(args, enrichment_factory or _default_enrichment)
    except DivolteError as exc:
        print(str(exc), file=err)
        return 2
    if args.serve:
        try:
            asyncio.run(serve(build, render, args.host, args.port))
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            print(f"cannot listen on {args.host}:{args.port}: {exc}", file=err)
            return 1
        return 0
    if args.input:
        with open(args.input, encoding="utf-8") as lines:
            return run_lines(build, render, lines, out, err)
    return run_lines(build, render, stdin or sys.stdin, out, err)


def _load(args: argparse.Namespace, factory: EnrichmentFactory) -> tuple[Build, RecordRenderer]:
    from divolte.config import load_config
    from divolte.errors import ConfigError
    from divolte.mapping.avro_encoder import load_schema
    from divolte.mapping.dsl import load_mapping

    # Like the collector: --config, else $DIVOLTE_CONF, else the built-in defaults (which
    # parse user agents; only GeoIP needs a configured database).
    config = load_config(args.config or os.environ.get("DIVOLTE_CONF") or None)
    schema = load_schema(args.schema)
    try:
        enrichment = factory(config)
    except ConfigError:
        raise
    return load_mapping(args.mapping, schema, enrichment), RecordRenderer(schema)
