"""User agents (MAPPING §6.6): a maintained parser, the reference's vocabulary, a cache.

ua-parser (uap-core's rules, updated monthly as ``ua-parser-builtins``) run by its Rust
engine ``ua-parser-rs`` finds agent, OS and device; this module reports them in the nine
fields of the reference's ``userAgent()`` with the reference's names (``_ua_tables.py``),
flags robots with a reason (``_robots.py``) and lets Client Hints correct what a frozen
User-Agent string hides (``_client_hints.py``). ``docs/enrichment.md`` has the tables.

Every result is cached in an LRU cache of ``user_agent_parser.cache_size`` entries keyed on
the User-Agent string and the hints, so a realistic stream costs well under a microsecond
per event; a new agent costs about 35 µs.
"""

from __future__ import annotations

import re
from functools import lru_cache

import ua_parser_rs
from ua_parser import Domain, UserAgent
from ua_parser.loaders import load_lazy_builtins
from ua_parser.regex import Resolver

from . import UserAgentInfo
from ._client_hints import ClientHints
from ._robots import HEADLESS, robot_identity, robot_reason
from ._ua_tables import (
    AGENT_NAMES,
    AGENT_VENDORS,
    CLIENT_HINT_BRANDS,
    CLIENT_HINT_PLATFORMS,
    EMAIL_CLIENTS,
    FEED_READERS,
    LIBRARIES,
    MEDIA_PLAYERS,
    OS_FAMILIES,
    OS_VENDORS,
)

PERSONAL_COMPUTER = "Personal computer"
SMARTPHONE = "Smartphone"
TABLET = "Tablet"
SMART_TV = "Smart TV"
GAME_CONSOLE = "Game console"
WEARABLE = "Wearable computer"
OTHER = "Other"
UNKNOWN_DEVICE = "Unknown"

_WINDOWS_NT = re.compile(r"Windows NT (\d+\.\d+)")
# Device classes in one Rust regex pass (ua-parser-rs): first match wins, in this order.
_DEVICE_CLASSES = ua_parser_rs.DeviceExtractor(
    [
        (r"playstation|xbox|nintendo|\bps[345]\b", "i", GAME_CONSOLE, None, None),
        (
            r"smart-?tv|smart tv|hbbtv|web0s|webos\.tv|netcast|bravia|appletv|apple tv|crkey|"
            r"googletv|android ?tv|roku|viera|tizen.*tv|\btv\b|\bled[-_]?\d|uhd|qled|ktv|"
            r"\baft[a-z]",
            "i",
            SMART_TV,
            None,
            None,
        ),
        (
            r"\bwatch\b|watchos|watch os|glass\b|wear ?os|wearable|\bsm-r\d\d\d|gear live|"
            r"ticwatch|\bquest\b|pico neo|mobile vr|\bvr\b",
            "i",
            WEARABLE,
            None,
            None,
        ),
        (
            r"iPad|[Tt]ablet|Kindle|\bSilk\b|PlayBook|Nexus (?:7|9|10)\b|\bSM-[TX]\d|Pad\b|"
            r"\bTab\b|\bMID[-_ ]?\d",
            None,
            TABLET,
            None,
            None,
        ),
    ]
)
_PHONE = re.compile(r"iPhone|iPod|Windows Phone|Lumia|BlackBerry|BB10|KaiOS|Mobile|Opera Mini")
_DESKTOP = re.compile(r"Windows NT|Macintosh|X11|Desktop;|Mac OS/")
_DESKTOP_OS = frozenset({"Windows", "OS X", "Linux", "BSD", "Solaris"})
_MOBILE_DEVICES = frozenset({SMARTPHONE, TABLET, WEARABLE})

UNKNOWN_AGENT = UserAgentInfo(
    name="unknown",
    family="unknown",
    vendor="",
    type="Unknown",
    version="",
    device_category=UNKNOWN_DEVICE,
    os_family="unknown",
    os_version="",
    os_vendor="",
)


class UserAgentParser:
    """Parse User-Agent strings (with optional Client Hints) into :class:`UserAgentInfo`.

    One instance per process; ``parse`` is cached (``cache_size`` entries, 0 disables).
    """

    def __init__(self, cache_size: int = 1000) -> None:
        self._resolver = Resolver(load_lazy_builtins())
        self.parse = lru_cache(maxsize=max(cache_size, 0))(self.parse_uncached)
        """``parse(ua, hints=None)``: :meth:`parse_uncached` behind the LRU cache."""

    def cache_info(self) -> str:
        return str(self.parse.cache_info())

    def parse_uncached(self, ua: str, hints: ClientHints | None = None) -> UserAgentInfo:
        result = self._resolver(ua, Domain.ALL)
        low = ua.lower()
        agent, os, device = result.user_agent, result.os, result.device
        device_family = device.family if device else None
        device_brand = device.brand if device else None
        robot = robot_reason(ua, device_family, device_brand)
        if robot is None and hints is not None and "HeadlessChrome" in (hints.brands or ""):
            robot = (HEADLESS, "HeadlessChrome")
        os_family, os_version = _os(ua, os.family if os else None, _joined(os), hints)
        if robot is not None:
            return _robot(ua, robot, agent, os_family, os_version)
        if agent is None or agent.family == "Other":
            if os_family == "unknown":
                return UNKNOWN_AGENT
            name, version = "unknown", ""
        else:
            name = AGENT_NAMES.get(agent.family, agent.family)
            version = _joined(agent)
            if name == "Apple Mail" and os_family not in ("OS X", "iOS"):
                name, version = "unknown", ""  # uap-core's fallback for bare WebKit (PS5)
        name, version = _apply_brand_hints(name, version, hints)
        category = _device_category(ua, low, name, os_family, device_family, hints)
        return UserAgentInfo(
            name=name,
            family=name,
            vendor=AGENT_VENDORS.get(name, ""),
            type=_agent_type(name, category),
            version=version,
            device_category=category,
            os_family=os_family,
            os_version=os_version,
            os_vendor=OS_VENDORS.get(os_family, ""),
        )


