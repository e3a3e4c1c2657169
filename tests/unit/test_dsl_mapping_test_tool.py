"""``divolte-collector mapping-test``: JSON lines in, records out; and the HTTP interface."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from divolte.mapping.avro_encoder import load_schema
from divolte.mapping.dsl import compile_mapping_script
from divolte.mapping_test import RecordRenderer, event_from_json, main, serve
from tests.unit.mapping_scripts.fixtures import SCRIPTS, FakeEnrichment

SCHEMA = str(SCRIPTS / "TestRecord.avsc")


def run(script: str, lines: list[Any]) -> tuple[int, list[dict[str, Any]], str]:
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    )
    status = main(
        ["--schema", SCHEMA, "--mapping", str(SCRIPTS / script)],
        enrichment_factory=lambda config: FakeEnrichment(),
        stdin=stdin,
        stdout=out,
        stderr=err,
    )
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_json_lines_in_records_out() -> None:
    status, records, errors = run(
        "regex-mapping.groovy",
        [
            {
                "location": "http://www.example.com/path/with/42/about.html",
                "first_in_session": True,
                "timestamp": 5,
                "remote_host": "10.0.0.1",
            },
            {"location": "http://www.example.com/nothing"},
        ],
    )
    assert status == 0 and errors == ""
    first, second = records
    assert first["sessionStart"] is True and first["ts"] == 5 and first["remoteHost"] == "10.0.0.1"
    assert (first["pathBoolean"], first["client"], first["pageview"]) == (True, "42", "about")
    assert first["queryparam"] == "not set"  # schema defaults are filled in
    assert list(first) == [f["name"] for f in load_schema(SCHEMA)["fields"]]
    assert second["pathBoolean"] is False and second["client"] is None


def test_headers_parameters_and_bytes() -> None:
    status, records, _ = run(
        "python_mapping.py",
        [
            {
                "location": "https://h/?p=1",
                "headers": {"X-Divolte-Test": ["a", "b"], "Cookie": "custom_cookie=c"},
                "parameters": {"items": [{"price": 1.25}]},
            }
        ],
    )
    assert status == 0
    (record,) = records
    assert record["headerGet_1"] == "b" and record["customCookie"] == "c"
    assert record["itemPrices"] == [1.25]


def test_bad_lines_are_reported_and_the_rest_is_mapped(tmp_path: Path) -> None:
    schema = tmp_path / "s.avsc"
    schema.write_text(
        json.dumps(
            {
                "type": "record",
                "name": "R",
                "fields": [
                    {"name": "t", "type": "string"},
                    {"name": "l", "type": ["null", "string"], "default": None},
                ],
            }
        )
    )
    script = tmp_path / "m.groovy"
    script.write_text("mapping {\n  map eventType() onto 't'\n  map location() onto 'l'\n}\n")
    out, err = io.StringIO(), io.StringIO()
    lines = ["not json", "[1]", json.dumps({"location": "x"}), json.dumps({"event_type": "e"})]
    status = main(
        ["-s", str(schema), "-m", str(script)],
        stdin=io.StringIO("\n".join(lines)),
        stdout=out,
        stderr=err,
    )
    assert status == 1
    assert out.getvalue().splitlines() == ['{"t": "e", "l": null}']
    messages = err.getvalue()
    assert "line 1: not JSON" in messages and "line 2" in messages and "'t'" in messages


def test_load_errors_exit_2(tmp_path: Path) -> None:
    err = io.StringIO()
    status = main(["-s", SCHEMA, "-m", str(SCRIPTS / "wrong-types-literal.groovy")], stderr=err)
    assert status == 2 and "wrong-types-literal.groovy:7:9" in err.getvalue()


def test_input_file(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"location": "http://example.com/", "party_id": "not an id"}) + "\n"
    )
    out = io.StringIO()
    status = main(
        ["-s", SCHEMA, "-m", str(SCRIPTS / "flat-mapping.groovy"), "--input", str(events)],
        enrichment_factory=lambda config: FakeEnrichment(),
        stdout=out,
    )
    (record,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 0 and record["location"] == "http://example.com/"
    assert record["client"].startswith("0:") and record["event"] == record["pageview"] + "0"


def test_wrong_json_types_are_absent() -> None:
    event = event_from_json({"viewport_pixel_width": "wide", "corrupt": 1, "location": 5})
    assert event.viewport_width is None and event.corrupt is False and event.location is None


def test_http_interface() -> None:
    mapping = compile_mapping_script(
        str(SCRIPTS / "custom-cookie-mapping.groovy"), load_schema(SCHEMA), FakeEnrichment()
    )
    render = RecordRenderer(load_schema(SCHEMA))
    ready = threading.Event()
    port: list[int] = []
    loop = asyncio.new_event_loop()

    def started(bound: int) -> None:
        port.append(bound)
        ready.set()

    task = loop.create_task(serve(mapping, render, "127.0.0.1", 0, started))

    def run_loop() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(task)

    thread = threading.Thread(target=run_loop, daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        url = f"http://127.0.0.1:{port[0]}/any/path"
        request = urllib.request.Request(
            url,
            data=b'{"location": "http://x/"}',
            method="POST",
            headers={"Cookie": "custom_cookie=from-request", "X-Forwarded-For": "10.1.2.3"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/json"
            record = json.loads(response.read())
        assert record["customCookie"] == "from-request" and record["remoteHost"] == "10.1.2.3"
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(url, timeout=10)
        caught.value.close()
        assert caught.value.code == 405 and caught.value.headers["Allow"] == "POST"
        bad = urllib.request.Request(url, data=b"{", method="POST")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(bad, timeout=10)
        caught.value.close()
        assert caught.value.code == 400
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(10)
        loop.close()


def test_user_agents_are_parsed_without_a_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --config and no $DIVOLTE_CONF: the built-in defaults apply, as in the collector."""
    monkeypatch.delenv("DIVOLTE_CONF", raising=False)
    script = tmp_path / "ua.groovy"
    script.write_text(
        "mapping {\n  map firstInSession() onto 'sessionStart'\n  map timestamp() onto 'ts'\n"
        "  map remoteHost() onto 'remoteHost'\n  map userAgent().family() onto 'client'\n}\n"
    )
    event = {"headers": {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                         "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"}}  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    status = main(
        ["--schema", SCHEMA, "--mapping", str(script)],
        stdin=io.StringIO(json.dumps(event)),
        stdout=out,
        stderr=err,
    )
    assert status == 0, err.getvalue()
    assert json.loads(out.getvalue())["client"] == "Chrome"
