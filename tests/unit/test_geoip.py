"""GeoIP (MAPPING §6.7) against real City database files built here with mmdb-writer.

``build_city_database`` writes a GeoIP2-City file holding the reference's test record
(Bussum, every §6.7 field) and MaxMind's test address 81.2.69.142 (London, GB); the
integration test uses it too. A few checks run against the real 2018 GeoLite2 City file of
the ``maxminddb-geolite2`` package (a test dependency).
"""

from __future__ import annotations

import gzip
import logging
import os
import time
from pathlib import Path
from typing import Any

import geolite2
import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet  # type: ignore[import-untyped]

from divolte.enrich.factory import build_enrichment
from divolte.enrich.geoip import GeoDatabase, open_city_database
from divolte.errors import ConfigError
from tests.spec_values import BUSSUM as BUSSUM_INFO

BUSSUM_NETWORK = "192.0.2.0/24"
LONDON_NETWORK = "81.2.69.142/31"


def _names(name: str) -> dict[str, Any]:
    return {"names": {"en": name}}


BUSSUM: dict[str, Any] = {
    "city": {"geoname_id": 2758064, **_names("Bussum")},
    "continent": {"code": "EU", "geoname_id": 6255148, **_names("Europe")},
    "country": {"iso_code": "NL", "geoname_id": 2750405, **_names("Netherlands")},
    "location": {
        "latitude": 52.27333,
        "longitude": 5.16111,
        "metro_code": 37331,
        "time_zone": "Europe/Amsterdam",
    },
    "subdivisions": [
        {"iso_code": "WN", "geoname_id": 2331, **_names("Subdivision1")},
        {"iso_code": "YC", "geoname_id": 2333, **_names("Subdivision2")},
    ],
    "postal": {"code": "1403RM"},
    "registered_country": {"iso_code": "AB", "geoname_id": 12, **_names("Name1")},
    "represented_country": {"iso_code": "CD", "geoname_id": 14, **_names("Name2")},
    "traits": {
        "autonomous_system_number": 42,
        "autonomous_system_organization": "Level Communications",
        "domain": "divolte.io",
        "isp": "An ISP",
        "organization": "The Organization",
        "is_anonymous_proxy": True,
        "is_satellite_provider": False,
    },
}
LONDON: dict[str, Any] = {
    "city": {"geoname_id": 2643743, **_names("London")},
    "continent": {"code": "EU", "geoname_id": 6255148, **_names("Europe")},
    "country": {"iso_code": "GB", "geoname_id": 2635167, **_names("United Kingdom")},
    "location": {"latitude": 51.5142, "longitude": -0.0931, "time_zone": "Europe/London"},
    "registered_country": {"iso_code": "GB", "geoname_id": 2635167, **_names("United Kingdom")},
    "subdivisions": [{"iso_code": "ENG", "geoname_id": 6269131, **_names("England")}],
}

EXPECTED_BUSSUM = BUSSUM_INFO


def build_city_database(
    path: Path, records: dict[str, dict[str, Any]] | None = None, kind: str = "GeoIP2-City"
) -> Path:
    """A MaxMind DB file (IPv6 tree, IPv4 mapped in) with ``network → record``."""
    writer = MMDBWriter(
        ip_version=6, ipv4_compatible=True, database_type=kind, languages=["en"],
        description="divolte test database",
    )  # fmt: skip
    chosen = records if records is not None else {BUSSUM_NETWORK: BUSSUM, LONDON_NETWORK: LONDON}
    for network, record in chosen.items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def city_file(tmp_path: Path) -> Path:
    return build_city_database(tmp_path / "city.mmdb")


@pytest.fixture
def database(city_file: Path) -> Any:
    db = GeoDatabase(str(city_file), poll_interval=None)
    yield db
    db.close()


def test_every_field_of_the_reference_record(database: GeoDatabase) -> None:
    assert database.lookup("192.0.2.1") == EXPECTED_BUSSUM


def test_maxmind_test_address_is_in_great_britain(database: GeoDatabase) -> None:
    info = database.lookup("81.2.69.142")
    assert info is not None
    assert (info.country_code, info.city_name, info.continent_code) == ("GB", "London", "EU")
    assert (info.anonymous_proxy, info.satellite_provider) == (False, False)  # Java primitives
    assert info.metro_code is None and info.postal_code is None
    assert info.most_specific_subdivision_code == "ENG"
    # IPv4-mapped IPv6 is the same address
    assert database.lookup("::ffff:81.2.69.142") == info


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "::1", "fe80::1%eth0", "8.8.8.8", "not-an-ip", "", "localhost"]
)
def test_unknown_invalid_and_private_addresses_are_absent(
    database: GeoDatabase, address: str
) -> None:
    assert database.lookup(address) is None  # never a DNS lookup, never an exception


def test_lookups_are_cached(database: GeoDatabase) -> None:
    assert database.lookup("192.0.2.9") is database.lookup("192.0.2.9")


