"""per-file-ignores, # msgkit: ignore comments and --report-unused-ignores (issue 10, item 7)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from msgkit import Config
from msgkit.documents import read_text
from msgkit.lint import LintOptions, check_document, lint, lint_text
from msgkit.suppressions import PerFileIgnores, directives

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], cwd: Path, stdin: str | None = None) -> Result:
    from msgkit.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["lint", *args], input=stdin, env={"NO_COLOR": "1", "GITHUB_ACTIONS": ""}
        )
    finally:
        os.chdir(old)


def found(result: Result) -> list[tuple[str, int | None, str]]:
    return [(r["path"], r["line"], r["code"]) for r in json.loads(result.stdout)]


def yaml_codes(text: str) -> list[tuple[int | None, str]]:
    checked = check_document(read_text(text, "yaml", "f.msg.yaml"), Config())
    return [(f.line, f.code) for f in checked.findings]


# --- inline comments -------------------------------------------------------------------------


def test_a_comment_on_the_line_suppresses_what_it_names() -> None:
    text = "msg: Sales & support  # msgkit: ignore[error_msg_invalid_xml]\n"
    assert yaml_codes(text) == []
    other = "msg: Sales & support  # msgkit: ignore[warning_msg_empty]\n"
    assert yaml_codes(other) == [(1, "error_msg_invalid_xml")]


def test_a_comment_alone_on_a_line_covers_the_next_line_of_yaml() -> None:
    text = (
        "# msgkit: ignore[error_msg_invalid_xml] -- the template fills this in\n"
        "# (another comment)\n"
        "\n"
        "msg: Sales & support\n"
    )
    assert yaml_codes(text) == []
    two_lines_down = "# msgkit: ignore[error_msg_invalid_xml]\nnotify_url: https://e.com/n\n"
    assert yaml_codes(two_lines_down + "msg: Sales & support\n") == [(3, "error_msg_invalid_xml")]


def test_a_bare_ignore_suppresses_everything_there_and_selectors_work() -> None:
    assert yaml_codes("msg: <speech language=fr>x</speech>  # msgkit: ignore\n") == []
    by_severity = 'msg: <speech language="fr">x</speech>  # msgkit: ignore[severity:warning]\n'
    assert yaml_codes(by_severity) == []
    by_prefix = "msg: Sales & support  # msgkit: ignore[error_msg_]\n"
    assert yaml_codes(by_prefix) == []


def test_a_comment_where_a_value_starts_covers_the_value() -> None:
    block = "msg: |  # msgkit: ignore[error_msg_invalid_xml]\n  Sales\n  & support\n"
    assert yaml_codes(block) == []
    segments = (
        "segments:  # msgkit: ignore[warning_msg_ssml_in_text]\n"
        "  - text: Please hold. <break time='1s'/>\n"
        "  - text: <prosody rate='slow'>Thanks</prosody>\n"
    )
    assert yaml_codes(segments) == []
    first_item_only = (
        "segments:\n"
        "  - text: Please hold. <break time='1s'/>  # msgkit: ignore[warning_msg_ssml_in_text]\n"
        "  - say: <prosody rate='slow'>Thanks</prosody>\n"
    )
    assert yaml_codes(first_item_only) == [(3, "warning_msg_ssml_in_text")]


def test_a_hash_inside_a_string_is_text_not_a_comment() -> None:
    quoted = "msg: 'Sales & support # msgkit: ignore'\n"
    assert yaml_codes(quoted) == [(1, "error_msg_invalid_xml")]
    block = "msg: |\n  Sales & support\n  # msgkit: ignore\n"
    assert yaml_codes(block) == [(2, "error_msg_invalid_xml")]


def test_a_comment_in_invalid_yaml_still_suppresses_its_line() -> None:
    text = "msg: 'a' b  # msgkit: ignore[error_document_invalid]\n"
    assert [f.line for f in read_text(text, "yaml", "f").problems] == [1]
    assert yaml_codes(text) == []


def test_lint_text_and_fix_honour_the_comments(tmp_path: Path) -> None:
    assert not lint_text("msg: A & B  # msgkit: ignore\n", "yaml").diagnostics
    path = tmp_path / "a.msg.yaml"
    text = (
        "msg: <speech language='EN' gender='Male'>x</speech>"
        "  # msgkit: ignore[error_msg_invalid_gender]\n"
    )
    path.write_text(text, "utf-8")
    result = run(["--fix", "a.msg.yaml"], tmp_path)
    assert result.exit_code == 0, result.output
    # The language was fixed; the suppressed gender was left as it is.
    assert path.read_text("utf-8") == text.replace("'EN'", "'en'")


def test_msg_and_json_files_have_no_comments() -> None:
    msg = read_text("Sales & support <!-- msgkit: ignore -->", "msg", "a.msg")
    assert directives(msg) == ()
    assert [f.code for f in check_document(msg, Config()).findings] == ["error_msg_invalid_xml"]
    doc = read_text('{"msg": "A & B # msgkit: ignore"}', "json", "a.msg.json")
    assert directives(doc) == ()


# --- per-file-ignores ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.draft.msg", "prompts/a.draft.msg", True),
        ("*.draft.msg", "prompts/a.msg", False),
        ("legacy", "legacy/old/a.msg", True),  # a directory's name, anywhere
        ("prompts/legacy", "prompts/legacy/a.msg", True),
        ("prompts/legacy/", "prompts/legacy/sub/a.msg", True),
        ("/prompts/*.msg", "prompts/a.msg", True),
        ("prompts/*.msg", "prompts/sub/a.msg", False),  # * stays within a name
        ("prompts/**/a.msg", "prompts/a.msg", True),
        ("prompts/**/a.msg", "prompts/x/y/a.msg", True),
        ("p?ompts/[ab].msg", "prompts/b.msg", True),
        ("prompts/[!ab].msg", "prompts/b.msg", False),
        ("a.msg/", "a.msg", False),  # directories only
    ],
)
def test_per_file_globs(tmp_path: Path, pattern: str, path: str, hit: bool) -> None:
    ignores = PerFileIgnores(((pattern, ("error_",)),), tmp_path)
    assert ignores.selectors(str(tmp_path / path)) == (("error_",) if hit else ())


def test_per_file_ignores_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.msgkit.per-file-ignores]\n"
        '"drafts/" = ["error_msg_invalid_xml"]\n'
        '"*.legacy.msg.json" = ["severity:error"]\n',
        "utf-8",
    )
    (tmp_path / "drafts").mkdir()
    (tmp_path / "sub").mkdir()
    files = {
        "drafts/a.msg": "A & B\n",
        "drafts/empty.msg": "<speech> </speech>\n",  # only the named code is ignored there
        "b.msg": "A & B\n",
        "sub/c.legacy.msg.json": '{"msg": "A & B"}',
    }
    for where, text in files.items():
        (tmp_path / where).write_text(text, "utf-8")
    result = run(["--format", "json", "."], tmp_path)
    assert sorted((Path(p).as_posix(), line, code) for p, line, code in found(result)) == [
        ("b.msg", 1, "error_msg_invalid_xml"),
        ("drafts/empty.msg", 1, "warning_msg_empty"),
    ]
    # From a subdirectory the globs still mean the same files (they are relative to the
    # pyproject.toml), and a file named on the command line is matched too.
    inner = run(["--format", "json", "../drafts/a.msg", "../b.msg"], tmp_path / "sub")
    assert [(Path(p).name, code) for p, _, code in found(inner)] == [
        ("b.msg", "error_msg_invalid_xml")
    ]


def test_per_file_ignores_are_not_fixed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.msgkit.per-file-ignores]\n"a.msg" = ["error_msg_invalid_gender"]\n', "utf-8"
    )
    (tmp_path / "a.msg").write_text('<speech language="EN" gender="Male">x</speech>\n', "utf-8")
    assert run(["--fix", "a.msg"], tmp_path).exit_code == 0
    fixed = (tmp_path / "a.msg").read_text("utf-8")
    assert fixed == '<speech language="en" gender="Male">x</speech>\n'


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('per-file-ignores = ["a"]', "must be a table"),
        ('per-file-ignores = {"a.msg" = "error_"}', "must be a list of strings"),
        ('per-file-ignores = {"a.msg" = ["severity:fatal"]}', "severity:fatal"),
        ('per-file-ignores = {"/" = ["error_"]}', "matches nothing"),
    ],
)
def test_a_bad_per_file_table_is_named(tmp_path: Path, table: str, words: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.msgkit]\n{table}\n", "utf-8")
    (tmp_path / "a.msg").write_text("Hi\n", "utf-8")
    result = run(["a.msg"], tmp_path)
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output and "per-file-ignores" in result.output
    assert words in result.output


def test_library_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("A & B\n", "utf-8")
    options = LintOptions(per_file_ignores=PerFileIgnores((("a.msg", ("error_",)),), tmp_path))
    assert lint([str(tmp_path / "a.msg")], options).findings == ()


# --- unused suppressions ---------------------------------------------------------------------


def test_unused_suppressions_are_reported_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "a.msg.yaml").write_text(
        "msg: A & B  # msgkit: ignore[error_msg_invalid_xml, warning_msg_empty]\n"
        "tag: t  # msgkit: ignore\n"
        "# msgkit: ingore[error_tag_invalid_length]\n"
        "notify_url: https://e.com/n\n",
        "utf-8",
    )
    assert found(run(["--format", "json", "a.msg.yaml"], tmp_path)) == []
    result = run(["--format", "json", "--report-unused-ignores", "a.msg.yaml"], tmp_path)
    records = json.loads(result.stdout)
    assert [(r["line"], r["code"]) for r in records] == [
        (1, "warning_unused_ignore"),
        (2, "warning_unused_ignore"),
        (3, "warning_unused_ignore"),
    ]
    assert "warning_msg_empty is not reported here" in records[0]["message"]
    assert "error_msg_invalid_xml" not in records[0]["message"]
    assert records[0]["column"] == 13 and records[0]["end_column"] is not None
    assert "nothing is reported here" in records[1]["message"]
    assert "not a msgkit directive" in records[2]["message"]
    assert result.exit_code == 0  # warnings
    (tmp_path / "pyproject.toml").write_text(
        "[tool.msgkit]\nreport-unused-ignores = true\n", "utf-8"
    )
    assert len(found(run(["--format", "json", "a.msg.yaml"], tmp_path))) == 3
    quiet = run(["--format", "json", "--no-report-unused-ignores", "a.msg.yaml"], tmp_path)
    assert found(quiet) == []


def test_an_online_finding_uses_up_a_suppression(tmp_path: Path) -> None:
    from msgkit.diagnostics import Diagnostic, Severity
    from msgkit.documents import Finding

    (tmp_path / "a.msg.yaml").write_text(
        "msg: <url>https://e.com/a.mp3</url>  # msgkit: ignore[warning_msg_url_not_cacheable]\n",
        "utf-8",
    )

    def online(checked, options):  # type: ignore[no-untyped-def]
        for item in checked:
            d = Diagnostic("warning_msg_url_not_cacheable", Severity.WARNING, "no Last-Modified")
            yield Finding(item.path, d, 1, 11)

    options = LintOptions(report_unused_ignores=True)
    result = lint([str(tmp_path / "a.msg.yaml")], options, passes=[online])
    assert result.findings == ()
    [checked] = result.checked
    assert [f.code for f in checked.suppressed] == ["warning_msg_url_not_cacheable"]


def test_the_docs_page_examples(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "diagnostics" / "warning_unused_ignore.md").read_text("utf-8")
    fences = re.findall(r"^## (Failing example|The fix)\s*```yaml\n(.*?)^```", page, re.M | re.S)
    assert [heading for heading, _ in fences] == ["Failing example", "The fix"]
    for heading, body in fences:
        (tmp_path / "p.msg.yaml").write_text(body, "utf-8")
        result = run(["--format", "json", "--report-unused-ignores", "p.msg.yaml"], tmp_path)
        codes = [code for _, _, code in found(result)]
        assert codes == (["warning_unused_ignore"] if heading == "Failing example" else [])


def test_as_a_real_process(tmp_path: Path) -> None:
    (tmp_path / "a.msg.yaml").write_text(
        "# msgkit: ignore[error_msg_invalid_xml]\nmsg: A & B\ntag: t  # msgkit: ignore\n",
        "utf-8",
    )
    script = Path(sys.executable).parent / "msgkit"
    command = str(script) if script.exists() else (shutil.which("msgkit") or "msgkit")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [command, "lint", "--concise", "--report-unused-ignores", "a.msg.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == (
        "a.msg.yaml:3:9: warning_unused_ignore warning: unused suppression: nothing is "
        "reported here"
    )
