"""The hoiio transport against a real HTTP server on loopback (pytest-httpserver)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import msgkit
from msgkit.testing import check_transport
from msgkit.transports import base
from msgkit.transports.base import (
    STATUSES,
    ApiError,
    CredentialsError,
    InternalServerError,
    MonitorInProgressError,
    MonitorRequest,
    ParameterError,
    RateLimitError,
    SessionError,
    SessionNotReadyError,
    TransportError,
    TransportOptionError,
    UnknownStatusError,
)
from msgkit.transports.hoiio import HoiioTransport

TOKEN = "tok-hoiio-test-7c1d"
PATH = "/open/ivr/middle/monitor"


def request(**overrides: str) -> MonitorRequest:
    params = {
        "app_id": "app-1",
        "access_token": TOKEN,
        "session": "S-1",
        "msg": 'Hello & welcome <speech language="zh-HK">你好</speech>',
        "notify_url": "https://example.com/n?x=1&y=+2",
    }
    params.update(overrides)
    return MonitorRequest(**params)


def transport(server: HTTPServer, **options: object) -> HoiioTransport:
    options.setdefault("sleep", lambda seconds: None)
    return HoiioTransport(base_url=server.url_for("/open"), **options)  # type: ignore[arg-type]


EXPECTED: dict[str, type[ApiError]] = {
    "error_invalid_access_token": CredentialsError,
    "error_invalid_app_id": CredentialsError,
    "error_invalid_session": SessionError,
    "error_session_access_denied": SessionError,
    "error_session_ended": SessionError,
    "error_session_not_ready": SessionNotReadyError,
    "error_session_not_on_hold": SessionError,
    "error_monitor_in_progress": MonitorInProgressError,
    "error_rate_limit_exceeded": RateLimitError,
    "error_internal_server_error": InternalServerError,
}


def test_posts_the_form_and_maps_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PATH, method="POST").respond_with_json(
        {"status": "success_ok"}
    )
    result = transport(httpserver).submit(request())
    assert (result.status, result.ok, result.attempts) == ("success_ok", True, 1)
    (sent, _response) = httpserver.log[0]
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(sent.get_data(as_text=True), strict_parsing=True)
    assert form == {k: [v] for k, v in request().to_params().items()}
    assert "msgkit/" in sent.headers["User-Agent"]


@pytest.mark.parametrize("status", sorted(s for s in STATUSES if s != "success_ok"))
def test_every_documented_status_maps_to_a_typed_error(httpserver: HTTPServer, status: str) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": status})
    with pytest.raises(ApiError) as caught:
        transport(httpserver, retries=0).submit(request())
    assert caught.value.status == status
    assert type(caught.value) is EXPECTED.get(status, ParameterError)
    assert caught.value.raw == {"status": status}
    assert isinstance(caught.value, msgkit.MsgkitError)
    assert status in str(caught.value)


def test_param_missing_names_the_parameter(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "error_session_param_missing"})
    with pytest.raises(ParameterError) as caught:
        transport(httpserver).submit(request())
    assert caught.value.param == "session"
    assert "'session' is missing" in str(caught.value)


def test_unknown_statuses_are_kept(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "error_new_thing", "x": "1"})
    with pytest.raises(UnknownStatusError) as caught:
        transport(httpserver).submit(request())
    assert caught.value.status == "error_new_thing" and caught.value.raw["x"] == "1"
    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_json({"status": "success_partial"})
    assert transport(httpserver).submit(request()).status == "success_partial"


@pytest.mark.parametrize(
    ("body", "code", "content_type", "match"),
    [
        ("<html><body>Bad gateway</body></html>", 200, "text/html", "an HTML page, not JSON"),
        ("", 200, "application/json", "HTTP 200 with an empty body"),
        ("oops", 502, "text/plain", r"HTTP 502: the server answered a text/plain body"),
        ('{"result": "ok"}', 200, "application/json", "not JSON with a status"),
        ('{"status": "Not A Status!"}', 200, "application/json", "response schema"),
        ("[1, 2", 200, "application/json", "not JSON with a status"),
    ],
)
def test_malformed_answers_are_transport_errors(
    httpserver: HTTPServer, body: str, code: int, content_type: str, match: str
) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, code, content_type=content_type)
    with pytest.raises(TransportError, match=match):
        transport(httpserver).submit(request())


def test_a_5xx_with_a_status_keeps_the_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json(
        {"status": "error_internal_server_error"}, status=500
    )
    with pytest.raises(InternalServerError):
        transport(httpserver).submit(request())


@pytest.mark.parametrize("status", ["error_rate_limit_exceeded", "error_session_not_ready"])
def test_retries_with_backoff_then_succeeds(httpserver: HTTPServer, status: str) -> None:
    for _ in range(2):
        httpserver.expect_ordered_request(PATH).respond_with_json({"status": status})
    httpserver.expect_ordered_request(PATH).respond_with_json({"status": "success_ok"})
    waits: list[float] = []
    sender = transport(httpserver, sleep=waits.append, backoff=1, max_backoff=10)
    result = sender.submit(request())
    assert (result.status, result.attempts) == ("success_ok", 3)
    assert len(waits) == 2
    assert 0.5 <= waits[0] <= 1 and 1 <= waits[1] <= 2  # exponential, half of it jittered


def test_retries_are_bounded(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "error_rate_limit_exceeded"})
    with pytest.raises(RateLimitError):
        transport(httpserver, retries=2).submit(request())
    assert len(httpserver.log) == 3


def test_delay_is_capped() -> None:
    sender = HoiioTransport(backoff=1, max_backoff=4)
    assert all(2 <= sender.delay(10) <= 4 for _ in range(50))


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    """A server that answers a second request while the first is still being handled."""
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def test_a_read_timeout_then_monitor_in_progress_means_the_first_took_effect(
    threaded_server: HTTPServer,
) -> None:
    httpserver = threaded_server
    calls: list[float] = []

    def slow_then_in_progress(req: Request) -> Response:
        calls.append(time.monotonic())
        if len(calls) == 1:
            time.sleep(0.6)  # longer than the client's timeout: the answer never arrives
            return Response('{"status": "success_ok"}', content_type="application/json")
        return Response('{"status": "error_monitor_in_progress"}', content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(slow_then_in_progress)
    result = transport(httpserver, timeout=0.2).submit(request())
    assert result.status == "success_ok" and result.attempts == 2
    assert result.raw == {"status": "error_monitor_in_progress"}
    assert result.note and "the earlier attempt took effect" in result.note
    assert len(calls) == 2


def test_a_read_timeout_is_retried_once_only(threaded_server: HTTPServer) -> None:
    httpserver = threaded_server

    def slow(req: Request) -> Response:
        time.sleep(0.4)
        return Response('{"status": "success_ok"}', content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(slow)
    with pytest.raises(TransportError, match="may or may not have taken effect"):
        transport(httpserver, timeout=0.1, retries=5).submit(request())
    time.sleep(0.5)
    assert len(httpserver.log) == 2


def test_a_monitor_in_progress_without_a_timeout_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "error_monitor_in_progress"})
    with pytest.raises(MonitorInProgressError):
        transport(httpserver).submit(request())


@pytest.fixture
def dropping_server() -> Iterator[tuple[str, list[int]]]:
    """A server that reads each request and closes the connection without answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(1)
            conn.recv(65536)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/open", accepted
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def test_a_dropped_connection_is_a_clear_error(dropping_server: tuple[str, list[int]]) -> None:
    url, accepted = dropping_server
    sender = HoiioTransport(base_url=url, sleep=lambda s: None, retries=3)
    with pytest.raises(TransportError, match=r"no answer from 127\.0\.0\.1"):
        sender.submit(request())
    assert len(accepted) == 2  # the first, and one retry to learn its fate


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    sender = HoiioTransport(base_url=f"http://127.0.0.1:{port}/open", sleep=waits.append, retries=2)
    with pytest.raises(TransportError, match=r"cannot connect to 127.0.0.1:\d+ after 3 attempt"):
        sender.submit(request())
    assert len(waits) == 2


