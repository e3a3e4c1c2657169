"""Mappings given as Python modules: same vocabulary and checks as the Groovy scripts."""

from __future__ import annotations

import base64
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from divolte.mapping.avro_encoder import compile_encoder
from divolte.mapping.dsl import MappingError, load_mapping
from divolte.mapping.python_mapping import compile_python_mapping
from tests.unit.mapping_scripts.fixtures import (
    HETEROGENEOUS,
    QUERY,
    SCHEMA,
    SCRIPTS,
    FakeEnrichment,
    beacon_event,
)

LOCATION = "https://www.example.com:8080/a?p=10&p=20"


def test_python_mapping_builds_the_same_records() -> None:
    mapping = compile_python_mapping(str(SCRIPTS / "python_mapping.py"), SCHEMA, FakeEnrichment())
    record = mapping(beacon_event(LOCATION, params=HETEROGENEOUS))
    assert record == {
        "sessionStart": True,
        "ts": 1_700_000_000_000,
        "remoteHost": "127.0.0.1",
        "uriHost": "www.example.com",
        "uriQueryStringValues": ["10", "20"],
        "uriQuery": {"p": ["10", "20"]},
        "headerGet_1": "last",
        "customCookie": "custom_cookie_value",
        "userAgentOsFamily": "OS X",
        "itemPrices": [float(Decimal("1.23")), float(Decimal("0.89"))],
        "digestString": base64.b64encode(hashlib.sha256(QUERY["e"].encode()).digest()).decode(),
        "pageview": "www.example.com",
        "queryparamLong": 42,
        "client": "secure, no referer",
        "event": "in section",
    }
    compile_encoder(SCHEMA)(record)


def test_load_mapping_dispatches_on_the_extension() -> None:
    python = load_mapping(str(SCRIPTS / "python_mapping.py"), SCHEMA, FakeEnrichment())
    groovy = load_mapping(str(SCRIPTS / "minimal-mapping.groovy"), SCHEMA, FakeEnrichment())
    assert python(beacon_event("https://example.com/"))["client"] == "secure, no referer"
    assert groovy(beacon_event()) == {
        "sessionStart": True,
        "ts": 1_700_000_000_000,
        "remoteHost": "127.0.0.1",
    }


def write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "m.py"
    path.write_text("def mapping(m):\n" + body)
    return str(path)


@pytest.mark.parametrize(
    ("body", "line", "fragments"),
    [
        ("    m.map(m.location(), onto='ts')\n", 2, ["String (location())", "'ts'", "long"]),
        ("    m.map('x', onto='nope')\n", 2, ["'nope'", "does not exist"]),
        ("    m.map(1.5, onto='client')\n", 2, ["PyFloat literal", "[null, string]"]),
        ("    x = 1\n    if m.location().is_present():\n        pass\n", 3, ["no truth value"]),
        ("    m.map(m.locaton(), onto='client')\n", 2, ["unknown function locaton()"]),
        ("    m.map(m.location().lenght(), onto='client')\n", 2, ["has no method lenght()"]),
        ("    m.parse(m.location(), to='url')\n", 2, ["cannot parse to"]),
        ("    raise ValueError('boom')\n", 2, ["ValueError('boom')"]),
    ],
)
def test_python_mapping_errors_point_at_the_module(
    tmp_path: Path, body: str, line: int, fragments: list[str]
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(MappingError) as caught:
        compile_python_mapping(path, SCHEMA, FakeEnrichment())
    error = caught.value
    assert error.pos is not None and error.pos.path == path and error.pos.line == line, str(error)
    assert str(error).startswith(f"{path}:{line}:")
    for fragment in fragments:
        assert fragment in error.message


def test_python_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def mapping(m):\n    m.map(\n")
    with pytest.raises(MappingError, match="Python syntax error"):
        compile_python_mapping(str(path), SCHEMA, FakeEnrichment())


def test_module_without_mapping_function(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("X = 1\n")
    with pytest.raises(MappingError, match="def mapping"):
        compile_python_mapping(str(path), SCHEMA, FakeEnrichment())
