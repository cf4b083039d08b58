"""Requests of every block: msgkit.request, transports that declare their blocks, submit."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response

import msgkit
from msgkit import BLOCKS, MonitorRequest, MonitorResult, TransportError, ValidationError
from msgkit.cli import main
from msgkit.testing import (
    BLOCK_REQUESTS,
    SENTINEL_TOKEN,
    RecordingTransport,
    block_request,
    check_transport,
)
from msgkit.transports.base import RequestError
from msgkit.transports.dryrun import DryRunTransport
from msgkit.transports.hoiio import HoiioTransport
from msgkit.transports.requests import Request, handled_blocks

TOKEN = "tok-blocks-test-0b5e6a91"
OTHERS = [name for name in BLOCKS if name != "monitor"]


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSGKIT_APP_ID", "app-env")
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", TOKEN)


# --- msgkit.request -------------------------------------------------------------------------


@pytest.mark.parametrize("block", OTHERS)
def test_request_of_each_block(block: str) -> None:
    made = msgkit.request(block, app_id="app", access_token=TOKEN, **BLOCK_REQUESTS[block])
    assert isinstance(made, Request) and made.block == block
    assert made.path == BLOCKS[block].path
    params = made.to_params()
    assert params == {"app_id": "app", "access_token": TOKEN, **BLOCK_REQUESTS[block]}
    assert made.redacted_params()["access_token"] == "<redacted>"
    assert TOKEN not in repr(made) and TOKEN not in str(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.block = "play"  # type: ignore[misc]
    assert made == msgkit.request(block, app_id="app", access_token=TOKEN, **BLOCK_REQUESTS[block])


def test_monitor_is_the_monitor_case_of_the_same_contract() -> None:
    made = msgkit.request("monitor", app_id="app", access_token=TOKEN, session="S", msg="Hi")
    assert isinstance(made, MonitorRequest) and made.block == "monitor"
    assert made.path == "/ivr/middle/monitor"
    assert made.to_params() == {"app_id": "app", "access_token": TOKEN, "session": "S", "msg": "Hi"}
    assert TOKEN not in repr(made)


def test_integers_travel_as_strings_and_none_is_left_out() -> None:
    made = msgkit.request(
        "gather",
        app_id="a",
        access_token=TOKEN,
        session="S",
        max_digits=4,
        timeout=10,
        attempts=None,
        notify_url="https://e.com/n",
    )
    assert made.to_params()["max_digits"] == "4" and "attempts" not in made.to_params()


@pytest.mark.parametrize(
    ("block", "params", "status"),
    [
        (
            "gather",
            {"session": "S", "max_digits": 300, "notify_url": "https://e.com/n"},
            "error_invalid_max_digits",
        ),
        ("dial", {"dest": "12345"}, "error_dest_invalid"),
        ("dial", {}, "error_dest_param_missing"),
        ("transfer", {"session": "S", "dest": "room:x"}, "error_invalid_room"),
        ("play", {"session": "S", "msg": "Hi", "max_digits": 1}, "error_unknown_param"),
        ("hangup", {"session": "S", "force": "enabled", "msg": "Bye"}, "error_force_with_msg"),
        ("play", {"session": "S", "msg": "Hi", "tag": "x" * 257}, "error_tag_invalid_length"),
        ("monitor", {"session": "S", "max_digits": 1}, "error_unknown_param"),
    ],
)
def test_a_request_that_does_not_fit_its_schema_is_refused(
    block: str, params: dict[str, Any], status: str
) -> None:
    with pytest.raises(RequestError) as caught:
        msgkit.request(block, app_id="a", access_token=TOKEN, **params)
    assert status in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_request_refuses_unknown_blocks_and_odd_values() -> None:
    with pytest.raises(ValueError, match="dial, play"):
        msgkit.request("gathr", app_id="a", access_token=TOKEN)
    with pytest.raises(RequestError, match="string or an integer"):
        msgkit.request("play", app_id="a", access_token=TOKEN, session="S", msg=["x"])
    with pytest.raises(RequestError, match="error_malformed_params"):
        msgkit.request("play", app_id="a", access_token=TOKEN, session="S", msg="\ud800")
    with pytest.raises(RequestError, match="access_token must not be empty"):
        msgkit.request("play", app_id="a", access_token="", session="S", msg="Hi")


# --- the hoiio transport, against a real server on loopback ---------------------------------


def hoiio(server: HTTPServer, **options: Any) -> HoiioTransport:
    options.setdefault("sleep", lambda seconds: None)
    return HoiioTransport(base_url=server.url_for("/open"), **options)


@pytest.mark.parametrize("block", OTHERS)
def test_hoiio_posts_each_block_to_its_path(httpserver: HTTPServer, block: str) -> None:
    httpserver.expect_request("/open" + BLOCKS[block].path, method="POST").respond_with_json(
        {"status": "success_ok"}
    )
    result = hoiio(httpserver).submit(block_request(block))
    assert result.ok
    form = parse_qs(httpserver.log[0][0].get_data(as_text=True))
    assert {k: v[0] for k, v in form.items()} == {
        "app_id": "app-conformance",
        "access_token": SENTINEL_TOKEN,
        **BLOCK_REQUESTS[block],
    }


def test_dial_answers_with_a_session_and_transfer_with_a_room(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/open/ivr/start/dial").respond_with_json(
        {"status": "success_ok", "session": "S-new", "txn_ref": "T-1"}
    )
    httpserver.expect_request("/open/ivr/end/transfer").respond_with_json(
        {"status": "success_ok", "room": "R1234"}
    )
    dialled = msgkit.submit("Hello.", block="dial", dest="+6591234567", transport=hoiio(httpserver))
    assert (dialled.session, dialled.txn_ref, dialled.room) == ("S-new", "T-1", None)
    assert dialled.to_dict()["session"] == "S-new"
    moved = msgkit.submit(
        None, block="transfer", session="S-new", dest="room:", transport=hoiio(httpserver)
    )
    assert moved.room == "R1234" and moved.session is None


@pytest.fixture
def threaded_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


def test_only_monitor_is_asked_again_after_an_unknown_fate(threaded_server: HTTPServer) -> None:
    """A second Dial is a second call: without an answer that tells whether the first took
    effect (Monitor's error_monitor_in_progress), it is never sent twice."""

    def slow(req: WerkzeugRequest) -> Response:
        time.sleep(0.4)
        return Response('{"status": "success_ok"}', content_type="application/json")

    threaded_server.expect_request("/open/ivr/start/dial").respond_with_handler(slow)
    with pytest.raises(TransportError, match="may or may not have taken effect"):
        hoiio(threaded_server, timeout=0.1, retries=5).submit(block_request("dial"))
    time.sleep(0.5)
    assert len(threaded_server.log) == 1


def test_refusals_of_other_blocks_are_typed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/open/ivr/middle/gather").respond_with_json(
        {"status": "error_invalid_max_digits"}
    )
    with pytest.raises(msgkit.ApiError) as caught:
        hoiio(httpserver).submit(block_request("gather"))
    assert caught.value.status == "error_invalid_max_digits"


