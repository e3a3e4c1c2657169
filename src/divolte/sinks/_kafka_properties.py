"""Java producer properties → librdkafka properties, one table (SINKS §5, CONFIG §5).

Users' ``divolte.global.kafka.producer`` sections are written for the Java client. librdkafka
understands most of them under the same name; the rest are translated, ignored with a warning
naming the property, or rejected with a message naming it. A name that is not in the table
goes to librdkafka unchanged (so librdkafka's own names work too); if librdkafka does not
know it, the sink refuses to start and names it (``KafkaSink.start``). Nothing is dropped
silently. ``docs/kafka.md`` shows this table; a unit test keeps the two in step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from divolte.errors import ConfigError

PREFIX = "divolte.global.kafka.producer."

Convert = Callable[[str, Mapping[str, str]], dict[str, str]]
"""(value, all the user's properties) → librdkafka properties; raises Rejected or Ignored."""


class Rejected(ValueError):
    """A value (or property) librdkafka cannot honour; the text says what to do instead."""


class Ignored(ValueError):
    """A value that has no effect (as in the Java client); the text says why."""


@dataclass(frozen=True)
class Rule:
    action: Literal["pass", "translate", "ignore", "reject"]
    note: str = ""
    convert: Convert | None = None


def _renamed(target: str, value_map: Mapping[str, str] | None = None) -> Convert:
    def convert(value: str, _: Mapping[str, str]) -> dict[str, str]:
        return {target: value_map.get(value, value) if value_map else value}

    return convert


def _kbytes(value: str, _: Mapping[str, str]) -> dict[str, str]:
    try:
        size = int(value)
    except ValueError as error:
        raise Rejected(f"expected a number of bytes, found {value!r}") from error
    return {"queue.buffering.max.kbytes": str(max(1, math.ceil(size / 1024)))}


_JAVA_PARTITIONERS = {
    "org.apache.kafka.clients.producer.internals.DefaultPartitioner": "murmur2_random",
    "org.apache.kafka.clients.producer.UniformStickyPartitioner": "random",
}


def _partitioner(value: str, _: Mapping[str, str]) -> dict[str, str]:
    if value in _JAVA_PARTITIONERS:
        return {"partitioner": _JAVA_PARTITIONERS[value]}
    raise Rejected(
        "Java partitioner classes cannot be loaded; set librdkafka's 'partitioner' instead "
        "(murmur2_random is the Java default)"
    )


def _ignore_keys(value: str, _: Mapping[str, str]) -> dict[str, str]:
    return {"partitioner": "random"} if value.strip().lower() == "true" else {}


def _level(codec: str) -> Convert:
    def convert(value: str, properties: Mapping[str, str]) -> dict[str, str]:
        if properties.get("compression.type", "").strip().lower() != codec:
            raise Ignored(f"compression.type is not {codec} (no effect in the Java client either)")
        return {"compression.level": value}

    return convert


def _keystore_type(value: str, _: Mapping[str, str]) -> dict[str, str]:
    if value.upper() in ("PKCS12", "PEM"):
        return {}  # librdkafka reads PKCS#12 keystores and PEM keys (translated separately)
    raise Rejected(
        f"librdkafka cannot read {value} keystores; convert it to PKCS12, or use PEM "
        "(ssl.keystore.certificate.chain and ssl.keystore.key)"
    )


def _truststore_location(value: str, properties: Mapping[str, str]) -> dict[str, str]:
    if properties.get("ssl.truststore.type", "JKS").upper() == "PEM":
        return {"ssl.ca.location": value}
    raise Rejected(
        "librdkafka cannot read JKS or PKCS12 truststores; convert the CA certificates to a "
        "PEM file and set ssl.truststore.type = PEM (or librdkafka's ssl.ca.location)"
    )


def _truststore_type(value: str, _: Mapping[str, str]) -> dict[str, str]:
    if value.upper() == "PEM":
        return {}
    raise Rejected(
        f"librdkafka cannot read {value} truststores; convert the CA certificates to PEM"
    )


_JAAS_MODULE = re.compile(r"^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b(.*?);?\s*$")
_JAAS_OPTION = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))')
_JAAS_LOGINS = {
    "PlainLoginModule": {"username": "sasl.username", "password": "sasl.password"},
    "ScramLoginModule": {"username": "sasl.username", "password": "sasl.password"},
    "Krb5LoginModule": {"principal": "sasl.kerberos.principal", "keyTab": "sasl.kerberos.keytab"},
}


