"""The HOCON reader: the features users' files rely on, as a table (DESIGN §6).

pyhocon 0.3.63 fails the rows marked "pyhocon fails" (measured when the library was chosen);
hocon-parser passes them all. Keep the table when changing the reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from divolte.config._hocon import read_file
from divolte.config._tree import to_python
from divolte.errors import ConfigError

ENV = {"SET_VAR": "9000"}

CASES: list[tuple[str, str, Any]] = [
    # pyhocon fails: the value is lost to None
    (
        "optional env unset, later block",
        "d{s{port=8290\nport=${?UNSET}}}\nd{s{host=x}}",
        {"d": {"s": {"port": 8290, "host": "x"}}},
    ),
    (
        "optional env set, later block",
        "d{s{port=8290\nport=${?SET_VAR}}}\nd{s{host=x}}",
        {"d": {"s": {"port": "9000", "host": "x"}}},
    ),
    ("+= appends", "a=[1,2]\na+=3", {"a": [1, 2, 3]}),  # pyhocon fails: replaces
    ("+= on a new key", "a+=3", {"a": [3]}),  # pyhocon fails
    ("self reference", "a=[1]\na=${a}[2]", {"a": [1, 2]}),
    ("dotted keys merge", "a.b.c=1\na.b.d=2\na{e=3}", {"a": {"b": {"c": 1, "d": 2}, "e": 3}}),
    ("scalar replaces object", "a{b=1}\na=2", {"a": 2}),
    ("duration stays text", "a = 30 seconds", {"a": "30 seconds"}),  # pyhocon: relativedelta
    ("bare number stays a number", "a = 3600000", {"a": 3600000}),
    ("single quotes are characters", "a = 'x'", {"a": "'x'"}),
    ("unquoted path", "a = /tracking", {"a": "/tracking"}),
    ("unquoted address", "a = 0.0.0.0", {"a": "0.0.0.0"}),
    ("unquoted words", "a = hello world", {"a": "hello world"}),
    ("quoted dotted key", '"a.b" = 1', {"a.b": 1}),
    ("path reference", "a=1\nb=${a}", {"a": 1, "b": 1}),
    (
        "object reference then merge",
        "a{x=1}\nb=${a}\nb{y=2}",
        {"a": {"x": 1}, "b": {"x": 1, "y": 2}},
    ),
    ("comments", "a=1 // c\n# c\nb=2", {"a": 1, "b": 2}),
    ("optional env in concatenation", "a = foo${?UNSET}bar", {"a": "foobar"}),
    ("optional env in a list", "a = [x, ${?UNSET}]", {"a": ["x"]}),  # pyhocon: [x, None]
    ("triple quotes", 'a = """x\ny"""', {"a": "x\ny"}),
    ("colon separator", "a : 1\nb { c : 2 }", {"a": 1, "b": {"c": 2}}),
    ("trailing comma", "a { b = 1, c = 2, }", {"a": {"b": 1, "c": 2}}),
    ("objects in a list", "a = [{b=1}]", {"a": [{"b": 1}]}),
    ("null", "a = null", {"a": None}),
    ("empty file", "", {}),
    ("numbers and booleans", "a = 2.2\nb = true", {"a": 2.2, "b": True}),
    ("include relative to the file", 'm { include "inc.conf" }', {"m": {"threads": 7}}),
    ("missing optional include", 'include "nowhere.conf"\na = 1', {"a": 1}),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reader(tmp_path: Path, text: str, expected: Any) -> None:
    (tmp_path / "inc.conf").write_text("threads = 7\n", encoding="utf-8")
    conf = tmp_path / "test.conf"
    conf.write_text(text, encoding="utf-8")
    assert to_python(read_file(str(conf), ENV, {})[0].tree) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = //allowed", "expected value"),  # pyhocon accepts it as an empty string
        ("a { b = 1", "expected }"),
        ("a = ${MISSING}", "could not resolve substitution: ${MISSING}"),
        ('include required("nowhere.conf")', "required include file not found"),
        ('include classpath("reference.conf")', "include classpath(...) is not supported"),
    ],
)
def test_reader_errors(tmp_path: Path, text: str, message: str) -> None:
    conf = tmp_path / "test.conf"
    conf.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_file(str(conf), ENV, {})
    assert message in caught.value.problems[0]


def test_positions_of_keys(tmp_path: Path) -> None:
    conf = tmp_path / "test.conf"
    conf.write_text("a {\n  b.c = 1\n}\nd = 2\n", encoding="utf-8")
    origins = read_file(str(conf), ENV, {})[0].origins
    assert (origins[("a",)].line, origins[("a", "b", "c")].line) == (1, 2)
    assert (origins[("a", "b", "c")].column, origins[("d",)].line) == (3, 4)
    assert origins[("a", "b", "c")].line_text == "  b.c = 1"
