"""Hosts read as browsers and resolvers read them, before the address policy judges them.

Every spelling of a loopback address is ``error_url_not_public`` and is never contacted; hosts
no browser accepts are ``error_msg_invalid_url`` / ``error_invalid_notify_url``; none of them
is ever ``warning_url_not_checked`` (the "unexpected InvalidURL" of httpx's own URL parser).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from test_online_support import MP3_8K_MONO, file_handler, http_server, mp3_bytes

from msgkit import OnlineOptions, validate
from msgkit.checks import addresses
from msgkit.checks.hosts import InvalidHostError, canonical_host, canonical_url
from msgkit.checks.online import check_urls

GOOD = mp3_bytes(MP3_8K_MONO, frames=100)

# Each is 127.0.0.1 to a browser and to inet_aton.
LOOPBACK_FORMS = [
    "127.0.0.1",
    "0177.0.0.1",
    "127.000.000.001",
    "0x7f.1",
    "0x7f.0.0.1",
    "0X7F.0.0.1",
    "2130706433",
    "0x7f000001",
    "017700000001",
    "127.1",
    "127.0.1",
    "127.0.0.1.",
    "\uff11\uff12\uff17.\uff10.\uff10.\uff11",  # full-width digits
    "\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11",  # and ideographic full stops
    "127%2e0%2e0%2e1",  # percent-encoded dots
    "127.0.0.1%2e",
]

INVALID_FORMS = [
    "256.1.1.1",
    "1.2.3.256",
    "1.2.3.0400",  # octal 256
    "0x100.0.0.1",
    "1.2.3.4.5",
    "1..2.3",
    "4294967296",  # 2**32
    "0x1" + "0" * 60,
    "1" * 5000,  # no quadratic int() conversion, no ValueError from Python's digit limit
    "example.123",  # ends in a number, so it must be an IPv4 address, and is not
    "a%zzb",
    "%ff%fe",  # percent-decodes to bytes that are not UTF-8
    "a%00b",
    "a%20b",
    "\uff05\uff14\uff11.com",  # full-width "%41": a forbidden code point after mapping
]


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_every_spelling_of_loopback_is_127_0_0_1(host: str) -> None:
    assert canonical_host(host) == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "canonical"),
    [
        ("Example.COM", "example.com"),
        ("b\u00fccher.example", "xn--bcher-kva.example"),
        ("\u24c1ocalhost", "localhost"),  # circled letter, mapped by UTS #46
        ("EXAMPLE\uff0eCOM", "example.com"),  # full-width full stop
        ("8.8.8.8", "8.8.8.8"),
        ("0x8.0x8.0x8.0x8", "8.8.8.8"),
        ("134744072", "8.8.8.8"),
        ("::FFFF:127.0.0.1", "::ffff:7f00:1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("1e100.net", "1e100.net"),
        ("0x.example", "0x.example"),
    ],
)
def test_canonical_forms(host: str, canonical: str) -> None:
    assert canonical_host(host) == canonical


@pytest.mark.parametrize("host", INVALID_FORMS)
def test_hosts_no_browser_accepts(host: str) -> None:
    with pytest.raises(InvalidHostError):
        canonical_host(host)


def test_canonical_url_keeps_everything_but_the_host() -> None:
    assert canonical_url("http://u@0177.0.0.1:8080/a.mp3?x=1#f") == (
        "http://u@127.0.0.1:8080/a.mp3?x=1#f"
    )
    assert canonical_url("https://[0:0::1]/a.mp3") == "https://[::1]/a.mp3"
    same = "https://example.com/A%20b.mp3?q=%7E"
    assert canonical_url(same) is same


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with http_server() as running:
        running.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
        running.expect_request("/notify").respond_with_data("")
        yield running


def _with_port(host: str, server: HTTPServer, path: str, scheme: str = "http") -> str:
    return f"{scheme}://{host}:{server.port}{path}"


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_loopback_spellings_are_not_public_and_never_contacted(
    server: HTTPServer, host: str
) -> None:
    url = _with_port(host, server, "/a.mp3")
    assert validate(f"<url>{url}</url>").ok
    options = OnlineOptions(use_cache=False, timeout=2.0)
    [found] = check_urls([("msg", url)], options)[("msg", url)]
    assert found.code == "error_url_not_public", found
    assert "loopback" in found.message
    notify = _with_port(host, server, "/notify")
    [found] = check_urls([("notify_url", notify)], options)[("notify_url", notify)]
    assert found.code == "error_url_not_public", found
    assert server.log == []


@pytest.mark.parametrize("host", ["0177.0.0.1", "0x7f.1", "2130706433", LOOPBACK_FORMS[12]])
def test_allowed_private_spellings_reach_the_address_they_stand_for(
    server: HTTPServer, host: str
) -> None:
    url = _with_port(host, server, "/a.mp3")
    options = OnlineOptions(use_cache=False, timeout=2.0, allow_private=True)
    assert check_urls([("msg", url)], options)[("msg", url)] == []
    assert server.log[0][0].headers["Host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize("host", INVALID_FORMS)
def test_invalid_hosts_are_invalid_urls_offline_and_never_fetched(
    server: HTTPServer, host: str
) -> None:
    url = _with_port(host, server, "/a.mp3")
    notify = _with_port(host, server, "/notify")
    report = validate(f"<url>{url}</url>", notify_url=notify)
    assert {"error_msg_invalid_url", "error_invalid_notify_url"} <= set(report.codes)
    options = OnlineOptions(use_cache=False, timeout=2.0, allow_private=True)
    result = check_urls([("msg", url), ("notify_url", notify)], options)
    assert all(found == [] for found in result.values())  # the offline diagnostics say it
    assert server.log == []


@pytest.mark.parametrize("host", ["0x7f.0.0.2", "2130706434", "0177.0.0.02", "127.2"])
def test_a_redirect_to_another_spelling_of_a_private_address_is_refused(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    """The loopback server stands for the internet, and 127.0.0.2 for a private network."""
    monkeypatch.setattr(
        addresses, "not_public_reason", lambda a: "private" if str(a) == "127.0.0.2" else None
    )
    target = _with_port(host, server, "/internal.mp3")
    server.expect_request("/hop.mp3").respond_with_data(
        "", status=302, headers={"Location": target}
    )
    url = server.url_for("/hop.mp3")
    [found] = check_urls([("msg", url)], OnlineOptions(use_cache=False, timeout=2.0))[("msg", url)]
    assert found.code == "error_url_not_public", found
    assert "redirects to http://127.0.0.2" in found.message
    assert [r.path for r, _ in server.log] == ["/hop.mp3"]


def test_a_redirect_to_an_invalid_host_is_a_download_failure(server: HTTPServer) -> None:
    server.expect_request("/hop.mp3").respond_with_data(
        "", status=302, headers={"Location": "http://256.1.1.1/a.mp3"}
    )
    url = server.url_for("/hop.mp3")
    options = OnlineOptions(use_cache=False, timeout=2.0, allow_private=True)
    [found] = check_urls([("msg", url)], options)[("msg", url)]
    assert found.code == "error_msg_download_failed"
    assert "invalid URL" in found.message
