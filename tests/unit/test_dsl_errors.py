"""Load-time errors: each common mistake with the message it should produce (STYLE habit 4).

Every error names the script, line and column, quotes the line with a caret under the culprit and
says what is wrong (for type errors: the field and both types).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from divolte.mapping.dsl import MappingError, compile_mapping_script, compile_mapping_text
from tests.unit.mapping_scripts.fixtures import SCHEMA, SCRIPTS, FakeEnrichment

HEAD = "mapping {\n    map timestamp() onto 'ts'\n"


def load(body: str, geo: bool = True) -> None:
    compile_mapping_text(HEAD + body + "\n}\n", "test.groovy", SCHEMA, FakeEnrichment(geo))


def error_of(body: str, geo: bool = True) -> MappingError:
    with pytest.raises(MappingError) as caught:
        load(body, geo)
    return caught.value


@pytest.mark.parametrize(
    ("script", "line", "column", "fragments"),
    [
        ("missing-field-mapping", 7, 25, ["'notInTheSchema'", "does not exist", "TestRecord"]),
        ("wrong-types-literal", 7, 9, ["String literal", "'sessionStart'", "boolean"]),
        ("wrong-types-producer", 7, 9, ["Boolean", "firstInSession()", "'viewportWidth'", "int"]),
    ],
)
def test_reference_startup_failures(
    script: str, line: int, column: int, fragments: list[str]
) -> None:
    path = str(SCRIPTS / f"{script}.groovy")
    with pytest.raises(MappingError) as caught:
        compile_mapping_script(path, SCHEMA, FakeEnrichment())
    error = caught.value
    assert error.pos is not None and (error.pos.line, error.pos.column) == (line, column)
    text = str(error)
    assert text.startswith(f"{path}:{line}:{column}: ")
    source_line = Path(path).read_text().splitlines()[line - 1]
    assert f"\n    {source_line}\n    {' ' * (column - 1)}^" in text
    for fragment in fragments:
        assert fragment in error.message


MISTAKES = [
    # (body, line, column, fragments of the message)
    ("    map location onto 'location'", 3, 9, ["location() with parentheses"]),
    ("    map locaton() onto 'location'", 3, 9, ["unknown function locaton()", "location()"]),
    ("    map 42.0 onto 'queryparamDouble'", 3, 9, ["BigDecimal", "42.0D"]),
    ("    map 42 onto 'queryparamLong'", 3, 9, ["Integer literal", "long"]),
    ('    def x = "a"\n    map "v$x" onto \'client\'', 4, 9, ["GString", "single quotes"]),
    ("    map location() onto 'sessoin'", 3, 25, ["'sessoin'", "did you mean 'session'"]),
    ("    map parse location() to uri onto 'location'", 3, 9, ["'parse'", "variable first"]),
    (
        "    map (parse location() to uri) onto 'location'",
        3,
        10,
        ["URI", "cannot be mapped", ".path()"],
    ),
    ("    def u = parse location() to url", 3, 33, ["unknown variable 'url'", "did you mean uri"]),
    ("    def i = parse viewportPixelWidth() to int32", 3, 19, ["only String values"]),
    ("    map userAgent() onto 'client'", 3, 9, ["user agent", "cannot be mapped"]),
    ("    map digest('sha-256') onto 'digestBinary'", 3, 9, ["digester", "result()"]),
    ("    map digest('sha-257').result() onto 'digestBinary'", 3, 16, ["unknown digest algorithm"]),
    (
        "    map digest('MD5', 'seed').result() onto 'digestBinary'",
        3,
        16,
        ["cannot be used with a seed"],
    ),
    ("    map eventParameters().path('$.[') onto 'paramValue'", 3, 32, ["invalid JSONPath"]),
    (
        "    map (match '([' against location()).matches() onto 'flag1'",
        3,
        16,
        ["invalid regular expression"],
    ),
    (
        "    def m = match '(a)' against location()\n    map m.group(2) onto 'client'",
        4,
        17,
        ["group(2)"],
    ),
    (
        "    def m = match '(a)' against location()\n    map m.group('x') onto 'client'",
        4,
        17,
        ["no group named 'x'"],
    ),
    (
        "    def m = match 'a' against location()\n    map m onto 'client'",
        4,
        9,
        ["regex matcher", ".matches()"],
    ),
    (
        "    map location().isPresent() && referer().isPresent() onto 'flag1'",
        3,
        9,
        ["'&&'", "a.and(b)"],
    ),
    ("    when referer().isAbsent() {\n        map 'x' onto 'client'\n    }", 3, 31, ["apply"]),
    ("    when location() apply { }", 3, 10, ["Boolean condition"]),
    ("    if (true) { }", 3, 5, ["'if' statements are not supported"]),
    ("    map 'x' onto 'client' 'y'", 3, 27, ["end of the statement"]),
    ("    map 'unterminated onto 'client'", 3, 35, ["unterminated string"]),
    ("    map 'x' onto 'uriQuery'", 3, 9, ["String literal", "map<array<string>>"]),
    ("    map location().equalTo() onto 'flag1'", 3, 20, ["equalTo() takes 1 argument"]),
    ("    map header('X').get('a') onto 'client'", 3, 25, ["index must be an integer"]),
    ("    map location() into 'location'", 3, 20, ["followed by 'onto'"]),
    ("    map ip2geo().cityId() onto 'geoCityId'", 3, 9, ["ip2geo_database"]),
]


@pytest.mark.parametrize(
    ("body", "line", "column", "fragments"), MISTAKES, ids=[m[0].strip() for m in MISTAKES]
)
def test_common_mistakes(body: str, line: int, column: int, fragments: list[str]) -> None:
    error = error_of(body, geo="ip2geo" not in body)
    assert error.pos is not None
    assert (error.pos.line, error.pos.column) == (line, column), str(error)
    for fragment in fragments:
        assert fragment in error.message, str(error)


def test_unclosed_mapping_block() -> None:
    with pytest.raises(MappingError, match="expected '}' to close"):
        compile_mapping_text(
            "mapping {\n  map timestamp() onto 'ts'\n", "x.groovy", SCHEMA, FakeEnrichment()
        )


def test_script_without_mapping_block() -> None:
    with pytest.raises(MappingError, match="no mapping"):
        compile_mapping_text("def x = 1\n", "x.groovy", SCHEMA, FakeEnrichment())


def test_map_outside_mapping_block() -> None:
    with pytest.raises(MappingError, match="inside mapping"):
        compile_mapping_text("map timestamp() onto 'ts'\n", "x.groovy", SCHEMA, FakeEnrichment())


def test_non_trivial_union_target() -> None:
    schema = {
        "type": "record",
        "name": "R",
        "fields": [{"name": "u", "type": ["null", "string", "int"], "default": None}],
    }
    with pytest.raises(MappingError, match="non-trivial unions"):
        compile_mapping_text(
            "mapping { map location() onto 'u' }", "x.groovy", schema, FakeEnrichment()
        )


def test_missing_script_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read mapping script"):
        compile_mapping_script(str(tmp_path / "nope.groovy"), SCHEMA, FakeEnrichment())
