"""Hostile notifications, recording servers and echoing API servers, all on loopback.

Issue 9 items 2-5 (and issue 10 item 2 for ``msgkit sandbox receive``): only signed fields make
a notification; downloads are bounded, named by msgkit and never write through a symlink or
over a file; the access token shows in no output in any encoding; bad input is a diagnostic.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlencode

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import msgkit
from msgkit import MonitorFileNotification, MonitorNotification, NotificationError
from msgkit.cli import main
from msgkit.download import (
    DEFAULT_MAX_BYTES,
    DownloadError,
    download_recording,
    recording_filename,
)
from msgkit.notifications import SignatureError
from msgkit.receiver import Delivery, NotificationReceiver
from msgkit.redaction import redact, redact_data
from msgkit.schemas import schema, schema_names
from msgkit.signatures import sign, verify_signature
from msgkit.testing import file_notification_fields, monitor_notification_fields
from msgkit.transports.base import ApiError, MonitorRequest, MonitorResult, TransportError
from msgkit.transports.hoiio import HoiioTransport

FORM = "application/x-www-form-urlencoded"
SECRET = "notify-secret-token"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(20_000)
EVIL = b"ID3\x04 import os; os.system('echo pwned')\n"
FUTURE = 4102444800  # 2100-01-01
CLI = [sys.executable, "-c", "from msgkit.cli import main; main()"]


def form(fields: dict[str, str | None]) -> bytes:
    return urlencode({k: v for k, v in fields.items() if v is not None}).encode()


def file_body(url: str, **overrides: str | None) -> bytes:
    return form(file_notification_fields(monitor_url=url, **overrides))


def post_signed(url: str, body: bytes, query: str = "", token: str = SECRET) -> httpx.Response:
    headers = {"X-Hoiio-Signature": sign(body, token), "Content-Type": FORM}
    return httpx.post(url + query, content=body, headers=headers, timeout=30, trust_env=False)


def wait_until(condition: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


# Item 2: only signed fields ---------------------------------------------------------------


def hostile_query(server: HTTPServer) -> str:
    attacker = server.url_for("/x/conftest.py")
    return "?" + urlencode(
        {"ivr_block": "monitor", "monitor_status": "success", "monitor_url": attacker}
    )


def test_query_parameters_never_fill_a_signed_notification(httpserver: HTTPServer) -> None:
    body = form(monitor_notification_fields(call_state="ongoing"))
    query = hostile_query(httpserver) + "&session=S-forged&tag=forged"
    parsed = msgkit.parse_notification(
        body, FORM, query, signature=sign(body, SECRET), access_token=SECRET
    )
    assert isinstance(parsed, MonitorNotification)  # not turned into a file notification
    assert (parsed.session, parsed.tag, parsed.extra) == ("S-0001", None, {})
    assert parsed.query["monitor_url"].endswith("/x/conftest.py")
    assert parsed.query["session"] == "S-forged"


def test_signature_checked_by_the_parser() -> None:
    body = form(monitor_notification_fields())
    with pytest.raises(SignatureError, match="does not match"):
        msgkit.parse_notification(body, FORM, signature="00" * 32, access_token=SECRET)
    with pytest.raises(SignatureError, match="no signature"):
        msgkit.parse_notification(body, FORM, signature=None, access_token=SECRET)
    with pytest.raises(SignatureError):  # a str body is not the raw bytes that were signed
        msgkit.parse_notification(
            body.decode(), FORM, signature=sign(body, SECRET), access_token=SECRET
        )


def test_a_signed_empty_body_is_not_a_notification() -> None:
    query = urlencode(monitor_notification_fields())
    with pytest.raises(NotificationError, match="body is empty"):
        msgkit.parse_notification(
            b"", FORM, query, signature=sign(b"", SECRET), access_token=SECRET
        )
    with pytest.raises(NotificationError, match="body is empty"):
        msgkit.parse_notification(b"  ", FORM, query)  # unsigned, without query_fields


def receive_process(cwd: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, MSGKIT_ACCESS_TOKEN=SECRET)
    process = subprocess.Popen(
        [*CLI, "sandbox", "receive", "--port", "0", *options],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise AssertionError(f"no URL on the first line: {url!r} {process.communicate()}")
    return process, url


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_replayed_notification_with_a_hostile_query_writes_nothing(
    httpserver: HTTPServer, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    httpserver.expect_request("/recordings/rec-1.mp3").respond_with_data(MP3)
    httpserver.expect_request("/x/conftest.py").respond_with_data(EVIL)
    process, url = receive_process(tmp_path, "--count", "3")
    processes.append(process)
    query = hostile_query(httpserver)
    real = file_body(httpserver.url_for(f"/recordings/rec-1.mp3?Expires={FUTURE}"))
    block = form(monitor_notification_fields(call_state="ongoing"))

    assert post_signed(url + "/n", b"", query).status_code == 400  # signed, empty: refused
    assert post_signed(url + "/n", block, query).status_code == 200
    assert post_signed(url + "/n", real).status_code == 200
    saved = tmp_path / "recordings" / "S-0001.T-0001.mp3"
    wait_until(saved.exists)
    assert post_signed(url + "/n", real, query).status_code == 200  # the replay
    out, err = process.communicate(timeout=30)  # --count 3: it stops by itself

    assert process.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["kind"] for line in lines] == [
        "MonitorNotification",
        "MonitorFileNotification",
        "MonitorFileNotification",
    ]
    assert "saved" not in lines[0] and lines[0]["query"]["monitor_url"].endswith("conftest.py")
    assert lines[1]["saved"] == str(Path("recordings") / "S-0001.T-0001.mp3")
    assert "saved" not in lines[2] and "exists" in lines[2]["error"]
    assert files_under(tmp_path) == {"recordings/S-0001.T-0001.mp3"}
    assert (tmp_path / "recordings" / "S-0001.T-0001.mp3").read_bytes() == MP3
    requested = [entry[0].path for entry in httpserver.log]
    assert requested == ["/recordings/rec-1.mp3"]  # the attacker's URL was never fetched
    assert "refused a POST" in err and "Traceback" not in err


# Item 3: downloads bounded and named by msgkit ----------------------------------------------


class RawServer:
    """A loopback HTTP server that answers one request with ``script(connection)``."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}/rec.mp3"
        self._script = script
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            connection, _ = self._socket.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            with contextlib.suppress(OSError):
                self._script(connection)

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def make(script: Callable[[socket.socket], None]) -> RawServer:
        servers.append(RawServer(script))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nContent-Length: 1000000\r\n\r\n"


