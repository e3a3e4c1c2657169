"""Loading and the model: defaults (CONFIG.md §3-§8), layering (§1), implicit sections, helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from divolte.config import (
    BrowserSourceConfig,
    Config,
    Duration,
    GcpsSinkConfig,
    GcsSinkConfig,
    HdfsSinkConfig,
    JsonSourceConfig,
    KafkaSinkConfig,
    describe,
    load_config,
)

D = Duration.parse


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    conf = tmp_path / "divolte-collector.conf"
    conf.write_text(text, encoding="utf-8")
    return load_config(str(conf), env=env or {})


def test_server_defaults() -> None:
    server = load_config(env={}).global_.server
    assert server.host is None
    assert server.port == 8290
    assert server.use_x_forwarded_for is False
    assert server.serve_static_resources is True
    assert server.debug_requests is False
    assert server.shutdown_delay == D("0 ms")
    assert server.shutdown_timeout == D("2 minutes")


def test_mapper_defaults() -> None:
    mapper = load_config(env={}).global_.mapper
    assert (mapper.threads, mapper.buffer_size, mapper.duplicate_memory_size) == (
        1,
        1048576,
        1000000,
    )
    assert mapper.user_agent_parser.type == "non_updating"
    assert mapper.user_agent_parser.cache_size == 1000
    assert mapper.ip2geo_database is None


def test_sink_type_section_defaults() -> None:
    g = load_config(env={}).global_
    assert (g.hdfs.enabled, g.hdfs.threads, g.hdfs.buffer_size, g.hdfs.client) == (
        True,
        2,
        1048576,
        None,
    )
    assert (g.gcs.enabled, g.gcs.threads, g.gcs.buffer_size) == (False, 1, 1048576)
    assert (g.kafka.enabled, g.kafka.threads, g.kafka.buffer_size) == (False, 2, 1048576)
    assert (g.gcps.enabled, g.gcps.threads, g.gcps.buffer_size, g.gcps.project_id) == (
        False,
        2,
        1048576,
        None,
    )
    assert g.kafka.producer == {
        "bootstrap.servers": "localhost:9092",
        "client.id": "divolte.collector",
        "acks": "1",
        "retries": "0",
        "compression.type": "lz4",
        "max.in.flight.requests.per.connection": "1",
    }


def test_browser_source_defaults() -> None:
    source = BrowserSourceConfig()
    assert source.prefix == "/"
    assert source.event_suffix == "csc-event"
    assert (source.party_cookie, source.party_timeout) == ("_dvp", D("730 days"))
    assert (source.session_cookie, source.session_timeout) == ("_dvs", D("30 minutes"))
    assert source.cookie_domain is None
    assert source.http_response_delay == D("0 seconds")
    js = source.javascript
    assert (js.name, js.logging, js.debug, js.auto_page_view_event) == (
        "divolte.js",
        False,
        False,
        True,
    )
    assert js.event_timeout == D("750 milliseconds")


def test_json_source_defaults() -> None:
    source = JsonSourceConfig()
    assert (source.event_path, source.party_id_parameter, source.maximum_body_size) == (
        "/",
        "p",
        4096,
    )


def test_file_sink_defaults() -> None:
    hdfs = HdfsSinkConfig()
    assert hdfs.replication == 3
    fs = hdfs.file_strategy
    assert fs.roll_every == D("1 hour")
    assert fs.sync_file_after_records == 1000
    assert fs.sync_file_after_duration == D("30 seconds")
    assert (fs.working_dir, fs.publish_dir) == ("/tmp", "/tmp")


def test_gcs_sink_defaults() -> None:
    retry = GcsSinkConfig(bucket="b").retry_settings
    assert retry.max_attempts == 0
    assert retry.total_timeout == D("10 minutes")
    assert retry.initial_retry_delay == D("1 second")
    assert retry.retry_delay_multiplier == 2.0
    assert retry.max_retry_delay == D("64 seconds")
    assert retry.jitter_delay == D("1 second")
    assert retry.jitter_factor is None


def test_kafka_and_pubsub_sink_defaults() -> None:
    assert (KafkaSinkConfig().topic, KafkaSinkConfig().mode) == ("divolte", "naked")
    gcps = GcpsSinkConfig()
    assert gcps.topic == "divolte"
    r = gcps.retry_settings
    assert (r.max_attempts, r.total_timeout, r.initial_retry_delay) == (
        0,
        D("10 seconds"),
        D("5 milliseconds"),
    )
    assert (r.retry_delay_multiplier, r.max_retry_delay) == (2.0, D("1 minute"))
    assert (r.initial_rpc_timeout, r.rpc_timeout_multiplier) == (D("15 seconds"), 2.0)
    assert r.max_rpc_timeout == r.initial_rpc_timeout
    b = gcps.batching_settings
    assert (b.element_count_threshold, b.request_bytes_threshold) == (100, 1000)
    assert b.delay_threshold == D("1 millisecond")


def test_implicit_sections_when_absent() -> None:
    config = load_config(env={})
    assert config.sources == {"browser": BrowserSourceConfig()}
    assert config.sinks == {
        "hdfs": HdfsSinkConfig(replication=1),
        "kafka": KafkaSinkConfig(),
        "gcps": GcpsSinkConfig(),
    }
    [(name, mapping)] = config.mappings.items()
    assert name == "default"
    assert (mapping.sources, mapping.sinks) == (("browser",), ("hdfs", "kafka", "gcps"))
    assert (mapping.schema_file, mapping.mapping_script_file, mapping.confluent_id) == (
        None,
        None,
        None,
    )
    assert (mapping.discard_corrupted, mapping.discard_duplicates) == (False, False)
    assert config.origin == "built-in defaults"


def test_present_sections_replace_the_implicit_ones(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        divolte.sources { unused-source { type = browser, prefix = /unused } }
        divolte.sinks {}
        divolte.mappings {}
    """,
    )
    [(name, source)] = config.sources.items()
    assert name == "unused-source"
    assert isinstance(source, BrowserSourceConfig) and source.prefix == "/unused/"
    assert config.sinks == {}
    assert config.mappings == {}


