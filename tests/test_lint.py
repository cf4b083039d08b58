"""The lint library: collecting files, bad input as findings, fixes that change nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msgkit.config import Config
from msgkit.documents import MAX_FILE_BYTES, read_path
from msgkit.fixes import diff, fix_document
from msgkit.lint import LintOptions, PathNotFoundError, collect, lint, lint_text


def codes(result_paths: list[str], options: LintOptions | None = None) -> list[str]:
    return [f.code for f in lint(result_paths, options).findings]


def test_collect_recurses_and_picks_message_files(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("hi")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.msg.json").write_text('{"msg": "hi"}')
    (tmp_path / "sub" / "c.msg.yml").write_text("msg: hi")
    (tmp_path / "sub" / "notes.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "d.msg").write_text("x")
    found = collect([str(tmp_path)], LintOptions())
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == [
        "a.msg",
        "sub/b.msg.json",
        "sub/c.msg.yml",
    ]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(PathNotFoundError):
        collect([str(tmp_path / "nope.msg")], LintOptions())


def test_exclude_and_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*.tmp.msg\n")
    for name in ("keep.msg", "x.tmp.msg", "generated/a.msg", "broken/b.msg", "deep/broken/c.msg"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("hi")
    options = LintOptions(exclude=("broken/",), root=tmp_path)
    found = [Path(p).relative_to(tmp_path).as_posix() for p in collect([str(tmp_path)], options)]
    assert found == ["keep.msg"]
    # Anchored patterns are relative to the configuration's directory.
    anchored = LintOptions(exclude=("/broken",), root=tmp_path)
    found = [Path(p).relative_to(tmp_path).as_posix() for p in collect([str(tmp_path)], anchored)]
    assert found == ["deep/broken/c.msg", "keep.msg"]
    # Named explicitly, an excluded file is linted, unless force_exclude.
    explicit = str(tmp_path / "broken" / "b.msg")
    assert collect([explicit], options) == [explicit]
    forced = LintOptions(exclude=("broken/",), root=tmp_path, force_exclude=True)
    assert collect([explicit], forced) == []
    no_gitignore = LintOptions(respect_gitignore=False)
    assert len(collect([str(tmp_path)], no_gitignore)) == 5


def test_symlink_loop_broken_symlink_fifo_and_directory_symlink(tmp_path: Path) -> None:
    (tmp_path / "loop.msg").symlink_to(tmp_path / "loop.msg")
    (tmp_path / "dangling.msg").symlink_to(tmp_path / "missing")
    os.mkfifo(tmp_path / "pipe.msg")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "ok.msg").write_text("hi")
    (tmp_path / "dir" / "back").symlink_to(tmp_path, target_is_directory=True)  # not followed
    result = lint([str(tmp_path)])
    messages = {Path(f.path).name: f.message for f in result.findings}
    assert set(messages) == {"loop.msg", "dangling.msg", "pipe.msg"}
    assert "symlink loop" in messages["loop.msg"]
    assert "broken symlink" in messages["dangling.msg"]
    assert "FIFO" in messages["pipe.msg"]
    assert {f.code for f in result.findings} == {"error_document_invalid"}
    assert len(result.checked) == 4
    # Named explicitly, they are findings too, not usage errors.
    assert codes([str(tmp_path / "loop.msg")]) == ["error_document_invalid"]


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.msg"
    path.write_text("hi")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            # Root reads anything whatever its mode bits; a file the kernel refuses to read is
            # the next best thing (broken symlinks, loops and FIFOs are tested above).
            if not Path("/proc/self/mem").exists():
                pytest.skip("running as root and no unreadable file to try")
            path = Path("/proc/self/mem")
            expected = "cannot read the file"
        else:
            expected = "permission denied"
        [finding] = lint([str(path)]).findings
        assert finding.code == "error_document_invalid"
        assert expected in finding.message
    finally:
        (tmp_path / "secret.msg").chmod(0o644)


def test_big_file_is_reported_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.msg"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NULs, never read
    document = read_path(str(path))
    assert document.text is None
    assert f"{50 * 1024 * 1024:,} bytes" in document.problems[0].message
    assert MAX_FILE_BYTES == 1 << 20


def test_ten_thousand_files(tmp_path: Path) -> None:
    for i in range(10_000):
        (tmp_path / f"p{i:05d}.msg").write_text("Thank you for calling.\n")
    (tmp_path / "p05000.msg").write_text("Thanks & bye\n")
    result = lint([str(tmp_path)])
    assert len(result.checked) == 10_000
    assert [(Path(f.path).name, f.code) for f in result.findings] == [
        ("p05000.msg", "error_msg_invalid_xml")
    ]


def test_fix_json_through_escapes_changes_nothing_else(tmp_path: Path) -> None:
    text = (
        '{\n  "msg": "caf\\u00e9 & <speech language=\\"EN\\" gender=\\"Male\\">x</speech> & y",'
        '\n  "tag":  "keep  spacing"\n}\n'
    )
    path = tmp_path / "a.msg.json"
    path.write_text(text)
    outcome = fix_document(read_path(str(path)), Config())
    assert outcome.text == text.replace(" & ", " &amp; ").replace("EN", "en").replace(
        "Male", "male"
    )
    assert [f.code for f in outcome.checked.findings] == []
    assert diff(outcome).startswith(f"--- a/{path}")


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("msg: a & b\n", "msg: a &amp; b\n"),
        ("msg: 'it''s & b'\n", "msg: 'it''s &amp; b'\n"),
        ('msg: "x \\t & b"\n', 'msg: "x \\t &amp; b"\n'),
        ("msg: |\n  one\n  a & b\n", "msg: |\n  one\n  a &amp; b\n"),
        (
            "segments:\n  - say: hi\n    gender: Male  # keep\n",
            "segments:\n  - say: hi\n    gender: male  # keep\n",
        ),
    ],
)
def test_fix_yaml_styles(tmp_path: Path, text: str, fixed: str) -> None:
    path = tmp_path / "a.msg.yaml"
    path.write_text(text)
    outcome = fix_document(read_path(str(path)), Config())
    assert outcome.text == fixed


def test_fix_is_not_applied_where_mapping_is_inexact(tmp_path: Path) -> None:
    text = "msg: >\n  folded & text\n  on lines\n"
    path = tmp_path / "a.msg.yaml"
    path.write_text(text)
    document = read_path(str(path))
    outcome = fix_document(document, Config())
    assert not outcome.changed
    [finding] = outcome.checked.findings
    assert (finding.code, finding.line, finding.column) == ("error_msg_invalid_xml", 2, 10)


def test_fix_many_stray_characters_in_rounds(tmp_path: Path) -> None:
    path = tmp_path / "a.msg"
    path.write_bytes(b"a & b & c < d\r\n")
    outcome = fix_document(read_path(str(path)), Config())
    assert outcome.text == "a &amp; b &amp; c &lt; d\r\n"
    assert len(outcome.applied) == 1  # all three at once


def test_lint_text_for_docs_examples() -> None:
    report = lint_text('{"mgs": "x"}', kind="json")
    assert "error_document_invalid" in report.codes
    assert lint_text("Hello").ok


def test_select_ignore_apply_to_document_codes(tmp_path: Path) -> None:
    path = tmp_path / "a.msg.json"
    path.write_text('{"msg": "a & b", "tga": "x"}')
    options = LintOptions(config=Config(ignore=("error_document_",)))
    assert codes([str(path)], options) == ["error_msg_invalid_xml"]
    options = LintOptions(config=Config(select=("error_document",)))
    assert codes([str(path)], options) == ["error_document_invalid"]


def test_extra_pass_adds_findings(tmp_path: Path) -> None:
    from msgkit.diagnostics import Diagnostic, Severity
    from msgkit.documents import Finding

    (tmp_path / "a.msg").write_text("hi")

    def extra(checked, options):  # type: ignore[no-untyped-def]
        for item in checked:
            yield Finding(item.path, Diagnostic("warning_msg_empty", Severity.WARNING, "x"), 1, 1)

    result = lint([str(tmp_path)], passes=[extra])
    assert [f.code for f in result.findings] == ["warning_msg_empty"]


def test_a_missing_file_is_not_called_a_broken_symlink(tmp_path: Path) -> None:
    (tmp_path / "dangling.msg").symlink_to(tmp_path / "missing")
    [gone] = read_path(str(tmp_path / "gone.msg")).problems
    assert gone.message == "cannot read the file: it does not exist"
    [dangling] = read_path(str(tmp_path / "dangling.msg")).problems
    assert dangling.message == "cannot read the file: it is a broken symlink"


def test_standard_input_named_twice_is_read_once() -> None:
    reads: list[int] = []

    def stdin() -> bytes:
        reads.append(1)
        return b"Hello"

    assert collect(["-", "-"], LintOptions()) == ["-"]
    result = lint(["-", "-"], stdin=stdin)
    assert len(result.checked) == 1 and len(reads) == 1


def test_standard_input_is_json_when_it_starts_with_a_brace() -> None:
    result = lint(["-"], stdin=lambda: b' {"msg": "a & b"}')
    assert [f.code for f in result.findings] == ["error_msg_invalid_xml"]
    assert result.findings[0].column == 13  # in the JSON text, not in the msg
    as_markup = lint(["-"], stdin=lambda: b'{"msg": "a"}', stdin_kind="msg")
    assert as_markup.findings == () and as_markup.checked[0].document.kind == "msg"
    too_big = lint(["-"], stdin=lambda: b"y" * (MAX_FILE_BYTES + 1))
    assert [f.code for f in too_big.findings] == ["error_document_invalid"]
