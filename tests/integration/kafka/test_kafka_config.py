"""Kafka settings that stop the collector at start-up, naming the culprit (no broker needed).

CONFIG §5 (producer properties in Java names), §9 and case C-07 (confluent ids).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.kafka.conftest import closed_port, kafka_config, start_failing_collector

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("producer", "named"),
    [
        ('ssl.truststore.location = "/etc/kafka/truststore.jks"', "ssl.truststore.location"),
        ("frobnicate.ms = 3", "frobnicate.ms"),
        ("acks = most", "acks"),
        ('interceptor.classes = "com.example.Tracing"', "interceptor.classes"),
    ],
)
def test_refused_producer_properties_stop_the_start_naming_them(
    tmp_path: Path, producer: str, named: str
) -> None:
    body = "sinks.k { type = kafka, topic = t }"
    config = kafka_config(f"127.0.0.1:{closed_port()}", body, producer)
    log = start_failing_collector(tmp_path, config)
    assert f"divolte.global.kafka.producer.{named}" in log


@pytest.mark.parametrize(
    ("mappings", "message"),
    [
        (
            "m1 { sources = [browser], sinks = [k] }",
            "Mappings used by sinks in Confluent-mode must have their 'confluent_id' attribute "
            "set. The following mappings are missing this: [m1]",
        ),
        (
            "m1 { sources = [browser], sinks = [k], confluent_id = 1 }\n"
            "m2 { sources = [browser], sinks = [k], confluent_id = 2 }",
            "Any sink can only use one confluent identifier. The following sinks have multiple "
            "mappings with different 'confluent_id' attributes: [k]",
        ),
    ],
)
def test_confluent_id_rules_fail_at_start_c07(tmp_path: Path, mappings: str, message: str) -> None:
    body = f"sinks.k {{ type = kafka, mode = confluent }}\nmappings {{ {mappings} }}"
    log = start_failing_collector(tmp_path, kafka_config(f"127.0.0.1:{closed_port()}", body))
    assert message in log
