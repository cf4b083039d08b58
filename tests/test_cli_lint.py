"""``msgkit lint`` on the command line: formats, options, configuration, exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgkit.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, ["lint", *args], env=env, input=stdin, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "good.msg").write_text("Thank you for calling.\n")
    (tmp_path / "bad.msg.json").write_text('{\n  "msg": "Sales & support",\n  "tga": "x"\n}\n')
    (tmp_path / "warn.msg").write_text('<speech language="fr">Merci</speech>\n')
    return tmp_path


def test_text_format_and_exit_codes(project: Path) -> None:
    result = run(["--no-respect-gitignore"], project, env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:6] == [
        "bad.msg.json:2:17: error_msg_invalid_xml error: '&' must be written '&amp;' in text",
        "  |",
        '2 |   "msg": "Sales & support",',
        "  |                 ^",
        "  |",
        "  = hint: escape it as &amp; (msgkit lint --fix does this), or build the msg with "
        "MessageBuilder",
    ]
    assert "bad.msg.json:3:3: error_document_invalid error: unknown key 'tga'" in result.output
    assert lines[-1] == "Found 2 errors and 1 warning in 2 of 3 files. 1 fixable with --fix."
    assert "\x1b[" not in result.output
    assert run(["good.msg"], project).exit_code == 0
    assert run(["warn.msg"], project).exit_code == 0
    assert run(["--strict", "warn.msg"], project).exit_code == 1


def test_usage_errors_exit_2(project: Path) -> None:
    missing = run(["nope.msg"], project)
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert run(["--format", "xml"], project).exit_code == 2
    assert run(["--max-msg-length", "-1"], project).exit_code == 2


def test_json_format(project: Path) -> None:
    result = run(["--format", "json", "bad.msg.json"], project)
    records = json.loads(result.output)
    assert [r["code"] for r in records] == ["error_msg_invalid_xml", "error_document_invalid"]
    first = records[0]
    assert {k: first[k] for k in ("path", "line", "column", "severity")} == {
        "path": "bad.msg.json",
        "line": 2,
        "column": 17,
        "severity": "error",
    }
    assert first["hint"] and first["message"] and first["fix"] == "escaped '&' as '&amp;'"


def test_github_format_is_default_in_actions(project: Path) -> None:
    result = run(["bad.msg.json", "warn.msg"], project, env={"GITHUB_ACTIONS": "true"})
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "::error file=bad.msg.json,line=2,col=17,title=error_msg_invalid_xml::'&' must be"
    )
    assert "%0A" in lines[0]  # the hint, on its own line of the annotation
    assert lines[-1].startswith("::warning file=warn.msg,line=1,col=19,")


def test_sarif_format(project: Path) -> None:
    log = json.loads(run(["--format", "sarif", "bad.msg.json"], project).output)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    result = run_["results"][0]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "error_msg_invalid_xml"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad.msg.json"
    assert location["region"] == {
        "startLine": 2,
        "startColumn": 17,
        "endLine": 2,
        "endColumn": 18,  # the '&', and no more
    }


def test_select_ignore_prefix_quiet(project: Path) -> None:
    result = run(["--ignore", "error_document", "-q", "bad.msg.json"], project)
    assert "error_document_invalid" not in result.output
    assert "Found" not in result.output and "error_msg_invalid_xml" in result.output
    result = run(["--select", "warning_", "."], project)
    assert result.exit_code == 0 and "warning_msg_language_unverified" in result.output
    unknown = run(["--ignore", "eror_msg", "good.msg"], project)
    assert "matches no known code" in unknown.output


def test_language_and_max_length(project: Path) -> None:
    assert "warning" not in run(["--language", "fr", "warn.msg"], project).output
    (project / "long.msg").write_text("x" * 600)
    assert run(["long.msg"], project).exit_code == 1
    assert run(["--max-msg-length", "1000", "long.msg"], project).exit_code == 0


def test_configuration_from_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.msgkit]\nlanguages = ["fr"]\nstrict = true\nexclude = ["bad.msg.json"]\n'
    )
    sub = project / "sub"
    sub.mkdir()
    (sub / "x.msg").write_text('<speech language="de">Hallo</speech>')
    result = run([], project)
    assert result.exit_code == 1  # de is unverified, and strict makes the warning fail
    assert "bad.msg.json" not in result.output and "warn.msg" not in result.output
    assert run(["--no-strict"], project).exit_code == 0  # the command line wins
    assert run(["bad.msg.json"], project).exit_code == 1  # named explicitly: linted
    assert run(["--force-exclude", "bad.msg.json"], project).exit_code == 0
    # Found from a subdirectory too.
    assert run(["."], sub).exit_code == 1


def test_unknown_configuration_key_is_named(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.msgkit]\nmax-msg-lenght = 1000\n")
    result = run(["good.msg"], project)
    assert result.exit_code == 2
    assert "'max-msg-lenght'" in result.output and "did you mean 'max-msg-length'" in result.output
    (project / "pyproject.toml").write_text('[tool.msgkit]\nstrict = "yes"\n')
    assert "must be true or false" in run(["good.msg"], project).output


def test_stdin(project: Path) -> None:
    result = run(["-"], project, stdin='Hi <speech gender="Male">x</speech>\n')
    assert result.exit_code == 1
    assert result.output.startswith("<stdin>:1:20: error_msg_invalid_gender error:")
    assert run(["-"], project, stdin="Hello\n").exit_code == 0


def test_fix_and_diff(project: Path) -> None:
    before = (project / "bad.msg.json").read_text()
    diffed = run(["--diff", "bad.msg.json"], project)
    assert diffed.exit_code == 1
    assert '+  "msg": "Sales &amp; support",' in diffed.output
    assert (project / "bad.msg.json").read_text() == before
    fixed = run(["--fix", "bad.msg.json"], project)
    assert "Fixed bad.msg.json: escaped '&' as '&amp;'" in fixed.output
    assert (project / "bad.msg.json").read_text() == before.replace("&", "&amp;")
    assert fixed.exit_code == 1  # the unknown key remains
    assert "error_msg_invalid_xml" not in fixed.output
    assert run(["--diff", "bad.msg.json"], project).exit_code == 0


def test_color_on_a_tty_only_without_no_color(project: Path) -> None:
    forced = run(["bad.msg.json"], project, env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in forced.output
    plain = run(["bad.msg.json"], project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.output


def test_bad_files_are_findings_not_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "bin.msg").write_bytes(b"\x00\x01\x02")
    (tmp_path / "utf16.msg").write_bytes("hello".encode("utf-16"))
    (tmp_path / "latin1.msg.yaml").write_bytes(b"msg: caf\xe9\n")
    (tmp_path / "loop.msg").symlink_to(tmp_path / "loop.msg")
    result = run(["."], tmp_path)
    assert result.exit_code == 1
    assert result.output.count("error_document_invalid") == 4
    assert "Traceback" not in result.output


def _msgkit() -> str:
    beside = Path(sys.executable).parent / "msgkit"
    return str(beside) if beside.exists() else (shutil.which("msgkit") or "msgkit")


def test_installed_console_script(project: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [_msgkit(), "lint", "--no-respect-gitignore", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "bad.msg.json:2:17: error_msg_invalid_xml" in done.stdout
    done = subprocess.run(
        [_msgkit(), "lint", "-"], input="Hello\n", capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "no problems" in done.stdout
    done = subprocess.run([_msgkit(), "lint", "nope.msg"], capture_output=True, text=True)
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_lint_does_not_import_heavy_modules(project: Path) -> None:
    code = (
        "import sys; from msgkit.cli import main\n"
        "try:\n    main(['lint', 'good.msg'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('httpx', 'jsonschema', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_stdin_kind_size_limit_and_repeats(project: Path) -> None:
    document = run(["-"], project, stdin='{"msg": "Hi", "tga": "x"}')
    assert document.exit_code == 1 and "did you mean 'tag'" in document.output
    assert run(["--as", "msg", "-"], project, stdin='{"msg": "Hi"}').exit_code == 0
    yaml = run(["--as", "yaml", "-"], project, stdin="msg: <speech gender='Male'>x</speech>\n")
    assert yaml.exit_code == 1 and "error_msg_invalid_gender" in yaml.output
    big = run(["-"], project, stdin="y" * (2 << 20))
    assert big.exit_code == 1
    assert "<stdin>: error_document_invalid error: the file is more than 1,048,576 bytes" in (
        big.output
    )
    twice = run(["-", "-"], project, stdin="Hello\n")
    assert twice.exit_code == 0 and "1 file" in twice.output


def test_raw_markup_secret_is_an_error(project: Path) -> None:
    (project / "t.msg").write_text("<url>https://e.com/a.mp3?access_token=abc123</url>\n")
    result = run(["t.msg"], project)
    assert result.exit_code == 1
    assert "t.msg:1:26: error_access_token_in_file" in result.output
    assert "abc123" not in result.output
