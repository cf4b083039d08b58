"""End to end, on one machine: compose, validate, submit with the real ``hoiio`` transport to the
sandbox (a real subprocess), receive both notifications, verify and parse them, download the
recording. This is the flow of the README's second demo and of docs/sandbox.md."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import msgkit
from msgkit.sandbox.fixtures import Receiver, SandboxProcess
from msgkit.sandbox.mp3 import frames

if not all(
    hasattr(msgkit, name) for name in ("parse_notification", "verify_signature", "submit")
):  # pragma: no cover - only while the transport work is not merged
    pytest.skip(
        "msgkit.submit / parse_notification / verify_signature are not available yet",
        allow_module_level=True,
    )

from msgkit import MonitorFileNotification, MonitorNotification


def msgkit_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``msgkit`` console script (or the same CLI through this interpreter)."""
    script = shutil.which("msgkit", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-c", "from msgkit.cli import main; main()"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, **(env or {})),
        stdin=subprocess.DEVNULL,
    )


def credentials(sandbox: SandboxProcess) -> dict[str, str]:
    return {"MSGKIT_APP_ID": sandbox.app_id, "MSGKIT_ACCESS_TOKEN": sandbox.access_token}


def submit(
    sandbox: SandboxProcess, rx: Receiver, message: Path, session: str
) -> subprocess.CompletedProcess[str]:
    return msgkit_cli(
        "submit",
        str(message),
        "--session",
        session,
        "--transport",
        "hoiio",
        "-o",
        f"base_url={sandbox.transport_base_url}",
        "--tag",
        "order-1234",
        "--monitor-notify-url",
        rx.url + "/hoiio/block",
        "--notify-url",
        rx.url + "/hoiio/done",
        env=credentials(sandbox),
    )


@pytest.fixture
def message(tmp_path: Path) -> Path:
    built = (
        msgkit.MessageBuilder()
        .say("This call is recorded for quality & training.")
        .say("請稍等。我們正在處理您的訂單。", language="zh-HK", gender="female")
        .build()
    )
    assert msgkit.validate(built).ok
    path = tmp_path / "notice.msg"
    path.write_text(built.render(), encoding="utf-8")
    return path


def test_the_whole_flow_through_the_sandbox(
    msgkit_sandbox: SandboxProcess, msgkit_receiver: Receiver, message: Path, tmp_path: Path
) -> None:
    sandbox, rx = msgkit_sandbox, msgkit_receiver
    call = msgkit_cli("sandbox", "call", "--url", sandbox.base_url, "--from", "+6591234567")
    assert call.returncode == 0, call.stderr
    session = call.stdout.strip()

    result = submit(sandbox, rx, message, session)
    assert result.returncode == 0, result.stderr
    assert "success_ok" in result.stdout
    assert sandbox.access_token not in result.stdout + result.stderr

    (block,) = rx.wait_for(1, where=lambda r: r.path == "/hoiio/block")
    assert msgkit.verify_signature(
        block.body, block.headers["x-hoiio-signature"], sandbox.access_token
    )
    first = msgkit.parse_notification(block.body, block.content_type, block.query)
    assert isinstance(first, MonitorNotification)
    assert first.session == session and first.call_state == "ongoing"
    assert first.from_ == "+6591234567"

    again = submit(sandbox, rx, message, session)
    assert again.returncode == 1 and "error_monitor_in_progress" in again.stdout + again.stderr

    hung = msgkit_cli("sandbox", "hangup", session, "--url", sandbox.base_url)
    assert hung.returncode == 0, hung.stderr

    ended, file_note = rx.wait_for(2, where=lambda r: r.path == "/hoiio/done")
    parsed = []
    for item in (ended, file_note):
        signature = item.headers["x-hoiio-signature"]
        assert msgkit.verify_signature(item.body, signature, sandbox.access_token)
        assert not msgkit.verify_signature(item.body + b"&x=1", signature, sandbox.access_token)
        parsed.append(msgkit.parse_notification(item.body, item.content_type, item.query))
    last_block, recording = parsed
    assert isinstance(last_block, MonitorNotification)
    assert last_block.call_state == "ended" and last_block.txn_ref == first.txn_ref
    assert isinstance(recording, MonitorFileNotification)
    assert recording.tag == "order-1234" and not recording.failed
    assert recording.expires_at is not None

    path = recording.download(tmp_path)
    assert path.suffix == ".mp3" and len(frames(path.read_bytes())) > 50

    shown = sandbox.get_call(session)
    assert [n["state"] for n in shown["notifications"]] == ["delivered"] * 3

    after = submit(sandbox, rx, message, session)
    assert after.returncode == 1 and "error_session_ended" in after.stdout + after.stderr


def test_a_failed_recording_and_an_expired_url(
    msgkit_sandbox_factory: object, msgkit_receiver: Receiver, message: Path, tmp_path: Path
) -> None:
    from msgkit.download import DownloadError

    assert callable(msgkit_sandbox_factory)
    sandbox: SandboxProcess = msgkit_sandbox_factory("--recording-ttl", "1")
    rx = msgkit_receiver

    failing = sandbox.call()
    assert submit(sandbox, rx, message, failing).returncode == 0
    sandbox.hangup(failing, fail_recording=True)
    (note,) = rx.wait_for(1, where=lambda r: "ivr_block" in r.form and r.form["session"] == failing)
    failed = msgkit.parse_notification(note.body, note.content_type)
    assert isinstance(failed, MonitorFileNotification)
    assert failed.failed and failed.monitor_url is None
    with pytest.raises(DownloadError):
        failed.download(tmp_path)

    session = sandbox.call()
    assert submit(sandbox, rx, message, session).returncode == 0
    sandbox.hangup(session)
    (note,) = rx.wait_for(1, where=lambda r: "ivr_block" in r.form and r.form["session"] == session)
    recording = msgkit.parse_notification(note.body, note.content_type)
    assert isinstance(recording, MonitorFileNotification) and recording.monitor_url
    assert recording.expires_at is not None
    time.sleep(max(0.0, recording.expires_at.timestamp() - time.time()) + 0.2)
    assert httpx.get(recording.monitor_url, trust_env=False).status_code == 403
    with pytest.raises(DownloadError):
        recording.download(tmp_path)


def test_the_docs_pytest_example(
    msgkit_sandbox: SandboxProcess, msgkit_receiver: Receiver, tmp_path: Path
) -> None:
    """docs/sandbox.md, "From pytest": the library path, no CLI."""
    session = msgkit_sandbox.call()
    transport = msgkit.get_transport("hoiio", base_url=msgkit_sandbox.transport_base_url)
    result = msgkit.submit(
        "This call is recorded.",
        session=session,
        transport=transport,
        app_id=msgkit_sandbox.app_id,
        access_token=msgkit_sandbox.access_token,
        notify_url=msgkit_receiver.url + "/done",
    )
    assert result.ok
    msgkit_sandbox.hangup(session)
    *_, note = msgkit_receiver.wait_for(3)
    recording = msgkit.parse_notification(note.body, note.content_type)
    assert isinstance(recording, MonitorFileNotification)
    assert recording.download(tmp_path).stat().st_size > 0
    with pytest.raises(msgkit.ApiError) as refused:
        msgkit.submit(
            "Again.",
            session=session,
            transport=transport,
            app_id=msgkit_sandbox.app_id,
            access_token=msgkit_sandbox.access_token,
        )
    assert refused.value.status == "error_session_ended"