def _jaas(value: str, _: Mapping[str, str]) -> dict[str, str]:
    """``<LoginModule> required name="value" …;`` → librdkafka's SASL credentials."""
    match = _JAAS_MODULE.match(value)
    module = match.group(1).rsplit(".", 1)[-1] if match else ""
    if match is None or module not in _JAAS_LOGINS:
        raise Rejected(
            "only PlainLoginModule, ScramLoginModule and Krb5LoginModule can be translated; "
            "set librdkafka's sasl.* properties instead"
        )
    options = {
        name: re.sub(r"\\(.)", r"\1", quoted) if quoted else bare
        for name, quoted, bare in _JAAS_OPTION.findall(match.group(3))
    }
    names = _JAAS_LOGINS[module]
    return {names[key]: options[key] for key in names if key in options}


_OPENSSL = "OpenSSL chooses this itself in librdkafka"
_METRICS = "Java client metrics; librdkafka has its own statistics (statistics.interval.ms)"
_KEYLESS = "only affects records without a key, and every Divolte record has one"
_CLASSES = "Java classes cannot be loaded by librdkafka"
_SOCKET_DEFAULT = {"-1": "0"}  # Java's "OS default" is -1, librdkafka's is 0

PASS = Rule("pass")


def _table() -> dict[str, Rule]:
    table = {
        # Same name, same meaning in librdkafka.
        "bootstrap.servers": PASS,
        "client.id": PASS,
        "client.rack": PASS,
        "acks": PASS,
        "retries": PASS,
        "compression.type": PASS,
        "batch.size": PASS,
        "linger.ms": PASS,
        "delivery.timeout.ms": PASS,
        "request.timeout.ms": PASS,
        "max.in.flight.requests.per.connection": PASS,
        "enable.idempotence": PASS,
        "retry.backoff.ms": PASS,
        "retry.backoff.max.ms": PASS,
        "reconnect.backoff.ms": PASS,
        "reconnect.backoff.max.ms": PASS,
        "connections.max.idle.ms": PASS,
        "metadata.max.age.ms": PASS,
        "client.dns.lookup": PASS,
        "socket.connection.setup.timeout.ms": PASS,
        "security.protocol": PASS,
        "sasl.mechanism": PASS,
        "sasl.kerberos.service.name": PASS,
        "sasl.kerberos.kinit.cmd": PASS,
        "sasl.kerberos.min.time.before.relogin": PASS,
        "sasl.oauthbearer.token.endpoint.url": PASS,
        "ssl.key.password": PASS,
        "ssl.keystore.location": PASS,
        "ssl.keystore.password": PASS,
        "ssl.cipher.suites": PASS,
        # Translated: another name, unit or value.
        "buffer.memory": Rule("translate", "queue.buffering.max.kbytes (KiB)", _kbytes),
        "max.request.size": Rule("translate", "message.max.bytes", _renamed("message.max.bytes")),
        "send.buffer.bytes": Rule(
            "translate",
            "socket.send.buffer.bytes (-1 → 0)",
            _renamed("socket.send.buffer.bytes", _SOCKET_DEFAULT),
        ),
        "receive.buffer.bytes": Rule(
            "translate",
            "socket.receive.buffer.bytes (-1 → 0)",
            _renamed("socket.receive.buffer.bytes", _SOCKET_DEFAULT),
        ),
        "ssl.endpoint.identification.algorithm": Rule(
            "translate",
            'same name; "" → none',
            _renamed("ssl.endpoint.identification.algorithm", {"": "none"}),
        ),
        "ssl.truststore.location": Rule(
            "translate", "ssl.ca.location if ssl.truststore.type = PEM", _truststore_location
        ),
        "ssl.truststore.type": Rule("translate", "PEM accepted", _truststore_type),
        "ssl.truststore.certificates": Rule("translate", "ssl.ca.pem", _renamed("ssl.ca.pem")),
        "ssl.keystore.type": Rule("translate", "PKCS12 and PEM accepted", _keystore_type),
        "ssl.keystore.certificate.chain": Rule(
            "translate", "ssl.certificate.pem", _renamed("ssl.certificate.pem")
        ),
        "ssl.keystore.key": Rule("translate", "ssl.key.pem", _renamed("ssl.key.pem")),
        "sasl.jaas.config": Rule(
            "translate", "sasl.username/password or sasl.kerberos.principal/keytab", _jaas
        ),
        "partitioner.class": Rule(
            "translate", "DefaultPartitioner → partitioner = murmur2_random", _partitioner
        ),
        "partitioner.ignore.keys": Rule("translate", "true → partitioner = random", _ignore_keys),
        "compression.gzip.level": Rule(
            "translate", "compression.level if compression.type = gzip", _level("gzip")
        ),
        "compression.lz4.level": Rule(
            "translate", "compression.level if compression.type = lz4", _level("lz4")
        ),
        "compression.zstd.level": Rule(
            "translate", "compression.level if compression.type = zstd", _level("zstd")
        ),
    }
    ignored = {
        "key.serializer": "Divolte always serialises keys itself",
        "value.serializer": "Divolte always serialises values itself",
        "max.block.ms": "producing never blocks here; a full buffer follows the sink's policy",
        "metadata.max.idle.ms": "librdkafka keeps metadata of the topics it produces to",
        "socket.connection.setup.timeout.max.ms": "librdkafka has a single setup timeout",
        "transaction.timeout.ms": "Divolte does not use transactions",
        "partitioner.adaptive.partitioning.enable": _KEYLESS,
        "partitioner.availability.timeout.ms": _KEYLESS,
        "ssl.truststore.password": "librdkafka reads PEM CA files, which have no password",
        "ssl.protocol": _OPENSSL,
        "ssl.enabled.protocols": _OPENSSL,
        "ssl.keymanager.algorithm": _OPENSSL,
        "ssl.trustmanager.algorithm": _OPENSSL,
        "ssl.secure.random.implementation": _OPENSSL,
        "ssl.provider": _OPENSSL,
        "sasl.kerberos.ticket.renew.window.factor": "librdkafka renews with kinit",
        "sasl.kerberos.ticket.renew.jitter": "librdkafka renews with kinit",
        "metric.reporters": _METRICS,
        "metrics.num.samples": _METRICS,
        "metrics.recording.level": _METRICS,
        "metrics.sample.window.ms": _METRICS,
        "auto.include.jmx.reporter": _METRICS,
        "enable.metrics.push": _METRICS,
    }
    rejected = {
        "transactional.id": "Divolte does not produce in transactions",
        "interceptor.classes": _CLASSES,
        "ssl.engine.factory.class": _CLASSES,
        "sasl.login.class": _CLASSES,
        "sasl.login.callback.handler.class": _CLASSES,
        "sasl.client.callback.handler.class": _CLASSES,
        "security.providers": _CLASSES,
    }
    table |= {name: Rule("ignore", why) for name, why in ignored.items()}
    return table | {name: Rule("reject", why) for name, why in rejected.items()}