def trickle_body(connection: socket.socket) -> None:
    connection.sendall(HEAD + MP3[:16])
    for _ in range(200):
        connection.sendall(b"\0")
        time.sleep(0.05)


def trickle_headers(connection: socket.socket) -> None:
    for byte in HEAD:
        connection.sendall(bytes([byte]))
        time.sleep(0.05)


def stall(connection: socket.socket) -> None:
    connection.sendall(HEAD + MP3[:16])
    time.sleep(10)


@pytest.mark.parametrize("script", [trickle_body, trickle_headers, stall])
def test_a_total_deadline_however_the_server_paces_it(
    raw_server: Callable[..., RawServer], tmp_path: Path, script: Callable[[socket.socket], None]
) -> None:
    server = raw_server(script)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="took longer than 1s"):
        download_recording(server.url, tmp_path / "r.mp3", deadline=1.0, timeout=30.0)
    assert time.monotonic() - started < 3
    assert not list(tmp_path.iterdir())  # no .part, no file


def test_the_size_limit(httpserver: HTTPServer, tmp_path: Path) -> None:
    assert DEFAULT_MAX_BYTES == 200_000_000
    httpserver.expect_request("/declared").respond_with_data(MP3)

    def chunked(request: Request) -> Response:
        return Response(iter([MP3[:5000], MP3[5000:]]), content_type="audio/mpeg")

    httpserver.expect_request("/chunked").respond_with_handler(chunked)
    for path in ("/declared", "/chunked"):
        with pytest.raises(DownloadError, match="larger than 4096 bytes"):
            download_recording(httpserver.url_for(path), tmp_path / "r.mp3", max_bytes=4096)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("length", [b"9" * 5000, b"99999999999999999999999"])