def test_implicit_mapping_uses_the_configured_sources_and_sinks(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        divolte.sources { test-json-source { type = json, event_path = /json-event } }
        divolte.sinks { files { type = hdfs } }
    """,
    )
    assert config.sinks["files"] == HdfsSinkConfig()  # explicit: replication 3
    assert config.mappings["default"].sources == ("test-json-source",)
    assert config.mappings["default"].sinks == ("files",)


def test_null_section_means_absent(tmp_path: Path) -> None:
    config = load(tmp_path, "divolte.sources = null\n")
    assert list(config.sources) == ["browser"]


def test_environment_variables_of_reference_conf() -> None:
    env = {
        "DIVOLTE_PORT": "9999",
        "DIVOLTE_KAFKA_BROKER_LIST": "k1:9092,k2:9092",
        "DIVOLTE_KAFKA_CLIENT_ID": "collector-7",
        "DIVOLTE_HOST": "0.0.0.0",  # not wired in reference.conf
    }
    config = load_config(env=env)
    assert config.global_.server.port == 9999
    assert config.global_.server.host is None
    assert config.global_.kafka.producer["bootstrap.servers"] == "k1:9092,k2:9092"
    assert config.global_.kafka.producer["client.id"] == "collector-7"
    assert config.global_.kafka.producer["acks"] == "1"


def test_layer_order_file_over_environment_overrides_over_file(tmp_path: Path) -> None:
    text = "divolte.global.server { port = 7000, host = 127.0.0.2 }\n"
    assert load(tmp_path, text, {"DIVOLTE_PORT": "9999"}).global_.server.port == 7000
    conf = tmp_path / "divolte-collector.conf"
    config = load_config(str(conf), env={}, overrides={"divolte.global.server.port": "9000"})
    assert (config.global_.server.port, config.global_.server.host) == (9000, "127.0.0.2")
    assert config.origin == str(conf)


def test_overrides_accept_python_values() -> None:
    config = load_config(
        env={},
        overrides={
            "divolte.global.hdfs.enabled": False,
            "divolte.global.mapper.threads": 3,
            "divolte.sinks.hdfs.type": "hdfs",
            "divolte.sinks.hdfs.file_strategy.roll_every": D("15 minutes"),
            "divolte.mappings.m": {"sources": ["browser"], "sinks": ["hdfs"]},
        },
    )
    assert config.global_.hdfs.enabled is False
    assert config.global_.mapper.threads == 3
    sink = config.sinks["hdfs"]
    assert isinstance(sink, HdfsSinkConfig)
    assert sink.file_strategy.roll_every == D("15 minutes")
    assert config.mappings["m"].sinks == ("hdfs",)


REFERENCE_LAYOUT = """
divolte.global.server {
  port = 8290
  port = ${?DIVOLTE_PORT}
}
divolte.global.server {
  host = 0.0.0.0
}
"""


@pytest.mark.parametrize(("env", "port"), [({}, 8290), ({"DIVOLTE_PORT": "9123"}, 9123)])
def test_optional_env_substitution_then_a_later_block(
    tmp_path: Path, env: dict[str, str], port: int
) -> None:
    server = load(tmp_path, REFERENCE_LAYOUT, env).global_.server
    assert (server.port, server.host) == (port, "0.0.0.0")


@pytest.mark.parametrize(("env", "port"), [({}, 8290), ({"DIVOLTE_PORT": "9123"}, 9123)])
def test_user_file_may_only_say_port_from_env(
    tmp_path: Path, env: dict[str, str], port: int
) -> None:
    text = (
        "divolte.global.server.port = ${?DIVOLTE_PORT}\n"
        "divolte.global.server.debug_requests = true\n"
    )
    server = load(tmp_path, text, env).global_.server
    assert (server.port, server.debug_requests) == (port, True)


def test_list_append_and_references(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        all-sinks = [hdfs]
        all-sinks += kafka
        divolte {
          sources { browser { type = browser }, app { type = json } }
          mappings.m { sources = [browser], sinks = ${all-sinks} }
          mappings.m.sources += app
          global.hdfs.buffer_size = ${divolte.global.mapper.duplicate_memory_size}
        }
    """,
    )
    assert config.mappings["m"].sources == ("browser", "app")
    assert config.mappings["m"].sinks == ("hdfs", "kafka")
    assert config.global_.hdfs.buffer_size == 1000000  # a ${path} into the built-in defaults


