"""The text output shows the source line with carets; --concise does not (issue 10, item 6)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from msgkit import Config
from msgkit.documents import read_text
from msgkit.lint import check_document
from msgkit.reporters import write_text_file
from msgkit.snippet import MAX_WIDTH, LineIndex, snippet


def msgkit_script() -> str:
    """The installed console script (it runs this tree's code through PYTHONPATH)."""
    beside = Path(sys.executable).parent / "msgkit"
    return str(beside) if beside.exists() else (shutil.which("msgkit") or "msgkit")


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    from msgkit.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["lint", *args], env={"NO_COLOR": "1", "GITHUB_ACTIONS": "", **(env or {})}
        )
    finally:
        os.chdir(old)


def shown(line: str, column: int, end: int | None = None, width: int = MAX_WIDTH) -> list[str]:
    s = snippet(line, column, end, width)
    return [s.text, " " * s.caret + "^" * s.width]


def text_of(source: str, kind: str = "msg", concise: bool = False) -> str:
    checked = check_document(read_text(source, kind, "f"), Config())  # type: ignore[arg-type]
    out = io.StringIO()
    write_text_file(checked, out, color=False, concise=concise)
    return out.getvalue()


def test_caret_under_the_column_and_across_the_span() -> None:
    assert shown("Sales & support", 7) == ["Sales & support", "      ^"]
    assert shown('<speech language="english">', 19, 26) == [
        '<speech language="english">',
        "                  ^^^^^^^",
    ]
    assert shown("abc", 4) == ["abc", "   ^"]  # the end of the line


def test_tabs_expand_to_the_next_stop_and_the_caret_follows() -> None:
    assert shown("\ta\tb", 4) == ["    a   b", "        ^"]


def test_wide_characters_take_two_columns() -> None:
    assert shown("請稍等 & x", 5) == ["請稍等 & x", "       ^"]
    assert shown("請稍等x", 2, 4) == ["請稍等x", "  ^^^^"]


def test_characters_a_terminal_would_act_on_are_shown_harmlessly() -> None:
    text, carets = shown("a\x1b[31mb\u202ec\r", 8)
    assert "\x1b" not in text and "\u202e" not in text and "\r" not in text
    assert text == "a␛[31mb�c␍"
    assert carets == "       ^"


def test_long_lines_are_cut_around_the_column() -> None:
    line = "x" * 5000 + "&" + "y" * 5000
    text, carets = shown(line, 5001, width=60)
    assert text.startswith("…") and text.endswith("…")
    assert len(text) <= 60 + 2
    assert text[carets.index("^")] == "&"
    near_start = shown("&" + "y" * 500, 1, width=60)
    assert near_start[0].startswith("&") and near_start[0].endswith("…")
    assert near_start[1] == "^"


def test_a_megabyte_line_costs_no_more_than_a_short_one() -> None:
    line = "y" * (1 << 20)
    text, carets = shown(line, len(line) // 2)
    assert len(text) <= MAX_WIDTH + 2 and "^" in carets


def test_line_index_splits_as_positions_count() -> None:
    lines = LineIndex("a\r\nb\rc\nd")
    assert [lines.line(n) for n in (1, 2, 3, 4, 5)] == ["a", "b", "c", "d", None]


def test_full_text_of_a_json_document() -> None:
    out = text_of('{\n  "msg": "Sales & <speech language=\\"english\\">x</speech>"\n}\n', "json")
    assert out.splitlines() == [
        "f:2:17: error_msg_invalid_xml error: '&' must be written '&amp;' in text",
        "  |",
        '2 |   "msg": "Sales & <speech language=\\"english\\">x</speech>"',
        "  |                 ^",
        "  |",
        "  = hint: escape it as &amp; (msgkit lint --fix does this), or build the msg with "
        "MessageBuilder",
        "",
    ]


def test_the_span_of_an_attribute_value_in_yaml() -> None:
    out = text_of('msg: <speech language="english">Hi</speech>\n', "yaml")
    assert '1 | msg: <speech language="english">Hi</speech>' in out
    assert "  |                        ^^^^^^^\n" in out


def test_a_secret_on_the_line_is_never_printed() -> None:
    out = text_of("<url>https://e.com/a.mp3?access_token=abc123</url>\n")
    assert "error_access_token_in_file" in out and "abc123" not in out
    yaml = text_of('access_token: "s3cr3t"\nmsg: hi\n', "yaml")
    assert "s3cr3t" not in yaml and "******" in yaml


def test_concise_is_one_line_per_problem(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("Sales & support\n", "utf-8")
    concise = run(["--concise", "a.msg"], tmp_path)
    assert concise.stdout.splitlines() == [
        "a.msg:1:7: error_msg_invalid_xml error: '&' must be written '&amp;' in text",
        "  hint: escape it as &amp; (msgkit lint --fix does this), or build the msg with "
        "MessageBuilder",
        "Found 1 error and 0 warnings in 1 of 1 file. 1 fixable with --fix.",
    ]
    assert run(["--format", "concise", "a.msg"], tmp_path).stdout == concise.stdout
    (tmp_path / "pyproject.toml").write_text('[tool.msgkit]\nformat = "concise"\n', "utf-8")
    assert run(["a.msg"], tmp_path).stdout == concise.stdout
    full = run(["--format", "text", "a.msg"], tmp_path).stdout  # the command line wins
    assert "1 | Sales & support" in full


def test_concise_with_another_format_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("Hi\n", "utf-8")
    result = run(["--concise", "--format", "json", "a.msg"], tmp_path)
    assert result.exit_code == 2 and "--concise" in result.output


def test_colour_only_on_request(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("Sales & support\n", "utf-8")
    assert "\x1b[" not in run(["a.msg"], tmp_path).stdout  # not a terminal
    coloured = run(["a.msg"], tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": ""}).stdout
    assert "\x1b[" in coloured and "Sales & support" in coloured


def test_a_problem_without_a_place_has_no_source(tmp_path: Path) -> None:
    (tmp_path / "b.msg").write_bytes(b"\x00\x01")
    out = run(["b.msg"], tmp_path).stdout
    assert out.startswith("b.msg: error_document_invalid error: the file is binary")
    assert " | " not in out


@pytest.mark.parametrize("args", [[], ["--concise"]])
def test_as_a_real_process(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "a.msg.yaml").write_text("msg: 'ab\t& b'\n", "utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [msgkit_script(), "lint", *args, "a.msg.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    first = done.stdout.splitlines()[0]
    assert (
        first == "a.msg.yaml:1:10: error_msg_invalid_xml error: '&' must be written '&amp;' in text"
    )
    if args:
        assert "|" not in done.stdout
    else:
        assert "1 | msg: 'ab    & b'\n  |             ^\n" in done.stdout  # the tab: 4 columns
