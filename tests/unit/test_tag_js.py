"""The tag's JavaScript, run in node against a fake browser (tests/unit/tag_harness/harness.js).

Expected values come from PROTOCOL.md: the §2.18 worked example (whole beacon URLs), the
§2.7 checksum vectors, the §2.8 mincode table and observed outputs, §2.12-2.14 ids and flags,
and §4 (bootstrap, API, page views, delivery). Node is only needed by these tests, never by
the product.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import mmh3
import pytest

from divolte.sources.tag import TagResource
from tests.spec_values import MINCODE_TABLE, QUERY_B, TAG_DEFAULTS

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed; the tag's JavaScript tests run it in node"
)

HARNESS = Path(__file__).parent / "tag_harness" / "harness.js"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~_"
TEST_HOOK = "/*@TEST_HOOK@*/"
HOOK = (
    "window.__tag = {checksum: checksum, mincode: mincode,"
    " hash: function (s) { return murmur3(unescape(encodeURIComponent(s))); }};"
)


def tag_script(**overrides: Any) -> str:
    """The tag exactly as served (minified unless debug=True)."""
    _, _, body = TagResource(**{**TAG_DEFAULTS, **overrides}).respond([], None)
    return body.decode("ascii")


def hooked_script(**overrides: Any) -> str:
    """The debug tag with its internals exposed as window.__tag."""
    script = tag_script(debug=True, **overrides)
    assert script.count(TEST_HOOK) == 1
    return script.replace(TEST_HOOK, HOOK)


def run(script: str, steps: list[Any] | None = None, **env: Any) -> dict[str, Any]:
    assert NODE is not None
    payload = json.dumps({"script": script, "env": env, "steps": steps or []})
    done = subprocess.run(
        [NODE, str(HARNESS)], input=payload, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def query(url: str) -> list[tuple[str, str]]:
    """The raw (still encoded) name/value pairs of a beacon URL, in order."""
    return [
        (pair.split("=", 1)[0], pair.split("=", 1)[1]) for pair in url.split("?", 1)[1].split("&")
    ]


def param(url: str, name: str) -> str | None:
    return dict(query(url)).get(name)


def must(url: str, name: str) -> str:
    value = param(url, name)
    assert value is not None, f"no {name} in {url}"
    return value


def random_bytes_for(*uniques: str) -> list[int]:
    """Bytes that make the tag draw exactly these 32-character unique parts."""
    return [ALPHABET.index(char) for unique in uniques for char in unique]


# --- §2.18 worked example -----------------------------------------------------------------

PARTY = "0:kf12ot8g:Qm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA"
SESSION = "0:kf12ot8g:Tb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E"
PAGE_VIEW = "0:Xo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps"
WORKED_ENV: dict[str, Any] = {
    "href": "https://shop.example.com/products/311381?ref=home#reviews",
    "referrer": "https://www.google.com/",
    "scriptSrc": "https://shop.example.com/divolte.js",
    "screen": [1920, 1040],
    "inner": [1280, 720],
    "dpr": 2,
    "now": 1600000000000,
    # Hidden at load, so the page view starts when shown: at the example's event time.
    "hidden": True,
    "randomBytes": random_bytes_for(PARTY[-32:], SESSION[-32:], PAGE_VIEW[-32:]),
}
WORKED_STEPS: list[Any] = [
    "__setNow(1600000000123); document.hidden = false; __fire(document, 'visibilitychange');",
    {"wait": 20},
    "__setNow(1600000004567);"
    " __record(divolte.signal('addToBasket', {sku: '0886974140818', count: 2, price: 43.94,"
    " tags: ['a', 'b'], gift: false}));",
    {"wait": 20},
    "__setNow(1600000009000); __record(divolte.signal('search', {q: '\\ud83c\\udf55 pizza'}));",
    {"wait": 20},
]
EVENT_0 = (
    "https://shop.example.com/csc-event?p=0%3Akf12ot8g%3AQm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA"
    "&s=0%3Akf12ot8g%3ATb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E&v=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps"
    "&e=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps0&c=kf12otbv&n=t&f=t"
    "&l=https%3A%2F%2Fshop.example.com%2Fproducts%2F311381%3Fref%3Dhome%23reviews"
    "&r=https%3A%2F%2Fwww.google.com%2F&i=1hc&j=sw&k=2&w=zk&h=k0&t=pageView&x=7ifxx9"
)
EVENT_1 = (
    "https://shop.example.com/csc-event?p=0%3Akf12ot8g%3AQm3Fz0yH~Ls1tQwZc8pR2mN5bJ7eK4uA"
    "&s=0%3Akf12ot8g%3ATb9xW2q_Lr8kPz4nVc6yHs1dJm0gFa3E&v=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps"
    "&e=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps1&c=kf12owrb&n=f&f=f"
    "&l=https%3A%2F%2Fshop.example.com%2Fproducts%2F311381%3Fref%3Dhome%23reviews"
    "&r=https%3A%2F%2Fwww.google.com%2F&i=1hc&j=sw&k=2&w=zk&h=k0&t=addToBasket"
    "&u=(ssku!0886974140818!dcount!2!jprice!43.94!atags!sa!sb!.fgift!)&x=ikqk0v"
)
EVENT_2_TAIL = "&e=0%3AXo7Rk2Lq9Wm4Zt1Yb8Nc5Vd3Hf6Gj0Ps2&c=kf12p06g&n=f&f=f"
EVENT_2_END = "&t=search&u=(sq!%F0%9F%8D%95%20pizza!)&x=k1av8q"


@pytest.mark.parametrize("debug", [False, True], ids=["minified", "debug"])
def test_worked_example_urls_are_exactly_the_specs(debug: bool) -> None:
    result = run(tag_script(debug=debug), WORKED_STEPS, **WORKED_ENV)
    assert result["errors"] == []
    images = result["images"]
    assert len(images) == 3
    assert images[0] == EVENT_0
    assert images[1] == EVENT_1
    assert EVENT_2_TAIL in images[2]
    assert images[2].endswith(EVENT_2_END)
    # signal() returns the event ids.
    assert result["records"] == [PAGE_VIEW + "1", PAGE_VIEW + "2"]


def test_worked_example_cookies() -> None:
    result = run(tag_script(), WORKED_STEPS[:1], **WORKED_ENV)
    session_expiry = formatdate(1600000000.123 + 1800, usegmt=True)
    party_expiry = formatdate(1600000000.123 + 63072000, usegmt=True)
    assert result["cookies"] == [
        f"_dvs={SESSION}; path=/; expires={session_expiry}; max-age=1800",
        f"_dvp={PARTY}; path=/; expires={party_expiry}; max-age=63072000",
    ]
    assert result["jar"] == {"_dvs": SESSION, "_dvp": PARTY}


def test_parameter_order_and_encoding() -> None:
    steps = ["divolte.signal('t y&p=e', {k: 'v'});", {"wait": 20}]
    result = run(tag_script(), steps, dpr=1, referrer="http://a/")
    first, second = result["images"]
    assert [name for name, _ in query(first)] == list("psvecnflrijkwhtx")
    assert [name for name, _ in query(second)] == list("psvecnflrijkwhtux")
    assert param(second, "t") == "t%20y%26p%3De"
    assert param(second, "u") == "(sk!v!)"


# --- §2.7 checksum ------------------------------------------------------------------------


def canonical_pairs(**values: str) -> list[str]:
    return [f"{name}={value}" for name, value in values.items()]


CHECKSUM_BASE = {name: QUERY_B[name] for name in "cnflijkwh"}
CHECKSUM_CASES = [
    (
        canonical_pairs(
            **CHECKSUM_BASE,
            p="0:i1t84hgy:5AF359Zjq5kUy98u4wQjlIZzWGhN~GlG",
            s="0:i1t84hgy:95CbiPCYln_1e0a6rFvuRkDkeNnc6KC8",
            v="0:1fF6GFGjDOQiEx_OxnTm_tl4BH91eGLF",
            e="0:1fF6GFGjDOQiEx_OxnTm_tl4BH91eGLF0",
            t="pageView",
        ),
        "si9804",
    ),
    (
        canonical_pairs(
            **CHECKSUM_BASE,
            p="0:i1t84hgy:party",
            s="0:i1t84hgy:session",
            v="0:pageView",
            e="0:eventId",
            t="\u1ee5\u00f1\u2695\u00a9\u00ba\u1e0c\u2128",
        ),
        "-ql2p2c",
    ),
    (
        canonical_pairs(
            **CHECKSUM_BASE,
            p="0:i1t84hgy:party",
            s="0:i1t84hgy:session",
            v="0:pageView",
            e="0:eventId",
            t="sentinelEvent",
        ),
        "-y99lem",
    ),
    (
        canonical_pairs(
            p=PARTY,
            s=SESSION,
            v=PAGE_VIEW,
            e=PAGE_VIEW + "0",
            c="kf12otbv",
            n="t",
            f="t",
            l="https://shop.example.com/products/311381?ref=home#reviews",
            r="https://www.google.com/",
            i="1hc",
            j="sw",
            k="2",
            w="zk",
            h="k0",
            t="pageView",
        ),
        "7ifxx9",
    ),
]


def test_checksum_vectors() -> None:
    steps = [f"__record(__tag.checksum({json.dumps(pairs)}));" for pairs, _ in CHECKSUM_CASES]
    result = run(hooked_script(), steps, imageMode="never")
    assert result["errors"] == []
    assert result["records"] == [expected for _, expected in CHECKSUM_CASES]


def test_hash_is_correct_murmur3_for_all_unicode() -> None:
    rng = random.Random(20200913)
    pool = "aZ09~!;=,:/\u00e9\u00f1\u20ac\u2695\uffff\U0001f355\U0001f600\U00010000\U0010ffff"
    texts = ["", "t=\U0001f600,;", "\U0001f600", "a", "ab", "abc", "abcd", "abcde"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randrange(40))) for _ in range(200)]
    steps = [f"__record(__tag.hash({json.dumps(text)}));" for text in texts]
    result = run(hooked_script(), steps, imageMode="never")
    assert result["errors"] == []
    expected = [mmh3.hash(text.encode("utf-8"), 0, signed=True) for text in texts]
    assert result["records"] == expected
    # PROTOCOL §2.7 smaller vectors (the correct hash, not Guava 29's).
    assert result["records"][1:3] == [-161134251, -1095487750]


# --- §2.8 mincode -------------------------------------------------------------------------

MINCODE_OBSERVED = [
    ("0", "d0!"),
    ("-0", "d0!"),
    ("0.5", "j0.5!"),
    ("1e21", "j1e+21!"),
    ("1e-7", "j1e-7!"),
    ("-78.3e-10", "j-7.83e-9!"),
    ("123456789", "d21i3v9!"),
    ("Math.pow(2, 53)", "d2gosa7pa2gw!"),
    ("1.5e300", "j1.5e+300!"),
    ('""', "s!"),
    ('"a!b~c"', "sa~!b~~c!"),
    ('[1, "a", null, undefined, true]', "ad1!sa!nnt."),
    ("{a: 1, b: undefined}", "(da!1!)"),
    ('{"k!~": {x: [[]]}}', "((k~!~~!ax!a..))"),
    # The table rows of §2.8 (JSON is a JavaScript expression).
    *MINCODE_TABLE,
    # The big table row, except that the tag writes -78.3e-10 as -7.83e-9 (shorter
    # notation of the same number, as in the observed outputs above).
    (
        '{"a":{},"b":"c","d":{"a":[],"b":"g"},"e":["1","2"],"f":42,"g":53.2,"h":-37,'
        '"i":-78.3e-10,"j":true,"k":false,"l":null,"m":{},"n":[{},{"a":"b"},{"c":"d"}],"o":{}}',
        "((a!)sb!c!(d!aa!.sb!g!)ae!s1!s2!.df!16!jg!53.2!dh!-11!ji!-7.83e-9!tj!fk!nl!(m!)"
        "an!()(sa!b!)(sc!d!).(o!))",
    ),
    ("new Date(Date.UTC(2015, 5, 13, 15, 49, 33, 2))", "s2015-06-13T15:49:33.002Z!"),
    ("NaN", "n"),
    ("[Infinity, -Infinity]", "ann."),
    ("{toJSON: function () { return 7; }}", "d7!"),
]

# TESTS.md §9 C1, the browser tests' custom-event fixture.
C1 = (
    "(function () {"
    " var T1 = {toJSON: function () { return 'custom'; }},"
    " T2 = {toJSON: function () { return undefined; }};"
    " return { a: {}, b: 'c',"
    " c: 'A string with lots of things to escape\\u2026 !+~?=;()-_[]<>%|^`&\"\\'',"
    " d: { a: [], b: 'g' }, e: ['1', '2'], f: 42, g: 53.2, h: -37, i: -78.3e-10, j: true,"
    " k: false, l: null, m: new Date(Date.UTC(2015, 5, 13, 15, 49, 33, 2)), n: {},"
    " o: [{}, {a: 'b'}, {c: 'd'}], p: [null, undefined, {a: 'b', b: undefined}, T1, T2, {a: T2}],"
    " q: {} };"
    "}())"
)
C1_MINCODE = (
    "((a!)sb!c!sc!A string with lots of things to escape\u2026 ~!+~~?=;()-_[]<>%|^`&\"'!"
    "(d!aa!.sb!g!)ae!s1!s2!.df!16!jg!53.2!dh!-11!ji!-7.83e-9!tj!fk!nl!"
    "sm!2015-06-13T15:49:33.002Z!(n!)ao!()(sa!b!)(sc!d!).ap!nn(sa!b!)scustom!n().(q!))"
)
C1_JSON = (
    '{"a":{},"b":"c","c":"A string with lots of things to escape\u2026 !+~?=;()-_[]<>%|^`&\\"\'",'
    '"d":{"a":[],"b":"g"},"e":["1","2"],"f":42,"g":53.2,"h":-37,"i":-7.83E-9,"j":true,'
    '"k":false,"l":null,"m":"2015-06-13T15:49:33.002Z","n":{},"o":[{},{"a":"b"},{"c":"d"}],'
    '"p":[null,null,{"a":"b"},"custom",null,{}],"q":{}}'
)


def test_mincode_encoder() -> None:
    cases = [*MINCODE_OBSERVED, (C1, C1_MINCODE)]
    steps = [f"__record(__tag.mincode({expression}));" for expression, _ in cases]
    result = run(hooked_script(), steps, imageMode="never")
    assert result["errors"] == []
    assert dict(zip([e for e, _ in cases], result["records"], strict=True)) == dict(cases)


def test_mincode_calls_to_json_of_objects_only() -> None:
    # Libraries such as old Prototype.js add toJSON to String.prototype; like the reference
    # (and unlike JSON.stringify), only objects have theirs called.
    preset = "String.prototype.toJSON = function () { return 'wrong'; };"
    steps = ["__record([__tag.mincode('a'), __tag.mincode({k: 'v'})])"]
    result = run(hooked_script(), steps, imageMode="never", preset=preset)
    assert result["records"] == [["sa!", "(sk!v!)"]]


def test_mincode_refuses_functions() -> None:
    steps = [
        "divolte.signal('bad', {f: function () {}});",
        "__record(divolte.signal('good', {}));",
        {"wait": 20},
    ]
    result = run(tag_script(), steps)
    assert result["errors"] == [
        ["step0", "divolte: cannot encode a function as an event parameter"]
    ]
    # The refused event was not sent and did not use up an event id.
    assert [param(url, "t") for url in result["images"]] == ["pageView", "good"]
    assert result["records"][0].endswith("1")


def test_parameters_reach_the_server_decoder() -> None:
    """The tag's encoding of C1 decodes, server side, to the JSON of TESTS.md §9."""
    from divolte import mincode

    result = run(tag_script(), [f"divolte.signal('custom', {C1});", {"wait": 20}])
    encoded = param(result["images"][1], "u")
    assert encoded is not None
    assert unquote(encoded) == C1_MINCODE
    assert mincode.to_json_text(mincode.decode(unquote(encoded))) == C1_JSON


