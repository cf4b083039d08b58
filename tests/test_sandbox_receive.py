"""`msgkit sandbox receive`: the README's second demo with no code of the user's own.

Everything runs as real subprocesses of the installed CLI: the sandbox, the receiver, the call,
the submission and the hang-up; the receiver verifies, parses, prints and downloads."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from test_e2e_sandbox import msgkit_cli

from msgkit.receiver import NotificationReceiver
from msgkit.sandbox.fixtures import SandboxProcess
from msgkit.sandbox.mp3 import frames


@pytest.fixture
def receiver_process(
    msgkit_sandbox: SandboxProcess, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = dict(os.environ, MSGKIT_ACCESS_TOKEN=msgkit_sandbox.access_token)
    command = [sys.executable, "-c", "from msgkit.cli import main; main()"]
    process = subprocess.Popen(
        [
            *command,
            "sandbox",
            "receive",
            "--port",
            "0",
            "--count",
            "3",
            "--download-dir",
            str(tmp_path / "recordings"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url or process.stderr.read()
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


def test_the_readme_flow_with_the_receive_command(
    msgkit_sandbox: SandboxProcess,
    receiver_process: tuple[subprocess.Popen[str], str],
    tmp_path: Path,
) -> None:
    sandbox = msgkit_sandbox
    process, url = receiver_process
    env = {"MSGKIT_APP_ID": sandbox.app_id, "MSGKIT_ACCESS_TOKEN": sandbox.access_token}
    call = msgkit_cli("sandbox", "call", "--url", sandbox.base_url)
    assert call.returncode == 0, call.stderr
    session = call.stdout.strip()
    prompt = tmp_path / "prompt.msg"
    prompt.write_text("This call is recorded for quality &amp; training.\n", "utf-8")
    submitted = msgkit_cli(
        "submit", str(prompt), "--session", session, "--transport", "hoiio",
        "-o", f"base_url={sandbox.transport_base_url}", "--tag", "order-1234",
        "--monitor-notify-url", url + "/block", "--notify-url", url + "/done",
        env=env,
    )  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr
    assert msgkit_cli("sandbox", "hangup", session, "--url", sandbox.base_url).returncode == 0

    out, err = process.communicate(timeout=30)  # --count 3: it stops by itself
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(line["path"], line["call_state"]) for line in lines] == [
        ("/block", "ongoing"),
        ("/done", "ended"),
        ("/done", "ended"),
    ]
    recording = lines[2]
    assert recording["tag"] == "order-1234" and recording["monitor_status"] != "failed"
    saved = Path(recording["saved"])
    assert saved.parent == tmp_path / "recordings"
    assert len(frames(saved.read_bytes())) > 50
    assert sandbox.access_token not in out + err


def test_unsigned_and_forged_notifications_are_refused(tmp_path: Path) -> None:
    seen = []
    receiver = NotificationReceiver(
        access_token="secret-token", download_dir=tmp_path, on_delivery=seen.append
    )
    worker = threading.Thread(target=receiver.serve_forever, daemon=True)
    worker.start()
    try:
        body = b"session=S1&txn_ref=T1&call_state=ongoing"
        unsigned = httpx.post(receiver.url + "/n", content=body)
        forged = httpx.post(
            receiver.url + "/n", content=body, headers={"X-Hoiio-Signature": "00" * 32}
        )
        assert (unsigned.status_code, forged.status_code) == (403, 403)
        good = hmac.new(b"secret-token", body, hashlib.sha256).hexdigest()
        ok = httpx.post(
            receiver.url + "/n",
            content=body,
            headers={
                "X-Hoiio-Signature": good,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert ok.status_code == 200
        garbage = b"\xff\xfe"
        bad = hmac.new(b"secret-token", garbage, hashlib.sha256).hexdigest()
        unparsable = httpx.post(
            receiver.url + "/n", content=garbage, headers={"X-Hoiio-Signature": bad}
        )
        assert unparsable.status_code == 400
    finally:
        receiver.shutdown()
    assert [d.notification is not None for d in seen] == [False, False, True, False]
    assert "no X-Hoiio-Signature" in (seen[0].error or "")
    assert seen[2].notification is not None and seen[2].notification.session == "S1"