def _joined(parts: object) -> str:
    """``major.minor.patch.patch_minor`` of a ua-parser result, as far as known."""
    if parts is None:
        return ""
    pieces = []
    for field in ("major", "minor", "patch", "patch_minor"):
        value = getattr(parts, field)
        if value is None:
            break
        pieces.append(value)
    return ".".join(pieces)


def _os(ua: str, family: str | None, version: str, hints: ClientHints | None) -> tuple[str, str]:
    """Reference OS family and version; Windows versions are NT versions (``10.0``, ``6.1``)."""
    if family is None or family == "Other":
        os_family, version = "unknown", ""
    else:
        os_family = OS_FAMILIES.get(family, family)
    if hints is not None:
        platform = hints.platform_name
        hinted = CLIENT_HINT_PLATFORMS.get(platform.lower()) if platform else None
        if hinted is not None and hinted != os_family:
            os_family, version = hinted, ""
        platform_version = hints.platform_version_number
        if platform_version and os_family in ("OS X", "Android", "iOS"):
            version = platform_version
    if os_family == "Windows":
        nt = _WINDOWS_NT.search(ua)
        if nt:
            version = nt.group(1)
    return os_family, version


_GENERIC_ROBOT_FAMILIES = frozenset({"Other", "robot", "crawler", "spider", "Spider", "bot"})


def _robot(
    ua: str,
    robot: tuple[str, str | None],
    agent: UserAgent | None,
    os_family: str,
    os_version: str,
) -> UserAgentInfo:
    reason, rule_name = robot
    if rule_name is None and agent is not None and agent.family not in _GENERIC_ROBOT_FAMILIES:
        family, version = agent.family, _joined(agent)
    else:
        family, version = robot_identity(ua, rule_name)
    family = AGENT_NAMES.get(family, family)
    return UserAgentInfo(
        name=f"{family}/{version}" if version else family,
        family=family,
        vendor=AGENT_VENDORS.get(family, ""),
        type="Robot",
        version=version,
        device_category=OTHER,
        os_family=os_family,
        os_version=os_version,
        os_vendor=OS_VENDORS.get(os_family, ""),
        is_robot=True,
        robot_reason=reason,
    )


def _apply_brand_hints(name: str, version: str, hints: ClientHints | None) -> tuple[str, str]:
    """A Chromium-based browser that hides behind a Chrome UA names itself in ``Sec-CH-UA``."""
    if hints is None or not name.startswith(("Chrome", "Chromium", "Edge")):
        return name, version
    for brand, brand_version in hints.brand_versions():
        hinted = CLIENT_HINT_BRANDS.get(brand)
        if hinted is None or hinted == "HeadlessChrome":
            continue
        if hinted == "Chrome" and name.startswith("Chrome"):
            hinted = name  # keep "Chrome Mobile"
        # The full version list has dotted versions; the plain brand list only majors.
        return hinted, brand_version if "." in brand_version else version
    return name, version


def _device_category(
    ua: str,
    low: str,
    name: str,
    os_family: str,
    device_family: str | None,
    hints: ClientHints | None,
) -> str:
    if name in LIBRARIES:
        return OTHER
    mobile = hints.is_mobile if hints is not None else None
    # Fast paths for the common systems, whose devices few patterns tell apart.
    if os_family == "OS X" and not mobile:
        return PERSONAL_COMPUTER
    if os_family == "iOS":
        if "ipad" in low:
            return TABLET
        if "watch" in low:
            return WEARABLE
        return SMART_TV if "apple tv" in low or "appletv" in low else SMARTPHONE
    if os_family == "Windows":
        if "xbox" in low:
            return GAME_CONSOLE
        return SMARTPHONE if mobile or _PHONE.search(ua) else PERSONAL_COMPUTER
    device_class = _DEVICE_CLASSES.extract(ua)
    if device_class is not None:
        return str(device_class.family)
    if device_family and "Tablet" in device_family:
        return TABLET
    if os_family == "Android":
        # Android phones say "Mobile"; tablets don't (Chrome's own rule); hints say for sure.
        if mobile is not None:
            return SMARTPHONE if mobile else TABLET
        return SMARTPHONE if "Mobile" in ua or "Dalvik" in ua else TABLET
    if mobile or _PHONE.search(ua):
        return SMARTPHONE
    if os_family in _DESKTOP_OS or name in EMAIL_CLIENTS or _DESKTOP.search(ua):
        return PERSONAL_COMPUTER
    return OTHER if name != "unknown" else UNKNOWN_DEVICE


def _agent_type(name: str, category: str) -> str:
    if name in LIBRARIES:
        return "Library"
    if name in EMAIL_CLIENTS:
        return "Email client"
    if name in FEED_READERS:
        return "Feed Reader"
    if name in MEDIA_PLAYERS:
        return "Multimedia Player"
    if name == "unknown":
        return "Unknown"
    return "Mobile Browser" if category in _MOBILE_DEVICES else "Browser"