def test_undefined_parameters_send_no_u() -> None:
    steps = [
        "divolte.signal('a'); divolte.signal('b', undefined);"
        " divolte.signal('c', {toJSON: function () { return undefined; }});",
        {"wait": 30},
    ]
    result = run(tag_script(), steps)
    # [deliberate] the reference sends u=undefined for the last one; we send no parameters.
    assert [param(url, "u") for url in result["images"]] == [None, None, None, None]


# --- §2.9-2.14 identifiers, cookies, flags ------------------------------------------------


def test_generated_identifiers() -> None:
    result = run(
        tag_script(), ["__record([divolte.partyId, divolte.sessionId, divolte.pageViewId])"]
    )
    party, session, page_view = result["records"][0]
    for identifier in (party, session):
        zero, stamp, unique = identifier.split(":")
        assert (zero, stamp) == ("0", "kf12ot8g")
        assert len(unique) == 32 and set(unique) <= set(ALPHABET)
    assert page_view.startswith("0:") and len(page_view) == 34
    assert set(page_view[2:]) <= set(ALPHABET)
    assert len({party, session, page_view}) == 3


def test_identifiers_without_crypto_are_marked() -> None:
    result = run(tag_script(), ["__record([divolte.partyId, divolte.pageViewId])"], noCrypto=True)
    party, page_view = result["records"][0]
    assert party.endswith("!") and len(party.split(":")[2]) == 33
    assert page_view.endswith("!") and len(page_view) == 35


