"""``divolte-collector check-config`` (issue: configuration and mappings)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from divolte import cli
from divolte.check_config import main

EXAMPLE = """
divolte {
  sources {
    browser = { type = browser, prefix = /tracking }
    app = { type = json, event_path = /app-event }
  }
  sinks.files = { type = hdfs, file_strategy { working_dir = /tmp, publish_dir = /tmp } }
  mappings.all = { sources = [browser, app], sinks = [files] }
}
"""


def run(tmp_path: Path, text: str) -> tuple[int, str, str]:
    config = tmp_path / "divolte-collector.conf"
    config.write_text(text)
    out, err = io.StringIO(), io.StringIO()
    status = main(["--config", str(config)], out, err)
    return status, out.getvalue(), err.getvalue()


def test_valid_configuration_prints_defaults_and_graph(tmp_path: Path) -> None:
    status, out, err = run(tmp_path, EXAMPLE)
    assert (status, err) == (0, "")
    assert 'event_suffix = "csc-event"' in out  # a default, filled in
    assert "#   browser (browser: /tracking/divolte.js, /tracking/csc-event) -> all -> files" in out
    assert "#   app (json: POST /app-event) -> all -> files" in out
    assert out.rstrip().endswith("# The configuration is valid.")


def test_unknown_key_fails_with_the_key_and_a_suggestion(tmp_path: Path) -> None:
    status, _, err = run(tmp_path, "divolte.global.server.prot = 9000\n")
    assert status == 1
    assert "divolte.global.server.prot" in err
    assert "did you mean 'port'" in err


def test_broken_mapping_script_fails_with_its_location(tmp_path: Path) -> None:
    script = tmp_path / "m.groovy"
    script.write_text("mapping {\n  map location() onto 'nope'\n}\n")
    text = (
        "divolte.mappings.m { sources = [browser], sinks = [hdfs], "
        f'mapping_script_file = "{script}" }}'
    )
    status, out, err = run(tmp_path, text)
    assert status == 1
    assert f"divolte.mappings.m.mapping_script_file: {script}:2:" in err
    assert "# Sources -> mappings -> sinks" in out


def test_source_without_mapping_is_pointed_out(tmp_path: Path) -> None:
    status, out, _ = run(
        tmp_path, "divolte { sources.unused { type = browser, prefix = /unused }, mappings {} }"
    )
    assert status == 0
    assert "unused (browser: /unused/divolte.js, /unused/csc-event) -> no mapping" in out


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``divolte-collector run`` sets up logging for the process; put it back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


# Mistakes that used to pass check-config and only fail (or not) when the collector started.
STARTUP_MISTAKES = {
    "not UTF-8": 'divolte.global.server.host = "caf\xe9"\n'.encode("latin-1"),
    "trusted proxy": b"divolte.global.server.trusted_proxies = [proxy.internal]\n",
    "log level": b"divolte.global.logging.level = loud\n",
    "component log level": b'divolte.global.logging.levels { "divolte.sinks" = verbose }\n',
    "workers": b"divolte.global.server.workers = -3\n",
    "port": b"divolte.global.server.port = 70000\n",
    "duplicate memory": b"divolte.global.mapper.duplicate_memory_size = -1\n",
    "paths": b"divolte.sources.app { type = json, event_path = /ping }\n",
    "substitutions": b"".join(
        [
            b"v0 = xxxxxxxxxx\n",
            *(f"v{i} = ${{v{i - 1}}}${{v{i - 1}}}\n".encode() for i in range(1, 40)),
        ]
    ),
}


@pytest.mark.parametrize("text", STARTUP_MISTAKES.values(), ids=STARTUP_MISTAKES.keys())
@pytest.mark.usefixtures("restore_logging")
def test_check_config_reports_what_the_collector_would_at_start_up(
    tmp_path: Path, text: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "divolte-collector.conf"
    config.write_bytes(text)
    out, err = io.StringIO(), io.StringIO()
    assert main(["--config", str(config)], out, err) == 1
    problem = err.getvalue().splitlines()[0]
    assert str(config) in err.getvalue() and "Traceback" not in err.getvalue()
    assert err.getvalue().endswith("The configuration is not valid.\n")

    assert cli.main(["--config", str(config)]) == 1
    logged = capsys.readouterr().out
    assert problem in logged
    assert "There are configuration errors. Exiting server." in logged
