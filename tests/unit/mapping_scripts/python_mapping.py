"""A mapping written in Python: the vocabulary of the Groovy scripts, Python style."""

from __future__ import annotations

from divolte.mapping.python_mapping import PyMapping


def mapping(m: PyMapping) -> None:
    m.map(m.first_in_session(), onto="sessionStart")
    m.map(m.timestamp(), onto="ts")
    m.map(m.remote_host(), onto="remoteHost")

    page = m.parse(m.location(), to="uri")
    m.map(page.host(), onto="uriHost")
    m.map(page.query().value_list("p"), onto="uriQueryStringValues")
    m.map(page.query(), onto="uriQuery")
    m.map(m.header("X-Divolte-Test").get(-1), onto="headerGet_1")
    m.map(m.cookie("custom_cookie"), onto="customCookie")
    m.map(m.user_agent().os_family(), onto="userAgentOsFamily")
    m.map(m.event_parameters().path("$.items[*].price"), onto="itemPrices")
    m.map(m.digest("sha-256").add(m.event_id()).result().to_base64(), onto="digestString")
    m.map(m.match(r"^https://([^/:]+).*", m.location()).group(1), onto="pageview")
    m.map(42, onto="queryparamLong")

    with m.when(page.scheme().equal_to("https") & m.referer().is_absent()):
        m.map("secure, no referer", onto="client")
    with m.when(~m.location().is_present() | m.referer().is_present()):
        m.map("should not happen", onto="session")
    with m.section():
        m.map("in section", onto="event")
        m.exit()
        m.map("should not happen", onto="session")
    m.when(m.location().is_present()).stop()
    m.map("should not happen", onto="session")
