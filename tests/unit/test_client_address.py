"""Client address (PROTOCOL §2.16, cases C-01 and C-02): forwarding, trusted proxies, rendering."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from divolte.config import ServerConfig, load_config
from divolte.enrich.client_address import (
    ClientAddressResolver,
    forwarded_for_address,
    parse_hop,
    parse_trusted_proxies,
    render_address,
)
from divolte.enrich.factory import build_client_address_resolver, warn_if_geo_sees_proxies
from divolte.errors import ConfigError
from divolte.http.request import Request

PEER = "127.0.0.1"
XFF = ClientAddressResolver(use_x_forwarded_for=True)
TRUSTED = ClientAddressResolver(
    use_x_forwarded_for=True, trusted_proxies=[ipaddress.ip_network("10.0.0.0/8")]
)
FORWARDED = ClientAddressResolver(use_forwarded=True)


def request(*headers: tuple[str, str], peer: str = PEER) -> Request:
    return Request(
        method="GET",
        path="/csc-event",
        raw_query="",
        headers=[(k.encode(), v.encode("latin-1")) for k, v in headers],
        peer=peer,
        keep_alive=True,
        send=lambda data: None,
    )


def xff(*lines: str) -> Request:
    return request(*(("X-Forwarded-For", line) for line in lines))


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["127.0.0.1,192.168.13.23"], "192.168.13.23"),
        (["127.0.0.1"], "127.0.0.1"),
        (["127.0.0.1, 192.168.13.23"], "192.168.13.23"),
        (["127.0.0.1, 8.8.8.8", "192.168.13.23"], "192.168.13.23"),
    ],
)
def test_reference_expectations(lines: list[str], expected: str) -> None:
    """PROTOCOL §2.16's own test values."""
    assert XFF(xff(*lines)) == expected
    assert forwarded_for_address(xff(*lines)) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["198.51.100.23, 10.0.0.5"], "10.0.0.5"),  # Divolte-compatible: the last entry
        (["198.51.100.23", "10.0.0.5"], "10.0.0.5"),  # two lines are one list, in order
        (["unknown, 198.51.100.23"], "198.51.100.23"),
        (["198.51.100.23:51234"], "198.51.100.23"),
        (["[2001:db8::7]:4711"], "2001:db8:0:0:0:0:0:7"),
        (["[2001:db8::7]"], "2001:db8:0:0:0:0:0:7"),
        (["2001:db8::7"], "2001:db8:0:0:0:0:0:7"),
        (["::ffff:203.0.113.5"], "203.0.113.5"),
        (["fe80::1%eth0"], "fe80:0:0:0:0:0:0:1"),
        (["::1"], "0:0:0:0:0:0:0:1"),
        (['"198.51.100.23"'], "198.51.100.23"),
        (["not-an-ip"], PEER),
        (["localhost"], PEER),  # never DNS
        (["198.51.100.23, unknown"], PEER),
        ([""], PEER),
        (["999.1.1.1"], PEER),
        (["[2001:db8::7"], PEER),
    ],
)
def test_c02_one_address_per_request_never_the_list(lines: list[str], expected: str) -> None:
    assert XFF(xff(*lines)) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["198.51.100.23, 10.0.0.5"], "198.51.100.23"),  # the right-most untrusted entry
        (["198.51.100.23", "10.0.0.5"], "198.51.100.23"),
        (["203.0.113.9, 198.51.100.23, 10.1.1.1, 10.0.0.5"], "198.51.100.23"),
        (["10.0.0.7, 10.0.0.5"], "10.0.0.7"),  # all trusted: the left-most
        (["198.51.100.23, unknown, 10.0.0.5"], PEER),  # an unknown hop: nothing left of it
        (["198.51.100.23:80, [::ffff:10.0.0.5]:443"], "198.51.100.23"),
    ],
)
def test_c02_trusted_proxies(lines: list[str], expected: str) -> None:
    assert TRUSTED(xff(*lines)) == expected