def test_existing_cookies_are_used_and_flags_cleared() -> None:
    result = run(
        tag_script(),
        [
            "__record([divolte.isNewPartyId, divolte.isFirstInSession]); divolte.signal('x');",
            {"wait": 20},
        ],
        cookie="other=1; _dvp=0:abc:PARTY; _dvs=0:abc:SESSION",
    )
    assert result["records"] == [[False, False]]
    for url in result["images"]:
        assert (param(url, "p"), param(url, "s")) == ("0%3Aabc%3APARTY", "0%3Aabc%3ASESSION")
        assert (param(url, "n"), param(url, "f")) == ("f", "f")


def test_new_session_of_known_party() -> None:
    result = run(tag_script(), [{"wait": 5}], cookie="_dvp=0:abc:PARTY")
    (url,) = result["images"]
    assert (param(url, "n"), param(url, "f")) == ("f", "t")
    assert must(url, "s").startswith("0%3Akf12ot8g%3A")


def test_last_cookie_occurrence_wins() -> None:
    preset = (
        "Object.defineProperty(document, 'cookie', {configurable: true,"
        " get: function () { return '_dvp=0:a:FIRST; x=_dvp=0:a:NO; _dvp=0:a:LAST'; },"
        " set: function () {}});"
    )
    result = run(tag_script(), ["__record(divolte.partyId)"], preset=preset)
    assert result["records"] == ["0:a:LAST"]


