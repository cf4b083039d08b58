"""The access token never shows: not in a repr, a log line, an exception, CLI output or JSON."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import msgkit
from msgkit import MonitorRequest, TransportError
from msgkit.cli import main
from msgkit.transports.base import ApiError, RequestError, redact
from msgkit.transports.hoiio import HoiioTransport

# Characters that change when form-encoded, so the encoded form is searched for as well.
TOKEN = "tok/SECRET+9f3a=="
ENCODED = ("tok%2FSECRET%2B9f3a%3D%3D",)
PATH = "/open/ivr/middle/monitor"


def assert_clean(text: str) -> None:
    assert TOKEN not in text
    for form in ENCODED:
        assert form not in text


def request() -> MonitorRequest:
    return MonitorRequest(app_id="app", access_token=TOKEN, session="S", msg="Hi")


def test_repr_and_str_of_values() -> None:
    req = request()
    assert_clean(repr(req) + str(req))
    assert req.to_params()["access_token"] == TOKEN  # the one way out, for transports
    assert_clean(json.dumps(req.redacted_params()))


def test_request_errors_never_quote_the_token() -> None:
    with pytest.raises(RequestError) as caught:
        MonitorRequest(app_id="a", access_token=TOKEN, session="")
    assert_clean(str(caught.value) + repr(caught.value))


def test_an_echoing_server_cannot_leak_it_through_errors(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    def echo(req: Request) -> Response:
        return Response(f"<html>bad request: {req.get_data(as_text=True)}</html>", 400)

    httpserver.expect_request(PATH).respond_with_handler(echo)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransportError) as caught:
        HoiioTransport(base_url=httpserver.url_for("/open")).submit(request())
    assert "<redacted>" in str(caught.value)
    assert_clean(str(caught.value) + repr(caught.value) + caplog.text)


def test_logs_of_retries_and_api_errors(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_json(
        {"status": "error_rate_limit_exceeded"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_json({"status": "error_session_ended"})
    caplog.set_level(logging.DEBUG)
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), sleep=lambda s: None)
    with pytest.raises(ApiError) as caught:
        transport.submit(request())
    assert caplog.records  # it does log (the request, redacted, and the retry)
    assert_clean(caplog.text + str(caught.value) + repr(caught.value) + repr(transport))


def test_results_and_their_json(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "success_ok"})
    result = msgkit.submit(
        "Hi",
        session="S",
        app_id="app",
        access_token=TOKEN,
        notify_url="https://e.com/n",
        base_url=httpserver.url_for("/open"),
    )
    assert_clean(repr(result) + json.dumps(result.to_dict()))
    dry = msgkit.submit("Hi", session="S", transport="dry-run", app_id="a", access_token=TOKEN)
    assert_clean(repr(dry) + json.dumps(dry.to_dict()))


def test_redact_covers_encoded_forms() -> None:
    assert redact(f"a {TOKEN} b {ENCODED[0]} c", TOKEN) == "a <redacted> b <redacted> c"


@pytest.fixture
def prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MSGKIT_APP_ID", "app")
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", TOKEN)
    path = tmp_path / "p.msg"
    path.write_text("Hello\n", "utf-8")
    return path


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize(
    "answer",
    [
        {"status": "success_ok", "echo": TOKEN},
        {"status": "error_invalid_access_token", "token": TOKEN},
        "<html>" + TOKEN + "</html>",
    ],
)
def test_cli_output(
    httpserver: HTTPServer, prompt: Path, output: str, answer: dict[str, str] | str
) -> None:
    # Even a server that echoes the token back cannot make the CLI print it.
    if isinstance(answer, dict):
        httpserver.expect_request(PATH).respond_with_json(answer)
    else:
        httpserver.expect_request(PATH).respond_with_data(answer, 500)
    result = CliRunner().invoke(
        main,
        [
            "submit",
            str(prompt),
            "--session",
            "S",
            "--format",
            output,
            "-o",
            f"base_url={httpserver.url_for('/open')}",
        ],
    )
    assert result.exit_code in (0, 1)
    assert_clean(result.stdout + result.stderr)


def test_cli_dry_run_output(prompt: Path) -> None:
    for output in ("text", "json"):
        result = CliRunner().invoke(
            main,
            ["submit", str(prompt), "--session", "S", "--transport", "dry-run", "--format", output],
        )
        assert result.exit_code == 0
        assert "<redacted>" in result.stdout
        assert_clean(result.stdout + result.stderr)
