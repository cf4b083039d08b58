"""What the fuzzer found (fuzz/README.md): each crash as a test of the diagnostic the user gets,
its input kept in fuzz/corpus/ and replayed here through its target; and the harness itself."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from msgkit import Config, Diagnostic, Severity
from msgkit.documents import Document, Finding, read_text
from msgkit.fixes import fix_document
from msgkit.lint import Checked, LintResult, lint_text
from msgkit.reporters import FORMATS, report

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # the fuzz package lives beside msgkit, not inside it

from fuzz.support import TimeBoundExceeded  # noqa: E402
from fuzz.targets import TARGETS  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"


def crash_inputs() -> list[Any]:
    return [
        pytest.param(folder.name, path, id=path.name)
        for folder in sorted(CORPUS.iterdir())
        if folder.is_dir()
        for path in sorted(folder.glob("crash-*"))
    ]


@pytest.mark.parametrize(("name", "path"), crash_inputs())
def test_every_crash_found_stays_fixed(name: str, path: Path) -> None:
    TARGETS[name].run(b"")  # the first call loads what the target needs, outside the bound
    TARGETS[name].bounded(path.read_bytes())


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_takes_its_seeds(name: str) -> None:
    target = TARGETS[name]
    seeds = sorted(p for p in (CORPUS / name).iterdir() if not p.name.startswith("crash-"))
    assert seeds, f"{name} has no seed corpus"
    target.run(b"")  # the first call loads what the target needs, outside the bound
    for seed in seeds:
        try:
            target.bounded(seed.read_bytes())
        except TimeBoundExceeded:
            # The test process's heap is the whole suite's: a garbage collection may land in
            # one input's time. Over the bound twice in a row is the input's own cost.
            gc.collect()
            target.bounded(seed.read_bytes())


# --- --fix: a stray '&' next to another ------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "fixed"),
    [
        ("msg", "&&lt;", "&amp;&lt;"),
        ("msg", "a && b\n", "a &amp;&amp; b\n"),
        ("yaml", "msg: |\n  one\n  a && b\n", "msg: |\n  one\n  a &amp;&amp; b\n"),
        ("json", '{"msg": "a && b"}\n', '{"msg": "a &amp;&amp; b"}\n'),
    ],
)
def test_fixing_adjacent_ampersands_converges(kind: str, text: str, fixed: str) -> None:
    """``&&``: each round escaped the wrong '&' (``&&amp;amp;amp;…``) until the round limit,
    and a second --fix went on growing the file."""
    outcome = fix_document(read_text(text, kind, "f"), Config())  # type: ignore[arg-type]
    assert outcome.text == fixed
    assert not outcome.checked.findings
    again = fix_document(read_text(fixed, kind, "f"), Config())  # type: ignore[arg-type]
    assert not again.changed


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("a < b " * 201, "a &lt; b " * 201),
        ("R&&D <speech>x & y</speech> " * 300, "R&amp;&amp;D <speech>x &amp; y</speech> " * 300),
        (
            "a<3 <!-- & --> <![CDATA[ & < ]]> & " * 250,
            "a&lt;3 <!-- & --> <![CDATA[ & < ]]> &amp; " * 250,
        ),
    ],
)
def test_fix_is_idempotent_past_the_round_limit(text: str, fixed: str) -> None:
    """--fix made one edit per string a round for at most 200 rounds: more stray characters
    were left part-fixed, and a second --fix changed the file again. All are escaped at once
    now, stepping over whole markup (comments and CDATA keep their '&' and '<')."""
    outcome = fix_document(read_text(text, "msg", "f.msg"), Config())
    assert outcome.text == fixed
    assert len(outcome.applied) <= 2
    again = fix_document(read_text(fixed, "msg", "f.msg"), Config())
    assert not again.changed


# --- YAML: a scalar with an explicit tag that PyYAML cannot construct ------------------------


@pytest.mark.parametrize(
    ("text", "column", "said"),
    [
        ("!!int ", 1, "'' is not a valid int"),
        ("msg: !!float", 6, "'' is not a valid float"),
        ("msg: hi\ntag: !!bool\n", 6, "'' is not a valid bool"),
        ("msg: !!timestamp x", 6, "'x' is not a valid timestamp"),
        ("msg: !!timestamp 2024-01-01T", 6, "'2024-01-01T' is not a valid timestamp"),
    ],
)
def test_a_tagged_scalar_pyyaml_cannot_construct_is_a_diagnostic(
    text: str, column: int, said: str
) -> None:
    """PyYAML raises IndexError, KeyError or AttributeError (not ValueError) for these: the
    reader let them through as a traceback of ``msgkit lint``."""
    document = read_text(text, "yaml", "f.msg.yaml")
    (problem,) = document.problems
    assert problem.code == "error_document_invalid"
    assert said in problem.message
    assert problem.column == column
    report = lint_text(text, "yaml")
    assert report.codes == ("error_document_invalid",)


def test_lint_of_an_empty_int_yaml_file_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "m.msg.yaml"
    path.write_text("msg: !!int\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from msgkit.cli import main; main()", "lint", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "is not a valid int" in done.stdout


# --- reporters: a file name that is not UTF-8 -----------------------------------------------


def _result(path: str) -> LintResult:
    diagnostic = Diagnostic("error_msg_invalid_xml", Severity.ERROR, "'&' must be written '&amp;'")
    finding = Finding(path, diagnostic, 1, 3, end_line=1, end_column=4)
    return LintResult((Checked(Document(path, "msg", text="a & b", markup="a & b"), (finding,)),))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("path", ["bad\udcff.msg", "/abs/bad\udcff.msg", "/odd\ud800.msg"])
def test_reports_of_a_file_name_that_is_not_utf8_are_utf8(fmt: str, path: str) -> None:
    out = io.StringIO()
    report(_result(path), fmt, out)
    written = out.getvalue()
    written.encode("utf-8")  # any UTF-8 stream takes it
    if fmt in ("json", "sarif"):
        json.loads(written)
    if fmt == "json" and "\udcff" in path:
        # escaped as \udcff, so the path read back names the very file (its byte 0xff)
        assert os.fsencode(json.loads(written)[0]["path"]).endswith(b"bad\xff.msg")
    elif fmt in ("text", "concise", "github") and "\udcff" in path:
        assert "bad\\xff.msg" in written  # the byte, shown as Python shows it


def test_sarif_uri_keeps_the_bytes_of_a_file_name() -> None:
    out = io.StringIO()
    report(_result("bad\udcff.msg"), "sarif", out)
    location = json.loads(out.getvalue())["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "bad%FF.msg"


def test_text_report_escapes_control_characters_in_a_file_name() -> None:
    out = io.StringIO()
    report(_result("a\nb\x1b[31m.msg"), "text", out)
    headline = out.getvalue().splitlines()[0]
    assert headline.startswith("a\\nb\\x1b[31m.msg:1:3: error_msg_invalid_xml")


@pytest.mark.skipif(sys.platform != "linux", reason="a file name of any bytes is POSIX")
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_lint_of_a_file_whose_name_is_not_utf8(tmp_path: Path, fmt: str) -> None:
    """Through a real process, with a strict UTF-8 standard output: no traceback."""
    folder = tmp_path / "messages"
    folder.mkdir()
    name = os.fsencode(folder) + b"/bad\xff.msg"
    with open(name, "w", encoding="utf-8") as handle:
        handle.write("a & b\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from msgkit.cli import main; main()",
            "lint",
            "--format",
            fmt,
            "messages",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr
    shown = done.stdout.decode("utf-8")  # strictly UTF-8
    if fmt == "json":
        assert os.fsencode(json.loads(shown)[0]["path"]) == b"messages/bad\xff.msg"
    else:
        assert ("bad%FF.msg" if fmt == "sarif" else "bad\\xff.msg") in shown


# --- the harness ----------------------------------------------------------------------------


def test_python_m_fuzz_runs_a_target_without_atheris() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fuzz", "parse", "--runs", "300", "--plain"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "parse: 300 runs" in done.stdout
