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
    expected: list[str] = case["errors"]
    assert len(problems) == len(expected), problems
    for problem, prefix in zip(problems, expected, strict=True):
        if case.get("exact"):
            assert problem == prefix
        else:
            assert problem.startswith(prefix), problem


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
