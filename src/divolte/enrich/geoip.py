"""GeoIP lookups (MAPPING §6.7) in a MaxMind City database, reloaded when the file changes.

``global.mapper.ip2geo_database`` names a GeoIP2/GeoLite2 City ``.mmdb`` file, optionally
gzip-compressed (``.gz``). It is read with the ``maxminddb`` C extension from a private,
memory-mapped copy (a ``.gz`` file is expanded into it), so that the configured file can be
overwritten in place safely. Lookups take an IP literal (never a host name: no DNS) and are
cached per database generation.

A watcher thread polls the file; once a change has been stable for one poll interval the new
file is opened and checked (City metadata, sample lookups) *before* it replaces the old one,
so a truncated or corrupt file is rejected with an error log and the old database stays in
use. The swap is one reference assignment: a lookup sees either the old or the new database.
"""

from __future__ import annotations

import gzip
import ipaddress
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import maxminddb

from divolte.errors import ConfigError

from . import GeoInfo

log = logging.getLogger("divolte.geoip")

LOOKUP_CACHE_SIZE = 10_000
_PROBES = ("81.2.69.142", "1.1.1.1", "8.8.8.8", "2001:4860::1")
_Lookup = Callable[[str], GeoInfo | None]


class GeoDatabase:
    """One City database file, its lookup cache and (optionally) its watcher thread."""

    def __init__(
        self,
        path: str,
        *,
        cache_size: int = LOOKUP_CACHE_SIZE,
        poll_interval: float | None = 5.0,
    ) -> None:
        self.path = path
        self._cache_size = cache_size
        try:
            reader = open_city_database(path)
        except (OSError, ValueError, EOFError, maxminddb.InvalidDatabaseError) as error:
            raise ConfigError(
                [
                    f"divolte.global.mapper.ip2geo_database: cannot use '{path}' as a GeoIP "
                    f"City database: {error}"
                ]
            ) from error
        self._lookup: _Lookup = self._cached(reader)
        self._signature = _signature(path)
        self._pending: tuple[int, int, int] | None = None
        self.generation = 1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if poll_interval is not None:
            self._thread = threading.Thread(
                target=self._watch, args=(poll_interval,), name="geoip-watch", daemon=True
            )
            self._thread.start()
        log.info("GeoIP database %s loaded (%s).", path, reader.metadata().database_type)

    def lookup(self, address: str) -> GeoInfo | None:
        """The record for an IP literal; None when invalid (no DNS) or not in the database."""
        return self._lookup(address)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check_for_change(self) -> bool:
        """One poll: reload when the file changed and then stayed the same; True if swapped."""
        try:
            signature = _signature(self.path)
        except OSError as error:
            if self._pending != (0, 0, 0):
                log.error("GeoIP database %s is unreadable (%s); keeping the old one.",
                          self.path, error)  # fmt: skip
            self._pending = (0, 0, 0)
            return False
        if signature == self._signature:
            self._pending = None
            return False
        if signature != self._pending:
            self._pending = signature  # changed: wait until it stops changing
            return False
        self._pending = None
        self._signature = signature
        return self._reload()

    def _reload(self) -> bool:
        try:
            reader = open_city_database(self.path)
        except Exception as error:  # any failure keeps the old database
            log.error(
                "GeoIP database %s changed but cannot be used (%s); keeping the old one.",
                self.path,
                error,
            )
            return False
        self._lookup = self._cached(reader)  # atomic swap; the old reader goes with its cache
        self.generation += 1
        log.info("GeoIP database %s reloaded (generation %d).", self.path, self.generation)
        return True

    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check_for_change()
            except Exception:
                log.exception("GeoIP watcher failed; it keeps watching.")

    def _cached(self, reader: Any) -> _Lookup:
        def lookup(address: str) -> GeoInfo | None:
            ip = parse_ip_literal(address)
            if ip is None:
                return None
            try:
                record = reader.get(ip)
            except (ValueError, maxminddb.InvalidDatabaseError):
                return None  # e.g. an IPv6 address in an IPv4-only database
            return geo_info(record) if isinstance(record, Mapping) else None

        return lru_cache(maxsize=self._cache_size)(lookup)


