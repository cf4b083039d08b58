"""The sandbox server on its own: real HTTP on loopback, httpx as the client, a small receiver."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from msgkit import validate
from msgkit.sandbox import SandboxSettings
from msgkit.sandbox.fixtures import Receiver, ThreadedSandbox, receiver
from msgkit.sandbox.mp3 import frames

TOKEN = "test-token-123"
APP = "app-1"

Start = Callable[..., ThreadedSandbox]


@pytest.fixture
def start() -> Iterator[Start]:
    started: list[ThreadedSandbox] = []

    def factory(clock: Callable[[], float] = time.time, **options: Any) -> ThreadedSandbox:
        settings = SandboxSettings(app_id=APP, access_token=TOKEN, **options)
        sandbox = ThreadedSandbox(settings, clock=clock)
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(start: Start) -> ThreadedSandbox:
    return start()


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with receiver() as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield client


def new_call(http: httpx.Client, sb: ThreadedSandbox, **body: str) -> str:
    response = http.post(sb.base_url + "/sandbox/calls", json=body)
    assert response.status_code == 201, response.text
    session: str = response.json()["session"]
    return session


def monitor(http: httpx.Client, sb: ThreadedSandbox, **params: str) -> str:
    data = {"app_id": APP, "access_token": TOKEN, **params}
    response = http.post(sb.monitor_url, data=data)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    status: str = response.json()["status"]
    assert response.json() == {"status": status}
    return status


def hangup(http: httpx.Client, sb: ThreadedSandbox, session: str, **body: Any) -> dict[str, Any]:
    response = http.post(f"{sb.base_url}/sandbox/calls/{session}/hangup", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def show(http: httpx.Client, sb: ThreadedSandbox, session: str) -> dict[str, Any]:
    data: dict[str, Any] = http.get(f"{sb.base_url}/sandbox/calls/{session}").json()
    return data


def signed(body: bytes, signature: str) -> bool:
    expected = hmac.new(TOKEN.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def settled(http: httpx.Client, sb: ThreadedSandbox, session: str, count: int) -> list[Any]:
    deadline = time.monotonic() + 10
    while True:
        notes: list[Any] = show(http, sb, session)["notifications"]
        if len(notes) >= count and all(n["state"] != "pending" for n in notes):
            return notes
        assert time.monotonic() < deadline, notes
        time.sleep(0.02)


# -- the happy path and the wire format ------------------------------------------------------


def test_monitor_then_hangup_sends_the_providers_notifications(
    sandbox: ThreadedSandbox, rx: Receiver, http: httpx.Client
) -> None:
    session = new_call(http, sandbox, **{"from": "+6591234567", "to": "+6560000000"})
    status = monitor(
        http,
        sandbox,
        session=session,
        msg='This call is recorded. <speech language="zh-HK">請稍等</speech>',
        tag="order-42",
        monitor_notify_url=rx.url + "/block?app_state=7",
        notify_url=rx.url + "/done",
    )
    assert status == "success_ok"
    (block,) = rx.wait_for(1)
    assert block.path == "/block" and block.query == "app_state=7"
    assert block.content_type == "application/x-www-form-urlencoded"
    assert signed(block.body, block.headers["x-hoiio-signature"])
    txn = block.form["txn_ref"]
    assert block.form == {
        "session": session,
        "txn_ref": txn,
        "from": "+6591234567",
        "to": "+6560000000",
        "call_state": "ongoing",
    }
    assert b"%2B6591234567" in block.body  # '+' travels percent-encoded

    hangup(http, sandbox, session, duration_seconds=125)
    ended, monitor_file = rx.wait_for(2, where=lambda r: r.path == "/done")
    for item in (ended, monitor_file):
        assert signed(item.body, item.headers["x-hoiio-signature"])
    assert ended.form["call_state"] == "ended"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", ended.form["date"])
    assert ended.form["duration"] == "3"  # started minutes
    assert ended.form["currency"] == "SGD"
    assert ended.form["rate"] == "0.0200"
    assert ended.form["debit"] == "0.0600"
    assert ended.form["txn_ref"] == txn
    assert "ivr_block" not in ended.form
    form = monitor_file.form
    assert form["ivr_block"] == "monitor"
    assert form["session"] == session and form["txn_ref"] == txn
    assert form["tag"] == "order-42"
    assert form["call_state"] == "ended"
    assert form["monitor_status"] == "success"
    assert form["monitor_url"].startswith(sandbox.base_url + "/recordings/rec-")
    assert "Expires=" in form["monitor_url"] and "Signature=" in form["monitor_url"]

    notes = settled(http, sandbox, session, 3)
    assert [(n["kind"], n["state"]) for n in notes] == [
        ("block", "delivered"),
        ("block", "delivered"),
        ("monitor_file", "delivered"),
    ]


def test_block_notification_falls_back_to_notify_url(
    sandbox: ThreadedSandbox, rx: Receiver, http: httpx.Client
) -> None:
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, notify_url=rx.url + "/n") == "success_ok"
    (block,) = rx.wait_for(1)
    assert block.path == "/n" and block.form["call_state"] == "ongoing"
    hangup(http, sandbox, session)
    items = rx.wait_for(3)
    assert [r.form.get("ivr_block") for r in items] == [None, None, "monitor"]
    assert "tag" not in items[2].form


def test_get_works_like_post(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    session = new_call(http, sandbox)
    params = {"app_id": APP, "access_token": TOKEN, "session": session, "msg": "Hi"}
    assert http.get(sandbox.monitor_url, params=params).json() == {"status": "success_ok"}


def test_hangup_without_monitor_sends_nothing(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    session = new_call(http, sandbox)
    data = hangup(http, sandbox, session)
    assert data["state"] == "ended" and data["notifications"] == []


# -- parameter rules -------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["app_id", "access_token", "session"])
@pytest.mark.parametrize("empty", [False, True])
def test_missing_parameter_is_named(
    sandbox: ThreadedSandbox, http: httpx.Client, missing: str, empty: bool
) -> None:
    params = {"app_id": APP, "access_token": TOKEN, "session": "S1"}
    if empty:
        params[missing] = ""
    else:
        del params[missing]
    response = http.post(sandbox.monitor_url, data=params)
    assert response.json() == {"status": f"error_{missing}_param_missing"}


def test_credentials(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, app_id="nope") == "error_invalid_app_id"
    assert monitor(http, sandbox, session=session, access_token="x") == "error_invalid_access_token"


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"msg": "x" * 501}, "error_msg_invalid_length"),
        ({"msg": "a < b"}, "error_msg_invalid_xml"),
        ({"msg": '<speech language="english!">hi</speech>'}, "error_msg_invalid_language"),
        ({"msg": '<speech gender="robot">hi</speech>'}, "error_msg_invalid_gender"),
        ({"msg": "<url>ftp://example.com/a.mp3</url>"}, "error_msg_invalid_url"),
        ({"msg": "<url>https://example.com/a.ogg</url>"}, "error_msg_invalid_file_format"),
        ({"msg": "bell \x07"}, "error_malformed_params"),
        ({"tag": "t" * 257}, "error_tag_invalid_length"),
        ({"notify_url": "ftp://example.com/n"}, "error_invalid_notify_url"),
        ({"monitor_notify_url": "/relative"}, "error_invalid_monitor_notify_url"),
        ({"notify_url": "https://example.com/" + "a" * 4000}, "error_invalid_notify_url"),
        ({"msg": "x" * 500, "tag": "t" * 256}, "success_ok"),
    ],
)
def test_msg_tag_and_urls_go_through_validate(
    sandbox: ThreadedSandbox, http: httpx.Client, params: dict[str, str], status: str
) -> None:
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, **params) == status
    report = validate(params.get("msg", ""), **{k: v for k, v in params.items() if k != "msg"})
    expected = report.errors[0].code if report.errors else "success_ok"
    assert status == expected  # the sandbox and msgkit.validate cannot drift apart


def test_msg_length_limit_is_configurable(start: Start, http: httpx.Client) -> None:
    sandbox = start(max_msg_length=1000)
    assert monitor(http, sandbox, session=new_call(http, sandbox), msg="x" * 1000) == "success_ok"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_refused(
    sandbox: ThreadedSandbox, http: httpx.Client, method: str
) -> None:
    response = http.request(method, sandbox.monitor_url)
    assert response.json() == {"status": "error_invalid_http_method"}


@pytest.mark.parametrize(
    "body",
    [
        b"app_id=app-1&access_token=test-token-123&session=S1&msg=%FF%FE",
        b"app_id=app-1&access_token=test-token-123&session=S1&msg=\xff",
    ],
)
def test_unreadable_bytes_are_malformed(
    sandbox: ThreadedSandbox, http: httpx.Client, body: bytes
) -> None:
    response = http.post(
        sandbox.monitor_url,
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.json() == {"status": "error_malformed_params"}


def test_unreadable_query_string_is_malformed(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    response = http.get(sandbox.monitor_url + "?app_id=%C3%28")
    assert response.json() == {"status": "error_malformed_params"}


# -- session rules ---------------------------------------------------------------------------


def test_session_rules(start: Start, rx: Receiver, http: httpx.Client) -> None:
    sandbox = start(block_seconds=0.5)
    assert monitor(http, sandbox, session="S-unknown") == "error_invalid_session"
    foreign = new_call(http, sandbox, app_id="someone-else")
    assert monitor(http, sandbox, session=foreign) == "error_session_access_denied"

    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, notify_url=rx.url) == "success_ok"
    assert show(http, sandbox, session)["block"] == "running"
    assert monitor(http, sandbox, session=session) == "error_session_not_ready"
    rx.wait_for(1)  # the block has finished: the recording goes on
    assert show(http, sandbox, session)["block"] == "idle"
    assert monitor(http, sandbox, session=session) == "error_monitor_in_progress"

    hangup(http, sandbox, session)
    assert monitor(http, sandbox, session=session) == "error_session_ended"


def test_hangup_while_block_runs_skips_the_ongoing_notification(
    start: Start, rx: Receiver, http: httpx.Client
) -> None:
    sandbox = start(block_seconds=5)
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, notify_url=rx.url) == "success_ok"
    hangup(http, sandbox, session)
    items = rx.wait_for(2)
    assert [r.form["call_state"] for r in items] == ["ended", "ended"]
    time.sleep(0.1)
    assert len(rx.received) == 2


def test_rate_limit(start: Start, http: httpx.Client) -> None:
    now = [1000.0]
    sandbox = start(clock=lambda: now[0], rate_limit=2, rate_window=60)
    statuses = [monitor(http, sandbox, session="S-none") for _ in range(3)]
    assert statuses == ["error_invalid_session"] * 2 + ["error_rate_limit_exceeded"]
    now[0] += 61
    assert monitor(http, sandbox, session="S-none") == "error_invalid_session"


# -- concurrency -----------------------------------------------------------------------------


def test_racing_monitors_give_exactly_one_success(start: Start) -> None:
    sandbox = start()

    async def race() -> list[list[str]]:
        async with httpx.AsyncClient(timeout=20, trust_env=False) as client:
            sessions = []
            for _ in range(20):
                response = await client.post(sandbox.base_url + "/sandbox/calls")
                sessions.append(response.json()["session"])

            async def one(session: str) -> str:
                data = {"app_id": APP, "access_token": TOKEN, "session": session}
                response = await client.post(sandbox.monitor_url, data=data)
                status: str = response.json()["status"]
                return status

            return [list(await asyncio.gather(one(s), one(s), one(s))) for s in sessions]

    for statuses in asyncio.run(race()):
        assert statuses.count("success_ok") == 1, statuses
        assert set(statuses) <= {
            "success_ok",
            "error_session_not_ready",
            "error_monitor_in_progress",
        }


def test_a_hundred_concurrent_calls_keep_their_sessions_apart(start: Start, rx: Receiver) -> None:
    sandbox = start()
    count = 100
    began = time.monotonic()

    async def run() -> dict[str, str]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(timeout=30, trust_env=False, limits=limits) as client:

            async def flow(i: int) -> tuple[str, str]:
                body = {"from": f"+65{80000000 + i}"}
                response = await client.post(sandbox.base_url + "/sandbox/calls", json=body)
                session: str = response.json()["session"]
                data = {
                    "app_id": APP,
                    "access_token": TOKEN,
                    "session": session,
                    "tag": f"tag-{i}",
                    "notify_url": f"{rx.url}/n/{i}",
                }
                response = await client.post(sandbox.monitor_url, data=data)
                assert response.json() == {"status": "success_ok"}
                hung = await client.post(f"{sandbox.base_url}/sandbox/calls/{session}/hangup")
                assert hung.status_code == 200
                return session, f"tag-{i}"

            pairs = await asyncio.gather(*(flow(i) for i in range(count)))
            return dict(pairs)

    tags = asyncio.run(run())
    assert len(tags) == count
    files = rx.wait_for(count, timeout=30, where=lambda r: "ivr_block" in r.form)
    for item in files:
        form = item.form
        assert tags[form["session"]] == form["tag"]
        assert item.path == "/n/" + form["tag"].removeprefix("tag-")
        assert form["from"] == f"+65{80000000 + int(form['tag'][4:])}"
    assert len({f.form["session"] for f in files}) == count
    assert len({f.form["monitor_url"] for f in files}) == count
    assert time.monotonic() - began < 30


# -- recordings ------------------------------------------------------------------------------


def _recording_url(http: httpx.Client, sandbox: ThreadedSandbox, **hang: Any) -> str:
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session) == "success_ok"
    url: str = hangup(http, sandbox, session, **hang)["monitor_url"]
    return url


def test_recording_download_is_a_real_mp3(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    url = _recording_url(http, sandbox)
    response = http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    found = frames(response.content)
    seconds = sum(1152 / f.sample_rate for f in found)
    assert 2.5 < seconds < 3.5
    last_modified = response.headers["last-modified"]
    again = http.get(url, headers={"If-Modified-Since": last_modified})
    assert again.status_code == 304 and again.content == b""
    older = http.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200
    junk = http.get(url, headers={"If-Modified-Since": "yesterday"})
    assert junk.status_code == 200
    head = http.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(found) * 144)


def test_recording_url_expires_and_is_signed(start: Start, http: httpx.Client) -> None:
    now = [1_700_000_000.0]
    sandbox = start(clock=lambda: now[0], recording_ttl=60)
    url = _recording_url(http, sandbox)
    assert http.get(url).status_code == 200
    tampered = re.sub(r"Expires=(\d+)", lambda m: f"Expires={int(m[1]) + 999}", url)
    assert http.get(tampered).status_code == 403
    assert http.get(url.split("?")[0]).status_code == 403
    now[0] += 61
    response = http.get(url)
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"
    assert "expired" in response.json()["message"]


@pytest.mark.parametrize("where", ["settings", "hangup"])
def test_failed_recording(start: Start, rx: Receiver, http: httpx.Client, where: str) -> None:
    sandbox = start(fail_recording=where == "settings")
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, notify_url=rx.url) == "success_ok"
    rx.wait_for(1)
    hangup(http, sandbox, session, **({"fail_recording": True} if where == "hangup" else {}))
    (item,) = rx.wait_for(1, where=lambda r: "ivr_block" in r.form)
    assert item.form["monitor_status"] == "failed"
    assert "monitor_url" not in item.form


# -- delivery failures -----------------------------------------------------------------------


def test_failed_deliveries_are_recorded(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    with receiver(status=500) as failing:
        session = new_call(http, sandbox)
        assert monitor(http, sandbox, session=session, notify_url=failing.url) == "success_ok"
        (note,) = settled(http, sandbox, session, 1)
    assert note["state"] == "failed"
    assert note["attempts"][0]["status_code"] == 500
    failed = http.get(sandbox.base_url + "/sandbox/deliveries?state=failed").json()
    assert [d["id"] for d in failed["deliveries"]] == [note["id"]]


def test_unreachable_receiver_is_recorded(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    with receiver() as gone:
        url = gone.url
    session = new_call(http, sandbox)
    assert monitor(http, sandbox, session=session, notify_url=url) == "success_ok"
    (note,) = settled(http, sandbox, session, 1)
    assert note["state"] == "failed" and note["attempts"][0]["error"] == "cannot connect"


def test_retries_with_backoff_then_delivers(start: Start, http: httpx.Client) -> None:
    sandbox = start(retry_notifications=3, retry_backoff=0.05)
    with receiver(status=503) as flaky:

        def recover() -> None:
            flaky.wait_for(2)
            flaky.status = 200

        helper = threading.Thread(target=recover)
        helper.start()
        session = new_call(http, sandbox)
        assert monitor(http, sandbox, session=session, notify_url=flaky.url) == "success_ok"
        (note,) = settled(http, sandbox, session, 1)
        helper.join(timeout=10)
    assert note["state"] == "delivered"
    codes = [a["status_code"] for a in note["attempts"]]
    assert codes[:2] == [503, 503] and codes[-1] == 200
    gaps = [b["at"] - a["at"] for a, b in zip(note["attempts"], note["attempts"][1:], strict=False)]
    assert gaps[0] >= 0.04 and gaps[1] >= 0.09  # 0.05 s, then doubled


def test_retries_are_bounded(start: Start, http: httpx.Client) -> None:
    sandbox = start(retry_notifications=2, retry_backoff=0.01)
    with receiver(status=500) as failing:
        session = new_call(http, sandbox)
        assert monitor(http, sandbox, session=session, notify_url=failing.url) == "success_ok"
        (note,) = settled(http, sandbox, session, 1)
        assert len(failing.received) == 3
    assert note["state"] == "failed" and len(note["attempts"]) == 3


class _Slow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        time.sleep(2.0)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_slow_receiver_times_out_and_blocks_no_other_call(
    start: Start, rx: Receiver, http: httpx.Client
) -> None:
    sandbox = start(notify_timeout=1.0)
    slow = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    slow.daemon_threads = True
    thread = threading.Thread(target=slow.serve_forever, daemon=True)
    thread.start()
    try:
        stuck = new_call(http, sandbox)
        slow_url = f"http://127.0.0.1:{slow.server_address[1]}/"
        assert monitor(http, sandbox, session=stuck, notify_url=slow_url) == "success_ok"
        began = time.monotonic()
        other = new_call(http, sandbox)
        assert monitor(http, sandbox, session=other, notify_url=rx.url) == "success_ok"
        rx.wait_for(1)
        assert time.monotonic() - began < 0.9  # well before the slow one times out
        (note,) = settled(http, sandbox, stuck, 1)
        assert note["state"] == "failed" and note["attempts"][0]["error"] == "timeout"
    finally:
        slow.shutdown()
        slow.server_close()
        thread.join(timeout=10)


# -- the control API -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_body"),
        (b'{"caller": "+6511111111"}', "unknown_field"),
        (b'{"from": 6511111111}', "invalid_field"),
        (b'{"from": "6511111111"}', "invalid_field"),
        (b'{"to": "+65 1111 1111"}', "invalid_field"),
    ],
)
def test_malformed_control_requests(
    sandbox: ThreadedSandbox, http: httpx.Client, body: bytes, code: str
) -> None:
    response = http.post(sandbox.base_url + "/sandbox/calls", content=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == code and response.json()["message"]


def test_control_api_errors(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    base = sandbox.base_url
    assert http.get(base + "/sandbox/calls/S-nope").status_code == 404
    assert http.post(base + "/sandbox/calls/S-nope/hangup").json()["error"] == "unknown_call"
    session = new_call(http, sandbox)
    bad = http.post(f"{base}/sandbox/calls/{session}/hangup", json={"fail_recording": "yes"})
    assert bad.status_code == 400
    negative = http.post(f"{base}/sandbox/calls/{session}/hangup", json={"duration_seconds": -1})
    assert negative.status_code == 400
    # Not numbers a body may carry: the JSON reader refuses them before any field is looked at.
    for endless in (b'{"duration_seconds": 1e999}', b'{"duration_seconds": NaN}'):
        refused = http.post(f"{base}/sandbox/calls/{session}/hangup", content=endless)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_json"
    hangup(http, sandbox, session)
    again = http.post(f"{base}/sandbox/calls/{session}/hangup")
    assert again.status_code == 409 and again.json()["error"] == "call_ended"
    missing = http.get(base + "/nowhere")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = http.delete(f"{base}/sandbox/calls/{session}")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"
    assert http.get(base + "/sandbox/deliveries?state=lost").status_code == 400


def test_info_and_listing(sandbox: ThreadedSandbox, http: httpx.Client) -> None:
    session = new_call(http, sandbox)
    info = http.get(sandbox.base_url + "/sandbox").json()
    assert info["base_url"] == sandbox.base_url
    assert info["transport_base_url"] == sandbox.base_url + "/open"
    assert info["app_id"] == APP
    assert TOKEN not in str(info)
    calls = http.get(sandbox.base_url + "/sandbox/calls").json()["calls"]
    assert [c["session"] for c in calls] == [session]
