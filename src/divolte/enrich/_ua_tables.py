"""Translation tables: ua-parser's names → the reference's (UADetector 2014.10) vocabulary.

Kept as data so that the mapping table in ``docs/enrichment.md`` can be read next to it.
Names the reference knew are spelled as it spelled them (``Mobile Firefox``, ``Android
Webkit``, ``cURL``, ``OS X``, ``RIM OS``); agents and systems that appeared after 2014 keep
ua-parser's name (``Edge``, ``Samsung Internet``, ``KaiOS``).
"""

from __future__ import annotations

from typing import Final

AGENT_NAMES: Final[dict[str, str]] = {
    "Firefox Mobile": "Mobile Firefox",
    "Firefox iOS": "Mobile Firefox",
    "Android": "Android Webkit",
    "Amazon Silk": "silk",
    "Chrome Mobile iOS": "Chrome Mobile",
    "Chrome Mobile WebView": "Chrome Mobile",
    "curl": "cURL",
    "Python Requests": "Python-requests",
    "Python-urllib": "Python-urllib",
    "Yandex Browser": "Yandex.Browser",
    "Opera Mobile": "Opera Mobile",
    "Opera Mini": "Opera Mini",
    "UC Browser": "UC Browser",
    "Apache-HttpClient": "Jakarta Commons-HttpClient",
    "libwww-perl": "libwww-perl",
    "Outlook": "Outlook 2010",
}
"""ua-parser agent family → reference name; anything else keeps ua-parser's name."""

_GOOGLE = "Google Inc."
_APPLE = "Apple Inc."
_MOZILLA = "Mozilla Foundation"
_MICROSOFT = "Microsoft Corporation"

AGENT_VENDORS: Final[dict[str, str]] = {
    "Chrome": _GOOGLE,
    "Chrome Mobile": _GOOGLE,
    "Chromium": _GOOGLE,
    "HeadlessChrome": _GOOGLE,
    "Android Webkit": _GOOGLE,
    "Googlebot": _GOOGLE,
    "Googlebot-Mobile": _GOOGLE,
    "AdsBot-Google": _GOOGLE,
    "Lighthouse": _GOOGLE,
    "Firefox": _MOZILLA,
    "Mobile Firefox": _MOZILLA,
    "Firefox Focus": _MOZILLA,
    "Thunderbird": _MOZILLA,
    "SeaMonkey": _MOZILLA,
    "Safari": _APPLE,
    "Mobile Safari": _APPLE,
    "Mobile Safari UI/WKWebView": _APPLE,
    "Apple Mail": _APPLE,
    "Applebot": _APPLE,
    "IE": _MICROSOFT,
    "IE Mobile": _MICROSOFT,
    "Edge": _MICROSOFT,
    "Edge Mobile": _MICROSOFT,
    "bingbot": _MICROSOFT,
    "BingPreview": _MICROSOFT,
    "Outlook 2010": _MICROSOFT,
    "Opera": "Opera Software ASA",
    "Opera Mobile": "Opera Software ASA",
    "Opera Mini": "Opera Software ASA",
    "Samsung Internet": "Samsung Electronics Co., Ltd.",
    "UC Browser": "UCWeb Inc.",
    "Yandex.Browser": "Yandex LLC",
    "YandexBot": "Yandex LLC",
    "silk": "Amazon.com, Inc.",
    "Brave": "Brave Software, Inc.",
    "Vivaldi": "Vivaldi Technologies AS",
    "Baiduspider": "Baidu, Inc.",
    "DuckDuckBot": "DuckDuckGo, Inc.",
    "facebookexternalhit": "Facebook, Inc.",
    "AhrefsBot": "Ahrefs Pte Ltd",
    "AhrefsSiteAudit": "Ahrefs Pte Ltd",
}
"""Reference agent name → producer; unknown producers are empty, as in the reference."""

LIBRARIES: Final[frozenset[str]] = frozenset(
    {
        "cURL",
        "Wget",
        "Python-requests",
        "Python-urllib",
        "python-httpx",
        "aiohttp",
        "Java",
        "Jakarta Commons-HttpClient",
        "okhttp",
        "Go-http-client",
        "libwww-perl",
        "PHP",
        "Guzzle",
        "node-fetch",
        "axios",
        "Dalvik",
        "CFNetwork",
        "HTTPie",
        "Ruby",
        "WinHTTP",
    }
)
"""Agents typed ``Library`` (reference type name) and categorised ``Other``."""