def test_options_from_the_command_line_are_coerced_and_checked() -> None:
    sender = msgkit.get_transport("hoiio", base_url="http://127.0.0.1:9/open/", retries="2")
    assert isinstance(sender, HoiioTransport)
    assert (sender.retries, sender.url) == (2, "http://127.0.0.1:9/open/ivr/middle/monitor")
    with pytest.raises(TransportOptionError, match="retries: 'many' is not an integer"):
        HoiioTransport(retries="many")
    with pytest.raises(TransportOptionError, match="base_url"):
        HoiioTransport(base_url="ftp://example.com")
    with pytest.raises(TransportOptionError, match="timeout: must be a finite number, at least"):
        HoiioTransport(timeout="0")


def test_the_default_base_url_is_the_providers() -> None:
    assert HoiioTransport().url == "https://secure.hoiio.com/open/ivr/middle/monitor"


def test_parse_notification_delegates() -> None:
    parsed = HoiioTransport().parse_notification(
        b"session=S&txn_ref=T&call_state=ongoing", "application/x-www-form-urlencoded"
    )
    assert isinstance(parsed, msgkit.MonitorNotification)


def test_conformance() -> None:
    def answering(answer: dict[str, object]) -> HoiioTransport:
        return HoiioTransport(
            http_transport=httpx.MockTransport(lambda r: httpx.Response(200, json=answer)),
            retries=0,
        )

    check_transport(lambda: answering({"status": "success_ok"}), answering=answering)