def test_gzipped_database(city_file: Path, tmp_path: Path) -> None:
    gz = tmp_path / "city.mmdb.gz"
    gz.write_bytes(gzip.compress(city_file.read_bytes()))
    db = GeoDatabase(str(gz), poll_interval=None)
    assert db.lookup("192.0.2.1") == EXPECTED_BUSSUM
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".mmdb"] == ["city.mmdb"]


def test_unusable_database_at_start_up_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ip2geo_database.*missing\.mmdb"):
        GeoDatabase(str(tmp_path / "missing.mmdb"), poll_interval=None)
    garbage = tmp_path / "garbage.mmdb"
    garbage.write_bytes(b"this is not a MaxMind database" * 100)
    with pytest.raises(ConfigError, match=r"garbage\.mmdb"):
        GeoDatabase(str(garbage), poll_interval=None)
    asn = build_city_database(tmp_path / "asn.mmdb", kind="GeoLite2-ASN")
    with pytest.raises(ConfigError, match="GeoLite2-ASN database; ip2geo needs a City"):
        GeoDatabase(str(asn), poll_interval=None)


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` over ``path`` so that its modification time visibly changes."""
    before = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_changed_file_is_reloaded_once_it_is_stable(database: GeoDatabase, tmp_path: Path) -> None:
    moved = {**BUSSUM, "city": {"geoname_id": 1, **_names("Naarden")}}
    new = build_city_database(tmp_path / "new.mmdb", {BUSSUM_NETWORK: moved})
    assert database.lookup("192.0.2.1") == EXPECTED_BUSSUM  # cached in the old generation
    _replace(Path(database.path), new.read_bytes())
    assert database.check_for_change() is False  # changed: wait one poll for it to settle
    assert database.check_for_change() is True
    info = database.lookup("192.0.2.1")
    assert info is not None and info.city_name == "Naarden"  # the old cache went with it
    assert database.lookup("81.2.69.142") is None
    assert database.generation == 2
    assert database.check_for_change() is False


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "wrong kind"])
def test_corrupt_new_file_is_rejected_and_the_old_one_kept(
    database: GeoDatabase, city_file: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    good = city_file.read_bytes()
    data = {
        "truncated": good[: len(good) // 2],
        "garbage": bytes(reversed(good)),
        "empty": b"",
        "wrong kind": build_city_database(city_file.with_name("asn.mmdb"),
                                          kind="GeoLite2-ASN").read_bytes(),
    }[damage]  # fmt: skip
    _replace(city_file, data)
    with caplog.at_level(logging.ERROR, logger="divolte.geoip"):
        database.check_for_change()
        assert database.check_for_change() is False
    assert "cannot be used" in caplog.text and "keeping the old one" in caplog.text
    assert database.generation == 1
    assert database.lookup("192.0.2.1") == EXPECTED_BUSSUM
    _replace(city_file, good)  # and a good file after that is picked up again
    database.check_for_change()
    assert database.check_for_change() is True


def test_a_deleted_file_keeps_the_old_database(
    database: GeoDatabase, city_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    city_file.unlink()
    with caplog.at_level(logging.ERROR, logger="divolte.geoip"):
        assert database.check_for_change() is False
        assert database.check_for_change() is False
    assert caplog.text.count("unreadable") == 1
    assert database.lookup("81.2.69.142") is not None


def test_the_watcher_thread_reloads(city_file: Path, tmp_path: Path) -> None:
    db = GeoDatabase(str(city_file), poll_interval=0.05)
    try:
        new = build_city_database(tmp_path / "new.mmdb", {LONDON_NETWORK: BUSSUM})
        _replace(city_file, new.read_bytes())
        deadline = time.monotonic() + 10
        while db.generation == 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        info = db.lookup("81.2.69.142")
        assert info is not None and info.city_name == "Bussum"
    finally:
        db.close()


def test_build_enrichment_with_geo(city_file: Path) -> None:
    from divolte.config import load_config

    config = load_config(None, env={}).global_
    config = type(config)(
        server=config.server,
        mapper=type(config.mapper)(ip2geo_database=str(city_file)),
    )
    enrichment = build_enrichment(config, watch=False)
    try:
        assert enrichment.geo_enabled
        assert enrichment.geo("192.0.2.1") == EXPECTED_BUSSUM
    finally:
        enrichment.close()


@pytest.mark.parametrize(
    ("address", "country", "city"),
    [
        ("81.2.69.142", "GB", None),
        ("193.0.6.139", "NL", "Amsterdam"),  # RIPE NCC
        ("2001:4860:4860::8888", "US", None),  # Google public DNS
        ("1.1.1.1", "AU", None),
    ],
)
def test_real_geolite2_city_file(address: str, country: str, city: str | None) -> None:
    filename = geolite2.geolite2.filename
    assert "City" in open_city_database(filename).metadata().database_type
    db = GeoDatabase(filename, poll_interval=None)
    info = db.lookup(address)
    assert info is not None and info.country_code == country
    if city is not None:
        assert info.city_name == city
    assert db.lookup("10.1.2.3") is None