def test_an_absurd_content_length_is_a_download_error(
    raw_server: Callable[..., RawServer], tmp_path: Path, length: bytes
) -> None:
    server = raw_server(
        lambda c: c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\nID3")
    )
    with pytest.raises(DownloadError):
        download_recording(server.url, tmp_path / "r.mp3")
    assert not list(tmp_path.iterdir())


def test_an_interrupt_removes_the_part_file(
    raw_server: Callable[..., RawServer], tmp_path: Path
) -> None:
    server = raw_server(stall)
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    def interrupt() -> None:
        deadline = time.monotonic() + 5
        while not list(tmp_path.glob(".*.part")) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        signal.pthread_kill(main_thread, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        download_recording(server.url, tmp_path / "r.mp3", timeout=30.0)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("session", "txn_ref"),
    [
        ("../../etc", "passwd"),
        ("/etc/passwd", ".."),
        ("..", "."),
        ("-rf", "T"),
        ("S" * 500, "T"),
        ("a/b", "T"),
        ("a_b", "T"),
        ("\u2025\u2024", "\\x"),
        ("con", "nul"),
    ],
)
def test_recording_names_are_safe(session: str, txn_ref: str) -> None:
    name = recording_filename(session, txn_ref)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*\.[A-Za-z0-9_][A-Za-z0-9_-]*\.mp3", name)
    assert len(name) < 140


def test_different_calls_never_share_a_name() -> None:
    names = {recording_filename(s, t) for s in ("a/b", "a_b", "a.b", "a b") for t in ("T", "T.")}
    assert len(names) == 8