def test_conformance_catches_a_leaky_transport() -> None:
    class Leaky(HoiioTransport):
        def submit(self, request: MonitorRequest) -> msgkit.MonitorResult:
            raise TransportError(f"failed with {request.to_params()}")

    with pytest.raises(AssertionError, match="the access token appears in the exception"):
        check_transport(lambda: Leaky())


def test_status_table_is_complete() -> None:
    # Every status of the spec page's Result Status table (reference.md §3.1/3.2).
    assert set(EXPECTED) <= set(STATUSES)
    assert base.error_class("error_tag_invalid_length") is ParameterError


@pytest.mark.parametrize(
    "options",
    [
        {"base_url": "http://[::1/open"},
        {"base_url": "http://host:99999/open"},
        {"base_url": "http://host/open?x=1"},
        {"base_url": "ftp://host/open"},
        {"timeout": "nan"},
        {"backoff": "inf"},
        {"retries": "-1"},
        {"sleep": "x"},
        {"http_transport": "x"},
    ],
)
def test_unusable_options_are_option_errors(options: dict[str, str]) -> None:
    with pytest.raises(TransportOptionError):
        HoiioTransport(**options)  # type: ignore[arg-type]


def test_a_token_cut_by_the_snippet_is_still_redacted(httpserver: HTTPServer) -> None:
    token = "SECRETTOKEN1234567890abcdef"
    # An HTML page echoing the form body, with the token straddling the snippet's end.
    page = "<html>" + "x" * 90 + f" access_token={token} </html>"
    httpserver.expect_request(PATH).respond_with_data(page, content_type="text/html")
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), retries=0)
    with pytest.raises(TransportError) as caught:
        transport.submit(request(access_token=token))
    assert token[:8] not in str(caught.value)


def test_short_secrets_are_redacted_as_whole_words_only() -> None:
    assert base.redact("success_ok e=1", "e") == "success_ok <redacted>=1"
    assert base.redact("the token is abc!", "abc") == "the token is <redacted>!"


@pytest.mark.parametrize("code", [302, 503])
def test_success_is_never_read_from_an_error_reply(httpserver: HTTPServer, code: int) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "success_ok"}, status=code)
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), retries=0)
    with pytest.raises(TransportError, match=f"HTTP {code}"):
        transport.submit(request())


def test_a_token_echoed_in_the_answer_is_redacted(httpserver: HTTPServer) -> None:
    token = "tok-echoed-123456789"
    httpserver.expect_request(PATH).respond_with_json(
        {"status": "success_ok", "echo": {"access_token": token, "list": [token]}}
    )
    transport = HoiioTransport(base_url=httpserver.url_for("/open"))
    result = transport.submit(request(access_token=token))
    assert result.ok
    assert token not in repr(result)