def test_configured_cookies() -> None:
    script = tag_script(
        party_cookie="pc",
        session_cookie="sc",
        party_timeout_seconds=10,
        session_timeout_seconds=5,
        cookie_domain=".example.com",
    )
    result = run(script, [], now=0, cookie="_dvp=0:a:IGNORED")
    assert result["cookies"] == [
        f"sc={result['jar']['sc']}; path=/; expires=Thu, 01 Jan 1970 00:00:05 GMT;"
        " max-age=5; domain=.example.com",
        f"pc={result['jar']['pc']}; path=/; expires=Thu, 01 Jan 1970 00:00:10 GMT;"
        " max-age=10; domain=.example.com",
    ]
    assert param(result["images"][0], "n") == "t"


def test_cookies_slide_on_every_event() -> None:
    result = run(tag_script(), ["__setNow(1600000060000); divolte.signal('later');", {"wait": 20}])
    assert len(result["cookies"]) == 4
    assert "max-age=1800" in result["cookies"][2]
    assert formatdate(1600000060 + 1800, usegmt=True) in result["cookies"][2]


def test_event_ids_count_in_hex() -> None:
    steps = ["for (var i = 0; i < 11; i++) divolte.signal('e' + i);", {"wait": 100}]
    result = run(tag_script(), steps)
    page_view = param(result["images"][0], "v")
    assert page_view is not None
    suffixes = [must(url, "e")[len(page_view) :] for url in result["images"]]
    assert suffixes == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b"]