def test_names_come_from_the_call_not_the_url(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/x/conftest.py").respond_with_data(EVIL)
    url = httpserver.url_for("/x/conftest.py")
    parsed = msgkit.parse_notification(file_body(url, session="../../S", txn_ref="T/1"))
    assert isinstance(parsed, MonitorFileNotification)
    written = parsed.download(tmp_path)
    assert written.parent == tmp_path and written.name.endswith(".mp3")
    assert "conftest" not in written.name and ".." not in written.name
    assert files_under(tmp_path) == {written.name}


def test_an_existing_file_or_symlink_is_never_overwritten_unless_asked(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/r.mp3").respond_with_data(MP3)
    url = httpserver.url_for("/r.mp3")
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    existing = recordings / "kept.mp3"
    existing.write_bytes(b"old recording")
    link = recordings / "link.mp3"
    link.symlink_to(outside)
    dangling = recordings / "dangling.mp3"
    dangling.symlink_to(tmp_path / "created-through-the-link.mp3")
    for target in (existing, link, dangling):
        with pytest.raises(DownloadError, match="exists"):
            download_recording(url, target)
    assert not httpserver.log  # refused before any request
    assert existing.read_bytes() == b"old recording" and outside.read_text() == "precious"
    assert not (tmp_path / "created-through-the-link.mp3").exists()

    for target in (existing, link, dangling):
        assert download_recording(url, target, overwrite=True) == target
        assert not target.is_symlink() and target.read_bytes() == MP3  # the link replaced
    assert outside.read_text() == "precious"
    assert not (tmp_path / "created-through-the-link.mp3").exists()
    assert not list(recordings.glob(".*.part"))


def test_failures_are_download_errors_never_os_errors(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/r.mp3").respond_with_data(MP3)
    url = httpserver.url_for("/r.mp3")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(DownloadError, match="does not exist"):
        download_recording(url, tmp_path / "a-file" / "r.mp3")
    (tmp_path / "a-dir").mkdir()
    (tmp_path / "a-dir" / "S-0001.T-0001.mp3").mkdir()
    parsed = msgkit.parse_notification(file_body(url))
    assert isinstance(parsed, MonitorFileNotification)
    with pytest.raises(DownloadError, match="is a directory"):
        parsed.download(tmp_path / "a-dir", overwrite=True)
    with pytest.raises(DownloadError):
        download_recording("http://127.0.0.1:1/\udcff", tmp_path / "x.mp3")
    with pytest.raises(DownloadError):
        download_recording("ftp://127.0.0.1/r.mp3", tmp_path / "x.mp3")


@pytest.fixture
def in_process_receiver(
    tmp_path: Path,
) -> Iterator[Callable[..., tuple[NotificationReceiver, list[Delivery]]]]:
    receivers: list[NotificationReceiver] = []

    def make(**options: Any) -> tuple[NotificationReceiver, list[Delivery]]:
        seen: list[Delivery] = []
        receiver = NotificationReceiver(access_token=SECRET, on_delivery=seen.append, **options)
        receiver.start()
        receivers.append(receiver)
        return receiver, seen

    yield make
    for receiver in receivers:
        receiver.shutdown()


def wait_for(seen: list[Delivery], count: int) -> None:
    deadline = time.monotonic() + 20
    while len(seen) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(seen) >= count, seen


def test_a_url_ending_in_dotdot_does_not_crash_the_receiver(
    httpserver: HTTPServer,
    tmp_path: Path,
    in_process_receiver: Callable[..., tuple[NotificationReceiver, list[Delivery]]],
) -> None:
    httpserver.expect_request(re.compile(".*")).respond_with_data(MP3)
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    receiver, seen = in_process_receiver(download_dir=recordings)
    urls = (httpserver.url_for("/r/.."), httpserver.url_for("/r/%2e%2e"), "http://[::1")
    for number, url in enumerate(urls):
        body = file_body(url, txn_ref=f"T-{number}")
        assert post_signed(receiver.url + "/n", body).status_code in (200, 400)
        wait_for(seen, number + 1)
    assert seen[0].saved == recordings / "S-0001.T-0.mp3"
    assert "not a URL" in (seen[2].error or "")  # a NotificationError, answered 400
    assert files_under(tmp_path) <= {"recordings/S-0001.T-0.mp3", "recordings/S-0001.T-1.mp3"}
    # The receiver still answers afterwards: no handler thread died with the server's state.
    assert post_signed(receiver.url + "/n", b"session=S&txn_ref=T&call_state=ongoing").is_success


def test_receiver_overwrite_is_opt_in(
    httpserver: HTTPServer,
    tmp_path: Path,
    in_process_receiver: Callable[..., tuple[NotificationReceiver, list[Delivery]]],
) -> None:
    first, second = MP3 + b"1", MP3 + b"2"
    httpserver.expect_ordered_request("/r.mp3").respond_with_data(first)
    httpserver.expect_ordered_request("/r.mp3").respond_with_data(second)
    keep, kept = in_process_receiver(download_dir=tmp_path / "keep")
    (tmp_path / "keep").mkdir()
    body = file_body(httpserver.url_for("/r.mp3"))
    for number in range(2):
        post_signed(keep.url + "/n", body)
        wait_for(kept, number + 1)
    assert kept[0].saved is not None and kept[1].saved is None
    assert "exists" in (kept[1].error or "")
    assert kept[0].saved.read_bytes() == first
    replace, replaced = in_process_receiver(download_dir=tmp_path / "keep", overwrite=True)
    post_signed(replace.url + "/n", body)
    wait_for(replaced, 1)
    assert replaced[0].saved == kept[0].saved and kept[0].saved.read_bytes() == second


def test_receive_overwrite_option(
    httpserver: HTTPServer, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    httpserver.expect_ordered_request("/r.mp3").respond_with_data(MP3 + b"1")
    httpserver.expect_ordered_request("/r.mp3").respond_with_data(MP3 + b"2")
    process, url = receive_process(tmp_path, "--count", "2", "--overwrite")
    processes.append(process)
    body = file_body(httpserver.url_for("/r.mp3"))
    post_signed(url + "/n", body)
    wait_until((tmp_path / "recordings" / "S-0001.T-0001.mp3").exists)
    post_signed(url + "/n", body)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert [json.loads(line).get("saved") for line in out.splitlines()] == [
        str(Path("recordings") / "S-0001.T-0001.mp3")
    ] * 2
    assert (tmp_path / "recordings" / "S-0001.T-0001.mp3").read_bytes() == MP3 + b"2"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_stopping_receive_mid_download_leaves_no_part_file(
    raw_server: Callable[..., RawServer],
    tmp_path: Path,
    processes: list[subprocess.Popen[str]],
    signum: int,
) -> None:
    server = raw_server(stall)
    process, url = receive_process(tmp_path)
    processes.append(process)
    assert post_signed(url + "/n", file_body(server.url)).status_code == 200
    recordings = tmp_path / "recordings"
    deadline = time.monotonic() + 10
    while not list(recordings.glob(".*.part")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(recordings.glob(".*.part")), "the download never started"
    process.send_signal(signum)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert not list(recordings.iterdir())
    assert "Traceback" not in err


def test_receive_creates_recordings_and_refuses_a_symlinked_default(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "recordings").symlink_to(elsewhere)
    env = dict(os.environ, MSGKIT_ACCESS_TOKEN=SECRET)
    result = subprocess.run(
        [*CLI, "sandbox", "receive", "--port", "0", "--count", "1"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and "recordings is a symlink" in result.stderr
    assert "Traceback" not in result.stderr and not list(elsewhere.iterdir())


def test_receive_prints_its_url_once_it_serves(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    process, url = receive_process(tmp_path)
    processes.append(process)
    # Right after the first line, with no retry: a connection is accepted and answered.
    answer = httpx.post(url + "/n", content=b"x", timeout=5, trust_env=False)
    assert answer.status_code == 403
    assert (tmp_path / "recordings").is_dir()  # the default download directory, created
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0


# Item 4: the access token in no output ------------------------------------------------------

TOKEN = "tok/SECRET+9f3a=="
PATH = "/open/ivr/middle/monitor"


def b64_runs(text: str) -> Iterator[bytes]:
    for run in re.findall(r"[A-Za-z0-9+/_-]{8,}={0,2}", text):
        for start in range(4):
            chunk = run[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4] if "=" not in chunk else chunk
            for decode in (base64.b64decode, base64.urlsafe_b64decode):
                with contextlib.suppress(ValueError):
                    yield decode(chunk + "=" * (-len(chunk) % 4))


def leaks(text: str) -> bool:
    """Whether ``text`` shows the token in any form a reader could decode."""
    unescaped = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    forms = [text, html.unescape(text), unquote(text), unescaped.replace("\\/", "/")]
    if any(TOKEN in form for form in forms):
        return True
    secret = TOKEN.encode()
    return any(secret[2:-2] in unquote_to_bytes(decoded) for decoded in b64_runs(text))


def encodings() -> dict[str, str]:
    raw = TOKEN.encode()
    body = urlencode({"app_id": "app", "access_token": TOKEN, "session": "S"}).encode()
    return {
        "json-escaped": "".join(f"\\u{ord(c):04x}" for c in TOKEN),
        "json-partly-escaped": TOKEN.replace("/", "\\/").replace("S", "\\u0053"),
        "html-named": html.escape(TOKEN).replace("/", "&sol;").replace("+", "&plus;"),
        "html-decimal": "".join(f"&#{ord(c)};" for c in TOKEN),
        "html-hex": "".join(f"&#x{ord(c):X};" for c in TOKEN),
        "base64": base64.b64encode(raw).decode(),
        "base64-unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64-urlsafe": base64.urlsafe_b64encode(raw).decode(),
        "base64-urlsafe-unpadded": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "base64-of-the-body": base64.b64encode(body).decode(),
        "base64-of-the-body-offset": base64.b64encode(b"x" + body).decode(),
        "percent": quote(TOKEN, safe=""),
        "percent-lower": re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), quote(TOKEN, safe="")),
    }


def test_the_leak_detector_sees_every_encoding() -> None:
    for name, form in encodings().items():
        assert leaks(f"echo: {form}"), name


@pytest.mark.parametrize("name", sorted(encodings()))
def test_error_snippets_redact_every_encoding(httpserver: HTTPServer, name: str) -> None:
    form = encodings()[name]
    httpserver.expect_request(PATH).respond_with_data(f"<p>{form}</p>", 500)
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), retries=0)
    with pytest.raises(TransportError) as caught:
        transport.submit(MonitorRequest(app_id="app", access_token=TOKEN, session="S", msg="Hi"))
    assert "<redacted>" in str(caught.value)
    assert not leaks(str(caught.value) + repr(caught.value))
    assert not leaks(redact(f"a {form} b", TOKEN))


def request() -> MonitorRequest:
    return MonitorRequest(app_id="app", access_token=TOKEN, session="S", msg="Hi")


def echo_answer(status: str) -> dict[str, Any]:
    forms = encodings()
    return {
        "status": status,
        TOKEN: "as a key",
        "nested": [{TOKEN: [TOKEN, forms["base64"]]}, {"k": forms["html-hex"]}],
        forms["json-escaped"]: forms["percent"],
    }


def test_a_token_echoed_as_a_json_key_or_value_is_redacted(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_json(echo_answer("success_ok"))
    httpserver.expect_ordered_request(PATH).respond_with_json(echo_answer("error_session_ended"))
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), retries=0)
    result = transport.submit(request())
    shown = json.dumps(result.raw) + repr(result) + json.dumps(result.to_dict())
    assert "<redacted>" in result.raw and not leaks(shown)
    with pytest.raises(ApiError) as caught:
        transport.submit(request())
    error = caught.value
    assert "<redacted>" in error.raw
    assert not leaks(json.dumps(error.raw) + repr(error) + str(error))


def test_submit_scrubs_any_transports_answers_and_errors() -> None:
    class Echo:
        name = "echo"

        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def submit(self, req: MonitorRequest) -> MonitorResult:
            token = req.to_params()["access_token"]
            if self.fail:
                raise ApiError("error_" + "x", {"status": "error_x", token: token})
            return MonitorResult(status="success_ok", raw={token: {"echo": token}}, note=token)

        def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Any:
            raise NotImplementedError

    result = msgkit.submit("Hi", session="S", transport=Echo(False), app_id="a", access_token=TOKEN)  # type: ignore[arg-type]
    assert not leaks(repr(result) + json.dumps(result.to_dict()))
    with pytest.raises(ApiError) as caught:
        msgkit.submit("Hi", session="S", transport=Echo(True), app_id="a", access_token=TOKEN)  # type: ignore[arg-type]
    assert not leaks(repr(caught.value.raw) + repr(caught.value))


def test_cli_output_with_a_token_echoed_as_a_key(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSGKIT_APP_ID", "app")
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", TOKEN)
    prompt = tmp_path / "p.msg"
    prompt.write_text("Hello\n", "utf-8")
    for status in ("success_ok", "error_invalid_access_token"):
        httpserver.clear()
        httpserver.expect_request(PATH).respond_with_json(echo_answer(status))
        for output in ("text", "json"):
            result = CliRunner().invoke(
                main,
                ["submit", str(prompt), "--session", "S", "--format", output,
                 "-o", f"base_url={httpserver.url_for('/open')}"],
            )  # fmt: skip
            assert result.exit_code in (0, 1)
            assert not leaks(result.stdout + result.stderr)


def test_redaction_is_linear_and_deep_data_is_safe() -> None:
    started = time.monotonic()
    redact(("&#0000000" * 50_000) + ("tok/SECRET+9f3a=" * 20_000), TOKEN)
    assert time.monotonic() - started < 2
    deep: Any = TOKEN
    for _ in range(100_000):
        deep = {TOKEN: deep}
    redact_data(deep, TOKEN)  # iterative: no RecursionError


def test_a_deeply_nested_answer_is_a_transport_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), retries=0)
    with pytest.raises(TransportError, match="not JSON with a status"):
        transport.submit(request())


# Item 5: no traceback from bad input ---------------------------------------------------------


@pytest.mark.parametrize("signature", [None, 123, [], object(), b"\xff", "\u00e9" * 64, "  "])
def test_verify_signature_never_raises(signature: Any) -> None:
    assert verify_signature(b"body", signature, SECRET) is False


def test_verify_signature_takes_bytes_and_refuses_odd_tokens() -> None:
    good = sign(b"body", SECRET)
    assert verify_signature(b"body", good.encode(), SECRET)
    assert verify_signature(bytearray(b"body"), good, SECRET)
    assert not verify_signature(b"body", good, "\ud800")
    assert not verify_signature(b"body", good, None)  # type: ignore[arg-type]
    assert not verify_signature("body", good, SECRET)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "2024-03-01 14:05:09\n"),
        ("date", "2024-03-01 14:05:09.25\n"),
        ("duration", "2\n"),
        ("from", "+6511111111\n"),
        ("currency", "SGD\n"),
        ("rate", "0.02\n"),
    ],
)
def test_a_trailing_newline_is_a_notification_error(field: str, value: str) -> None:
    with pytest.raises(NotificationError) as caught:
        msgkit.parse_notification(form(monitor_notification_fields(**{field: value})))
    assert caught.value.field == field
    result = CliRunner().invoke(
        main, ["notification", "-"], input=form(monitor_notification_fields(**{field: value}))
    )
    assert result.exit_code == 1 and f"field {field!r}" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_odd_numbers_in_notifications_are_notification_errors() -> None:
    for overrides in ({"duration": "9" * 5000}, {"duration": "\u0662"}):
        with pytest.raises(NotificationError):
            msgkit.parse_notification(form(monitor_notification_fields(**overrides)))
    for expires in ("9" * 5000, "\u0662", "1_000", "-1"):
        url = f"https://r.example/rec.mp3?Expires={expires}"
        with pytest.raises(NotificationError, match="Expires"):
            msgkit.parse_notification(file_body(url))


