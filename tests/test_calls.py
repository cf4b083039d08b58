"""msgkit.Call: the session rules before sending, and that the sandbox enforces the same ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

import msgkit
from msgkit.calls import CallState, after_request, rule
from msgkit.transports.base import (
    ApiError,
    MonitorResult,
    SessionError,
    SessionNotReadyError,
    error_class,
)


def note(block: str, call_state: str = "ongoing", **fields: str) -> msgkit.Notification:
    body = {"ivr_block": block, "session": "S1", "txn_ref": "T1", "call_state": call_state}
    return msgkit.parse_notification(urlencode({**body, **fields}).encode())


def test_a_block_waits_for_the_previous_one() -> None:
    call = msgkit.Call("S1")
    call.check("play")
    call.sent("play")
    with pytest.raises(SessionNotReadyError) as caught:
        call.check("gather")
    assert caught.value.status == "error_session_not_ready"
    call.observe(note("play"))
    call.check("gather")


def test_hold_takes_only_unhold() -> None:
    call = msgkit.Call("S1")
    with pytest.raises(SessionError, match="error_session_not_on_hold"):
        call.check("unhold")
    call.sent("hold")
    call.observe(note("hold"))
    for block in ("play", "gather", "record", "monitor", "hold", "transfer", "hangup"):
        with pytest.raises(SessionNotReadyError):
            call.check(block)
    call.check("hangup", force=True)  # a forced hangup goes at any time
    call.check("unhold")
    call.sent("unhold")
    call.observe(note("unhold"))
    call.check("play")


def test_one_monitor_per_call() -> None:
    call = msgkit.Call("S1")
    call.sent("monitor")
    call.observe(note("monitor"))
    with pytest.raises(ApiError) as caught:
        call.check("monitor")
    assert caught.value.status == "error_monitor_in_progress"
    call.check("play")


@pytest.mark.parametrize("end", ["transfer", "hangup"])
def test_nothing_after_an_end_block(end: str) -> None:
    call = msgkit.Call("S1")
    call.sent(end, {"dest": "+6591234567"} if end == "transfer" else {})
    for block in ("play", "unhold", end):
        with pytest.raises(SessionError, match="error_session_ended"):
            call.check(block)


def test_nothing_after_the_call_ended() -> None:
    call = msgkit.Call("S1")
    call.sent("gather")
    call.observe(note("gather", "ended"))
    with pytest.raises(SessionError, match="error_session_ended"):
        call.check("play")


def test_a_failed_transfer_may_continue() -> None:
    call = msgkit.Call("S1")
    call.sent("transfer", {"dest": "+6591234567", "on_failure": "continue"})
    call.observe(note("transfer", transfer_status="busy"))
    call.check("play")
    answered = msgkit.Call("S1")
    answered.sent("transfer", {"dest": "+6591234567", "on_failure": "continue"})
    answered.observe(note("transfer", transfer_status="answered"))
    with pytest.raises(SessionError, match="error_session_ended"):
        answered.check("play")


def test_start_blocks_and_sessions() -> None:
    with pytest.raises(ValueError, match="blocks are"):
        msgkit.Call("S1").check("conference")
    with pytest.raises(ValueError, match="starts a new call"):
        msgkit.Call("S1").check("dial")
    with pytest.raises(ValueError, match="needs a session"):
        msgkit.Call().check("play")
    msgkit.Call().check("dial")
    with pytest.raises(ValueError, match="session"):
        msgkit.Call("S2").observe(note("play"))


def test_the_rules_are_pure_functions() -> None:
    state = CallState()
    assert rule(state, "play") is None
    held = after_request(state, "hold")
    assert rule(held, "play") == "error_session_not_ready" and held != state
    assert rule(state, "play") is None  # the state before is untouched


class Recorder:
    """A transport that records what it was asked to send."""

    name = "recorder"

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.sent: list[Any] = []
        self.answer = answer or {"status": "success_ok"}

    def submit(self, request: Any) -> MonitorResult:
        self.sent.append(request)
        if self.answer["status"] != "success_ok":
            status = self.answer["status"]
            raise error_class(status)(status)
        return MonitorResult(status="success_ok", raw=self.answer)

    def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Any:
        return msgkit.parse_notification(body, content_type, query)


def monitor_request(session: str = "S1") -> msgkit.MonitorRequest:
    return msgkit.MonitorRequest(
        app_id="a", access_token="t", session=session, notify_url="https://example.com/n"
    )


def test_submit_checks_before_sending() -> None:
    call = msgkit.Call("S1")
    transport = Recorder()
    call.submit(monitor_request(), transport)
    with pytest.raises(SessionNotReadyError):
        call.submit(monitor_request(), transport)
    assert len(transport.sent) == 1  # the second was never sent
    call.observe(note("monitor"))
    with pytest.raises(ApiError, match="error_monitor_in_progress"):
        call.submit(monitor_request(), transport)
    assert len(transport.sent) == 1
    with pytest.raises(ValueError, match="session"):
        msgkit.Call("S2").submit(monitor_request(), transport)


def test_a_refused_request_leaves_the_call_as_it_was() -> None:
    call = msgkit.Call("S1")
    with pytest.raises(ApiError):
        call.submit(monitor_request(), Recorder({"status": "error_internal_server_error"}))
    call.check("monitor")
    with pytest.raises(SessionError):
        call.submit(monitor_request(), Recorder({"status": "error_session_ended"}))
    with pytest.raises(SessionError, match="error_session_ended"):
        call.check("play")


# The sandbox enforces the same rules on its own: a table of sequences, run against both. --------

pytest.importorskip("starlette")

from msgkit.sandbox import SandboxSettings  # noqa: E402
from msgkit.sandbox.fixtures import Receiver, ThreadedSandbox, receiver  # noqa: E402

APP, TOKEN = "app-calls", "token-calls"
BUSY = "+6598765432"

# A step: (block, params) sends a request; "done" lets the block sent last finish (a forced
# hangup cuts the running one short: it is the hangup that notifies) and feeds its
# notification to msgkit.Call; "hangup" is the caller hanging up.
SEQUENCES: dict[str, list[Any]] = {
    "one after the other": [("play", {}), ("gather", {}), "done", ("play", {}), "done"],
    "unhold without hold": [("unhold", {}), ("play", {}), "done", ("unhold", {})],
    "hold": [
        ("hold", {}),
        ("play", {}),
        "done",
        ("gather", {}),
        ("hold", {}),
        ("unhold", {}),
        "done",
        ("unhold", {}),
        ("play", {}),
    ],
    "monitor once": [("monitor", {}), "done", ("monitor", {}), ("record", {}), "done"],
    "transfer ends": [
        ("transfer", {"dest": "room:"}),
        ("play", {}),
        "done",
        ("hangup", {}),
        ("unhold", {}),
    ],
    "hangup ends": [("play", {}), "done", ("hangup", {}), ("play", {}), "done", ("play", {})],
    "forced hangup": [
        ("gather", {}),
        ("hangup", {"force": "enabled"}),
        ("play", {}),
        "done",
        ("unhold", {}),
    ],
    "failed transfer goes on": [
        ("transfer", {"dest": BUSY, "on_failure": "continue"}),
        ("play", {}),
        "done",
        ("play", {}),
    ],
    "failed transfer ends": [("transfer", {"dest": BUSY}), "done", ("play", {})],
    "caller hangs up": [("gather", {}), "hangup", "done", ("play", {}), ("unhold", {})],
}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[ThreadedSandbox, Receiver, httpx.Client]]:
    settings = SandboxSettings(app_id=APP, access_token=TOKEN, block_seconds=0.05)
    sandbox = ThreadedSandbox(settings)
    with receiver() as rx, httpx.Client(timeout=10, trust_env=False) as http:
        http.post(sandbox.base_url + "/sandbox/dial-outcomes", json={BUSY: "busy"})
        try:
            yield sandbox, rx, http
        finally:
            sandbox.stop()


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_the_sandbox_and_msgkit_call_agree(
    name: str, world: tuple[ThreadedSandbox, Receiver, httpx.Client]
) -> None:
    sandbox, rx, http = world
    session = http.post(sandbox.base_url + "/sandbox/calls", json={}).json()["session"]
    call = msgkit.Call(session)
    sent: list[tuple[str, str]] = []  # (block, notify path) of each accepted request
    for number, step in enumerate(SEQUENCES[name]):
        if step == "hangup":
            http.post(f"{sandbox.base_url}/sandbox/calls/{session}/hangup", json={})
            continue
        if step == "done":
            block, path = sent[-1]
            if block in ("gather", "record"):
                http.post(
                    f"{sandbox.base_url}/sandbox/calls/{session}/digits", json={"digits": "#"}
                )
            (got,) = rx.wait_for(1, where=lambda r, p=path: r.path == p)  # type: ignore[misc]
            call.observe(
                msgkit.parse_notification(
                    got.body,
                    got.content_type,
                    signature=got.headers["x-hoiio-signature"],
                    access_token=TOKEN,
                    block=block,
                )
            )
            continue
        block, params = step
        try:
            call.check(block, force=params.get("force") == "enabled")
            expected = "success_ok"
        except ApiError as error:
            expected = error.status
        path = f"/{session}/{number}"
        data = {
            "app_id": APP,
            "access_token": TOKEN,
            "session": session,
            "notify_url": rx.url + path,
            **params,
        }
        if msgkit.BLOCKS[block].takes_msg and block != "unhold" and "force" not in params:
            data["msg"] = "Hello"
        if block == "monitor":
            data["monitor_notify_url"] = data["notify_url"]
        url = sandbox.base_url + "/open" + msgkit.BLOCKS[block].path
        answered = http.post(url, data=data).json()["status"]
        assert (number, block, answered) == (number, block, expected)
        if answered == "success_ok":
            call.sent(block, params)
            sent.append((block, path))