EMAIL_CLIENTS: Final[frozenset[str]] = frozenset(
    {"Thunderbird", "Apple Mail", "Outlook 2010", "Windows Live Mail", "Lotus Notes", "The Bat!"}
)
FEED_READERS: Final[frozenset[str]] = frozenset({"Feedly", "NetNewsWire", "Reeder", "Liferea"})
MEDIA_PLAYERS: Final[frozenset[str]] = frozenset({"VLC", "iTunes", "Windows Media Player"})

OS_FAMILIES: Final[dict[str, str]] = {
    "Mac OS X": "OS X",
    "macOS": "OS X",
    "iOS": "iOS",
    "iPadOS": "iOS",
    "Windows": "Windows",
    "Windows Phone": "Windows",
    "Windows Mobile": "Windows",
    "Windows RT": "Windows",
    "Android": "Android",
    "Linux": "Linux",
    "Ubuntu": "Linux",
    "Debian": "Linux",
    "Fedora": "Linux",
    "Red Hat": "Linux",
    "SUSE": "Linux",
    "openSUSE": "Linux",
    "Mandriva": "Linux",
    "Gentoo": "Linux",
    "Slackware": "Linux",
    "CentOS": "Linux",
    "Mint": "Linux",
    "Chrome OS": "Linux",
    "Chromecast": "Linux",
    "FreeBSD": "BSD",
    "OpenBSD": "BSD",
    "NetBSD": "BSD",
    "BlackBerry OS": "RIM OS",
    "BlackBerry Tablet OS": "RIM OS",
    "Symbian OS": "Symbian OS",
    "Symbian^3": "Symbian OS",
    "Firefox OS": "Firefox OS",
    "Tizen": "Tizen",
    "webOS": "webOS",
    "Web0S": "webOS",
    "Bada": "Bada",
    "Solaris": "Solaris",
    "Nintendo Switch": "Nintendo",
    "Nintendo 3DS": "Nintendo",
    "Nintendo Wii": "Nintendo",
    "Nintendo WiiU": "Nintendo",
    "PlayStation": "XrossMediaBar (XMB)",
}
"""ua-parser OS family → reference OS family; others keep ua-parser's name."""

OS_VENDORS: Final[dict[str, str]] = {
    "OS X": "Apple Computer, Inc.",
    "iOS": _APPLE,
    "Windows": _MICROSOFT,
    "Android": "Google, Inc.",
    "RIM OS": "Research In Motion Limited",
    "Symbian OS": "Symbian Foundation",
    "Firefox OS": _MOZILLA,
    "Tizen": "Linux Foundation",
    "webOS": "LG Electronics",
    "Bada": "Samsung Electronics Co., Ltd.",
    "Nintendo": "Nintendo Co., Ltd.",
    "XrossMediaBar (XMB)": "Sony Computer Entertainment Inc.",
    "KaiOS": "KaiOS Technologies Inc.",
    "HarmonyOS": "Huawei Technologies Co., Ltd.",
}
"""Reference OS family → producer; Linux, BSD and unknown systems have none."""

CLIENT_HINT_PLATFORMS: Final[dict[str, str]] = {
    "windows": "Windows",
    "macos": "OS X",
    "android": "Android",
    "ios": "iOS",
    "chrome os": "Linux",
    "chromeos": "Linux",
    "linux": "Linux",
}
"""``Sec-CH-UA-Platform`` (lower case, unquoted) → reference OS family."""

CLIENT_HINT_BRANDS: Final[dict[str, str]] = {
    "Google Chrome": "Chrome",
    "Microsoft Edge": "Edge",
    "Opera": "Opera",
    "Opera GX": "Opera",
    "Brave": "Brave",
    "YaBrowser": "Yandex.Browser",
    "Yandex": "Yandex.Browser",
    "Samsung Internet": "Samsung Internet",
    "Vivaldi": "Vivaldi",
    "HeadlessChrome": "HeadlessChrome",
}
"""A significant ``Sec-CH-UA`` brand → reference agent name (Chromium and GREASE skipped)."""