def test_kafka_producer_properties_merge_and_flatten(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        divolte.global.kafka.producer {
          bootstrap.servers = ["k1:9092", "k2:9092"]
          "linger.ms" = 5
          ssl { enabled = true }
        }
    """,
    )
    producer = config.global_.kafka.producer
    assert producer["bootstrap.servers"] == "k1:9092,k2:9092"
    assert producer["linger.ms"] == "5"
    assert producer["ssl.enabled"] == "true"
    assert producer["compression.type"] == "lz4"


def test_hdfs_client_properties(tmp_path: Path) -> None:
    config = load(tmp_path, 'divolte.global.hdfs.client { fs.defaultFS = "hdfs://nn:8020" }\n')
    assert config.global_.hdfs.client == {"fs.defaultFS": "hdfs://nn:8020"}


def test_old_shutdown_names_are_aliases_in_milliseconds(tmp_path: Path) -> None:
    server = load(
        tmp_path,
        """
        divolte.global.server {
          shutdown_wait_period_mills = 20000
          shutdown_grace_period_mills = 3000
        }
    """,
    ).global_.server
    assert server.shutdown_delay == D("20 seconds")
    assert server.shutdown_timeout == D("3 seconds")


def test_reference_test_shutdown_settings(tmp_path: Path) -> None:
    server = load(
        tmp_path,
        """
        divolte.global.server { shutdown_delay = 2200 ms, shutdown_timeout = 3 minutes }
    """,
    ).global_.server
    assert (server.shutdown_delay.millis, server.shutdown_timeout) == (2200, D("3 minutes"))


def test_gcs_full_retry_settings(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        divolte.sinks.gcs {
          type = gcs, bucket = "gs://bucket/folder"
          retry_settings { max_attempts = 9, total_timeout = 138 seconds,
            initial_retry_delay = 19 seconds, retry_delay_multiplier = 2.2,
            max_retry_delay = 25 seconds, jitter_delay = 1925 ms }
        }
    """,
    )
    sink = config.sinks["gcs"]
    assert isinstance(sink, GcsSinkConfig)
    r = sink.retry_settings
    assert (r.max_retries, r.total_timeout, r.initial_retry_delay) == (8, D("138 s"), D("19 s"))
    assert (r.retry_delay_multiplier, r.max_retry_delay, r.jitter_delay) == (
        2.2,
        D("25 s"),
        D("1925 ms"),
    )


