"""Fixes and hints that know the answer (issue 10, item 9)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from msgkit import Config, validate


def run(args: list[str], cwd: Path, stdin: str | bytes | None = None) -> Result:
    from msgkit.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["lint", *args], input=stdin, env={"NO_COLOR": "1", "GITHUB_ACTIONS": ""}
        )
    finally:
        os.chdir(old)


def only(markup: str, config: Config | None = None):  # type: ignore[no-untyped-def]
    [d] = validate(markup, config=config).diagnostics
    return d


@pytest.mark.parametrize(
    ("language", "code", "answer"),
    [
        ("en_us", "error_msg_invalid_language", "en"),
        ("EN-us", "warning_msg_language_unverified", "en"),
        ("en-us", "warning_msg_language_unverified", "en"),
        ("zh_hk", "error_msg_invalid_language", "zh-HK"),
        ("ZH_HK", "error_msg_invalid_language", "zh-HK"),
        ("zh-hk", "warning_msg_language_unverified", "zh-HK"),
        ("en-Latn-US", "warning_msg_language_unverified", "en"),
    ],
)
def test_unambiguous_languages_are_suggested_and_fixed(
    language: str, code: str, answer: str
) -> None:
    markup = f'<speech language="{language}">Hello</speech>'
    d = only(markup)
    assert d.code == code
    assert f'did you mean language="{answer}"?' in d.hint or d.hint == (
        f'write language="{answer}"'
    )
    assert d.fix is not None and d.fix.replacement == answer
    assert markup[d.fix.start : d.fix.end] == language
    assert d.length == len(language)


def test_en_us_says_did_you_mean_and_how_to_keep_it() -> None:
    d = only('<speech language="en-us">Hello</speech>')
    assert d.hint.startswith('did you mean language="en"?')
    assert "--language en-us" in d.hint


@pytest.mark.parametrize("language", ["english", "Cantonese"])
def test_a_language_name_is_suggested_not_fixed(language: str) -> None:
    d = only(f'<speech language="{language}">Hello</speech>')
    assert d.code == "error_msg_invalid_language" and "did you mean" in d.hint
    assert d.fix is None


def test_no_fallback_no_suggestion() -> None:
    # zh-CN looks up to zh, not in the catalogue; Mandarin is not zh-HK's Cantonese.
    d = only('<speech language="zh-CN">你好</speech>')
    assert d.code == "warning_msg_language_unverified"
    assert "did you mean" not in d.hint and d.fix is None
    assert only('<speech language="fr">Bonjour</speech>').fix is None


def test_a_closed_list_suggests_from_the_list() -> None:
    config = Config(languages=("en", "ms"), languages_only=True)
    d = only('<speech language="ms_MY">Terima kasih</speech>', config)
    assert d.code == "error_msg_invalid_language"
    assert d.fix is not None and d.fix.replacement == "ms"


@pytest.mark.parametrize(
    ("markup", "written"),
    [
        ("<speech language=en>Hi</speech>", 'language="en"'),
        ("<speech gender=male>Hi</speech>", 'gender="male"'),
        ("<speech language='en' gender=female>Hi</speech>", 'gender="female"'),
        ("<speech language= zh-HK>請稍等</speech>", 'language="zh-HK"'),
    ],
)
def test_the_unquoted_attribute_hint_quotes_what_was_written(markup: str, written: str) -> None:
    d = only(markup)
    assert d.code == "error_msg_invalid_xml"
    assert d.hint.startswith(f"write it as {written}, with the quotes")
    assert "zh-HK" not in d.hint or "zh-HK" in markup
    assert d.fix is not None


def test_an_unquoted_value_quotes_cannot_mend_is_hinted_not_fixed() -> None:
    d = only("<speech language=e&n>Hi</speech>")
    assert d.hint == 'put the value of language in quotes: language=".."' and d.fix is None


def test_a_url_with_a_space_points_at_the_space() -> None:
    markup = "Hi\n<url>https://e.com/my file.mp3</url>"
    d = only(markup)
    assert d.code == "error_msg_invalid_url"
    assert d.offset == markup.index(" file") and d.length == 1
    assert (d.line, d.column) == (2, 22)
    escaped = "<url>https://e.com/a&amp;b c.mp3</url>"
    assert only(escaped).offset == escaped.index(" c.mp3")


def test_the_url_space_in_a_json_file(tmp_path: Path) -> None:
    (tmp_path / "a.msg.json").write_text(
        '{"msg": "<url>https://e.com/a\\u0020b.mp3</url>"}', "utf-8"
    )
    out = run(["--concise", "a.msg.json"], tmp_path).stdout
    assert out.startswith("a.msg.json:1:30: error_msg_invalid_url error:")  # the \u0020


def test_fix_rewrites_files_of_every_kind(tmp_path: Path) -> None:
    files = {
        "a.msg": "<speech language=en_us>Hi</speech>\n",
        "b.msg.yaml": "segments:\n  - say: 你好\n    language: zh_hk\n",
        "c.msg.json": '{"msg": "<speech language=\\"EN-us\\">Hi</speech>"}\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    result = run(["--fix", "."], tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.msg").read_text("utf-8") == '<speech language="en">Hi</speech>\n'
    assert "language: zh-HK" in (tmp_path / "b.msg.yaml").read_text("utf-8")
    assert '\\"en\\"' in (tmp_path / "c.msg.json").read_text("utf-8")
    assert 'Fixed a.msg: quoted language="en_us"' in result.output
    assert "Fixed a.msg: en_us -> en" in result.output


def test_fix_on_standard_input_prints_the_fixed_text(tmp_path: Path) -> None:
    result = run(["--fix", "-"], tmp_path, stdin="Sales & <speech language=EN-us>x</speech>\n")
    assert result.exit_code == 0
    assert result.stdout == 'Sales &amp; <speech language="en">x</speech>\n'
    assert "Fixed <stdin>: EN-us -> en" in result.stderr
    assert "All checked: 1 file, no problems." in result.stderr
    unchanged = run(["--fix", "-"], tmp_path, stdin="Hello\n")
    assert unchanged.stdout == "Hello\n" and unchanged.exit_code == 0
    remains = run(["--fix", "--as", "json", "-"], tmp_path, stdin='{"msg": "A & B", "tga": 1}')
    assert remains.stdout == '{"msg": "A &amp; B", "tga": 1}'
    assert remains.exit_code == 1 and "unknown key 'tga'" in remains.stderr
    binary = run(["--fix", "-"], tmp_path, stdin=b"\x00\x01")
    assert binary.stdout_bytes == b"\x00\x01" and binary.exit_code == 1


def test_after_fix_the_summary_offers_no_fix(tmp_path: Path) -> None:
    (tmp_path / "a.msg.json").write_text('{"msg": "A & B", "tga": 1}\n', "utf-8")
    before = run(["a.msg.json"], tmp_path).stdout
    assert before.endswith("1 fixable with --fix.\n")
    after = run(["--fix", "a.msg.json"], tmp_path).stdout
    assert after.splitlines()[-1] == "Found 1 error and 0 warnings in 1 of 1 file."
    # A fix --fix found unsafe to write stays reported, but is not offered again.
    import io

    from msgkit.lint import lint
    from msgkit.reporters import report

    (tmp_path / "b.msg").write_text("A & B\n", "utf-8")
    out = io.StringIO()
    report(lint([str(tmp_path / "b.msg")]), "concise", out, fixed=True)
    assert out.getvalue().splitlines()[-1] == "Found 1 error and 0 warnings in 1 of 1 file."


def test_as_a_real_process(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "msgkit"
    command = str(script) if script.exists() else (shutil.which("msgkit") or "msgkit")
    done = subprocess.run(
        [command, "lint", "--fix", "-"],
        input='<speech language=zh_hk gender="Female">請稍等</speech>\n',
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == '<speech language="zh-HK" gender="female">請稍等</speech>\n'
    assert "no problems" in done.stderr
