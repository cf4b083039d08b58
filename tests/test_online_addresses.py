"""The address policy: private and loopback hosts are reported, never fetched."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from test_online_support import MP3_8K_MONO, file_handler, http_server, mp3_bytes

from msgkit import OnlineOptions, validate
from msgkit.checks import addresses
from msgkit.checks.addresses import not_public_reason
from msgkit.checks.online import check_urls

GOOD = mp3_bytes(MP3_8K_MONO, frames=100)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("240.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fc00::1", "private"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_not_public_reason(address: str, reason: str | None) -> None:
    assert not_public_reason(ipaddress.ip_address(address)) == reason


def test_loopback_is_reported_and_not_fetched(server: HTTPServer) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    url = server.url_for("/a.mp3")
    [found] = check_urls([("msg", url)], OnlineOptions(use_cache=False))[("msg", url)]
    assert found.code == "error_url_not_public"
    assert "127.0.0.1 is a loopback address" in found.message
    assert server.log == []


def test_localhost_by_name_is_reported(server: HTTPServer) -> None:
    url = f"http://localhost:{server.port}/a.mp3"
    [found] = check_urls([("msg", url)], OnlineOptions(use_cache=False))[("msg", url)]
    assert found.code == "error_url_not_public"
    assert "localhost resolves to" in found.message
    assert server.log == []


def test_notify_urls_follow_the_same_policy() -> None:
    result = check_urls(
        [("notify_url", "http://10.0.0.7/n"), ("monitor_notify_url", "https://[::1]/m")],
        OnlineOptions(use_cache=False),
    )
    assert [d.code for d in result[("notify_url", "http://10.0.0.7/n")]] == ["error_url_not_public"]
    [monitor] = result[("monitor_notify_url", "https://[::1]/m")]
    assert (monitor.code, monitor.field) == ("error_url_not_public", "monitor_notify_url")


def test_offline_runs_never_report_it() -> None:
    report = validate("<url>http://127.0.0.1/a.mp3</url>", notify_url="http://10.0.0.1/n")
    assert "error_url_not_public" not in report.codes


@pytest.fixture
def only_127_0_0_2_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the loopback server stand for the internet, and 127.0.0.2 for a private network."""

    def reason(address: Any) -> str | None:
        return "private" if str(address) == "127.0.0.2" else None

    monkeypatch.setattr(addresses, "not_public_reason", reason)


@pytest.mark.usefixtures("only_127_0_0_2_is_private")
def test_a_redirect_to_a_private_address_is_refused_before_connecting(server: HTTPServer) -> None:
    target = f"http://127.0.0.2:{server.port}/internal.mp3"
    server.expect_request("/a.mp3").respond_with_data("", status=302, headers={"Location": target})
    url = server.url_for("/a.mp3")
    [found] = check_urls([("msg", url)], OnlineOptions(use_cache=False))[("msg", url)]
    assert found.code == "error_url_not_public"
    assert "redirects to http://127.0.0.2" in found.message
    assert [r.path for r, _ in server.log] == ["/a.mp3"]


@pytest.mark.usefixtures("only_127_0_0_2_is_private")
def test_dns_rebinding_connections_go_to_the_checked_address(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first answer is public, every later one private: only the first is ever used."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "127.0.0.2"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    for i in range(10):
        server.expect_request(f"/f{i}.mp3").respond_with_handler(file_handler(GOOD))
    urls = [f"http://rebind.test:{server.port}/f{i}.mp3" for i in range(10)]
    result = check_urls([("msg", u) for u in urls], OnlineOptions(use_cache=False))
    assert all(found == [] for found in result.values()), result
    assert asked == ["rebind.test"]
    assert len(server.log) == 20
