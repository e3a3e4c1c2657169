"""Sources, mappings and sinks wired together (TESTS.md §8 ServerSinkSourceConfigurationTest).

Each case is a configuration, the prefixes to send one beacon to (query B), and how many
records each file sink must hold afterwards.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import fastavro
import pytest

from tests.collector_process import start_collector
from tests.http_client import get
from tests.integration.beacons import QUERY_B, encode

pytestmark = pytest.mark.integration

QUERY = encode(QUERY_B, x="si9804").split("?", 1)[1]


def _sinks(names: list[str], root: Path) -> str:
    lines = []
    for name in names:
        directory = root / name
        directory.mkdir()
        lines.append(
            f'{name} {{ type = hdfs, file_strategy {{ working_dir = "{directory}", '
            f'publish_dir = "{directory}" }} }}'
        )
    return "sinks {\n" + "\n".join(lines) + "\n}"


def _sources(prefixes: dict[str, str]) -> str:
    lines = [f"{name} {{ type = browser, prefix = {prefix} }}" for name, prefix in prefixes.items()]
    return "sources {\n" + "\n".join(lines) + "\n}"


def _count_file(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in fastavro.reader(handle))


def _count(directory: Path) -> int:
    return sum(_count_file(path) for path in directory.glob("*.avro"))


CASES: dict[str, dict[str, Any]] = {
    "explicit-source-only": {
        "sources": {"test-browser-source": "/a-prefix"},
        "sinks": ["hdfs"],
        "mappings": "m { sources = [test-browser-source], sinks = [hdfs] }",
        "send": ["/a-prefix/", "/"],
        "answers": [200, 404],
        "expected": {"hdfs": 1},
    },
    "long-prefix": {
        "sources": {"browser": "/a/multi/component/prefix"},
        "sinks": ["hdfs"],
        "mappings": "m { sources = [browser], sinks = [hdfs] }",
        "send": ["/a/multi/component/prefix/"],
        "answers": [200],
        "expected": {"hdfs": 1},
    },
    "multiple-browser-sources": {
        "sources": {"one": "/path1", "two": "/path2"},
        "sinks": ["hdfs"],
        "mappings": "m { sources = [one, two], sinks = [hdfs] }",
        "send": ["/path1/", "/path2/"],
        "answers": [200, 200],
        "expected": {"hdfs": 2},
    },
    "unused-source": {
        "sources": {"unused-source": "/unused"},
        "sinks": [],
        "mappings": "",
        "send": ["/unused/"],
        "answers": [200],
        "expected": {},
    },
    "independent-mappings": {
        "sources": {"source-1": "/s1", "source-2": "/s2"},
        "sinks": ["sink-1", "sink-2"],
        "mappings": "m1 { sources = [source-1], sinks = [sink-1] }\n"
        "m2 { sources = [source-2], sinks = [sink-2] }",
        "send": ["/s1/", "/s2/", "/s2/"],
        "answers": [200, 200, 200],
        "expected": {"sink-1": 1, "sink-2": 2},
    },
    "one-source-two-mappings": {
        "sources": {"only-source": "/"},
        "sinks": ["sink-1", "sink-2"],
        "mappings": "mapping-1 { sources = [only-source], sinks = [sink-1] }\n"
        "mapping-2 { sources = [only-source], sinks = [sink-2] }",
        "send": ["/"],
        "answers": [200],
        "expected": {"sink-1": 1, "sink-2": 1},
    },
    "two-mappings-one-sink": {
        "sources": {"source-1": "/s1", "source-2": "/s2"},
        "sinks": ["only-sink"],
        "mappings": "m1 { sources = [source-1], sinks = [only-sink] }\n"
        "m2 { sources = [source-2], sinks = [only-sink] }",
        "send": ["/s1/", "/s2/"],
        "answers": [200, 200],
        "expected": {"only-sink": 2},
    },
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_graph(tmp_path: Path, case: str) -> None:
    spec = CASES[case]
    config = (
        "divolte {\n global.server.workers = 1\n"
        + _sources(spec["sources"])
        + "\n"
        + _sinks(spec["sinks"], tmp_path)
        + f"\nmappings {{\n{spec['mappings']}\n}}\n}}"
    )
    collector = start_collector(tmp_path, config)
    answers = [get(collector.port, f"{prefix}csc-event?{QUERY}").status for prefix in spec["send"]]
    assert collector.stop() == 0, collector.log()
    assert answers == spec["answers"]
    assert {name: _count(tmp_path / name) for name in spec["sinks"]} == spec["expected"]


def test_out_of_the_box_defaults_write_one_record_to_tmp(tmp_path: Path) -> None:
    """No configuration at all: the reference's defaults write to /tmp."""
    collector = start_collector(tmp_path)
    published: list[Path] = []
    try:
        assert get(collector.port, f"/csc-event?{QUERY}").status == 200
        assert collector.stop() == 0, collector.log()
        published = [Path(p) for p in re.findall(r"published (/tmp/\S+\.avro)", collector.log())]
        assert all(p.parent == Path("/tmp") for p in published)
        assert sum(_count_file(p) for p in published) == 1
    finally:
        for path in published:  # only this collector's files: /tmp is shared
            path.unlink(missing_ok=True)
