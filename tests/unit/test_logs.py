"""Log output: JSON lines, per-component levels, repeated warnings folded with a count."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from divolte import cli, logs

JSON_KEYS = ["time", "level", "logger", "process", "message"]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    touched = ["divolte.sinks", "divolte.events", "divolte.server"]
    levels = {name: logging.getLogger(name).level for name in touched}
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_parse_with_stable_keys() -> None:
    stream = io.StringIO()
    logs.setup(log_format="json", stream=stream)
    logging.getLogger("divolte.server").info("Listening on %s", "127.0.0.1:8290")
    try:
        raise OSError("disk full")
    except OSError:
        logging.getLogger("divolte.sinks").exception("Sink %s failed.", "hdfs")
    first, second = (json.loads(line) for line in lines(stream))
    assert list(first) == JSON_KEYS
    assert first["level"] == "INFO"
    assert first["logger"] == "divolte.server"
    assert first["message"] == "Listening on 127.0.0.1:8290"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert list(second) == [*JSON_KEYS, "exception"]
    assert "OSError: disk full" in second["exception"]


def test_human_lines_by_default() -> None:
    stream = io.StringIO()
    logs.setup(stream=stream)
    logging.getLogger("divolte.server").warning("Careful: %d", 3)
    (line,) = lines(stream)
    assert line.endswith("WARNING[divolte.server]: Careful: 3")


def test_levels_per_component() -> None:
    stream = io.StringIO()
    logs.setup(level="warning", levels={"divolte.events": "debug"}, stream=stream)
    logging.getLogger("divolte.events").debug("shown")
    logging.getLogger("divolte.server").info("hidden")
    assert [line.rsplit(": ", 1)[1] for line in lines(stream)] == ["shown"]
    with pytest.raises(ValueError, match=r"'loud' for 'divolte\.sinks'"):
        logs.setup(levels={"divolte.sinks": "loud"}, stream=stream)


def test_repeated_warnings_are_folded_with_a_count() -> None:
    stream = io.StringIO()
    handler = logs.setup(log_format="json", repeat_interval=60, stream=stream)
    clock = Clock()
    handler.repeats._clock = clock
    sinks = logging.getLogger("divolte.sinks")
    for attempt in range(5):  # the numbers differ, the message is "the same"
        sinks.warning("Sink hdfs failed; retrying with %d records in %.1f s.", attempt * 100, 2.0)
        clock.now += 1
    sinks.warning("Sink kafka failed; retrying with %d records in %.1f s.", 7, 0.5)
    sinks.info("Sink hdfs: published %s.", "a.avro")
    sinks.info("Sink hdfs: published %s.", "a.avro")  # INFO is never folded
    clock.now = 61
    sinks.warning("Sink hdfs failed; retrying with %d records in %.1f s.", 900, 30.0)
    printed = [json.loads(line) for line in lines(stream)]
    assert [(p["message"], p.get("repeated")) for p in printed] == [
        ("Sink hdfs failed; retrying with 0 records in 2.0 s.", None),
        ("Sink kafka failed; retrying with 7 records in 0.5 s.", None),
        ("Sink hdfs: published a.avro.", None),
        ("Sink hdfs: published a.avro.", None),
        ("Sink hdfs failed; retrying with 900 records in 30.0 s.", 5),  # 4 folded + this one
    ]


def test_folded_counts_are_printed_at_flush() -> None:
    stream = io.StringIO()
    logs.setup(repeat_interval=60, stream=stream)
    errors = logging.getLogger("divolte.sinks")
    for _ in range(3):
        errors.error("Sink hdfs: publishing failed.")
    assert len(lines(stream)) == 1
    logs.flush_repeats()
    _, last = lines(stream)
    assert last.endswith("Sink hdfs: publishing failed. (repeated 2 times in 0 s)")
    logs.flush_repeats()
    assert len(lines(stream)) == 2  # nothing pending any more


def test_zero_interval_prints_everything() -> None:
    stream = io.StringIO()
    logs.setup(repeat_interval=0, stream=stream)
    for _ in range(3):
        logging.getLogger("divolte.sinks").warning("same")
    assert len(lines(stream)) == 3


def test_cli_log_format_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.conf"
    broken.write_text("divolte.global.server.port = not-a-port\n")
    assert cli.main(["--log-format", "json", "--config", str(broken)]) == 1
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed, "nothing logged"
    assert all(list(entry)[:5] == JSON_KEYS for entry in printed)
    assert printed[-1]["message"] == "There are configuration errors. Exiting server."


def test_config_sets_format_and_levels_unless_the_command_line_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from divolte.config import load_config

    config_file = tmp_path / "divolte.conf"
    config_file.write_text(
        'divolte.global.logging { format = json, levels { "divolte.server" = error } }\n'
    )
    config = load_config(str(config_file), env={})
    cli._configure_logging(cli.build_parser().parse_args([]), config)
    logging.getLogger("divolte.server").warning("hidden")
    logging.getLogger("divolte.sinks").warning("shown")
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["message"] == "shown"
    cli._configure_logging(cli.build_parser().parse_args(["--log-format", "human"]), config)
    logging.getLogger("divolte.sinks").warning("human")
    assert capsys.readouterr().out.rstrip().endswith("WARNING[divolte.sinks]: human")