def test_without_forwarding_the_peer_is_rendered_the_java_way() -> None:
    plain = ClientAddressResolver()
    assert plain(xff("81.2.69.142")) == PEER  # C-01: header ignored when not enabled
    assert plain(request(peer="::1")) == "0:0:0:0:0:0:0:1"
    assert plain(request(peer="2001:db8::1")) == "2001:db8:0:0:0:0:0:1"
    assert plain(request(peer="::ffff:127.0.0.1")) == "127.0.0.1"
    assert XFF(request(peer="::1")) == "0:0:0:0:0:0:0:1"  # no header: the peer


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("for=192.0.2.60;proto=http;by=203.0.113.43", "192.0.2.60"),
        ('for="[2001:db8:cafe::17]:4711"', "2001:db8:cafe:0:0:0:0:17"),
        ("for=192.0.2.43, for=198.51.100.17", "198.51.100.17"),
        ('For="192.0.2.43:47011";proto=https', "192.0.2.43"),
        ("for=unknown", PEER),
        ('for="_hidden"', PEER),
        ('for=192.0.2.60;by="a;b,c"', "192.0.2.60"),
    ],
)
def test_forwarded_header(header: str, expected: str) -> None:
    assert FORWARDED(request(("Forwarded", header))) == expected


def test_forwarded_header_with_trusted_proxies_and_precedence() -> None:
    both = ClientAddressResolver(
        use_x_forwarded_for=True,
        use_forwarded=True,
        trusted_proxies=[ipaddress.ip_network("10.0.0.0/8")],
    )
    req = request(("Forwarded", "for=198.51.100.23, for=10.0.0.5"), ("X-Forwarded-For", "1.2.3.4"))
    assert both(req) == "198.51.100.23"
    assert both(xff("1.2.3.4")) == "1.2.3.4"  # no Forwarded header: X-Forwarded-For
    assert FORWARDED(xff("1.2.3.4")) == PEER  # X-Forwarded-For not enabled


def test_parsing_and_rendering_helpers() -> None:
    assert parse_hop(" 198.51.100.23 ") == ipaddress.ip_address("198.51.100.23")
    assert parse_hop("unknown") is None
    assert render_address("0:0:0:0:0:0:0:1") == "0:0:0:0:0:0:0:1"
    assert render_address("2001:0db8:0000::0001") == "2001:db8:0:0:0:0:0:1"
    assert render_address("a host") is None


def test_trusted_proxies_from_the_configuration(tmp_path: Path) -> None:
    text = """divolte.global.server {
      use_x_forwarded_for = true
      trusted_proxies = ["10.0.0.0/8", "fd00::/8", "192.168.1.1"]
    }"""
    path = tmp_path / "c.conf"
    path.write_text(text)
    server = load_config(str(path), env={}).global_.server
    assert server.trusted_proxies == ("10.0.0.0/8", "fd00::/8", "192.168.1.1")
    resolve = build_client_address_resolver(server)
    assert resolve(xff("198.51.100.23, 192.168.1.1, fd00::5")) == "198.51.100.23"
    assert load_config(None, env={}).global_.server.trusted_proxies == ()


def test_bad_trusted_proxy_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError) as error:
        parse_trusted_proxies(["10.0.0.0/8", "10.0.0.0/33", "proxy.example.com"])
    text = str(error.value)
    assert text.count("divolte.global.server.trusted_proxies") == 2
    assert "10.0.0.0/33" in text and "proxy.example.com" in text


def _server(**changes: object) -> ServerConfig:
    return replace(load_config(None, env={}).global_.server, **changes)  # type: ignore[arg-type]


def test_c01_start_up_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="divolte.enrich"):
        assert warn_if_geo_sees_proxies(_server()) is True  # unset host: loopback
        assert warn_if_geo_sees_proxies(_server(host="10.1.2.3")) is True
        assert warn_if_geo_sees_proxies(_server(host="0.0.0.0")) is False  # reachable by all
        assert warn_if_geo_sees_proxies(_server(host="81.2.69.142")) is False  # public
        assert warn_if_geo_sees_proxies(_server(host="my-host")) is False  # no DNS
        assert warn_if_geo_sees_proxies(_server(use_x_forwarded_for=True)) is False
        assert warn_if_geo_sees_proxies(_server(use_forwarded=True)) is False
    assert caplog.text.count("lookups will see the proxy's address") == 2


def test_long_forwarded_values_are_not_addresses_and_not_cached() -> None:
    from divolte.enrich.client_address import _parse_hop

    before = _parse_hop.cache_info().currsize
    for n in range(50):
        assert parse_hop(f"{n}" + "1" * 60_000) is None
    assert _parse_hop.cache_info().currsize == before
    assert parse_hop("[2001:db8:cafe::17]:4711") == ipaddress.ip_address("2001:db8:cafe::17")
