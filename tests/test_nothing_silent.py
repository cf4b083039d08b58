"""Nothing passes silently: empty paths, mistyped settings, SSML habits (issue 10, item 8)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from msgkit import validate
from msgkit.lint import LintOptions, NoMessageFilesError, lint
from msgkit.settings import SettingsError, load_settings


def run(args: list[str], cwd: Path) -> Result:
    from msgkit.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["lint", *args], env={"NO_COLOR": "1", "GITHUB_ACTIONS": ""}
        )
    finally:
        os.chdir(old)


# --- paths that yield nothing ----------------------------------------------------------------


def test_an_empty_directory_is_an_error_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "a.msg").write_text("Hi\n", "utf-8")
    result = run(["a.msg", "empty"], tmp_path)
    assert result.exit_code == 2
    assert "'empty' holds no message file" in result.output
    assert "--allow-empty" in result.output
    allowed = run(["--allow-empty", "a.msg", "empty"], tmp_path)
    assert allowed.exit_code == 0
    assert "msgkit: warning: 'empty' holds no message file" in allowed.stderr
    assert "All checked: 1 file" in allowed.stdout


def test_a_directory_of_other_files_or_all_excluded_is_empty(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not a message\n", "utf-8")
    assert run(["notes"], tmp_path).exit_code == 2
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "a.msg").write_text("Hi\n", "utf-8")
    assert run(["--exclude", "*.msg", "drafts"], tmp_path).exit_code == 2
    (tmp_path / "drafts" / ".gitignore").write_text("*.msg\n", "utf-8")
    assert run(["drafts"], tmp_path).exit_code == 2
    assert run(["--no-respect-gitignore", "drafts"], tmp_path).exit_code == 0


def test_the_current_directory_counts_too(tmp_path: Path) -> None:
    result = run([], tmp_path)
    assert result.exit_code == 2 and "'.' holds no message file" in result.output
    (tmp_path / "pyproject.toml").write_text("[tool.msgkit]\nallow-empty = true\n", "utf-8")
    assert run([], tmp_path).exit_code == 0


def test_force_exclude_skipping_a_named_file_is_not_an_error(tmp_path: Path) -> None:
    # pre-commit names every changed file; skipping the excluded ones is the point.
    (tmp_path / "a.msg").write_text("A & B\n", "utf-8")
    result = run(["--exclude", "a.msg", "--force-exclude", "a.msg"], tmp_path)
    assert result.exit_code == 0, result.output


def test_a_typo_gets_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    result = run(["promtps"], tmp_path)
    assert result.exit_code == 2
    assert "'promtps' does not exist; did you mean 'prompts'?" in result.output


def test_library_reports_empty_paths(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = lint([str(tmp_path / "empty")])
    assert result.checked == () and len(result.empty) == 1
    with pytest.raises(NoMessageFilesError) as raised:
        lint([str(tmp_path / "empty")], LintOptions(allow_empty=False))
    assert "holds no message file" in str(raised.value)


# --- settings that are not what they must be -------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('exclude = "examples/broken/"', "exclude"),
        ('languages = "fr"', "languages"),
        ('select = "error_"', "select"),
        ('ignore = "warning_msg_empty"', "ignore"),
    ],
)
def test_a_string_for_a_list_is_an_error_naming_file_and_key(
    tmp_path: Path, line: str, key: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.msgkit]\n{line}\n", "utf-8")
    (tmp_path / "a.msg").write_text("Hi\n", "utf-8")
    result = run(["a.msg"], tmp_path)
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output
    assert f"[tool.msgkit] {key} must be a list of strings, not a string" in result.output
    with pytest.raises(SettingsError, match=key):
        load_settings(tmp_path)


def test_an_invalid_format_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.msgkit]\nformat = "xml"\n', "utf-8")
    (tmp_path / "a.msg").write_text("Hi\n", "utf-8")
    result = run(["a.msg"], tmp_path)
    assert result.exit_code == 2
    assert str(tmp_path / "pyproject.toml") in result.output
    assert "[tool.msgkit] format must be one of text, concise, json, github, sarif" in (
        result.output
    )
    assert run(["--format", "json", "a.msg"], tmp_path).exit_code == 2  # the file is wrong


# --- SSML ------------------------------------------------------------------------------------

SEGMENTS = """\
segments:
  - text: 'Please hold. <break time="1s"/> Thank you.'
  - say: <prosody rate="slow">Press 1</prosody> for sales
    language: en
  - say: <say-as interpret-as="digits">123</say-as>
"""


def test_ssml_in_a_segments_document_is_a_warning_at_its_place(tmp_path: Path) -> None:
    (tmp_path / "a.msg.yaml").write_text(SEGMENTS, "utf-8")
    result = run(["--format", "json", "a.msg.yaml"], tmp_path)
    assert result.exit_code == 0  # a warning
    records = json.loads(result.stdout)
    assert [(r["code"], r["line"], r["column"]) for r in records] == [
        ("warning_msg_ssml_in_text", 2, 25),
        ("warning_msg_ssml_in_text", 3, 10),
        ("warning_msg_ssml_in_text", 5, 10),
    ]
    assert records[0]["end_column"] == 25 + len('<break time="1s"/>')
    assert "read out" in records[0]["message"] and "pause" in records[0]["hint"]
    assert "(and 1 more SSML tag)" in records[1]["message"]


def test_ssml_in_raw_markup() -> None:
    escaped = validate("Hello &lt;emphasis&gt;there&lt;/emphasis&gt; and <speech>x</speech>")
    assert escaped.codes == ("warning_msg_ssml_in_text",)
    raw = validate('Hello <break time="1s"/> there')
    [d] = raw.diagnostics
    assert d.code == "error_msg_invalid_xml" and d.hint is not None and "SSML" in d.hint
    assert not validate("Press &lt;1&gt; or a &lt;b&gt; key").diagnostics  # not SSML


def test_ssml_as_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "a.msg.yaml").write_text(SEGMENTS, "utf-8")
    script = Path(sys.executable).parent / "msgkit"
    command = str(script) if script.exists() else (shutil.which("msgkit") or "msgkit")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [command, "lint", "--strict", "a.msg.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(
        'a.msg.yaml:2:25: warning_msg_ssml_in_text warning: <break time="1s"/> in plain text'
    )
    assert "  |                         ^^^^^^^^^^^^^^^^^^\n" in done.stdout
    nothing = tmp_path / "nothing-here"
    nothing.mkdir()
    empty = subprocess.run(
        [command, "lint"], cwd=nothing, env=env, capture_output=True, text=True, check=False
    )
    assert empty.returncode == 2 and "'.' holds no message file" in empty.stderr
