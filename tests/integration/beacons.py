"""Beacon queries from the spec, kept as data (PROTOCOL §2.18, TESTS.md §0)."""

from __future__ import annotations

from urllib.parse import quote

from tests.spec_values import QUERY_B as QUERY_B  # re-exported for the integration tests

# TESTS.md §0, standard query A (no checksum: corrupt).
QUERY_A = {
    "p": "0:i0rjfnxc:JLOvH9Nda2c1uV8M~vmdhPGFEC3WxVNq",
    "s": "0:i0rjfnxc:FPpXFMdcEORvvaP_HbpDgABG3Iu5__4d",
    "v": "0:OxVC1WJ4PZNEGIUuzdXPsy_bztnKMuoH",
    "e": "0:OxVC1WJ4PZNEGIUuzdXPsy_bztnKMuoH0",
    "c": "i0rjfnxd",
    "n": "t",
    "f": "t",
    "l": "http://www.example.com/",
    "i": "sg",
    "j": "sg",
    "k": "1",
    "w": "sg",
    "h": "sg",
    "t": "pageView",
}

# TESTS.md §2 non-ASCII query (checksum -ql2p2c).
QUERY_NON_ASCII = {
    **QUERY_B,
    "p": "0:i1t84hgy:party",
    "s": "0:i1t84hgy:session",
    "v": "0:pageView",
    "e": "0:eventId",
    "t": "ụñ⚕©ºḌℨ",
}

# PROTOCOL §2.18 event #0, exactly as the tag sends it.
WORKED_EXAMPLE_0 = (
    "/csc-event?p=0%3Akf12ot8g%3AQm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA"
    "&s=0%3Akf12ot8g%3ATb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E"
    "&v=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps&e=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps0"
    "&c=kf12otbv&n=t&f=t"
    "&l=https%3A%2F%2Fshop.example.com%2Fproducts%2F311381%3Fref%3Dhome%23reviews"
    "&r=https%3A%2F%2Fwww.google.com%2F&i=1hc&j=sw&k=2&w=zk&h=k0&t=pageView&x=7ifxx9"
)
WORKED_EXAMPLE_1 = (
    "/csc-event?p=0%3Akf12ot8g%3AQm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA"
    "&s=0%3Akf12ot8g%3ATb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E"
    "&v=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps&e=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps1"
    "&c=kf12owrb&n=f&f=f"
    "&l=https%3A%2F%2Fshop.example.com%2Fproducts%2F311381%3Fref%3Dhome%23reviews"
    "&r=https%3A%2F%2Fwww.google.com%2F&i=1hc&j=sw&k=2&w=zk&h=k0&t=addToBasket"
    "&u=(ssku!0886974140818!dcount!2!jprice!43.94!atags!sa!sb!.fgift!)&x=ikqk0v"
)
WORKED_EXAMPLE_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/38.0.2125.122 Safari/537.36"
)


def encode(params: dict[str, str], **changes: str | None) -> str:
    """``/csc-event?`` + the parameters percent-encoded like the tag does."""
    merged = {**params, **changes}
    safe = "~!*()_.-'"  # what encodeURIComponent leaves alone
    pieces = [f"{k}={quote(v, safe=safe)}" for k, v in merged.items() if v is not None]
    return "/csc-event?" + "&".join(pieces)
