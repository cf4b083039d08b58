"""``msgkit sandbox``: serve in a real subprocess, and the call/hangup/show commands."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from msgkit.cli import main
from msgkit.sandbox.fixtures import SandboxProcess

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

SERVE = [sys.executable, "-m", "msgkit.sandbox", "serve"]


@pytest.fixture
def bare_process() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; terminated and waited for afterwards."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _start(started: list[subprocess.Popen[str]], *args: str, **env: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MSGKIT_")}
    environment.update(env)
    process = subprocess.Popen(
        [*SERVE, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    started.append(process)
    return process


def test_serve_prints_the_url_first_and_a_generated_token_once(
    bare_process: list[subprocess.Popen[str]],
) -> None:
    process = _start(bare_process, "--port", "0", "--app-id", "my-app")
    assert process.stdout is not None and process.stderr is not None
    url = process.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:") and int(url.rsplit(":", 1)[1]) > 0
    assert process.stdout.readline().strip() == "MSGKIT_APP_ID=my-app"
    token_line = process.stdout.readline().strip()
    assert token_line.startswith("MSGKIT_ACCESS_TOKEN=")
    token = token_line.split("=", 1)[1]

    with httpx.Client(trust_env=False, timeout=10) as client:
        session = client.post(url + "/sandbox/calls").json()["session"]
        answer = client.get(
            url + "/open/ivr/middle/monitor",
            params={"app_id": "my-app", "access_token": token, "session": session},
        )
        assert answer.json() == {"status": "success_ok"}
    process.terminate()
    out, err = process.communicate(timeout=10)
    assert out == ""  # nothing after the first lines: logs go to standard error
    assert "monitor session=" in err
    assert token not in err  # GET requests carry the token; the log must not


def test_serve_takes_the_token_from_the_environment(
    bare_process: list[subprocess.Popen[str]],
) -> None:
    process = _start(bare_process, MSGKIT_ACCESS_TOKEN="from-env", MSGKIT_APP_ID="env-app")
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    assert process.stdout.readline().strip() == "MSGKIT_APP_ID=env-app"
    with httpx.Client(trust_env=False, timeout=10) as client:
        info = client.get(url + "/sandbox").json()
    assert info["app_id"] == "env-app" and info["base_url"] == url
    process.terminate()
    out, _ = process.communicate(timeout=10)
    assert "from-env" not in out


def test_serve_reports_a_busy_port(bare_process: list[subprocess.Popen[str]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        process = _start(bare_process, "--port", str(port), MSGKIT_ACCESS_TOKEN="t")
        out, err = process.communicate(timeout=20)
    assert process.returncode == 1
    assert out == "" and "cannot listen" in err and "Traceback" not in err


def test_serve_refuses_bad_options() -> None:
    result = CliRunner().invoke(main, ["sandbox", "serve", "--rate-limit", "0"])
    assert result.exit_code == 2


def test_call_show_hangup(msgkit_sandbox: SandboxProcess) -> None:
    runner = CliRunner()
    url = msgkit_sandbox.base_url
    made = runner.invoke(main, ["sandbox", "call", "--url", url, "--to", "+6560000000"])
    assert made.exit_code == 0, made.output
    session = made.output.strip()
    shown = runner.invoke(main, ["sandbox", "show", session], env={"MSGKIT_SANDBOX_URL": url})
    assert shown.exit_code == 0 and json.loads(shown.output)["to"] == "+6560000000"
    ended = runner.invoke(main, ["sandbox", "hangup", session, "--url", url, "--json"])
    assert ended.exit_code == 0 and json.loads(ended.output)["state"] == "ended"
    again = runner.invoke(main, ["sandbox", "hangup", session, "--url", url])
    assert again.exit_code == 1 and "already ended" in again.output
    bad = runner.invoke(main, ["sandbox", "call", "--url", url, "--from", "12345"])
    assert bad.exit_code == 1 and "E.164" in bad.output


def test_control_commands_need_a_reachable_url() -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["sandbox", "call"], env={"MSGKIT_SANDBOX_URL": ""})
    assert missing.exit_code == 2 and "MSGKIT_SANDBOX_URL" in missing.output
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    dead = runner.invoke(
        main, ["sandbox", "call", "--url", f"http://127.0.0.1:{port}", "--wait", "0"]
    )
    assert dead.exit_code == 1 and "nothing accepts connections" in dead.output


@pytest.mark.parametrize(
    "code",
    [
        "import msgkit.cli.sandbox",
        "import msgkit.testing",
        "import msgkit.sandbox.fixtures",
        "from msgkit.cli import main\n"
        "try:\n    main(['lint', 'examples/order-status.msg'])\nexcept SystemExit:\n    pass",
    ],
)
def test_no_server_import_outside_serve(code: str) -> None:
    check = code + "\nimport sys\nassert not {'starlette', 'uvicorn'} & set(sys.modules), code"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, cwd=root
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_stops_cleanly_with_status_0(
    bare_process: list[subprocess.Popen[str]], stop: signal.Signals
) -> None:
    process = _start(bare_process, "--port", "0", MSGKIT_ACCESS_TOKEN="tok-stop")
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    with httpx.Client(trust_env=False, timeout=10) as client:
        assert client.get(url + "/sandbox").status_code == 200
    process.send_signal(stop)
    _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Aborted" not in err


# -- a server that is still starting (issue: the README's flow pasted as one block) ----------

MSGKIT = [sys.executable, "-c", "from msgkit.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _client(*args: str, **env: str) -> subprocess.Popen[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MSGKIT_")}
    environment.update(env)
    return subprocess.Popen(
        [*MSGKIT, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )


def test_clients_wait_for_a_server_that_is_starting(
    bare_process: list[subprocess.Popen[str]],
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    early = _client("sandbox", "call", "--url", url, "--wait", "30")
    bare_process.append(early)
    time.sleep(1.0)  # the client is retrying: nothing listens yet
    assert early.poll() is None
    server = _start(bare_process, "--port", str(port), MSGKIT_ACCESS_TOKEN="t-wait")
    out, err = early.communicate(timeout=40)
    assert early.returncode == 0, err
    session = out.strip()
    assert session.startswith("S")
    assert server.stdout is not None and server.stdout.readline().strip() == url
    for command in (["show", session], ["hangup", session]):
        done = _client("sandbox", *command, "--url", url)
        out, err = done.communicate(timeout=30)
        assert done.returncode == 0, err


def test_submit_waits_for_a_sandbox_that_is_starting(
    bare_process: list[subprocess.Popen[str]],
) -> None:
    port = _free_port()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    early = _client(
        "submit",
        os.path.join(root, "examples", "order-status.msg"),
        "--session",
        "S-not-a-call",
        "-o",
        f"base_url=http://127.0.0.1:{port}/open",
        "--notify-url",
        "http://127.0.0.1:9/done",
        "--wait",
        "30",
        MSGKIT_APP_ID="sandbox",
        MSGKIT_ACCESS_TOKEN="t-wait",
    )
    bare_process.append(early)
    time.sleep(1.0)
    assert early.poll() is None
    _start(bare_process, "--port", str(port), MSGKIT_ACCESS_TOKEN="t-wait")
    out, err = early.communicate(timeout=40)
    # The sandbox answered: the session is unknown to it, which only a listening server can say.
    assert early.returncode == 1 and "error_invalid_session" in out + err, out + err


def test_waiting_is_bounded_and_says_what_to_do() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    runner = CliRunner()
    started = time.monotonic()
    for command in (["call"], ["show", "S1"], ["hangup", "S1"]):
        result = runner.invoke(main, ["sandbox", *command, "--url", url, "--wait", "0.5"])
        assert result.exit_code == 1, result.output
        assert "nothing accepts connections" in result.output
        assert "msgkit sandbox serve" in result.output and "Traceback" not in result.output
    assert time.monotonic() - started < 6
    env = {"MSGKIT_APP_ID": "sandbox", "MSGKIT_ACCESS_TOKEN": "t"}
    args = ["submit", "examples/order-status.msg", "--session", "S1", "--wait", "0.3"]
    args += ["-o", f"base_url={url}/open", "--notify-url", "http://127.0.0.1:9/n"]
    submitted = runner.invoke(main, args, env=env)
    assert submitted.exit_code == 1 and "nothing accepts connections" in submitted.output


@pytest.mark.parametrize(
    "command",
    [
        ["sandbox", "hangup", ""],
        ["sandbox", "show", "  "],
        ["submit", "examples/order-status.msg", "--session", ""],
    ],
)
def test_an_empty_session_is_a_usage_error(command: list[str]) -> None:
    env = {
        "MSGKIT_APP_ID": "sandbox",
        "MSGKIT_ACCESS_TOKEN": "t",
        "MSGKIT_SANDBOX_URL": "http://127.0.0.1:9",
    }
    result = CliRunner().invoke(main, command, env=env)
    assert result.exit_code == 2, result.output
    assert "is empty" in result.output and "msgkit sandbox call" in result.output


# The server's start-up is made slow, and marks its end on standard output: the URL must come
# after the mark. It used to be printed as soon as the port was bound, before the start-up.
SLOW_START = """
import asyncio, contextlib, sys
import msgkit.sandbox.app as app_module

real = app_module.create_app

def create_app(settings):
    app = real(settings)
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a):
        await asyncio.sleep(0.5)
        async with inner(a):
            print("started", flush=True)
            yield

    app.router.lifespan_context = lifespan
    return app

app_module.create_app = create_app
from msgkit.cli.sandbox import sandbox
sandbox(["serve", "--port", "0"], prog_name="msgkit sandbox")
"""


def test_serve_announces_its_url_only_once_it_accepts_connections(
    bare_process: list[subprocess.Popen[str]],
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MSGKIT_")}
    environment["MSGKIT_ACCESS_TOKEN"] = "t-ready"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_START],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    bare_process.append(process)
    assert process.stdout is not None
    first, second = process.stdout.readline().strip(), process.stdout.readline().strip()
    assert (first, second[:7]) == ("started", "http://"), (first, second)
    with httpx.Client(trust_env=False, timeout=5) as client:
        assert client.get(second + "/sandbox").status_code == 200
