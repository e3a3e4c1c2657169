"""Enrichment end to end: real user agents and forwarded headers through the running server,
checked in the Avro records, with a GeoIP City database configured (MAPPING §6.6, §6.7,
PROTOCOL §2.16, cases C-01, C-02, C-10)."""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.beacons import QUERY_A, WORKED_EXAMPLE_UA, encode
from tests.unit.test_geoip import build_city_database

pytestmark = pytest.mark.integration

NINE = (
    "userAgentName", "userAgentFamily", "userAgentVendor", "userAgentType", "userAgentVersion",
    "userAgentDeviceCategory", "userAgentOsFamily", "userAgentOsVersion", "userAgentOsVendor",
)  # fmt: skip
ANDROID_140 = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Mobile Safari/537.36"
)
EDGE_120 = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91"
)
CUBOT = (
    "Mozilla/5.0 (Linux; Android 9; CUBOT P30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/74.0.3729.157 Mobile Safari/537.36"
)
HEADLESS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CHROME_WINDOWS = EDGE_120.rsplit(" Edg/", 1)[0]

# (headers sent, expected remoteHost, expected nine fields or None for "all null")
CASES: list[tuple[list[tuple[str, str]], str, tuple[str, ...] | None]] = [
    (
        [("User-Agent", WORKED_EXAMPLE_UA), ("X-Forwarded-For", "81.2.69.142")],
        "81.2.69.142",
        ("Chrome", "Chrome", "Google Inc.", "Browser", "38.0.2125.122", "Personal computer",
         "OS X", "10.10.1", "Apple Computer, Inc."),
    ),
    (
        [("User-Agent", ANDROID_140), ("X-Forwarded-For", "198.51.100.23"),
         ("X-Forwarded-For", "10.0.0.5")],
        "198.51.100.23",
        ("Chrome Mobile", "Chrome Mobile", "Google Inc.", "Mobile Browser", "140.0.0.0",
         "Smartphone", "Android", "10", "Google, Inc."),
    ),
    (
        [("User-Agent", EDGE_120), ("X-Forwarded-For", "[2001:db8::7]:4711")],
        "2001:db8:0:0:0:0:0:7",
        ("Edge", "Edge", "Microsoft Corporation", "Browser", "120.0.2210.91",
         "Personal computer", "Windows", "10.0", "Microsoft Corporation"),
    ),
    (
        [("User-Agent", CUBOT), ("X-Forwarded-For", "unknown, 198.51.100.23:51234")],
        "198.51.100.23",
        ("Chrome Mobile", "Chrome Mobile", "Google Inc.", "Mobile Browser", "74.0.3729.157",
         "Smartphone", "Android", "9", "Google, Inc."),
    ),
    (
        [("User-Agent", GOOGLEBOT), ("X-Forwarded-For", "not-an-ip")],
        "127.0.0.1",
        ("Googlebot/2.1", "Googlebot", "Google Inc.", "Robot", "2.1", "Other", "unknown", "",
         ""),
    ),
    (
        [("User-Agent", HEADLESS), ("X-Forwarded-For", "::ffff:203.0.113.5")],
        "203.0.113.5",
        ("HeadlessChrome/120.0.0.0", "HeadlessChrome", "Google Inc.", "Robot", "120.0.0.0",
         "Other", "Linux", "", ""),
    ),
    (
        [("User-Agent", CHROME_WINDOWS),
         ("Sec-CH-UA", '"Brave";v="120", "Chromium";v="120", "Not_A Brand";v="24"'),
         ("Sec-CH-UA-Mobile", "?0"), ("Sec-CH-UA-Platform", '"Windows"'),
         ("X-Forwarded-For", "198.51.100.23, 10.9.8.7")],
        "198.51.100.23",
        ("Brave", "Brave", "Brave Software, Inc.", "Browser", "120.0.0.0", "Personal computer",
         "Windows", "10.0", "Microsoft Corporation"),
    ),
    ([("X-Forwarded-For", "fe80::1%eth0")], "fe80:0:0:0:0:0:0:1", None),
]  # fmt: skip


def send(port: int, target: str, headers: list[tuple[str, str]]) -> int:
    """A GET with header lines exactly as given (repeated names stay separate lines)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def beacon(index: int) -> str:
    return encode(QUERY_A, e=f"{QUERY_A['v']}{index}", l=f"http://www.example.com/{index}")


@pytest.fixture
def geo_database(tmp_path: Path) -> Path:
    return build_city_database(tmp_path / "GeoIP2-City-Test.mmdb")


def test_user_agents_and_forwarded_clients(collector_factory: Any, geo_database: Path) -> None:
    collector = collector_factory(
        f"""
        global.mapper.ip2geo_database = "{geo_database}"
        global.server.use_x_forwarded_for = true
        global.server.trusted_proxies = ["10.0.0.0/8"]
        """
    )
    for index, (headers, _, _) in enumerate(CASES):
        assert send(collector.port, beacon(index), headers) == 200
    records = {r["location"]: r for r in collector.stop_and_read()}
    assert len(records) == len(CASES)
    for index, (headers, remote_host, fields) in enumerate(CASES):
        record = records[f"http://www.example.com/{index}"]
        assert record["remoteHost"] == remote_host, headers
        assert record["userAgentString"] == dict(headers).get("User-Agent")
        expected = fields if fields is not None else (None,) * len(NINE)
        assert tuple(record[f] for f in NINE) == expected, headers


def test_c01_geo_behind_a_proxy_without_forwarding_warns_once(
    collector_factory: Any, geo_database: Path
) -> None:
    collector = collector_factory(f'global.mapper.ip2geo_database = "{geo_database}"')
    for index, value in enumerate(["81.2.69.142", "10.1.2.3", "::1", "fe80::1%eth0"]):
        headers = [("User-Agent", WORKED_EXAMPLE_UA), ("X-Forwarded-For", value)]
        assert send(collector.port, beacon(index), headers) == 200
    records = collector.stop_and_read()
    assert {r["remoteHost"] for r in records} == {"127.0.0.1"}
    log = collector.process.log()
    assert log.count("lookups will see the proxy's address") == 1, log
    assert "Traceback" not in log


def test_unusable_geo_database_stops_the_start_up(tmp_path: Path) -> None:
    config = tmp_path / "collector.conf"
    config.write_text(f'divolte.global.mapper.ip2geo_database = "{tmp_path / "none.mmdb"}"')
    done = subprocess.run(
        [sys.executable, "-m", "divolte", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "divolte.global.mapper.ip2geo_database" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