def parse_ip_literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IPv4 or IPv6 literal (scope id dropped, IPv4-mapped unwrapped), else None."""
    try:
        ip = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def open_city_database(path: str) -> Any:
    """Open and check a City database; raises when it is missing, corrupt or not a City one.

    The file is first copied (or, for ``.gz``, expanded) to a private, already unlinked
    temporary file which is then memory-mapped: the operator may overwrite the configured
    file in place without pulling the pages from under a running lookup (SIGBUS).
    """
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as source:
        handle, temporary = tempfile.mkstemp(prefix="divolte-geoip-", suffix=".mmdb")
        try:
            with os.fdopen(handle, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
            reader = maxminddb.open_database(temporary, maxminddb.MODE_MMAP_EXT)
        finally:
            os.unlink(temporary)  # the memory map keeps the data alive
    kind = str(reader.metadata().database_type)
    if "City" not in kind and "Enterprise" not in kind:
        raise ValueError(f"it is a {kind} database; ip2geo needs a City database")
    for probe in _PROBES:  # walk the tree and decode records: corrupt data fails here
        try:
            reader.get(probe)
        except ValueError as error:
            if "IPv6" not in str(error):
                raise
    return reader


def _signature(path: str) -> tuple[int, int, int]:
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def _name(section: Mapping[str, Any] | None) -> str | None:
    names = section.get("names") if section else None
    return names.get("en") if isinstance(names, Mapping) else None


def geo_info(record: Mapping[str, Any]) -> GeoInfo:
    """MaxMind's City record → the ``ip2geo()`` fields, as the reference's GeoIP2 API gives them.

    The two deprecated trait flags are False when absent (Java primitives), not None.
    """
    city = record.get("city") or {}
    continent = record.get("continent") or {}
    country = record.get("country") or {}
    location = record.get("location") or {}
    registered = record.get("registered_country") or {}
    represented = record.get("represented_country") or {}
    traits = record.get("traits") or {}
    subdivisions = list(record.get("subdivisions") or ())
    last = subdivisions[-1] if subdivisions else {}
    return GeoInfo(
        city_id=city.get("geoname_id"),
        city_name=_name(city),
        continent_code=continent.get("code"),
        continent_id=continent.get("geoname_id"),
        continent_name=_name(continent),
        country_code=country.get("iso_code"),
        country_id=country.get("geoname_id"),
        country_name=_name(country),
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        metro_code=location.get("metro_code"),
        time_zone=location.get("time_zone"),
        most_specific_subdivision_code=last.get("iso_code"),
        most_specific_subdivision_id=last.get("geoname_id"),
        most_specific_subdivision_name=_name(last),
        postal_code=(record.get("postal") or {}).get("code"),
        registered_country_code=registered.get("iso_code"),
        registered_country_id=registered.get("geoname_id"),
        registered_country_name=_name(registered),
        represented_country_code=represented.get("iso_code"),
        represented_country_id=represented.get("geoname_id"),
        represented_country_name=_name(represented),
        subdivision_codes=tuple(s.get("iso_code") for s in subdivisions),
        subdivision_ids=tuple(s.get("geoname_id") for s in subdivisions),
        subdivision_names=tuple(_name(s) or "" for s in subdivisions),
        autonomous_system_number=traits.get("autonomous_system_number"),
        autonomous_system_organization=traits.get("autonomous_system_organization"),
        domain=traits.get("domain"),
        isp=traits.get("isp"),
        organisation=traits.get("organization"),
        anonymous_proxy=bool(traits.get("is_anonymous_proxy", False)),
        satellite_provider=bool(traits.get("is_satellite_provider", False)),
    )