# --- transports declare their blocks ---------------------------------------------------------


class MonitorOnly:
    """A third-party transport written against the contract before blocks existed."""

    name: ClassVar[str] = "monitor-only"

    def __init__(self) -> None:
        self.sent: list[object] = []

    def submit(self, request: MonitorRequest) -> MonitorResult:
        self.sent.append(request)
        return MonitorResult(status="success_ok", raw={"status": "success_ok"})

    def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Any:
        return msgkit.parse_notification(body, content_type, query)


def test_a_transport_without_blocks_is_refused_other_blocks_before_sending() -> None:
    old = MonitorOnly()
    assert handled_blocks(old) == {"monitor"}
    with pytest.raises(TransportError, match="does not send play requests"):
        msgkit.submit("Welcome.", block="play", session="S", transport=old)
    assert old.sent == []
    result = msgkit.submit("Hi", session="S", notify_url="https://e.com/n", transport=old)
    assert result.ok and len(old.sent) == 1
    check_transport(MonitorOnly)  # still conforms: it sends Monitor, as it always did


def test_builtin_transports_send_every_block() -> None:
    assert handled_blocks(HoiioTransport()) == set(BLOCKS)
    assert handled_blocks(DryRunTransport()) == set(BLOCKS)
    assert handled_blocks(RecordingTransport()) == set(BLOCKS)
    check_transport(RecordingTransport)


def test_conformance_flags_blocks_it_does_not_know() -> None:
    class Odd(MonitorOnly):
        blocks: ClassVar[frozenset[str]] = frozenset({"monitor", "conference"})

    with pytest.raises(AssertionError, match="does not know: conference"):
        check_transport(Odd)


def test_conformance_catches_a_transport_that_fails_a_block_it_declares() -> None:
    class Half(MonitorOnly):
        blocks: ClassVar[frozenset[str]] = frozenset({"monitor", "gather"})

        def submit(self, request: Any) -> MonitorResult:
            if request.block == "gather":
                raise TransportError("not implemented")
            return super().submit(request)

    with pytest.raises(AssertionError, match="valid gather request raised"):
        check_transport(Half)


@pytest.mark.parametrize("block", OTHERS)
def test_dry_run_shows_each_block(block: str) -> None:
    result = DryRunTransport().submit(block_request(block))
    assert result.raw["url"].endswith(BLOCKS[block].path)
    assert result.raw["params"]["access_token"] == "<redacted>"


def test_dry_run_validates_each_block() -> None:
    bad = msgkit.request(
        "gather",
        app_id="a",
        access_token=TOKEN,
        session="S",
        notify_url="https://e.com/n",
        msg="Sales & support",
    )
    with pytest.raises(ValidationError) as caught:
        DryRunTransport().submit(bad)
    assert "error_msg_invalid_xml" in caught.value.report.codes


# --- msgkit.submit(block=...) ----------------------------------------------------------------


