"""``msgkit render``, ``msgkit schema``, ``msgkit explain`` and ``--version``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from msgkit import CODES, __version__
from msgkit.cli import main

ROOT = Path(__file__).resolve().parent.parent


def invoke(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_render_segments_document(tmp_path: Path) -> None:
    path = tmp_path / "a.msg.yaml"
    path.write_text("segments:\n  - say: Hi & bye\n  - play: https://e.com/a.mp3\n")
    result = invoke("render", str(path))
    assert result.exit_code == 0
    assert result.output == "<speech>Hi &amp; bye</speech><url>https://e.com/a.mp3</url>\n"


def test_render_stdin_and_errors(tmp_path: Path) -> None:
    assert invoke("render", "-", stdin='{"segments": [{"text": "a<b"}]}').output == "a&lt;b\n"
    assert invoke("render", "-", stdin="plain\n").output == "plain\n"
    bad = tmp_path / "bad.msg.json"
    bad.write_text('{"mgs": "x"}')
    result = invoke("render", str(bad))
    assert result.exit_code == 1 and "did you mean 'msg'" in result.output
    assert invoke("render", str(tmp_path / "missing.msg")).exit_code == 2


def test_schema_lists_and_prints() -> None:
    listing = invoke("schema").output
    assert "message" in listing and "Message document" in listing
    printed = json.loads(invoke("schema", "message").output)
    assert printed == json.loads((ROOT / "schemas" / "message.schema.json").read_text())
    unknown = invoke("schema", "mesage")
    assert unknown.exit_code == 2 and "Did you mean 'message'" in unknown.output


def test_explain() -> None:
    page = invoke("explain", "error_document_invalid")
    assert page.exit_code == 0
    assert page.output.startswith("# error_document_invalid")
    assert "## Failing example" in page.output and "## The fix" in page.output
    listing = invoke("explain").output
    assert all(code in listing for code in CODES)
    unknown = invoke("explain", "error_msg_invalid_langauge")
    assert unknown.exit_code == 2 and "error_msg_invalid_language" in unknown.output


def test_version_as_a_real_process() -> None:
    exe = Path(sys.executable).parent / "msgkit"
    command = str(exe) if exe.exists() else (shutil.which("msgkit") or "msgkit")
    done = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert __version__ in done.stdout
    done = subprocess.run(
        [command, "explain", "error_access_token_in_file"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "## Why" in done.stdout


def test_render_refuses_what_cannot_travel_as_a_parameter(tmp_path: Path) -> None:
    path = tmp_path / "s.msg.json"
    path.write_text('{"msg": "a \\ud800 b"}')
    result = invoke("render", str(path))
    assert result.exit_code == 1 and result.stdout == ""
    assert "s.msg.json:1:12: error_malformed_params error: msg contains U+D800" in result.stderr
    control = invoke("render", "-", stdin="bell \x07\n")
    assert control.exit_code == 1 and "error_malformed_params" in control.stderr


def test_render_stdin_has_the_file_size_limit() -> None:
    result = invoke("render", "-", stdin="y" * (2 << 20))
    assert result.exit_code == 1 and result.stdout == ""
    assert "more than 1,048,576 bytes" in result.stderr
    assert invoke("render", "--as", "msg", "-", stdin='{"msg": "x"}').output == '{"msg": "x"}\n'


def test_explain_provider_statuses_and_refuses_non_codes() -> None:
    from click.testing import CliRunner

    from msgkit.cli import main

    runner = CliRunner()
    status = runner.invoke(main, ["explain", "error_session_not_ready"])
    assert status.exit_code == 0
    assert "a status the provider answers" in status.output
    assert "previous request" in status.output
    missing = runner.invoke(main, ["explain", "error_location_param_missing"])
    assert "'location' is missing" in missing.output
    assert runner.invoke(main, ["explain", "index"]).exit_code == 2