def schema_patterns() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: Any, name: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    found.append((name, value))
                elif key == "patternProperties" and isinstance(value, dict):
                    found.extend((name, p) for p in value)
                walk(value, name)
        elif isinstance(node, list):
            for item in node:
                walk(item, name)

    for name in schema_names():
        walk(schema(name), name)
    return found


def anchors_with_dollar(pattern: str) -> bool:
    # An unescaped '$' outside a character class: Python's '$' also matches before a final
    # newline. (The schemas end with (?![\s\S]), end of input in Python and ECMA-262 alike;
    # \Z is not ECMA-262, and check-jsonschema and editors read these schemas too.)
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            return True
    return False


def test_no_schema_pattern_is_anchored_with_dollar() -> None:
    patterns = schema_patterns()
    assert len(patterns) >= 9
    offenders = [(n, p) for n, p in patterns if anchors_with_dollar(p) or "\\Z" in p]
    assert not offenders


@pytest.mark.parametrize(("name", "pattern"), schema_patterns())
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_schema_patterns_refuse_a_trailing_newline(
    name: str, pattern: str, data: st.DataObject
) -> None:
    value = data.draw(st.from_regex(pattern))
    assert re.search(pattern, value)
    if pattern.startswith("^"):
        assert not re.search(pattern, value + "\n"), (name, pattern, value)