def test_gcs_jitter_factor_only_leaves_no_jitter_delay(tmp_path: Path) -> None:
    sink = load(
        tmp_path,
        """
        divolte.sinks.gcs {
          type = gcs, bucket = "gs://bucket/folder", retry_settings.jitter_factor = 0.1
        }
    """,
    ).sinks["gcs"]
    assert isinstance(sink, GcsSinkConfig)
    assert (sink.retry_settings.jitter_delay, sink.retry_settings.jitter_factor) == (None, 0.1)


def test_pubsub_max_rpc_timeout_follows_initial(tmp_path: Path) -> None:
    sink = load(
        tmp_path,
        """
        divolte.sinks.gcps { type = gcps, retry_settings.initial_rpc_timeout = 138263 ns }
    """,
    ).sinks["gcps"]
    assert isinstance(sink, GcpsSinkConfig)
    assert sink.retry_settings.max_rpc_timeout == D("138263 ns")


def test_pubsub_project_id_discovered_from_the_environment(tmp_path: Path) -> None:
    config = load(tmp_path, "divolte.global.gcps.enabled = true\n", {"GCLOUD_PROJECT": "p-1"})
    assert config.global_.gcps.project_id == "p-1"
    credentials = tmp_path / "sa.json"
    credentials.write_text('{"project_id": "from-file"}', encoding="utf-8")
    env = {"GOOGLE_APPLICATION_CREDENTIALS": str(credentials)}
    assert load(tmp_path, "divolte.global.gcps.enabled = true\n", env).global_.gcps.project_id == (
        "from-file"
    )


def test_prefix_gets_a_trailing_slash() -> None:
    assert BrowserSourceConfig(prefix="/tracking").prefix == "/tracking/"
    assert BrowserSourceConfig(prefix="/a/multi/component/prefix/").prefix == (
        "/a/multi/component/prefix/"
    )


CASES = Path(__file__).parent / "config_cases"
MINIMAL_EXAMPLE = (CASES / "config_md_minimal_example.conf").read_text(encoding="utf-8")
FULL_EXAMPLE = (CASES / "config_md_full_example.conf").read_text(encoding="utf-8")


def test_config_md_minimal_example(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL_EXAMPLE)
    mapping = config.mappings["my_mapping"]
    assert mapping.schema_file == "/etc/divolte/MyEventRecord.avsc"
    assert mapping.mapping_script_file == "/etc/divolte/mapping.groovy"
    assert list(config.enabled_sinks()) == ["hdfs"]


def test_config_md_full_example(tmp_path: Path) -> None:
    config = load(tmp_path, FULL_EXAMPLE)
    assert config.global_.server.host == "0.0.0.0"
    assert config.global_.kafka.enabled is True
    assert config.global_.kafka.producer["bootstrap.servers"] == "k1:9092,k2:9092"
    browser, app = config.sources["browser"], config.sources["app"]
    assert isinstance(browser, BrowserSourceConfig) and isinstance(app, JsonSourceConfig)
    assert (browser.prefix, browser.cookie_domain) == ("/tracking/", ".example.com")
    assert (app.event_path, app.maximum_body_size) == ("/app-event", 16384)
    files, stream = config.sinks["files"], config.sinks["stream"]
    assert isinstance(files, HdfsSinkConfig) and isinstance(stream, KafkaSinkConfig)
    assert files.replication == 3
    assert files.file_strategy.working_dir == "/divolte/inflight"
    assert files.file_strategy.publish_dir == "/divolte/published"
    assert files.file_strategy.roll_every == D("15 minutes")
    assert (stream.topic, stream.mode) == ("clicks", "confluent")
    mapping = config.mappings["all"]
    assert (mapping.sources, mapping.sinks) == (("browser", "app"), ("files", "stream"))
    assert (mapping.confluent_id, mapping.discard_corrupted) == (42, True)
    assert list(config.enabled_sinks()) == ["files", "stream"]
    assert list(config.mappings_for_source("app")) == ["all"]
    assert list(config.mappings_for_sink("stream")) == ["all"]


