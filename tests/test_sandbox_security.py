"""The sandbox against a hostile client: bounded parsing, clean 4xx answers, unforgeable logs.

The server runs as a real subprocess (``msgkit sandbox serve``) where its log matters, and on a
thread where only its answers do.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from msgkit.sandbox import SandboxSettings
from msgkit.sandbox.fixtures import SandboxProcess, ThreadedSandbox, start_sandbox
from msgkit.sandbox.inputs import InputError, parse_http_date, parse_int, parse_json
from msgkit.sandbox.logs import EscapeArgs, SafeFormatter, escape, loggable

TOKEN = "test-token-123"
APP = "app-1"
# A line a client would like to see in the sandbox's log, as if the sandbox had written it.
FORGED = "2030-01-01 00:00:00,000 INFO msgkit.sandbox: call S0 hung up"
# What the server writes at the start of each record: the date of its log format.
RECORD = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} [A-Z]+ ")


@pytest.fixture(scope="module")
def served() -> Iterator[SandboxProcess]:
    sandbox = start_sandbox(app_id=APP, access_token=TOKEN)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20, trust_env=False) as client:
        yield client


def _stderr_after(sandbox: SandboxProcess, mark: int) -> str:
    time.sleep(0.2)  # the log line is written after the answer
    return sandbox.logs()[mark:]


def _assert_clean_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == code, body
    assert "Traceback" not in body["message"]


# -- item 5: no traceback from bad input -------------------------------------------------------


def _recording_url(sandbox: SandboxProcess, http: httpx.Client) -> str:
    session = sandbox.call()
    data = {"app_id": APP, "access_token": TOKEN, "session": session, "msg": "Hello"}
    assert http.post(sandbox.monitor_url, data=data).json() == {"status": "success_ok"}
    url: str = sandbox.hangup(session)["monitor_url"]
    return url


@pytest.mark.parametrize(
    "expires",
    ["²", "٣", "1_000", "+1", " 1", "1\n", "9" * 5_000, "1" * 19, "0x10", "1e3", "-1"],
    ids=lambda s: repr(s)[:12],
)
def test_hostile_expires_is_a_clean_403(
    served: SandboxProcess, http: httpx.Client, expires: str
) -> None:
    url = _recording_url(served, http)
    assert http.get(url).status_code == 200
    mark = len(served.logs())
    tampered = re.sub(r"Expires=[0-9]+", "Expires=" + expires.replace("+", "%2B"), url)
    tampered = tampered.replace("\n", "%0A").replace(" ", "%20")
    _assert_clean_error(http.get(tampered), 403, "access_denied")
    log = _stderr_after(served, mark)
    assert "Traceback" not in log and "internal error" not in log


def test_missing_and_non_ascii_signatures_are_a_clean_403(
    served: SandboxProcess, http: httpx.Client
) -> None:
    url = _recording_url(served, http)
    mark = len(served.logs())
    for bad in (
        re.sub(r"Signature=[^&]+", "Signature=%C3%A9", url),
        re.sub(r"&Signature=[^&]+", "", url),
        re.sub(r"Expires=[0-9]+&", "", url),
    ):
        _assert_clean_error(http.get(bad), 403, "access_denied")
    assert "Traceback" not in _stderr_after(served, mark)


@pytest.mark.parametrize(
    "since",
    [
        "Mon, 01 Jan 99999999999 00:00:00 GMT",
        "Mon, 01 Jan 2024 00:00:00 +99999999999999999999",
        "Mon, 31 Feb 2024 00:00:00 GMT",
        "Mon, ²1 Jan 2024 00:00:00 GMT",
        "9" * 5_000,
        "",
    ],
    ids=lambda s: s[:30],
)
def test_hostile_if_modified_since_is_ignored(
    served: SandboxProcess, http: httpx.Client, since: str
) -> None:
    url = _recording_url(served, http)
    mark = len(served.logs())
    response = http.get(url, headers={"If-Modified-Since": since.encode("utf-8")})
    assert response.status_code == 200  # not a date: ignored, as RFC 9110 says
    assert "Traceback" not in _stderr_after(served, mark)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 400, "invalid_json"),
        (b'{"from": ' + b"[" * 100_000, 400, "invalid_json"),
        (b'{"from": ' + b"9" * 5_000 + b"}", 400, "invalid_json"),
        (b'{"from": 1e99999}', 400, "invalid_json"),
        (b'{"from": -Infinity}', 400, "invalid_json"),
        (b'{"from": "+65\xff"}', 400, "invalid_json"),
        (b"\xef\xbb\xbf{}", 400, "invalid_json"),
        (b'{"from": "+6511111111\\n"}', 400, "invalid_field"),
        (b" " * (1 << 20) + b"{}", 413, "body_too_large"),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_hostile_control_bodies_are_clean_4xx(
    served: SandboxProcess, http: httpx.Client, body: bytes, status: int, code: str
) -> None:
    mark = len(served.logs())
    started = time.monotonic()
    _assert_clean_error(http.post(served.base_url + "/sandbox/calls", content=body), status, code)
    assert time.monotonic() - started < 5
    log = _stderr_after(served, mark)
    assert "Traceback" not in log and "internal error" not in log


def test_deep_hangup_body_is_a_clean_400(served: SandboxProcess, http: httpx.Client) -> None:
    session = served.call()
    body = b'{"duration_seconds": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = http.post(f"{served.base_url}/sandbox/calls/{session}/hangup", content=body)
    _assert_clean_error(response, 400, "invalid_json")
    assert served.get_call(session)["state"] == "ongoing"


def test_a_session_cannot_reach_another_path(served: SandboxProcess) -> None:
    from click.testing import CliRunner

    from msgkit.cli.sandbox import sandbox

    result = CliRunner().invoke(sandbox, ["show", "x/../../sandbox", "--url", served.base_url])
    # Unquoted, the path would have been normalised to /sandbox: its info printed, status 0.
    assert result.exit_code == 1 and "transport_base_url" not in result.output


# -- the bounded parsers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "²", "٣", "\uff11", "1_000", "+1", "-1", " 1", "1 ", "1\n", "0x1", "1.0", "9" * 19]
)
def test_parse_int_takes_ascii_digits_only(text: str) -> None:
    with pytest.raises(InputError, match=r"^Expires is not a number"):
        parse_int(text, "Expires")


def test_parse_int_bounds_the_length_before_converting() -> None:
    assert parse_int("0", "n") == 0 and parse_int("9" * 18, "n") == 10**18 - 1
    started = time.perf_counter()
    with pytest.raises(InputError, match="at most 18 digits"):
        parse_int("9" * 1_000_000, "n")
    assert time.perf_counter() - started < 0.1


def test_parse_json_bounds() -> None:
    assert parse_json(b'{"a": [1, 2.5, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]}') == {
        "a": [1, 2.5, "[" * 32]
    }
    assert parse_json(b'{"a": "\\"[[["}') == {"a": '"[[['}
    nested = b"[" * 16 + b"]" * 16
    assert parse_json(nested, max_depth=16) == parse_json(nested, max_depth=20)
    for hostile, words in (
        (b"[" * 17 + b"]" * 17, "nests deeper than 16"),
        (b"[" * 1_000_000, "nests deeper than 16"),
        (b"9" * 33, "longer than 32"),
        (b"1e400", "out of range"),
        (b"NaN", "NaN is not a JSON number"),
        (b"\xff", "not UTF-8"),
        (b"{not json", "not JSON (line 1, column 2)"),
        (b"{}" * 10, "not JSON"),
    ):
        with pytest.raises(InputError, match=re.escape(words)):
            parse_json(hostile)
    with pytest.raises(InputError, match="larger than 10 bytes"):
        parse_json(b"[1, 2, 3, 4]", max_bytes=10)


def test_parse_json_is_linear() -> None:
    for body in (b"[]" * 500_000, b'"' + b"\\\\" * 500_000 + b'"', b"[" * 1_000_000):
        started = time.perf_counter()
        with contextlib.suppress(InputError):
            parse_json(body)
        assert time.perf_counter() - started < 1.0


def test_parse_http_date() -> None:
    moment = 784111777  # Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == moment
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == moment
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == moment
    for bad in (
        "",
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 GMT\n",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, \uff106 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 99999 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 " + "9" * 5_000,
    ):
        assert parse_http_date(bad) is None, bad


# -- item 6: logs cannot be forged ---------------------------------------------------------------


HOSTILE = [
    "x\n" + FORGED,
    "x\r" + FORGED,
    "x\r\n" + FORGED,
    "x\u2028" + FORGED,
    "x\u2029" + FORGED,
    "x\x85" + FORGED,
    "x\x0b" + FORGED,
    "x\x1b[2K\r" + FORGED,
    "x\u202e" + FORGED,
    "x\\n" + FORGED,
]


def test_escape_makes_one_printable_line() -> None:
    for text in HOSTILE:
        escaped = escape(text)
        assert escaped.isprintable() and len(escaped.splitlines()) == 1
        assert "\x1b" not in escaped
    assert escape("a\\nb") == "a\\\\nb"  # a client's backslash-n is not an escaped newline
    assert escape("a\nb") == "a\\nb" and escape("é 請 ☎") == "é 請 ☎"
    assert escape("\ud800") == "\\ud800"  # a lone surrogate would fail to encode
    assert loggable(42) == 42 and loggable("x" * 1000) == "x" * 200 + "…[800 more characters]"


def test_formatter_indents_tracebacks_and_escapes_messages() -> None:
    formatter = SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        raise ValueError("boom\n" + FORGED)
    except ValueError:
        record = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "bad %s", ("\u2028" + FORGED,),
            sys.exc_info(),
        )  # fmt: skip
    lines = formatter.format(record).split("\n")
    assert RECORD.match(lines[0]) and "\u2028" not in lines[0]
    assert all(line.startswith("  ") for line in lines[1:]), lines
    assert [line for line in lines if RECORD.match(line)] == [lines[0]]


def test_escape_args_filter_is_on_the_sandbox_logger() -> None:
    from msgkit.sandbox.logs import sandbox_logger

    logger = sandbox_logger()
    assert sum(isinstance(f, EscapeArgs) for f in logger.filters) == 1
    sandbox_logger()
    assert sum(isinstance(f, EscapeArgs) for f in logger.filters) == 1
    record = logger.makeRecord(
        logger.name, logging.INFO, __file__, 1, "s=%s n=%d", ("a\nb", 3), None
    )
    EscapeArgs().filter(record)
    assert record.getMessage() == "s=a\\nb n=3"


def _log_records(log: str) -> list[str]:
    lines = log.splitlines()
    for line in lines:
        assert RECORD.match(line) or line.startswith("  "), f"a line no record starts: {line!r}"
    return lines


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_client_values_cannot_forge_log_lines(
    served: SandboxProcess, http: httpx.Client, value: str
) -> None:
    mark = len(served.logs())
    data = {"app_id": APP, "access_token": TOKEN, "session": value, "msg": "Hello"}
    assert http.post(served.monitor_url, data=data).json() == {"status": "error_invalid_session"}
    log = _stderr_after(served, mark)
    assert "monitor session=" in log
    for char in "\r\x1b\u2028\u2029\x85\x0b\u202e":
        assert char not in log
    lines = _log_records(log)
    assert not [line for line in lines if line.startswith(FORGED)]


def test_long_values_are_shortened_in_the_log(served: SandboxProcess, http: httpx.Client) -> None:
    mark = len(served.logs())
    data = {"app_id": APP, "access_token": TOKEN, "session": "S" * 100_000, "msg": "Hello"}
    assert http.post(served.monitor_url, data=data).json() == {"status": "error_invalid_session"}
    log = _stderr_after(served, mark)
    assert "more characters]" in log
    assert max(len(line) for line in log.splitlines()) < 1_000


def test_app_id_of_a_call_is_bounded_and_printable(
    served: SandboxProcess, http: httpx.Client
) -> None:
    for app_id in ("a\n" + FORGED, "a" * 101, "\u2028"):
        response = http.post(served.base_url + "/sandbox/calls", json={"app_id": app_id})
        _assert_clean_error(response, 400, "invalid_field")
    response = http.post(served.base_url + "/sandbox/calls", json={"app_id": "other-app 2"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    "number",
    [
        "+6511111111\n",
        "+6511111111\r\n" + FORGED,
        "+\uff16\uff15" + "\uff11" * 8,
        "+65" + "\u0661" * 8,
        "+0123",
        "+",
    ],
    ids=repr,
)
def test_numbers_must_be_e164(served: SandboxProcess, http: httpx.Client, number: str) -> None:
    for field in ("from", "to"):
        response = http.post(served.base_url + "/sandbox/calls", json={field: number})
        _assert_clean_error(response, 400, "invalid_field")


# -- ongoing calls are bounded like ended ones -------------------------------------------------


def test_ongoing_calls_are_bounded() -> None:
    sandbox = ThreadedSandbox(SandboxSettings(app_id=APP, access_token=TOKEN, max_calls=5))
    try:
        with httpx.Client(timeout=10, trust_env=False) as http:
            base = sandbox.base_url
            sessions = [http.post(base + "/sandbox/calls").json()["session"] for _ in range(8)]
            listed = [c["session"] for c in http.get(base + "/sandbox/calls").json()["calls"]]
            assert listed == sessions[3:]
            oldest = http.get(f"{base}/sandbox/calls/{sessions[0]}")
            assert oldest.status_code == 404
            data: dict[str, Any] = {"app_id": APP, "access_token": TOKEN, "session": sessions[0]}
            status = http.post(sandbox.monitor_url, data=data).json()["status"]
            assert status == "error_invalid_session"
            # Ended calls still go first: end one, start another, and the ongoing ones stay.
            http.post(f"{base}/sandbox/calls/{sessions[5]}/hangup")
            newest = http.post(base + "/sandbox/calls").json()["session"]
            listed = [c["session"] for c in http.get(base + "/sandbox/calls").json()["calls"]]
            assert listed == [*sessions[3:5], *sessions[6:], newest]
    finally:
        sandbox.stop()


def test_deliveries_and_recordings_are_bounded() -> None:
    from msgkit.sandbox.app import SandboxApp
    from msgkit.sandbox.notifier import _DELIVERIES_PER_CALL

    app = SandboxApp(SandboxSettings(app_id=APP, access_token=TOKEN, max_calls=2))
    assert app._notifier().deliveries.maxlen == 2 * _DELIVERIES_PER_CALL
    for moment in range(5):
        app.recordings.add(float(moment))
    assert len(app.recordings._items) == 2


@pytest.mark.parametrize("length", ["²", "9" * 5_000, "-1", str(2 << 20)], ids=lambda s: s[:8])
def test_the_test_receiver_bounds_what_it_reads(length: str) -> None:
    import socket

    from msgkit.sandbox.fixtures import receiver

    with receiver() as rx:
        port = int(rx.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
            answer = sock.recv(100)
        assert answer.startswith(b"HTTP/1.0 400") and rx.received == []