TABLE: dict[str, Rule] = _table()


@dataclass
class Translation:
    """librdkafka settings, and for each the user's key it came from (for error messages)."""

    settings: dict[str, str] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def translate(properties: Mapping[str, str]) -> Translation:
    """Translate a producer section; raises ConfigError naming every rejected property."""
    result, problems = Translation(), []
    for key, value in properties.items():
        rule = TABLE.get(key, Rule("pass"))
        if rule.action == "ignore":
            result.warnings.append(f"{PREFIX}{key} is ignored: {rule.note}.")
            continue
        if rule.action == "reject":
            problems.append(f"{PREFIX}{key} is not supported: {rule.note}.")
            continue
        try:
            settings = rule.convert(value, properties) if rule.convert else {key: value}
        except Rejected as hint:
            problems.append(f"{PREFIX}{key} = {value!r} is not supported: {hint}.")
            continue
        except Ignored as why:
            result.warnings.append(f"{PREFIX}{key} is ignored: {why}.")
            continue
        for name, setting in settings.items():
            if name in result.settings and result.settings[name] != setting:
                problems.append(
                    f"{PREFIX}{key} conflicts with {PREFIX}{result.origin[name]} "
                    f"(both set librdkafka's {name})."
                )
            result.settings[name] = setting
            result.origin[name] = key
    if problems:
        raise ConfigError(problems)
    return result
