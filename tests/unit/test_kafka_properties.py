"""Java producer properties → librdkafka: the table, case by case, checked against librdkafka.

Every property that the table passes through or translates is given to the installed
librdkafka, which must know the resulting names; every row of the table appears in
docs/kafka.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaException, Producer

from divolte.errors import ConfigError
from divolte.sinks._kafka_properties import TABLE, translate
from divolte.sinks._kafka_support import Silent

DOC = Path(__file__).resolve().parents[2] / "docs" / "kafka.md"
P = "divolte.global.kafka.producer."
JAAS_PLAIN = (
    "org.apache.kafka.common.security.plain.PlainLoginModule required "
    'username="alice" password="s3\\"cr;et";'
)

# (Java properties, librdkafka settings) — kept as data.
TRANSLATED: list[tuple[dict[str, str], dict[str, str]]] = [
    ({"bootstrap.servers": "a:9092,b:9092"}, {"bootstrap.servers": "a:9092,b:9092"}),
    ({"acks": "all", "retries": "0"}, {"acks": "all", "retries": "0"}),
    ({"compression.type": "lz4", "linger.ms": "5"}, {"compression.type": "lz4", "linger.ms": "5"}),
    ({"buffer.memory": "33554432"}, {"queue.buffering.max.kbytes": "32768"}),
    ({"buffer.memory": "1000"}, {"queue.buffering.max.kbytes": "1"}),
    ({"max.request.size": "2097152"}, {"message.max.bytes": "2097152"}),
    ({"send.buffer.bytes": "-1"}, {"socket.send.buffer.bytes": "0"}),
    ({"receive.buffer.bytes": "65536"}, {"socket.receive.buffer.bytes": "65536"}),
    (
        {"ssl.endpoint.identification.algorithm": ""},
        {"ssl.endpoint.identification.algorithm": "none"},
    ),
    (
        {"ssl.truststore.type": "PEM", "ssl.truststore.location": "/etc/ca.pem"},
        {"ssl.ca.location": "/etc/ca.pem"},
    ),
    ({"ssl.keystore.type": "PKCS12"}, {}),
    ({"sasl.jaas.config": JAAS_PLAIN}, {"sasl.username": "alice", "sasl.password": 's3"cr;et'}),
    (
        {
            "sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule "
            "required username=bob password=pw;"
        },
        {"sasl.username": "bob", "sasl.password": "pw"},
    ),
    (
        {
            "sasl.jaas.config": "com.sun.security.auth.module.Krb5LoginModule required "
            'useKeyTab=true keyTab="/etc/k.keytab" principal="divolte@EXAMPLE.COM";'
        },
        {"sasl.kerberos.keytab": "/etc/k.keytab", "sasl.kerberos.principal": "divolte@EXAMPLE.COM"},
    ),
    (
        {"partitioner.class": "org.apache.kafka.clients.producer.internals.DefaultPartitioner"},
        {"partitioner": "murmur2_random"},
    ),
    ({"partitioner.ignore.keys": "true"}, {"partitioner": "random"}),
    ({"partitioner.ignore.keys": "false"}, {}),
    (
        {"compression.type": "zstd", "compression.zstd.level": "7"},
        {"compression.type": "zstd", "compression.level": "7"},
    ),
    ({"queue.buffering.max.messages": "5000"}, {"queue.buffering.max.messages": "5000"}),
]

# (Java properties, the warning's start) — accepted, ignored, and said so by name.
IGNORED = [
    ({"max.block.ms": "60000"}, f"{P}max.block.ms is ignored: producing never blocks"),
    ({"key.serializer": "x.StringSerializer"}, f"{P}key.serializer is ignored"),
    ({"value.serializer": "x.ByteArraySerializer"}, f"{P}value.serializer is ignored"),
    ({"metric.reporters": "x.JmxReporter"}, f"{P}metric.reporters is ignored"),
    ({"ssl.enabled.protocols": "TLSv1.3"}, f"{P}ssl.enabled.protocols is ignored"),
    (
        {"compression.type": "lz4", "compression.gzip.level": "3"},
        f"{P}compression.gzip.level is ignored: compression.type is not gzip",
    ),
]

# (Java properties, the error's start) — refused at start-up, naming the property.
REJECTED = [
    ({"transactional.id": "t1"}, f"{P}transactional.id is not supported"),
    ({"interceptor.classes": "com.example.Tracing"}, f"{P}interceptor.classes is not supported"),
    ({"ssl.truststore.location": "/etc/truststore.jks"}, f"{P}ssl.truststore.location = "),
    ({"ssl.keystore.type": "JKS"}, f"{P}ssl.keystore.type = 'JKS' is not supported"),
    ({"partitioner.class": "com.example.MyPartitioner"}, f"{P}partitioner.class = "),
    (
        {"sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"},
        f"{P}sasl.jaas.config = ",
    ),
    ({"buffer.memory": "lots"}, f"{P}buffer.memory = 'lots' is not supported"),
    (
        {"partitioner.ignore.keys": "true", "partitioner": "murmur2"},
        f"{P}partitioner conflicts with {P}partitioner.ignore.keys",
    ),
]


@pytest.mark.parametrize(("java", "expected"), TRANSLATED)
def test_translation(java: dict[str, str], expected: dict[str, str]) -> None:
    translation = translate(java)
    assert translation.settings == expected
    assert translation.warnings == []


@pytest.mark.parametrize(("java", "warning"), IGNORED)
def test_ignored_properties_are_named_in_a_warning(java: dict[str, str], warning: str) -> None:
    translation = translate(java)
    assert len(translation.warnings) == 1
    assert translation.warnings[0].startswith(warning)
    assert set(translation.settings) <= {"compression.type"}


@pytest.mark.parametrize(("java", "problem"), REJECTED)
def test_rejected_properties_are_named(java: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        translate(java)
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith(problem)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        translate({"transactional.id": "t", "interceptor.classes": "c", "acks": "1"})
    assert len(raised.value.problems) == 2


def test_the_reference_defaults_pass_unchanged() -> None:
    defaults = {
        "bootstrap.servers": "localhost:9092",
        "client.id": "divolte.collector",
        "acks": "1",
        "retries": "0",
        "compression.type": "lz4",
        "max.in.flight.requests.per.connection": "1",
    }
    assert translate(defaults).settings == defaults


SAMPLES: dict[str, str] = {
    "acks": "all",
    "compression.type": "gzip",
    "client.dns.lookup": "use_all_dns_ips",
    "security.protocol": "PLAINTEXT",
    "sasl.mechanism": "PLAIN",
    "ssl.endpoint.identification.algorithm": "https",
    "ssl.truststore.type": "PEM",
    "ssl.keystore.type": "PKCS12",
    "sasl.jaas.config": JAAS_PLAIN,
    "partitioner.class": "org.apache.kafka.clients.producer.internals.DefaultPartitioner",
    "partitioner.ignore.keys": "true",
    "bootstrap.servers": "127.0.0.1:9",
    "client.id": "x",
    "client.rack": "r1",
    "sasl.kerberos.service.name": "kafka",
    "sasl.kerberos.kinit.cmd": "kinit",
    "sasl.oauthbearer.token.endpoint.url": "https://idp.example/token",
    "enable.idempotence": "false",
    "max.request.size": "1048576",
    "reconnect.backoff.max.ms": "10000",
    "socket.connection.setup.timeout.ms": "10000",
}
NEEDS_FILES = {  # librdkafka opens these when the producer is created
    "ssl.keystore.location",
    "ssl.truststore.location",
    "ssl.truststore.certificates",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
}


@pytest.mark.parametrize(
    "name", sorted(n for n, r in TABLE.items() if r.action in ("pass", "translate"))
)
def test_librdkafka_knows_what_the_table_produces(name: str) -> None:
    java = {name: SAMPLES.get(name, "1")}
    if name.startswith("compression.") and name.endswith(".level"):
        java["compression.type"] = name.split(".")[1]
    if name == "ssl.truststore.location":
        java["ssl.truststore.type"] = "PEM"
    settings: dict[str, Any] = {**translate(java).settings, "logger": Silent()}
    try:
        Producer(settings)
    except KafkaException as error:
        message = error.args[0].str()
        assert "No such configuration property" not in message, message
        assert name in NEEDS_FILES, message


def test_the_documentation_lists_every_row_of_the_table() -> None:
    text = DOC.read_text()
    missing = [name for name in TABLE if f"| `{name}` |" not in text]
    assert missing == []