def test_enabled_sinks_skips_disabled_types_and_unused_sinks() -> None:
    config = load_config(env={})
    assert list(config.enabled_sinks()) == ["hdfs"]  # kafka and gcps are disabled by default
    config = load_config(env={}, overrides={"divolte.global.kafka.enabled": True})
    assert list(config.enabled_sinks()) == ["hdfs", "kafka"]
    assert config.sink_type_section(config.sinks["kafka"]) is config.global_.kafka
    assert config.sink_type_section(config.sinks["hdfs"]).threads == 2


@pytest.mark.parametrize("text", ["", MINIMAL_EXAMPLE, FULL_EXAMPLE])
def test_describe_reads_back_to_the_same_configuration(tmp_path: Path, text: str) -> None:
    config = load(tmp_path, text)
    rendered = describe(config, docs=True)
    assert rendered.startswith("# Effective configuration; source: ")
    reloaded = load(tmp_path, rendered)
    assert reloaded.global_ == config.global_
    assert reloaded.sources == config.sources
    assert reloaded.sinks == config.sinks
    assert reloaded.mappings == config.mappings


def test_describe_shows_defaults() -> None:
    text = describe(load_config(env={}))
    assert "    server {\n      host = null\n      port = 8290\n" in text
    assert '      shutdown_timeout = "2 minutes"\n' in text
    assert '        "bootstrap.servers" = "localhost:9092"\n' in text
    assert "    hdfs {\n      type = hdfs\n      replication = 1\n" in text


def test_shared_settings_through_a_reference_then_refined(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        common = { type = hdfs, file_strategy { roll_every = 5 minutes } }
        divolte.sinks.a = ${common}
        divolte.sinks.a { replication = 2, file_strategy.working_dir = /a }
    """,
    )
    sink = config.sinks["a"]
    assert isinstance(sink, HdfsSinkConfig)
    assert (sink.replication, sink.file_strategy.working_dir) == (2, "/a")
    assert sink.file_strategy.roll_every == D("5 minutes")


def test_append_to_a_default_list(tmp_path: Path) -> None:
    text = 'divolte.global.kafka.producer.bootstrap.servers += "k3:9092"\n'
    producer = load(tmp_path, text).global_.kafka.producer
    assert producer["bootstrap.servers"] == "localhost:9092,k3:9092"


def test_file_with_explicit_root_braces(tmp_path: Path) -> None:
    config = load(
        tmp_path, '// JSON style\n{\n  "divolte": { "global": { "server": { "port": 1234 } } }\n}\n'
    )
    assert config.global_.server.port == 1234


def test_public_surface() -> None:
    import divolte.config

    assert set(divolte.config.__all__) == {
        *("load_config", "describe", "Duration", "DurationFormatError", "Config"),
        *("GlobalConfig", "ServerConfig", "MapperConfig", "UserAgentParserConfig"),
        *("HdfsGlobalConfig", "GcsGlobalConfig", "KafkaGlobalConfig", "GcpsGlobalConfig"),
        *("SourceConfig", "BrowserSourceConfig", "JavascriptConfig", "JsonSourceConfig"),
        *("SinkConfig", "SinkTypeConfig", "HdfsSinkConfig", "GcsSinkConfig", "KafkaSinkConfig"),
        *("GcpsSinkConfig", "FileStrategyConfig", "GcsRetrySettings", "GcpsRetrySettings"),
        *("GcpsBatchingSettings", "MappingConfig"),
    }
    assert all(hasattr(divolte.config, name) for name in divolte.config.__all__)