def test_page_view_id_from_script_fragment() -> None:
    steps = [
        "__record([divolte.pageViewId, divolte.isServerPageView,"
        " divolte.signal('custom', {key: 'value'})])",
        {"wait": 20},
    ]
    pv = "supercalifragilisticexpialidocious"
    result = run(tag_script(), steps, scriptSrc=f"http://localhost/divolte.js#{pv}")
    first, second = result["images"]
    assert first.startswith("http://localhost/csc-event?")
    assert (param(first, "v"), param(first, "e")) == (pv, pv + "0")
    assert (param(second, "v"), param(second, "e")) == (pv, pv + "1")
    assert result["records"] == [[pv, True, pv + "1"]]


def test_page_view_id_with_slash_is_refused() -> None:
    result = run(
        tag_script(),
        ["__record(typeof window.divolte)"],
        scriptSrc="http://localhost/divolte.js#a/b",
    )
    assert result["errors"] == [
        ["tag", "divolte: a page-view id in the script URL may not contain '/'"]
    ]
    assert result["images"] == []
    assert result["records"] == ["undefined"]


# --- §4.3 bootstrap and exports -----------------------------------------------------------


def test_script_scan_without_current_script() -> None:
    result = run(
        tag_script(script_name="dvt.js", event_suffix="web-event"),
        [],
        scriptSrc=None,
        scripts=["http://localhost/other.js", "http://cdn.example/t/dvt.js?v=3"],
    )
    assert result["errors"] == []
    assert result["images"][0].startswith("http://cdn.example/t/web-event?p=")


