"""The example plugin, installed with pip as a real package, found and used through msgkit.

It is installed with ``pip install --target`` into a directory of its own, put on the path of
the processes that should see it (and of this one, for the in-process checks), so other tests
never see it and nothing needs uninstalling. pip builds it offline when the build backend
(hatchling) is available, from the environment or the configured index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from msgkit import plugins

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "plugins" / "msgkit-transport-outbox"
MSGKIT = Path(sys.executable).with_name("msgkit")
TOKEN = "tok-outbox-44aa"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plugin-site")
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target)]
    done = subprocess.run(
        [*command, "--no-build-isolation", str(EXAMPLE)], capture_output=True, text=True
    )
    if done.returncode != 0:  # the backend is not in this environment: let pip fetch it
        done = subprocess.run([*command, str(EXAMPLE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(target.glob("msgkit_transport_outbox-*.dist-info/entry_points.txt"))
    return target


def run(site: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(site), **env}
    environment.pop(plugins.ENV_VAR, None)
    environment.update(env)
    return subprocess.run(
        [str(MSGKIT), *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


def test_msgkit_plugins_finds_it(site: Path, tmp_path: Path) -> None:
    done = run(site, "plugins", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = {p["name"]: p for p in json.loads(done.stdout)["plugins"]}
    assert found["outbox"]["version"] == "0.1.0"
    assert found["outbox"]["transports"] == ["outbox"]
    assert not found["outbox"]["builtin"]


def test_submit_through_it(site: Path, tmp_path: Path) -> None:
    prompt = tmp_path / "p.msg"
    prompt.write_text("Calls are recorded.\n", "utf-8")
    spool = tmp_path / "outbox.jsonl"
    env = {"MSGKIT_APP_ID": "app-9", "MSGKIT_ACCESS_TOKEN": TOKEN}
    args = ["submit", str(prompt), "--session", "S-1", "--transport", "outbox"]
    args += ["-o", f"path={spool}", "--notify-url", "https://example.com/n"]
    for _ in range(2):
        done = run(site, *args, cwd=tmp_path, **env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("success_queued")
        assert TOKEN not in done.stdout + done.stderr
    lines = [json.loads(line) for line in spool.read_text("utf-8").splitlines()]
    assert len(lines) == 2 and lines[0]["id"] != lines[1]["id"]
    assert lines[0]["params"] == {
        "app_id": "app-9",
        "session": "S-1",
        "msg": "Calls are recorded.",
        "notify_url": "https://example.com/n",
    }
    assert TOKEN not in spool.read_text("utf-8")


def test_it_still_validates_first(site: Path, tmp_path: Path) -> None:
    prompt = tmp_path / "bad.msg"
    prompt.write_text("<speech>unclosed\n", "utf-8")
    spool = tmp_path / "outbox.jsonl"
    env = {"MSGKIT_APP_ID": "a", "MSGKIT_ACCESS_TOKEN": TOKEN}
    done = run(
        site, "submit", str(prompt), "--session", "S", "--transport", "outbox",
        "-o", f"path={spool}", cwd=tmp_path, **env,
    )  # fmt: skip
    assert done.returncode == 1 and "nothing was sent" in done.stderr
    assert not spool.exists()


def test_msgkit_load_plugins_leaves_it_out(site: Path, tmp_path: Path) -> None:
    done = run(site, "plugins", cwd=tmp_path, MSGKIT_LOAD_PLUGINS="")
    assert done.returncode == 0 and "outbox" not in done.stdout


@pytest.fixture
def in_process(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    plugins.reset()
    yield
    plugins.reset()
    for name in [m for m in sys.modules if m.startswith("msgkit_transport_outbox")]:
        del sys.modules[name]


def test_conformance_and_drain(in_process: None, tmp_path: Path) -> None:
    from msgkit_transport_outbox import OutboxTransport, drain

    from msgkit.testing import RecordingTransport, check_transport

    spool = tmp_path / "spool.jsonl"
    check_transport(lambda: OutboxTransport(path=spool))
    queued = OutboxTransport(path=spool)
    import msgkit

    assert isinstance(msgkit.get_transport("outbox", path=str(spool)), OutboxTransport)
    msgkit.submit("Hi", session="S-2", transport=queued, app_id="a", access_token=TOKEN)
    sender = RecordingTransport()
    outcomes = list(drain(spool, TOKEN, sender))
    assert [o.status for _, o in outcomes] == ["success_ok", "success_ok"]  # type: ignore[union-attr]
    assert sender.requests[-1].access_token == TOKEN and sender.requests[-1].session == "S-2"
    assert not spool.exists()
