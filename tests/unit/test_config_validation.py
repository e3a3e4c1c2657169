"""Validation: TESTS.md §10 rows and common mistakes as data, plus locations and suggestions."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from divolte.config import load_config
from divolte.errors import ConfigError

CASES_FILE = Path(__file__).parent / "config_cases" / "validated_configuration.toml"
CASES: dict[str, Any] = tomllib.loads(CASES_FILE.read_text(encoding="utf-8"))


def _problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    conf = tmp_path / "divolte-collector.conf"
    conf.write_text(text, encoding="utf-8")
    try:
        load_config(str(conf), env=env or {})
    except ConfigError as exc:
        return exc.problems
    return []


@pytest.mark.parametrize("case", CASES["case"], ids=[c["name"] for c in CASES["case"]])
def test_validation_case(tmp_path: Path, case: dict[str, Any]) -> None:
    text = "\n".join([*(CASES["fixtures"][f] for f in case.get("fixtures", [])), case["conf"]])
    problems = _problems(tmp_path, text, case.get("env"))
    if case.get("valid"):
        assert problems == []
        return
    conf = tmp_path / "divolte-collector.conf"
    expected = [message.replace("{conf}", str(conf)) for message in case["errors"]]
    assert len(problems) == len(expected), problems
    for problem, prefix in zip(problems, expected, strict=True):
        if case.get("exact"):
            assert problem == prefix
        else:
            assert problem.startswith(prefix), problem
    for problem, line in zip(problems, case.get("lines", [None] * len(problems)), strict=True):
        if line is None:
            continue
        assert f"\n\tLocation: {conf}, line {line}, " in problem, problem
        assert "\n\tConfiguration path to error: 'divolte." in problem, problem


def test_unknown_key_names_path_file_line_and_suggestion(tmp_path: Path) -> None:
    text = "divolte {\n  global {\n    server {\n      prot = 9000\n    }\n  }\n}\n"
    [problem] = _problems(tmp_path, text)
    conf = tmp_path / "divolte-collector.conf"
    assert problem == (
        "Unknown key 'divolte.global.server.prot' (did you mean 'port'?).\n"
        f"\tLocation: {conf}, line 4, column 7.\n"
        "\t          prot = 9000\n"
        "\t          ^\n"
        "\tConfiguration path to error: 'divolte.global.server.prot'\n"
        "\tAvailable properties: 'host', 'port', 'use_x_forwarded_for', 'use_forwarded', "
        "'trusted_proxies', 'workers', "
        "'serve_static_resources', 'debug_requests', 'shutdown_delay', 'shutdown_timeout'."
    )


def test_line_of_a_dotted_key_and_of_a_type_error(tmp_path: Path) -> None:
    text = "# comment\n\ndivolte.global.mapper.threads = many\n"
    [problem] = _problems(tmp_path, text)
    assert "expected an integer, found 'many' (a string)" in problem
    assert ", line 3, column 1." in problem
    assert "Configuration path to error: 'divolte.global.mapper.threads'" in problem


def test_included_file_reports_its_own_line(tmp_path: Path) -> None:
    (tmp_path / "server.conf").write_text("port = 1\nhots = x\n", encoding="utf-8")
    [problem] = _problems(tmp_path, 'divolte.global.server { include "server.conf" }\n')
    assert problem.startswith("Unknown key 'divolte.global.server.hots' (did you mean 'host'?)")
    assert f"Location: {tmp_path / 'server.conf'}, line 2, column 1." in problem


def test_key_from_a_substitution_gets_the_line_of_the_reference(tmp_path: Path) -> None:
    text = "common { type = browser, prefx = /x }\ndivolte.sources.a = ${common}\n"
    [problem] = _problems(tmp_path, text)
    assert problem.startswith("Unknown key 'divolte.sources.a.prefx' (did you mean 'prefix'?)")
    assert ", line 2, column 1." in problem


def test_error_from_an_override_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={}, overrides={"divolte.global.server.port": "x"})
    assert "Location: override 'divolte.global.server.port'." in caught.value.problems[0]


def test_error_from_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={"DIVOLTE_PORT": "http"})
    [problem] = caught.value.problems
    assert problem.startswith("Wrong type for 'divolte.global.server.port': expected an integer")
    assert "Location: environment variable DIVOLTE_PORT." in problem


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "not = //allowed")
    assert problem.startswith("Invalid HOCON: expected value.")
    assert "line 1, column" in problem
    assert "\t    not = //allowed\n" in problem


def test_unreadable_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config("/nonexistent/divolte-collector.conf", env={})
    assert caught.value.problems == [
        "Cannot read configuration file '/nonexistent/divolte-collector.conf': "
        "No such file or directory."
    ]


def test_unresolvable_substitution(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "divolte.global.server.host = ${NOT_SET_ANYWHERE}\n")
    assert "could not resolve substitution: ${NOT_SET_ANYWHERE}" in problem
    assert "line 1" in problem


@pytest.mark.parametrize("text", ["", "\n\n", "// only a comment\n# and another\n"])
def test_file_without_settings_means_defaults(tmp_path: Path, text: str) -> None:
    assert _problems(tmp_path, text) == []


def test_settings_without_divolte_root_are_an_error(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "global.server.port = 9000\n")
    assert problem.startswith("No configuration setting found for key 'divolte'")
    assert "Did you forget to wrap them in 'divolte { … }'?" in problem


def test_other_root_keys_beside_divolte_are_ignored(tmp_path: Path) -> None:
    assert _problems(tmp_path, "divolte.global.server.port = 9000\nakka.loglevel = INFO\n") == []


def test_divolte_must_be_an_object(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "divolte = 5\n")
    assert problem.startswith("Wrong type for 'divolte': expected an object, found 5 (a number).")


def test_substitution_error_on_the_first_line_has_the_users_column(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "divolte.global.server.host = ${NOPE}\n")
    assert "line 1, column 30." in problem


def test_error_in_a_file_with_root_braces_has_the_users_line(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "{\n  divolte.global.server.hots = x\n}\n")
    assert problem.startswith("Unknown key 'divolte.global.server.hots' (did you mean 'host'?)")
    assert "line 2, column 3." in problem


def test_array_at_the_root(tmp_path: Path) -> None:
    [problem] = _problems(tmp_path, "[1, 2]\n")
    assert problem.startswith("Invalid configuration file ")
    assert "document has type array rather than object at file root" in problem


def test_range_error_from_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={"DIVOLTE_PORT": "70000"})
    [problem] = caught.value.problems
    assert problem.startswith(
        "Invalid value for 'divolte.global.server.port' (TCP port; $DIVOLTE_PORT overrides the "
        "default): 70000 is out of range; allowed: 0 to 65535."
    )
    assert "Location: environment variable DIVOLTE_PORT." in problem


def test_range_error_from_an_override_names_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={}, overrides={"divolte.global.server.workers": -3})
    [problem] = caught.value.problems
    assert "-3 is out of range; allowed: 1 or more, or null." in problem
    assert "Location: override 'divolte.global.server.workers'." in problem


# A file that is not UTF-8.


def test_latin1_file_names_the_byte_its_line_and_column(tmp_path: Path) -> None:
    conf = tmp_path / "divolte-collector.conf"
    conf.write_bytes('divolte.global.server {\n  host = "café"\n}\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(str(conf), env={})
    assert caught.value.problems == [
        f"Cannot read configuration file '{conf}': it is not UTF-8 text (byte 0xe9 at line 2, "
        "column 14: invalid continuation byte). Save the file as UTF-8; other encodings are not "
        f"supported.\n\tLocation: {conf}, line 2, column 14.\n"
        '\t      host = "caf\ufffd"\n'
        "\t                 ^"
    ]


def test_bad_byte_after_a_byte_order_mark(tmp_path: Path) -> None:
    conf = tmp_path / "divolte-collector.conf"
    conf.write_bytes(b"\xef\xbb\xbf\xffdivolte.global.server.port = 1\n")
    [problem] = _problems_of(conf)
    assert "(byte 0xff at line 1, column 1: invalid start byte)" in problem


def test_included_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "server.conf").write_bytes(b'port = 1\nhost = "\xff"\n')
    conf = tmp_path / "divolte-collector.conf"
    conf.write_text('divolte.global.server { include "server.conf" }\n', encoding="utf-8")
    [problem] = _problems_of(conf)
    assert problem.startswith(
        f"Cannot read configuration file '{tmp_path / 'server.conf'}': it is not UTF-8 text "
        "(byte 0xff at line 2, column 9: invalid start byte). Save the file as UTF-8;"
    )


def _problems_of(conf: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(str(conf), env={})
    return caught.value.problems


# Substitutions that expand exponentially are refused before they are expanded.


def _doubling(first: str, step: str, count: int = 40) -> str:
    lines = [f"v0 = {first}"] + [step.format(i=i, prev=f"${{v{i - 1}}}") for i in range(1, count)]
    return "\n".join(lines) + "\ndivolte.global.server.host = x\n"


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        (_doubling('"0123456789"', "v{i} = {prev}{prev}"), "v17", 18),
        (_doubling("[1, 2]", "v{i} = {prev} {prev}"), "v18", 19),
        (_doubling("[1]", "v{i} = [{prev}, {prev}]"), "v17", 18),
        (_doubling("{ x = 1 }", "v{i} = {{ a = {prev}, b = {prev} }}"), "v16", 17),
        ('a = "xy"\n' + "a = ${a}${a}\n" * 40, "a", 41),
    ],
    ids=["strings", "lists", "nested lists", "objects", "self-reference"],
)
def test_exponential_substitutions_are_refused(
    tmp_path: Path, text: str, key: str, line: int
) -> None:
    [problem] = _problems(tmp_path, text)
    conf = tmp_path / "divolte-collector.conf"
    assert problem.startswith(
        f"Invalid configuration file '{conf}': once its substitutions are expanded, '{key}' may "
        "grow past 1,000,000 characters, the most a whole configuration may hold (1 MB). Look "
        "for substitutions that repeat each other (b = ${a}${a}, c = ${b}${b}, …): each one "
        "doubles the size."
    )
    assert f"\tLocation: {conf}, line {line}, column 1." in problem
    assert problem.endswith(f"\tConfiguration path to error: '{key}'")


def test_many_keys_that_together_exceed_the_limit(tmp_path: Path) -> None:
    text = 'v0 = "' + "x" * 100_000 + '"\n'
    text += "".join(f"v{i} = ${{v0}}\n" for i in range(1, 12))
    text += "divolte.global.server.host = x\n"
    [problem] = _problems(tmp_path, text)
    expected = "the configuration may grow past 1,000,000 characters, the most it may hold (1 MB); "
    assert expected + "its largest key is 'v0'." in problem


def test_a_file_over_the_limit_is_not_parsed(tmp_path: Path) -> None:
    text = "# " + "x" * 1_000_000 + "\ndivolte.global.server.host = x\n"
    [problem] = _problems(tmp_path, text)
    assert problem == (
        f"Invalid configuration file '{tmp_path / 'divolte-collector.conf'}': it holds "
        "1,000,034 characters, more than the 1,000,000 (1 MB) a configuration may hold."
    )


def test_substitutions_that_grow_linearly_are_fine(tmp_path: Path) -> None:
    text = "divolte.global.server.trusted_proxies = []\n"
    text += "divolte.global.server.trusted_proxies += 10.0.0.0/8\n" * 50
    text += "l = []\n" + "l = ${l} [abc]\n" * 200
    text += "".join(f"c{i} = ${{?c{i - 1}}}\n" for i in range(300))
    text += "".join(f"s{i} = ${{divolte.global.server}}\n" for i in range(200))
    assert _problems(tmp_path, text) == []


# The paths the validator knows are the paths the collector registers.


def test_routes_are_the_ones_the_collector_registers(tmp_path: Path) -> None:
    import asyncio
    import socket

    from divolte.app import Collector
    from divolte.config.validate import routes

    conf = tmp_path / "divolte-collector.conf"
    conf.write_text(
        "divolte {\n"
        "  global { hdfs.enabled = false, metrics.path = /prom\n"
        "           inspector { enabled = true, path = /look/ } }\n"
        "  sources { web { type = browser, prefix = /t, event_suffix = e }\n"
        "            app { type = json, event_path = /j } }\n"
        "  mappings {}\n"
        "}\n",
        encoding="utf-8",
    )
    config = load_config(str(conf), env={})

    async def registered() -> set[str]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen()
            collector = Collector(config, sock)
            await collector.start()
            assert collector.server is not None and collector.observability is not None
            collector.server.close()
            await collector.server.wait_closed()
            await collector.close_sinks()
            await collector.observability.stop()
            return set(collector.state.routes)

    expected = {route.path for route in routes(config)}
    assert asyncio.run(registered()) == expected
    assert {"/prom", "/look", "/look/events", "/t/divolte.js", "/t/e", "/j"} <= expected