@pytest.mark.parametrize(
    ("scripts", "message"),
    [
        (
            ["http://a/x/dvt.js", "http://b/dvt.js#pv"],
            "divolte: more than one script element loads dvt.js",
        ),
        (["http://a/notdvt.js", "http://a/dvt.jsx"], "divolte: no script element loads dvt.js"),
    ],
)
def test_script_scan_failures(scripts: list[str], message: str) -> None:
    result = run(tag_script(script_name="dvt.js"), [], scriptSrc=None, scripts=scripts)
    assert result["errors"] == [["tag", message]]
    assert result["images"] == []


def test_existing_window_divolte_is_left_alone() -> None:
    result = run(
        tag_script(), ["__record(window.divolte.mine)"], preset="window.divolte = {mine: 1};"
    )
    assert result["records"] == [1]
    assert result["images"] == [] and result["cookies"] == []


def test_amd_export() -> None:
    preset = "window.define = function (f) { window.amd = f(); }; window.define.amd = {};"
    result = run(
        tag_script(), ["__record([typeof window.divolte, typeof amd.signal])"], preset=preset
    )
    assert result["records"] == [["undefined", "function"]]
    assert len(result["images"]) == 1


def test_module_export() -> None:
    preset = "window.module = {exports: {}};"
    result = run(
        tag_script(),
        ["__record([typeof window.divolte, typeof module.exports.whenCommitted])"],
        preset=preset,
    )
    assert result["records"] == [["undefined", "function"]]


