"""submit(): validate first, then hand the request to a transport; and `msgkit submit`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import msgkit
from msgkit import Config, MonitorResult, TransportError, ValidationError
from msgkit.cli import main
from msgkit.submit import MissingCredentialsError
from msgkit.testing import RecordingTransport
from msgkit.transports.base import SessionError

TOKEN = "tok-submit-3b9e"
PATH = "/open/ivr/middle/monitor"


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSGKIT_APP_ID", "app-env")
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", TOKEN)


def test_submits_through_a_transport(msgkit_recording_transport: RecordingTransport) -> None:
    message = msgkit.MessageBuilder().text("Calls are recorded & kept.").build()
    result = msgkit.submit(
        message,
        session="S-1",
        transport=msgkit_recording_transport,
        tag="t-1",
        notify_url="https://example.com/n",
    )
    assert result.ok and result.report is not None and not result.report.diagnostics
    (request,) = msgkit_recording_transport.requests
    assert request.to_params() == {
        "app_id": "app-env",
        "access_token": TOKEN,
        "session": "S-1",
        "msg": "Calls are recorded &amp; kept.",
        "tag": "t-1",
        "notify_url": "https://example.com/n",
    }


def test_validation_errors_send_nothing() -> None:
    recorder = RecordingTransport()
    with pytest.raises(ValidationError) as caught:
        msgkit.submit("<speech language='xx_YY'>hi", session="S", transport=recorder)
    assert "error_msg_invalid_xml" in caught.value.report.codes
    assert recorder.requests == []
    with pytest.raises(ValidationError):
        msgkit.submit("Hi", session="S", transport=recorder, notify_url="ftp://example.com")
    assert recorder.requests == []


def test_no_notify_url_is_a_warning_not_a_refusal() -> None:
    recorder = RecordingTransport()
    result = msgkit.submit("Hi", session="S", transport=recorder)
    assert result.report is not None and result.report.codes == ("warning_no_notify_url",)
    assert len(recorder.requests) == 1
    report = msgkit.check_submission("Hi", monitor_notify_url="https://example.com/m")
    assert report.codes == ()
    assert msgkit.check_submission("Hi", config=Config(ignore=("warning_no",))).codes == ()
    with pytest.raises(ValidationError):  # strict: warnings count
        msgkit.submit("Hi", session="S", transport=recorder, config=Config(strict=True))
    assert len(recorder.requests) == 1


def test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = RecordingTransport()
    msgkit.submit("Hi", session="S", transport=recorder, app_id="a2", access_token="t2")
    assert recorder.requests[0].app_id == "a2" and recorder.requests[0].access_token == "t2"
    monkeypatch.delenv("MSGKIT_ACCESS_TOKEN")
    with pytest.raises(MissingCredentialsError, match="MSGKIT_ACCESS_TOKEN"):
        msgkit.submit("Hi", session="S", transport=recorder)


def test_api_errors_pass_through() -> None:
    recorder = RecordingTransport([{"status": "error_session_ended"}])
    with pytest.raises(SessionError) as caught:
        msgkit.submit("Hi", session="S", transport=recorder, notify_url="https://e.com/n")
    assert caught.value.status == "error_session_ended"


def test_a_transport_bug_becomes_a_transport_error() -> None:
    recorder = RecordingTransport([KeyError(f"boom {TOKEN}")])
    with pytest.raises(TransportError, match="transport 'recording' failed: KeyError") as caught:
        msgkit.submit("Hi", session="S", transport=recorder, notify_url="https://e.com/n")
    assert TOKEN not in str(caught.value)


def test_by_name_with_options(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "success_ok"})
    result = msgkit.submit(
        "Hi",
        session="S",
        transport="hoiio",
        notify_url="https://e.com/n",
        base_url=httpserver.url_for("/open"),
    )
    assert isinstance(result, MonitorResult) and result.status == "success_ok"


# CLI --------------------------------------------------------------------------------------


@pytest.fixture
def prompt(tmp_path: Path) -> Path:
    path = tmp_path / "prompt.msg"
    path.write_text('This call is recorded. <speech language="zh-HK">你好</speech>\n', "utf-8")
    return path


def test_cli_submits_to_the_server(httpserver: HTTPServer, prompt: Path) -> None:
    httpserver.expect_request(PATH, method="POST").respond_with_json({"status": "success_ok"})
    result = CliRunner().invoke(
        main,
        [
            "submit",
            str(prompt),
            "--session",
            "S-9",
            "-o",
            f"base_url={httpserver.url_for('/open')}",
            "--notify-url",
            "https://example.com/n",
            "--tag",
            "t",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "success_ok"
    form = parse_qs(httpserver.log[0][0].get_data(as_text=True))
    assert form["msg"] == ['This call is recorded. <speech language="zh-HK">你好</speech>']
    assert form["session"] == ["S-9"] and form["tag"] == ["t"]


def test_cli_api_error_exits_1(httpserver: HTTPServer, prompt: Path) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "error_invalid_session"})
    args = [
        "submit",
        str(prompt),
        "--session",
        "S",
        "-o",
        f"base_url={httpserver.url_for('/open')}",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "error_invalid_session" in result.stderr
    as_json = CliRunner().invoke(main, [*args, "--format", "json"])
    assert json.loads(as_json.stdout)["status"] == "error_invalid_session"


def test_cli_refuses_invalid_messages_and_sends_nothing(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.msg"
    bad.write_text('Hello <speech gender="robot">x</speech>\n', "utf-8")
    result = CliRunner().invoke(
        main, ["submit", str(bad), "--session", "S", "-o", f"base_url={httpserver.url_for('/')}"]
    )
    assert result.exit_code == 1
    assert f"{bad}:1:23: error_msg_invalid_gender" in result.stderr
    assert "nothing was sent" in result.stderr
    assert not httpserver.log


def test_cli_document_values_and_overrides(tmp_path: Path) -> None:
    doc = tmp_path / "prompt.msg.json"
    doc.write_text(
        json.dumps({"msg": "Hi", "tag": "from-file", "notify_url": "https://e.com/file"}), "utf-8"
    )
    args = ["submit", str(doc), "--session", "S", "--transport", "dry-run", "--format", "json"]
    data = json.loads(CliRunner().invoke(main, args).stdout)
    assert data["raw"]["params"]["tag"] == "from-file"
    assert data["raw"]["params"]["notify_url"] == "https://e.com/file"
    data = json.loads(CliRunner().invoke(main, [*args, "--tag", "from-cli"]).stdout)
    assert data["raw"]["params"]["tag"] == "from-cli"


def test_cli_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(
        main, ["submit", "-", "--session", "S", "--transport", "dry-run"], input="Hello\n"
    )
    assert result.exit_code == 0
    assert '"msg": "Hello"' in result.stdout
    assert "warning_no_notify_url" in result.stderr


def test_cli_stdin_document_is_read_as_lint_reads_it() -> None:
    args = ["submit", "-", "--session", "S", "--transport", "dry-run", "--format", "json"]
    stdin = '{"msg": "hi", "notify_url": "https://e.com/n"}'
    result = CliRunner().invoke(main, args, input=stdin)
    assert result.exit_code == 0, result.output
    params = json.loads(result.stdout)["raw"]["params"]
    assert params["msg"] == "hi" and params["notify_url"] == "https://e.com/n"
    big = CliRunner().invoke(main, args, input="y" * (2 << 20))
    assert big.exit_code == 1 and "more than 1,048,576 bytes" in big.stderr


def test_cli_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    args = ["submit", str(tmp_path / "nope.msg"), "--session", "S", "--transport", "dry-run"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "does not exist" in result.output and "symlink" not in result.output


@pytest.mark.parametrize(
    ("args", "env", "match"),
    [
        (["--transport", "nope"], {}, "no transport named 'nope'"),
        (["-o", "retries"], {}, "is not KEY=VALUE"),
        (["-o", "retries=lots"], {}, "not an integer"),
        (["-o", "colour=red"], {}, "does not take option"),
        ([], {"MSGKIT_ACCESS_TOKEN": ""}, "MSGKIT_ACCESS_TOKEN"),
        ([], {"MSGKIT_APP_ID": ""}, "--app-id"),
    ],
)
def test_cli_usage_errors_exit_2(
    prompt: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    match: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["submit", str(prompt), "--session", "S", *args])
    assert result.exit_code == 2, result.output
    assert match in result.output
    assert "Traceback" not in result.output


def test_cli_has_no_token_option() -> None:
    result = CliRunner().invoke(main, ["submit", "--help"])
    assert "--access-token" not in result.output and "MSGKIT_ACCESS_TOKEN" in result.output


def test_cli_as_a_real_subprocess(httpserver: HTTPServer, prompt: Path) -> None:
    httpserver.expect_request(PATH).respond_with_json({"status": "success_ok"})
    env = {**os.environ, "MSGKIT_APP_ID": "app", "MSGKIT_ACCESS_TOKEN": TOKEN}
    done = subprocess.run(
        [
            Path(sys.executable).with_name("msgkit"),
            "submit",
            prompt,
            "--session",
            "S-sub",
            "--monitor-notify-url",
            "https://example.com/m",
            "-o",
            f"base_url={httpserver.url_for('/open')}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "success_ok"
    assert TOKEN not in done.stdout + done.stderr
    form = parse_qs(httpserver.log[0][0].get_data(as_text=True))
    assert form["access_token"] == [TOKEN] and form["monitor_notify_url"] == [
        "https://example.com/m"
    ]


def test_cli_applies_the_project_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "prompt.msg").write_text("A" * 600 + "\n", "utf-8")
    args = ["submit", "prompt.msg", "--session", "S", "--transport", "dry-run"]
    monkeypatch.chdir(tmp_path)
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1
    assert "error_msg_invalid_length" in refused.stderr

    (tmp_path / "pyproject.toml").write_text("[tool.msgkit]\nmax-msg-length = 1000\n", "utf-8")
    accepted = CliRunner().invoke(main, args)
    assert accepted.exit_code == 0, accepted.output

    (tmp_path / "pyproject.toml").write_text("[tool.msgkit]\nmax-msg-lenght = 1000\n", "utf-8")
    unknown = CliRunner().invoke(main, args)
    assert unknown.exit_code == 2
    assert "max-msg-lenght" in unknown.output


def test_cli_json_names_failures_that_have_no_api_status(tmp_path: Path) -> None:
    prompt = tmp_path / "p.msg"
    prompt.write_text("Hello.", "utf-8")
    base = ["submit", str(prompt), "--session", "S", "--format", "json"]
    dead = CliRunner().invoke(
        main, [*base, "-o", "base_url=http://127.0.0.1:9/open", "-o", "retries=0"]
    )
    assert dead.exit_code == 1
    answer = json.loads(dead.stdout)
    assert (answer["status"], answer["ok"]) == ("transport_error", False)
    assert TOKEN not in dead.output

    prompt.write_text('<speech language="english">Hello.</speech>', "utf-8")
    refused = CliRunner().invoke(main, [*base, "--transport", "dry-run"])
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["status"] == "validation_failed"


def test_cli_stdin_kind_can_be_given() -> None:
    args = ["submit", "-", "--session", "S", "--transport", "dry-run", "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--as", "msg"], input='{"msg": "Hi"}')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["raw"]["params"]["msg"] == '{"msg": "Hi"}'
