"""Mappings, schemas and the source → mapping → sink graph in a running collector
(TESTS.md §8; cases C-08, C-11)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import fastavro
import pytest

from divolte.mincode_encoder import encode as mincode
from tests.collector_process import start_collector
from tests.http_client import get
from tests.integration.beacons import QUERY_B, encode

pytestmark = pytest.mark.integration

C11_SCHEMA = {
    "type": "record",
    "name": "Purchase",
    "namespace": "com.example",
    "fields": [
        {"name": "eventType", "type": "string"},
        {"name": "userId", "type": "string"},
        {"name": "productId", "type": "string"},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "tsMicros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    ],
}
# ``path()`` is absent when the member is missing (``value()`` would give "": MAPPING §6.5).
C11_SCRIPT = """
mapping {
    map eventType() onto 'eventType'
    map eventParameters().path('$.userId') onto 'userId'
    map eventParameters().path('$.productId') onto 'productId'
    map timestamp() onto 'ts'
    map timestamp() onto 'tsMicros'
}
"""


def read_records(directory: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.avro")):
        with path.open("rb") as handle:
            records.extend(fastavro.reader(handle))  # type: ignore[arg-type]
    return records


def test_script_with_custom_schema_and_an_incomplete_record(
    collector_factory: Any, tmp_path: Path
) -> None:
    """C-11: the record lacking ``userId`` is not written, counted and logged with the field
    named; the complete one around it is written. C-08: timestamp-millis/micros from
    timestamp()."""
    schema = tmp_path / "Purchase.avsc"
    schema.write_text(json.dumps(C11_SCHEMA))
    script = tmp_path / "purchase.groovy"
    script.write_text(C11_SCRIPT)
    collector = collector_factory(
        f'mappings.m {{ sources = [browser], sinks = [hdfs], schema_file = "{schema}", '
        f'mapping_script_file = "{script}" }}'
    )
    incomplete = mincode({"productId": "p-1"})
    complete = mincode({"userId": "u-1", "productId": "p-2"})
    get(collector.port, encode(QUERY_B, t="buy", u=incomplete))
    get(collector.port, encode(QUERY_B, t="buy", u=complete, e="second"))
    (record,) = collector.stop_and_read()
    assert (record["eventType"], record["userId"], record["productId"]) == ("buy", "u-1", "p-2")
    # fastavro turns both logical types into datetimes: equal instants near now prove that
    # one field holds epoch milliseconds and the other epoch microseconds.
    assert record["tsMicros"] == record["ts"]
    assert abs(record["ts"].timestamp() - time.time()) < 60
    log = collector.process.log()
    assert "records_failed/m=1" in log
    assert "userId" in log


def test_a_broken_script_stops_start_up_with_its_location(tmp_path: Path) -> None:
    script = tmp_path / "broken.groovy"
    script.write_text("mapping {\n    map location() onto 'noSuchField'\n}\n")
    config = (
        f"divolte {{ global.server.workers = 1, mappings.m {{ sources = [browser], "
        f'sinks = [hdfs], mapping_script_file = "{script}" }} }}'
    )
    with pytest.raises(AssertionError, match="exited with 1") as failure:
        start_collector(tmp_path, config)
    message = str(failure.value)
    assert f"{script}:2:" in message
    assert "noSuchField" in message


def test_interdependent_sources_mappings_and_sinks(tmp_path: Path) -> None:
    """TESTS.md §8 "interdependent": one request to each source → k1: 2, k2: 2, k3: 5, k4: 2."""
    sinks = {name: tmp_path / name for name in ("k1", "k2", "k3", "k4")}
    for directory in sinks.values():
        directory.mkdir()
    sink_config = "\n".join(
        f'{name} {{ type = hdfs, file_strategy {{ working_dir = "{d}", publish_dir = "{d}" }} }}'
        for name, d in sinks.items()
    )
    source_config = "\n".join(f"s{n} {{ type = browser, prefix = /s{n} }}" for n in range(1, 5))
    config = f"""
divolte {{
  global.server.workers = 1
  sources {{ {source_config} }}
  sinks {{ {sink_config} }}
  mappings {{
    mapping-1 {{ sources = [s1, s2], sinks = [k1] }}
    mapping-2 {{ sources = [s1, s2], sinks = [k2, k3] }}
    mapping-3 {{ sources = [s3], sinks = [k3] }}
    mapping-4 {{ sources = [s1, s4], sinks = [k3, k4] }}
  }}
}}
"""
    collector = start_collector(tmp_path, config)
    query = encode(QUERY_B, x="si9804").split("?", 1)[1]
    for n in range(1, 5):
        assert get(collector.port, f"/s{n}/csc-event?{query}").status == 200
    assert get(collector.port, f"/csc-event?{query}").status == 404
    assert collector.stop() == 0
    counts = {name: len(read_records(d)) for name, d in sinks.items()}
    assert counts == {"k1": 2, "k2": 2, "k3": 5, "k4": 2}


def test_one_mapping_two_file_sinks(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    config = f"""
divolte {{
  global.server.workers = 1
  sinks {{
    one {{ type = hdfs, file_strategy {{ working_dir = "{first}", publish_dir = "{first}" }} }}
    two {{ type = hdfs, file_strategy {{ working_dir = "{second}", publish_dir = "{second}" }} }}
  }}
  mappings.m {{ sources = [browser], sinks = [one, two] }}
}}
"""
    collector = start_collector(tmp_path, config)
    assert get(collector.port, encode(QUERY_B, x="si9804")).status == 200
    assert collector.stop() == 0
    assert len(read_records(first)) == len(read_records(second)) == 1


def test_hadoop_client_properties_are_refused_not_ignored(tmp_path: Path) -> None:
    config = (
        "divolte { global.server.workers = 1, "
        'global.hdfs.client { fs.defaultFS = "hdfs://nn:8020" } }'
    )
    with pytest.raises(AssertionError, match="exited with 1") as failure:
        start_collector(tmp_path, config)
    assert "divolte.global.hdfs.client: writing to an HDFS cluster is not supported" in str(
        failure.value
    )