def test_api_is_frozen_but_page_view_id_follows() -> None:
    steps = [
        "window.before = divolte.pageViewId; divolte.partyId = 'x'; divolte.signal = null;",
        {"wait": 10},
        "__fire(window, 'pagehide'); __fire(window, 'pageshow', {persisted: true});",
        {"wait": 10},
        "__record([Object.isFrozen(divolte), divolte.partyId === 'x', typeof divolte.signal,"
        " before === divolte.pageViewId, Object.keys(divolte)])",
    ]
    result = run(tag_script(), steps)
    assert result["records"] == [
        [
            True,
            False,
            "function",
            False,
            [
                "partyId",
                "sessionId",
                "pageViewId",
                "isNewPartyId",
                "isFirstInSession",
                "isServerPageView",
                "signal",
                "whenCommitted",
            ],
        ]
    ]


# --- §4.5 page views ----------------------------------------------------------------------


def test_bfcache_restore_starts_a_new_page_view() -> None:
    steps = [
        "divolte.signal('a');",
        {"wait": 20},
        "__fire(window, 'pageshow', {persisted: false});",  # no pagehide yet: nothing
        {"wait": 10},
        "__fire(window, 'pagehide'); __fire(window, 'pageshow', {persisted: true});",
        {"wait": 20},
        "divolte.signal('b');",
        {"wait": 20},
    ]
    result = run(tag_script(), steps)
    events = [(must(u, "t"), must(u, "v"), must(u, "e"), must(u, "n")) for u in result["images"]]
    assert [e[0] for e in events] == ["pageView", "a", "pageView", "b"]
    assert events[0][1] == events[1][1] != events[2][1] == events[3][1]
    assert [e[2][-1] for e in events] == ["0", "1", "0", "1"]
    assert [e[3] for e in events] == ["t", "f", "f", "f"]


def test_bfcache_with_provided_page_view_id_keeps_id_and_counter() -> None:
    steps = ["__fire(window, 'pagehide'); __fire(window, 'pageshow');", {"wait": 20}]
    result = run(tag_script(), steps, scriptSrc="http://localhost/divolte.js#pv")
    assert [(param(u, "t"), param(u, "e")) for u in result["images"]] == [
        ("pageView", "pv0"),
        ("pageView", "pv1"),
    ]


def test_hidden_page_defers_page_view_until_visible() -> None:
    steps = [
        {"wait": 20},
        "__record(divolte.pageViewId);",
        "document.hidden = false; __fire(document, 'visibilitychange');",
        {"wait": 20},
        "__fire(document, 'visibilitychange');",
        {"wait": 20},
    ]
    result = run(tag_script(), steps, hidden=True)
    (url,) = result["images"]
    assert param(url, "t") == "pageView"
    assert param(url, "v") == result["records"][0].replace(":", "%3A")


def test_signal_while_hidden_starts_the_page_view() -> None:
    steps = [
        "divolte.signal('early');",
        {"wait": 20},
        "document.hidden = false; __fire(document, 'visibilitychange');",
        {"wait": 20},
    ]
    result = run(tag_script(), steps, hidden=True)
    assert [param(u, "t") for u in result["images"]] == ["pageView", "early"]


def test_prefixed_visibility_api() -> None:
    preset = "delete document.hidden; document.webkitHidden = true;"
    steps = [
        {"wait": 10},
        "document.webkitHidden = false; __fire(document, 'webkitvisibilitychange');",
        {"wait": 10},
    ]
    result = run(tag_script(), steps, preset=preset)
    assert [param(u, "t") for u in result["images"]] == ["pageView"]


def test_no_auto_page_view() -> None:
    steps = [
        {"wait": 10},
        "divolte.signal('pageView', {foo: 'moo', bar: 'baz'});",
        {"wait": 10},
        "__fire(window, 'pagehide'); __fire(window, 'pageshow');",
        {"wait": 10},
    ]
    result = run(tag_script(auto_page_view_event=False), steps)
    (url,) = result["images"]
    assert param(url, "u") == "(sfoo!moo!sbar!baz!)"
    assert (param(url, "n"), param(url, "f")) == ("t", "t")


def test_signal_without_type() -> None:
    steps = ["__record([divolte.signal(''), divolte.signal(null), divolte.signal()])", {"wait": 10}]
    result = run(tag_script(), steps)
    assert result["records"] == [[None, None, None]]
    assert len(result["images"]) == 1