@pytest.fixture
def surrogate_doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MSGKIT_APP_ID", "app")
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", "tok-surrogate")
    path = tmp_path / "s.msg.json"
    path.write_text('{"msg": "Hi", "notify_url": "https://example.com/\\ud800"}', "utf-8")
    return path


def test_a_lone_surrogate_notify_url_is_malformed_params(surrogate_doc: Path) -> None:
    report = msgkit.validate("Hi", notify_url="https://example.com/\ud800")
    assert [d.code for d in report.errors] == ["error_malformed_params"]
    linted = CliRunner().invoke(main, ["lint", str(surrogate_doc)])
    assert linted.exit_code == 1 and "error_malformed_params" in linted.stdout
    for extra in (["--transport", "dry-run"], ["-o", "base_url=http://127.0.0.1:1/open"]):
        result = CliRunner().invoke(main, ["submit", str(surrogate_doc), "--session", "S", *extra])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "error_malformed_params" in result.output
    with pytest.raises(msgkit.ValidationError):
        msgkit.submit("Hi", session="S", notify_url="https://e.com/\ud800", transport="dry-run")


def test_a_request_that_cannot_be_encoded_is_a_request_error() -> None:
    from msgkit.transports.base import RequestError

    for name in ("notify_url", "tag", "msg", "access_token"):
        params = {"app_id": "a", "access_token": "t", "session": "S", name: "x\udcff"}
        with pytest.raises(RequestError, match="lone surrogate") as caught:
            MonitorRequest(**params)
        assert caught.value.field == name


def test_a_huge_answer_is_not_read_whole(httpserver: HTTPServer) -> None:
    def endless(request: Request) -> Response:
        return Response(iter([b"{" + b" " * 65536] * 10_000), content_type="application/json")

    httpserver.expect_request(PATH).respond_with_handler(endless)
    transport = HoiioTransport(base_url=httpserver.url_for("/open"), retries=0)
    with pytest.raises(TransportError, match="larger than 1048576 bytes"):
        transport.submit(request())
