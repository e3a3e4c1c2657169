"""``divolte-collector check-config`` (issue: configuration and mappings)."""

from __future__ import annotations

import io
from pathlib import Path

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