def test_optional_browser_state() -> None:
    result = run(tag_script(), [], dpr=1.5, referrer="")
    (url,) = result["images"]
    assert param(url, "r") is None
    # [quirk kept] a fractional ratio is sent in base 36 and the server ignores it.
    assert param(url, "k") == "1.i"
    result = run(tag_script(), [])
    assert param(result["images"][0], "k") is None


# --- §4.6 delivery ------------------------------------------------------------------------


def test_delivery_is_sequential() -> None:
    steps = ["divolte.signal('a'); divolte.signal('b');", {"wait": 50}]
    result = run(tag_script(), steps, imageMode="never")
    # The first beacon never completes and the timeout (750 ms) has not passed.
    assert [param(u, "t") for u in result["images"]] == ["pageView"]


def test_timeout_moves_the_queue_on() -> None:
    steps = ["divolte.signal('a'); divolte.signal('b');", {"wait": 200}]
    result = run(tag_script(event_timeout_seconds=0.02), steps, imageMode="never")
    assert [param(u, "t") for u in result["images"]] == ["pageView", "a", "b"]


def test_errors_also_move_the_queue_on() -> None:
    steps = ["divolte.signal('a');", {"wait": 30}]
    result = run(tag_script(), steps, imageMode="error")
    assert [param(u, "t") for u in result["images"]] == ["pageView", "a"]


def test_when_committed_runs_at_once_when_idle() -> None:
    steps = [
        {"wait": 20},
        "var ran = false; divolte.whenCommitted(function () { ran = true; });"
        " __record(ran); divolte.signal('after', {callbackWasImmediate: ran});",
        {"wait": 20},
    ]
    result = run(tag_script(), steps)
    assert result["records"] == [True]
    assert param(result["images"][1], "u") == "(tcallbackWasImmediate!)"


def test_when_committed_waits_for_earlier_events() -> None:
    steps = [
        "for (var i = 0; i < 10; i++) divolte.signal('clickOutEvent', {i: i});"
        " divolte.whenCommitted(function () { __record(__sent()); });"
        " divolte.signal('late');",
        {"wait": 100},
    ]
    preset = "window.__sent = function () { return __count; }; window.__count = 0;"
    # Count the beacons requested when the callback runs via a wrapped Image.
    preset += (
        "var RealImage = Image; window.Image = function (w, h) {"
        " var img = new RealImage(w, h); __count++; return img; };"
    )
    result = run(tag_script(), steps, preset=preset)
    # pageView + 10 events had all been requested (and completed), 'late' not yet.
    assert result["records"] == [11]
    assert [param(u, "u") for u in result["images"][1:11]] == [f"(di!{i}!)" for i in range(10)]
    assert param(result["images"][11], "t") == "late"


def test_when_committed_timeout() -> None:
    steps = [
        "divolte.signal('stuck'); var t0 = Date.now();"
        " divolte.whenCommitted(function () { __record('called'); }, 30);",
        {"wait": 100},
    ]
    result = run(tag_script(), steps, imageMode="never")
    assert result["records"] == ["called"]


def test_when_committed_timeout_runs_the_callback_once() -> None:
    steps = [
        "divolte.whenCommitted(function () { __record('called'); }, 10);",
        {"wait": 100},
    ]
    result = run(tag_script(event_timeout_seconds=0.03), steps, imageMode="never")
    # Called by the timeout first; when the queue reaches it, it is not called again.
    assert result["records"] == ["called"]


# --- serving ------------------------------------------------------------------------------


def test_logging_uses_the_console() -> None:
    result = run(tag_script(logging=True), [])
    assert any(record[:2] == ["log", "[divolte]"] for record in result["records"])
    quiet = run(tag_script(), [])
    assert quiet["records"] == []


def test_served_script_is_ascii_and_has_no_hook() -> None:
    for debug in (False, True):
        script = tag_script(debug=debug, event_suffix="\u00e9v\u2028")
        assert script.isascii()
    assert TEST_HOOK not in tag_script()