def test_submit_a_gather() -> None:
    recorder = RecordingTransport()
    result = msgkit.submit(
        "Press 1.",
        block="gather",
        session="S",
        notify_url="https://e.com/n",
        max_digits=1,
        transport=recorder,
    )
    assert result.ok and result.report is not None
    (sent,) = recorder.requests
    assert sent.block == "gather" and sent.to_params()["max_digits"] == "1"
    assert sent.to_params()["app_id"] == "app-env"


def test_submit_validates_the_block_and_sends_nothing() -> None:
    recorder = RecordingTransport()
    with pytest.raises(ValidationError) as caught:
        msgkit.submit("Press 1.", block="gather", session="S", max_digitz=1, transport=recorder)
    assert set(caught.value.report.codes) == {
        "error_unknown_param",
        "error_notify_url_param_missing",
    }
    assert recorder.requests == []
    with pytest.raises(ValueError, match="dial, play"):
        msgkit.submit("Hi", block="gathr", session="S", transport=recorder)


def test_submit_block_params_and_transport_options(httpserver: HTTPServer) -> None:
    """A Monitor's keyword that is no Monitor parameter is a transport option, as before;
    Gather's timeout is Gather's, and the transport's goes in transport_options."""
    httpserver.expect_request("/open/ivr/middle/gather").respond_with_json({"status": "success_ok"})
    msgkit.submit(
        "Press 1.",
        block="gather",
        session="S",
        notify_url="https://e.com/n",
        timeout=10,
        transport="hoiio",
        transport_options={"base_url": httpserver.url_for("/open"), "timeout": 5},
    )
    form = parse_qs(httpserver.log[0][0].get_data(as_text=True))
    assert form["timeout"] == ["10"]


# --- msgkit submit --block -------------------------------------------------------------------


@pytest.fixture
def gather_file(tmp_path: Path) -> Path:
    path = tmp_path / "menu.msg.yaml"
    path.write_text(
        "block: gather\nmsg: Press 1 for sales.\nmax_digits: 1\nnotify_url: https://e.com/n\n"
    )
    return path


def test_cli_submits_the_files_block(httpserver: HTTPServer, gather_file: Path) -> None:
    httpserver.expect_request("/open/ivr/middle/gather").respond_with_json({"status": "success_ok"})
    args = ["submit", str(gather_file), "--session", "S-1", "-p", "timeout=7", "-o"]
    result = CliRunner().invoke(main, [*args, f"base_url={httpserver.url_for('/open')}"])
    assert result.exit_code == 0, result.output
    form = parse_qs(httpserver.log[0][0].get_data(as_text=True))
    assert form["max_digits"] == ["1"] and form["timeout"] == ["7"] and form["session"] == ["S-1"]


def test_cli_block_option_and_its_errors(tmp_path: Path, gather_file: Path) -> None:
    prompt = tmp_path / "hello.msg"
    prompt.write_text("Hello.\n")
    dry = ["--transport", "dry-run"]
    dialled = CliRunner().invoke(
        main, ["submit", str(prompt), "--block", "dial", "-p", "dest=+6591234567", *dry]
    )
    assert dialled.exit_code == 0, dialled.output
    assert "/ivr/start/dial" in dialled.output
    clash = CliRunner().invoke(main, ["submit", str(gather_file), "--block", "play", *dry])
    assert clash.exit_code == 2 and "gather" in clash.output
    unknown = CliRunner().invoke(main, ["submit", str(prompt), "--block", "gathr", *dry])
    assert unknown.exit_code == 2 and "dial, play" in unknown.output
    no_session = CliRunner().invoke(main, ["submit", str(gather_file), *dry])
    assert no_session.exit_code == 2 and "--session" in no_session.output
    typo = CliRunner().invoke(
        main, ["submit", str(gather_file), "--session", "S", "-p", "attemps=2", *dry]
    )
    assert typo.exit_code == 1 and "did you mean 'attempts'" in typo.output
    assert "Traceback" not in typo.output


def test_cli_block_as_a_real_subprocess(httpserver: HTTPServer, gather_file: Path) -> None:
    httpserver.expect_request("/open/ivr/end/hangup").respond_with_json({"status": "success_ok"})
    bye = gather_file.with_name("bye.msg")
    bye.write_text("Goodbye.\n")
    env = {**os.environ, "MSGKIT_APP_ID": "app", "MSGKIT_ACCESS_TOKEN": TOKEN}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from msgkit.cli import main; main()",
            "submit",
            str(bye),
            "--block",
            "hangup",
            "--session",
            "S-2",
            "-o",
            f"base_url={httpserver.url_for('/open')}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    form = parse_qs(httpserver.log[0][0].get_data(as_text=True))
    assert form["msg"] == ["Goodbye."] and form["session"] == ["S-2"]


@pytest.mark.parametrize(
    "status",
    [
        "error_dest_invalid",
        "error_invalid_timeout",
        "error_invalid_room",
        "error_on_failure_invalid",
    ],
)
def test_block_parameter_statuses_are_parameter_errors(status: str) -> None:
    from msgkit.transports.base import ParameterError, error_class

    assert error_class(status) is ParameterError
