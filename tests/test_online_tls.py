"""HTTPS on loopback with trustme: verified recordings and notify URLs, and ones that fail."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from test_online_support import MP3_8K_MONO, file_handler, http_server, mp3_bytes

from msgkit import OnlineOptions
from msgkit.checks.online import check_urls

GOOD = mp3_bytes(MP3_8K_MONO, frames=100)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _context(configure: object) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    configure(context)  # type: ignore[operator]
    return context


@pytest.fixture(scope="module")
def trusted(ca: trustme.CA) -> Iterator[HTTPServer]:
    cert = ca.issue_cert("127.0.0.1", "localhost")
    with http_server(_context(cert.configure_cert)) as server:
        yield server


@pytest.fixture(scope="module")
def untrusted() -> Iterator[HTTPServer]:
    cert = trustme.CA().issue_cert("127.0.0.1", "localhost")  # a CA nobody trusts
    with http_server(_context(cert.configure_cert)) as server:
        yield server


@pytest.fixture(scope="module")
def incomplete_chain(
    ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HTTPServer]:
    """A leaf signed by an intermediate CA, served without the intermediate."""
    leaf = ca.create_child_ca().issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("leaf")
    cert_file, key_file = folder / "leaf.pem", folder / "key.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert_file))
    leaf.private_key_pem.write_to_path(str(key_file))

    def configure(context: ssl.SSLContext) -> None:
        context.load_cert_chain(str(cert_file), str(key_file))

    with http_server(_context(configure)) as server:
        yield server


def options(ca_file: str, **changes: object) -> OnlineOptions:
    return OnlineOptions(
        allow_private=True, use_cache=False, timeout=3.0, ca_file=ca_file, **changes
    )  # type: ignore[arg-type]


def test_a_recording_over_verified_https(trusted: HTTPServer, ca_file: str) -> None:
    trusted.clear()
    trusted.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    url = trusted.url_for("/a.mp3")
    assert url.startswith("https://")
    assert check_urls([("msg", url)], options(ca_file))[("msg", url)] == []


def test_a_recording_whose_certificate_does_not_verify(untrusted: HTTPServer, ca_file: str) -> None:
    url = untrusted.url_for("/a.mp3")
    [found] = check_urls([("msg", url)], options(ca_file))[("msg", url)]
    assert found.code == "error_msg_download_failed"
    assert "certificate verification failed" in found.message


def test_the_system_store_does_not_trust_a_private_ca(trusted: HTTPServer) -> None:
    url = trusted.url_for("/a.mp3")
    result = check_urls([("msg", url)], OnlineOptions(allow_private=True, use_cache=False))
    assert [d.code for d in result[("msg", url)]] == ["error_msg_download_failed"]


def test_a_notify_url_with_a_verified_handshake(trusted: HTTPServer, ca_file: str) -> None:
    url = f"https://localhost:{trusted.port}/notify"
    result = check_urls([("notify_url", url), ("monitor_notify_url", url)], options(ca_file))
    assert result == {("notify_url", url): [], ("monitor_notify_url", url): []}


def test_a_notify_url_whose_certificate_does_not_verify(
    untrusted: HTTPServer, ca_file: str
) -> None:
    url = f"https://localhost:{untrusted.port}/notify"
    result = check_urls([("notify_url", url), ("monitor_notify_url", url)], options(ca_file))
    [notify] = result[("notify_url", url)]
    [monitor] = result[("monitor_notify_url", url)]
    # The provider has one SSL status, named for notify_url; it serves both fields.
    assert notify.code == monitor.code == "error_unable_to_complete_ssl_handshake_notify_url"
    assert (notify.field, monitor.field) == ("notify_url", "monitor_notify_url")
    assert "certificate verification failed" in notify.message


def test_an_incomplete_chain_is_named_in_the_hint(
    incomplete_chain: HTTPServer, ca_file: str
) -> None:
    url = f"https://localhost:{incomplete_chain.port}/notify"
    [found] = check_urls([("notify_url", url)], options(ca_file))[("notify_url", url)]
    assert found.code == "error_unable_to_complete_ssl_handshake_notify_url"
    assert found.hint is not None and "intermediate" in found.hint


def test_a_notify_url_that_does_not_resolve(ca_file: str) -> None:
    url = "https://no-such-host.invalid/notify"
    result = check_urls([("notify_url", url), ("monitor_notify_url", url)], options(ca_file))
    assert [d.code for d in result[("notify_url", url)]] == ["error_unable_to_resolve_notify_url"]
    assert [d.code for d in result[("monitor_notify_url", url)]] == [
        "error_unable_to_resolve_monitor_notify_url"
    ]


def test_an_http_notify_url_only_needs_to_resolve(ca_file: str) -> None:
    url = "http://127.0.0.1:9/notify"  # nothing listens: no request is made to notify URLs
    assert check_urls([("notify_url", url)], options(ca_file))[("notify_url", url)] == []


def test_a_https_notify_url_nobody_listens_on(ca_file: str, tmp_path: Path) -> None:
    url = "https://127.0.0.1:9/notify"
    [found] = check_urls([("notify_url", url)], options(ca_file))[("notify_url", url)]
    assert found.code == "error_unable_to_complete_ssl_handshake_notify_url"
    assert "refused" in found.message
