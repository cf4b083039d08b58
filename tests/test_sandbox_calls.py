"""The sandbox runs a whole call: every block, the keypad, dial outcomes, Answer notifications."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import msgkit
from msgkit.cli import main
from msgkit.download import recording_filename
from msgkit.sandbox import SandboxSettings
from msgkit.sandbox.fixtures import Received, Receiver, ThreadedSandbox, receiver
from msgkit.sandbox.mp3 import frames

APP, TOKEN = "app-2", "token-2"


class World:
    def __init__(self, sandbox: ThreadedSandbox, rx: Receiver, http: httpx.Client) -> None:
        self.sandbox, self.rx, self.http = sandbox, rx, http
        self.base = sandbox.base_url

    def call(self, **body: str) -> str:
        response = self.http.post(self.base + "/sandbox/calls", json=body)
        assert response.status_code == 201, response.text
        session: str = response.json()["session"]
        return session

    def block(self, name: str, session: str | None, path: str | None = "", **params: str) -> Any:
        data = {"app_id": APP, "access_token": TOKEN, **params}
        if session is not None:
            data["session"] = session
        if path is not None:
            data["notify_url"] = self.rx.url + (path or f"/{session}/{name}")
        url = self.base + "/open" + msgkit.BLOCKS[name].path
        return self.http.post(url, data=data).json()

    def notified(self, path: str, timeout: float = 10.0) -> msgkit.Notification:
        (got,) = self.rx.wait_for(1, where=lambda r: r.path == path, timeout=timeout)
        return parse(got)

    def digits(self, session: str, digits: str) -> httpx.Response:
        return self.http.post(
            f"{self.base}/sandbox/calls/{session}/digits", json={"digits": digits}
        )


def parse(got: Received) -> msgkit.Notification:
    return msgkit.parse_notification(
        got.body,
        got.content_type,
        got.query,
        signature=got.headers["x-hoiio-signature"],
        access_token=TOKEN,
    )


@pytest.fixture
def make() -> Iterator[Callable[..., World]]:
    started: list[tuple[ThreadedSandbox, Any, httpx.Client]] = []

    def factory(clock: Callable[[], float] = time.time, **options: Any) -> World:
        settings = SandboxSettings(app_id=APP, access_token=TOKEN, **options)
        sandbox = ThreadedSandbox(settings, clock=clock)
        context = receiver()
        rx = context.__enter__()
        http = httpx.Client(timeout=10, trust_env=False)
        started.append((sandbox, context, http))
        return World(sandbox, rx, http)

    yield factory
    for sandbox, context, http in started:
        http.close()
        context.__exit__(None, None, None)
        sandbox.stop()


@pytest.fixture
def world(make: Callable[..., World]) -> World:
    return make(time_scale=0.01)


def test_an_incoming_call_is_answered(make: Callable[..., World]) -> None:
    with receiver() as answers:
        w = make(answer_url=answers.url + "/default")
        first = w.call(**{"from": "+6591111111"})
        second = w.call(answer_url=w.rx.url + "/own")
        (got,) = answers.wait_for(1)
        note = parse(got)
        assert isinstance(note, msgkit.AnswerNotification)
        assert (note.session, note.call_state, note.from_) == (first, "ringing", "+6591111111")
        own = w.notified("/own")
        assert own.session == second and own.block == "answer"
    assert w.http.post(w.base + "/sandbox/calls", json={"answer_url": "ftp://x"}).status_code == 400


def test_play_then_gather_with_max_digits(world: World) -> None:
    session = world.call()
    assert world.block("play", session, msg="Welcome") == {"status": "success_ok"}
    play = world.notified(f"/{session}/play")
    assert isinstance(play, msgkit.PlayNotification) and play.call_state == "ongoing"
    assert world.block("gather", session, msg="Your PIN", max_digits="4", timeout="600") == {
        "status": "success_ok"
    }
    assert world.block("play", session, msg="x")["status"] == "error_session_not_ready"
    assert world.digits(session, "12").status_code == 200
    assert world.digits(session, "3456").status_code == 200
    assert world.digits(session, "7").status_code == 409  # the gather has its 4 digits
    gather = world.notified(f"/{session}/gather")
    assert isinstance(gather, msgkit.GatherNotification) and gather.digits == "1234"
    # Keys pressed while nothing listens are refused, visibly.
    assert world.digits(session, "1").status_code == 409


def test_a_hash_ends_a_gather(world: World) -> None:
    session = world.call()
    world.block("gather", session, msg="Number, then #", timeout="600")
    world.digits(session, "98#7")
    gather = world.notified(f"/{session}/gather")
    assert isinstance(gather, msgkit.GatherNotification) and gather.digits == "98"


def test_a_gather_without_digits_ends_after_its_timeout(world: World) -> None:
    session = world.call()
    started = time.monotonic()
    world.block("gather", session, msg="Anything?", timeout="20")  # 0.2 s at time_scale 0.01
    gather = world.notified(f"/{session}/gather")
    assert isinstance(gather, msgkit.GatherNotification) and gather.digits is None
    assert 0.15 < time.monotonic() - started < 5


def test_record_gives_an_expiring_playable_mp3(make: Callable[..., World]) -> None:
    now = [1_700_000_000.0]
    w = make(clock=lambda: now[0], time_scale=0.01, recording_ttl=60)
    session = w.call()
    w.block("record", session, msg="After the tone", max_duration="3600")
    assert w.digits(session, "#").status_code == 200
    record = w.notified(f"/{session}/record")
    assert isinstance(record, msgkit.RecordNotification) and record.record_url is not None
    assert record.expires_at is not None
    audio = w.http.get(record.record_url)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    assert frames(audio.content)  # a real MPEG stream
    forged = record.record_url.replace("Signature=", "Signature=x")
    assert w.http.get(forged).status_code == 403
    now[0] += 61
    assert w.http.get(record.record_url).status_code == 403


def test_hold_until_unhold(world: World) -> None:
    session = world.call()
    assert world.block("unhold", session)["status"] == "error_session_not_on_hold"
    world.block("hold", session, msg="Please hold")
    hold = world.notified(f"/{session}/hold")
    assert isinstance(hold, msgkit.HoldNotification)
    assert world.block("play", session, msg="x")["status"] == "error_session_not_ready"
    assert world.block("unhold", session)["status"] == "success_ok"
    assert isinstance(world.notified(f"/{session}/unhold"), msgkit.UnholdNotification)
    assert world.block("play", session, msg="Thanks")["status"] == "success_ok"


def test_transfer_to_a_room_ends_the_session(world: World) -> None:
    session = world.call()
    answer = world.block("transfer", session, dest="room:R1234", msg="Connecting")
    assert answer == {"status": "success_ok", "room": "R1234"}
    transfer = world.notified(f"/{session}/transfer")
    assert isinstance(transfer, msgkit.TransferNotification)
    assert (transfer.transfer_status, transfer.room) == ("answered", "R1234")
    assert world.block("play", session, msg="x")["status"] == "error_session_ended"
    new_room = world.block("transfer", world.call(), dest="room:")
    assert new_room["room"].startswith("R")


def test_a_busy_transfer_ends_the_call_with_billing(world: World) -> None:
    world.http.post(world.base + "/sandbox/dial-outcomes", json={"+6598765432": "busy"})
    session = world.call()
    world.block("transfer", session, dest="+6598765432")
    transfer = world.notified(f"/{session}/transfer")
    assert isinstance(transfer, msgkit.TransferNotification)
    assert transfer.transfer_status == "busy" and transfer.ended
    assert transfer.currency == "SGD" and transfer.debit == Decimal("0.0200")
    assert transfer.date is not None and transfer.duration == 1


def test_hangup_ends_the_call(world: World) -> None:
    session = world.call()
    world.block("hangup", session, msg="Goodbye", tag="bye")
    hangup = world.notified(f"/{session}/hangup")
    assert isinstance(hangup, msgkit.HangupNotification)
    assert hangup.ended and hangup.tag == "bye" and hangup.rate == Decimal("0.0200")
    assert world.http.get(f"{world.base}/sandbox/calls/{session}").json()["state"] == "ended"
    assert world.block("play", session, msg="x")["status"] == "error_session_ended"


@pytest.mark.parametrize(
    ("outcome", "call_state"),
    [("answered", "ongoing"), ("busy", "ended"), ("unanswered", "ended"), ("failed", "ended")],
)
def test_dial_creates_the_session(world: World, outcome: str, call_state: str) -> None:
    number = "+6591234567"
    assert world.http.post(
        world.base + "/sandbox/dial-outcomes", json={number: outcome}
    ).json() == {"outcomes": {number: outcome}}
    answer = world.block("dial", None, path="/dial", dest=number, msg="Hello")
    assert answer["status"] == "success_ok" and answer["session"] and answer["txn_ref"]
    dial = world.notified("/dial")
    assert isinstance(dial, msgkit.DialNotification)
    assert (dial.session, dial.txn_ref) == (answer["session"], answer["txn_ref"])
    assert (dial.dial_status, dial.call_state, dial.dest, dial.from_) == (
        outcome,
        call_state,
        number,
        None,
    )
    follow = world.block("play", answer["session"], msg="Hi")["status"]
    assert follow == ("success_ok" if outcome == "answered" else "error_session_ended")


@pytest.mark.parametrize(
    ("block", "params", "status"),
    [
        ("gather", {"max_digits": "256"}, "error_invalid_max_digits"),
        ("gather", {"timeout": "soon"}, "error_invalid_timeout"),
        ("record", {"max_duration": "-1"}, "error_invalid_max_duration"),
        ("transfer", {}, "error_dest_param_missing"),
        ("transfer", {"dest": "12345"}, "error_dest_invalid"),
        ("transfer", {"dest": "+6591234567", "on_failure": "retry"}, "error_on_failure_invalid"),
        ("play", {"msg": "x", "tag": "t" * 257}, "error_tag_invalid_length"),
        ("play", {"msg": "<speech>x"}, "error_msg_invalid_xml"),
        ("hangup", {"force": "enabled", "msg": "bye"}, None),
    ],
)
def test_parameter_rules_come_from_the_schemas(
    world: World, block: str, params: dict[str, str], status: str | None
) -> None:
    session = world.call()
    answer = world.block(block, session, **{"msg": "Hello", **params})
    if status is None:
        assert answer["status"] != "success_ok"  # a forced hangup takes no msg
    else:
        assert answer == {"status": status}
    dial = world.block("dial", None, dest="not-a-number")
    assert dial == {"status": "error_dest_invalid"}


def test_the_keypad_and_outcomes_refuse_bad_input(world: World) -> None:
    session = world.call()
    assert world.digits(session, "12x").status_code == 400
    assert world.digits("S-nope", "1").status_code == 404
    bad = [{"12345": "busy"}, {"+6591234567": "exploded"}, ["+6591234567"]]
    for body in bad:
        response = world.http.post(world.base + "/sandbox/dial-outcomes", json=body)
        assert response.status_code == 400 and "error" in response.json()


def test_the_cli_presses_digits_and_sets_outcomes(world: World) -> None:
    session = world.call()
    world.block("gather", session, msg="PIN", max_digits="2", timeout="600")
    runner = CliRunner()
    result = runner.invoke(main, ["sandbox", "digits", session, "42", "--url", world.base])
    assert result.exit_code == 0, result.output
    gather = world.notified(f"/{session}/gather")
    assert isinstance(gather, msgkit.GatherNotification) and gather.digits == "42"
    result = runner.invoke(
        main, ["sandbox", "dial-outcomes", "+6591234567=busy", "--url", world.base]
    )
    assert result.exit_code == 0, result.output
    assert '"+6591234567": "busy"' in result.output
    result = runner.invoke(main, ["sandbox", "dial-outcomes", "+6591234567", "--url", world.base])
    assert result.exit_code == 2 and "NUMBER=OUTCOME" in result.output
    result = runner.invoke(main, ["sandbox", "digits", session, "4", "--url", world.base])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_the_receiver_keeps_record_recordings(make: Callable[..., World], tmp_path: Path) -> None:
    from msgkit.receiver import Delivery, NotificationReceiver

    w = make(time_scale=0.01)
    seen: list[Delivery] = []
    arrived = threading.Event()

    def note(delivery: Delivery) -> None:
        seen.append(delivery)
        arrived.set()

    rx = NotificationReceiver(access_token=TOKEN, download_dir=tmp_path, on_delivery=note)
    rx.start()
    try:
        session = w.call()
        data = {"app_id": APP, "access_token": TOKEN, "session": session}
        data.update(msg="Speak", max_duration="10", notify_url=rx.url + "/record")
        w.http.post(w.base + "/open/ivr/middle/record", data=data)
        assert arrived.wait(10)
    finally:
        rx.shutdown()
    (delivery,) = seen
    assert isinstance(delivery.notification, msgkit.RecordNotification)
    assert delivery.saved is not None and frames(delivery.saved.read_bytes())
    assert delivery.saved.name == recording_filename(session, delivery.notification.txn_ref)


def test_a_dialled_call_ends_at_its_max_duration(world: World) -> None:
    answer = world.block("dial", None, path="/dial", dest="+6591234567", max_duration="20")
    first, last = (parse(r) for r in world.rx.wait_for(2, where=lambda r: r.path == "/dial"))
    assert isinstance(first, msgkit.DialNotification) and first.call_state == "ongoing"
    assert isinstance(last, msgkit.DialNotification) and last.ended  # 0.2 s at time_scale 0.01
    assert last.session == answer["session"] and last.debit is not None


def test_rate_limits_are_per_endpoint(make: Callable[..., World]) -> None:
    w = make(rate_limit=1, time_scale=0.01)
    session = w.call()
    assert w.block("play", session, msg="One")["status"] == "success_ok"
    w.notified(f"/{session}/play")
    assert w.block("play", session, msg="Two") == {"status": "error_rate_limit_exceeded"}
    assert w.block("hold", session, msg="Hold")["status"] == "success_ok"


def test_a_dialled_call_is_monitored_with_its_dest(world: World) -> None:
    answer = world.block("dial", None, path="/dial", dest="+6591234567")
    world.notified("/dial")
    session = answer["session"]
    assert world.block("monitor", session, path="/mon", msg="Recorded")["status"] == "success_ok"
    monitor = world.notified("/mon")
    assert isinstance(monitor, msgkit.MonitorNotification)
    assert (monitor.dest, monitor.from_, monitor.to) == ("+6591234567", None, None)


def test_a_long_answer_url_is_refused_at_once(world: World) -> None:
    started = time.monotonic()
    for url in ("http://" + "a" * 500_000 + " ", "http://x/" + "a" * 4000):
        response = world.http.post(world.base + "/sandbox/calls", json={"answer_url": url})
        assert response.status_code == 400 and response.json()["error"] == "invalid_field"
    assert time.monotonic() - started < 5


def test_serve_refuses_a_bad_answer_url_or_time_scale() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["sandbox", "serve", "--answer-url", "ftp://x.example/a"])
    assert result.exit_code == 2 and "answer_url" in result.output
    result = runner.invoke(main, ["sandbox", "serve", "--time-scale", "0"])
    assert result.exit_code == 2 and "Traceback" not in result.output
