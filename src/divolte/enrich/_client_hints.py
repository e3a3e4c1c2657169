"""User-Agent Client Hints (``Sec-CH-UA*`` request headers) as plain data.

Chromium browsers freeze parts of the User-Agent string (``Android 10; K``, ``Mac OS X
10_15_7``, ``Chrome/140.0.0.0``) and tell the truth in these headers instead. The three
low-entropy ones (brands, mobile, platform) come with every request; the full version list
and platform version only when the site asked for them with ``Accept-CH``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_HINT_HEADERS = {
    b"sec-ch-ua": 0,
    b"sec-ch-ua-mobile": 1,
    b"sec-ch-ua-platform": 2,
    b"sec-ch-ua-platform-version": 3,
    b"sec-ch-ua-full-version-list": 4,
}
_BRAND = re.compile(r'"(?P<brand>[^"]*)"\s*;\s*v\s*=\s*"(?P<version>[^"]*)"')


class ClientHints(NamedTuple):
    """The raw header values (None when absent); hashable, so it can key a cache."""

    brands: str | None = None
    mobile: str | None = None
    platform: str | None = None
    platform_version: str | None = None
    full_version_list: str | None = None

    @property
    def is_mobile(self) -> bool | None:
        if self.mobile is None:
            return None
        return self.mobile.strip() == "?1"

    @property
    def platform_name(self) -> str | None:
        return _unquote(self.platform)

    @property
    def platform_version_number(self) -> str | None:
        return _unquote(self.platform_version)

    def brand_versions(self) -> list[tuple[str, str]]:
        """``(brand, version)`` pairs, the full versions when the site asked for them."""
        text = self.full_version_list or self.brands
        if not text:
            return []
        return [(m["brand"], m["version"]) for m in _BRAND.finditer(text)]


def _unquote(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().strip('"').strip()
    return text or None


def user_agent_and_hints(
    headers: list[tuple[bytes, bytes]],
) -> tuple[str | None, ClientHints | None]:
    """The first User-Agent value and the client hints, found in one pass over the headers."""
    user_agent: str | None = None
    hints: list[str | None] | None = None
    for name, value in headers:
        lower = name.lower()
        if lower == b"user-agent":
            if user_agent is None:
                user_agent = value.decode("latin-1")
        elif lower.startswith(b"sec-ch-ua"):
            index = _HINT_HEADERS.get(lower)
            if index is not None:
                if hints is None:
                    hints = [None] * 5
                if hints[index] is None:
                    hints[index] = value.decode("latin-1")
    return user_agent, (ClientHints(*hints) if hints is not None else None)
