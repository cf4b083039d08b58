"""A whole call, end to end: the sandbox as a real subprocess, and a small IVR application.

The application (a Starlette app, served by uvicorn on loopback) answers an incoming call,
plays a prompt, gathers the caller's PIN, records a message, monitors the rest of the call and
transfers it to a conference room. Every request goes through the real ``hoiio`` transport and
``msgkit.Call``; every notification is verified against its signature and parsed. This is the
flow docs/sandbox.md walks through.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from starlette.applications import Starlette  # noqa: E402
from starlette.background import BackgroundTask  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

import msgkit  # noqa: E402
from msgkit.download import recording_filename  # noqa: E402
from msgkit.sandbox.fixtures import SandboxProcess, running_sandbox  # noqa: E402
from msgkit.sandbox.mp3 import frames  # noqa: E402
from msgkit.sandbox.server import bind  # noqa: E402
from msgkit.transports.base import SessionError  # noqa: E402


class IvrApp:
    """The application: one handler per notify URL, each sending the next block."""

    def __init__(self, sandbox: SandboxProcess, recordings: Path) -> None:
        self.sandbox = sandbox
        self.recordings = recordings
        self.transport = msgkit.get_transport("hoiio", base_url=sandbox.transport_base_url)
        self.call: msgkit.Call | None = None
        self.notifications: list[msgkit.Notification] = []
        self.results: list[tuple[str, str]] = []
        self.saved: list[Path] = []
        self.errors: list[BaseException] = []
        self.steps_done = 0
        self.url = ""
        self.changed = threading.Condition()
        steps = ("answer", "played", "gathered", "recorded", "monitored", "transferred", "ended")
        self.asgi = Starlette(
            routes=[Route(f"/{s}", self.receive, methods=["POST"]) for s in steps]
        )

    def send(self, block: str, **params: Any) -> None:
        assert self.call is not None and self.call.session is not None
        request = msgkit.request(
            block,
            app_id=self.sandbox.app_id,
            access_token=self.sandbox.access_token,
            session=self.call.session,
            **params,
        )
        result = self.call.submit(request, self.transport)
        self.results.append((block, result.status))

    async def receive(self, request: Request) -> PlainTextResponse:
        body = await request.body()
        note = msgkit.parse_notification(
            body,
            request.headers.get("content-type", ""),
            request.url.query,
            signature=request.headers.get("x-hoiio-signature"),
            access_token=self.sandbox.access_token,
        )
        step = request.url.path.strip("/")
        # The next block goes out once the notification is answered, as a real app would.
        return PlainTextResponse("ok", background=BackgroundTask(self.step, step, note))

    def step(self, step: str, note: msgkit.Notification) -> None:
        with self.changed:
            self.notifications.append(note)  # in the order they came, before the next block
        try:
            self._step(step, note)
        except BaseException as error:  # reported by the test, not lost in a thread
            self.errors.append(error)
        with self.changed:
            self.steps_done += 1
            self.changed.notify_all()

    def _step(self, step: str, note: msgkit.Notification) -> None:
        if step == "answer":
            self.call = msgkit.Call(note.session)
        assert self.call is not None
        self.call.observe(note)
        if note.ended:
            if isinstance(note, msgkit.MonitorFileNotification):
                self.saved.append(note.download(self.recordings))
            return
        at = self.url
        if step == "answer":
            self.send("play", msg="Welcome to msgkit.", notify_url=f"{at}/played")
        elif step == "played":
            self.send(
                "gather",
                msg="Please key in your 4-digit PIN.",
                max_digits=4,
                timeout=30,
                notify_url=f"{at}/gathered",
            )
        elif step == "gathered":
            self.send(
                "record",
                msg="Leave a message after the tone, then press hash.",
                max_duration=120,
                notify_url=f"{at}/recorded",
            )
        elif step == "recorded":
            assert isinstance(note, msgkit.RecordNotification)
            self.saved.append(note.download(self.recordings))
            self.send(
                "monitor",
                msg="This call is recorded.",
                monitor_notify_url=f"{at}/monitored",
                notify_url=f"{at}/ended",
            )
        elif step == "monitored":
            self.send(
                "transfer",
                dest="room:R2024",
                msg="Connecting you to the conference.",
                notify_url=f"{at}/transferred",
            )

    def wait_for(self, count: int, timeout: float = 20.0) -> list[msgkit.Notification]:
        with self.changed:
            if not self.changed.wait_for(lambda: self.steps_done >= count, timeout):
                raise TimeoutError(f"{len(self.notifications)} of {count} notifications")
            return list(self.notifications)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[IvrApp]:
    with running_sandbox("--time-scale", "0.01", "--log-level", "warning") as sandbox:
        ivr = IvrApp(sandbox, tmp_path)
        sock, ivr.url = bind("127.0.0.1", 0)
        config = uvicorn.Config(ivr.asgi, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        try:
            yield ivr
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()


def wait_running(sandbox: SandboxProcess, session: str, block: str) -> None:
    deadline = time.monotonic() + 10
    while (sandbox.get_call(session).get("running") or {}).get("block") != block:
        assert time.monotonic() < deadline, f"{block} never ran"
        time.sleep(0.02)


def test_a_whole_call(app: IvrApp, tmp_path: Path) -> None:
    sandbox = app.sandbox
    session = sandbox.call("+6591110000", "+6562220000", answer_url=app.url + "/answer")
    wait_running(sandbox, session, "gather")
    sandbox.digits(session, "12")
    sandbox.digits(session, "3456")  # max_digits=4: the gather ends at 1234
    wait_running(sandbox, session, "record")
    sandbox.digits(session, "#")
    notes = app.wait_for(6)
    assert app.call is not None
    with pytest.raises(SessionError) as caught:  # the transfer ended the IVR session
        app.call.check("play")
    assert caught.value.status == "error_session_ended"
    sandbox.hangup(session)
    notes = app.wait_for(9)
    assert not app.errors, app.errors

    kinds = [(type(n).__name__, n.call_state) for n in notes]
    assert kinds[:6] == [
        ("AnswerNotification", "ringing"),
        ("PlayNotification", "ongoing"),
        ("GatherNotification", "ongoing"),
        ("RecordNotification", "ongoing"),
        ("MonitorNotification", "ongoing"),
        ("TransferNotification", "ongoing"),
    ]
    # Once the caller hangs up: the last block's, then the Monitor's two (received in parallel).
    assert sorted(kinds[6:]) == [
        ("MonitorFileNotification", "ended"),
        ("MonitorNotification", "ended"),
        ("TransferNotification", "ended"),
    ]
    assert {n.session for n in notes} == {session}
    assert all(n.from_ == "+6591110000" and n.to == "+6562220000" for n in notes)
    gather = notes[2]
    assert isinstance(gather, msgkit.GatherNotification) and gather.digits == "1234"
    transfer = notes[5]
    assert isinstance(transfer, msgkit.TransferNotification)
    assert (transfer.transfer_status, transfer.room) == ("answered", "R2024")
    # (A block's notification may come before its request's answer has been read.)
    assert sorted(app.results) == sorted(
        (block, "success_ok") for block in ("play", "gather", "record", "monitor", "transfer")
    )
    ended = [n for n in notes if isinstance(n, msgkit.BlockNotification) and n.ended]
    assert all(n.date is not None and n.debit is not None for n in ended)

    record, monitor = app.saved
    assert record.name == recording_filename(session, notes[3].txn_ref)
    assert frames(record.read_bytes()) and frames(monitor.read_bytes())
    # The sandbox saw the same exchange: every notification delivered, nothing refused.
    shown = sandbox.get_call(session)
    assert [job["block"] for job in shown["blocks"]] == [
        "play",
        "gather",
        "record",
        "monitor",
        "transfer",
    ]
    # (The app has them all; the sandbox may not have read the last answer yet.)
    delivered = sandbox.wait_for_notifications(session, 9)
    assert len(delivered) == 9 and all(d["state"] == "delivered" for d in delivered)


def test_the_docs_show_the_example_application() -> None:
    """docs/sandbox.md shows examples/ivr/app.py (abridged): every line it shows is in the file,
    whose flow its shell block runs (tests/test_docs.py)."""
    import re

    root = Path(__file__).resolve().parent.parent
    source = (root / "examples" / "ivr" / "app.py").read_text(encoding="utf-8")
    docs = (root / "docs" / "sandbox.md").read_text(encoding="utf-8")
    shown = re.search(
        r"```python\n# examples/ivr/app\.py[^\n]*\n(?P<body>.*?)^```", docs, re.S | re.M
    )
    assert shown is not None
    for line in shown["body"].splitlines():
        code = line.split("  # ")[0].strip()
        assert code in source, f"docs/sandbox.md shows {code!r}, which is not in the example"
