"""``msgkit server``: the real server as a subprocess, driven over stdio by pygls's client."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("pygls")
from lsp_client import ROOT, Session, msgkit_position
from lsprotocol import types

from msgkit.diagnostics import DOCS_URL

T = TypeVar("T")


def run(scenario: Callable[[Session], Awaitable[T]], **start: Any) -> T:
    """Start a server, run ``scenario`` against it, and shut it down cleanly."""

    async def go() -> T:
        session = Session()
        await session.start(**start)
        try:
            result = await scenario(session)
        finally:
            code = await session.stop()
        assert code == 0
        return result

    return asyncio.run(asyncio.wait_for(go(), 120))


def lint_json(project: Path, *paths: Path, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", "from msgkit.cli import main; main()", "lint", "--format", "json"]
        + list(extra)
        + [str(p) for p in paths],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    records: list[dict[str, Any]] = json.loads(done.stdout)
    return records


def as_records(text: str, diagnostics: list[types.Diagnostic]) -> list[dict[str, Any]]:
    """The editor's diagnostics in the terms of ``msgkit lint --format json``."""
    out = []
    for d in diagnostics:
        line, column = msgkit_position(text, d.range.start.line, d.range.start.character)
        end = msgkit_position(text, d.range.end.line, d.range.end.character)
        severity = {1: "error", 2: "warning"}[d.severity]
        out.append((line, column, end, d.code, severity, d.message))
    return out


def expected(records: list[dict[str, Any]]) -> list[Any]:
    out = []
    for r in records:
        message = r["message"] + (f"\n{r['hint']}" if r["hint"] else "")
        out.append((r["line"], r["column"], r["code"], r["severity"], message, r))
    return out


def assert_same(text: str, diagnostics: list[types.Diagnostic], records: list[dict[str, Any]]):
    got = as_records(text, diagnostics)
    want = expected(records)
    assert len(got) == len(want), (got, want)
    for (line, column, end, code, severity, message), (wl, wc, wcode, wsev, wmsg, r) in zip(
        got, want, strict=True
    ):
        assert (line, column, code, severity, message) == (wl, wc, wcode, wsev, wmsg)
        if r["end_line"] is not None:
            assert end == (r["end_line"], r["end_column"])


# --- a project with settings ----------------------------------------------------------------

PYPROJECT = """\
[tool.msgkit]
max-msg-length = 60
ignore = ["warning_msg_language_unverified"]
exclude = ["drafts/"]
report-unused-ignores = true

[tool.msgkit.per-file-ignores]
"quiet/*" = ["severity:error"]
"""

FILES = {
    # an astral character before the problems: UTF-16 columns differ from code points
    "a.msg": '<speech language="fr" gender="Male">\U0001f600 hi & bye</speech>\n',
    "b.msg.yaml": (
        "# a greeting \U0001f600\n"
        "segments:\n"
        "  - say: Hello \U0001f600\n"
        "    language: EN  # msgkit: ignore[error_msg_invalid_gender]\n"
        "  - say: Bonjour\n"
        "    gender: Male  # msgkit: ignore[error_msg_invalid_gender]\n"
        "  - play: https://example.com/a.ogg\n"
        "notify_url: ftp://example.com/x\n"
    ),
    "c.msg.json": (
        '{\n  "msg": "\\ud83d\\ude00 <speech language=\\"zz-ZZZZZ\\">x</speech>'
        ' a very long message that goes well past the limit of sixty characters",\n'
        '  "tag": "t"\n}\n'
    ),
    "quiet/d.msg": '<speech gender="Male">quiet</speech>\n',
    "drafts/e.msg": "<nope>\n",
    "crlf.msg": 'line one\r\n<speech gender="f">x</speech>\r\n& <url>b.ogg</url>',
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return tmp_path


def test_diagnostics_are_what_lint_reports(project: Path) -> None:
    names = [n for n in FILES if not n.startswith("drafts/")]

    async def scenario(s: Session) -> dict[str, Any]:
        opened = {name: s.open(project / name) for name in FILES}
        return {name: await s.diagnostics(address, 1) for name, address in opened.items()}

    published = run(scenario)
    for name in names:
        text = FILES[name]
        records = lint_json(project, project / name)
        assert_same(text, published[name], records)
    # The files do exercise what they are there for.
    codes = {d.code for name in names for d in published[name]}
    assert {"error_msg_invalid_xml", "error_msg_invalid_length", "warning_unused_ignore"} <= codes
    assert not any(d.code == "warning_msg_language_unverified" for d in published["a.msg"])
    assert published["quiet/d.msg"] == [] and lint_json(project, project / "quiet/d.msg") == []
    # exclude: what `msgkit lint --force-exclude FILE` (pre-commit's way) leaves alone
    assert published["drafts/e.msg"] == []
    assert lint_json(project, project / "drafts/e.msg", extra=("--force-exclude",)) == []
    assert lint_json(project, project / "drafts/e.msg") != []


def test_diagnostic_payload(project: Path) -> None:
    async def scenario(s: Session) -> list[types.Diagnostic]:
        return await s.diagnostics(s.open(project / "a.msg"), 1)

    (xml,) = [d for d in run(scenario) if d.code == "error_msg_invalid_xml"]
    assert xml.source == "msgkit"
    assert xml.severity == types.DiagnosticSeverity.Error
    assert xml.code_description is not None
    assert xml.code_description.href == f"{DOCS_URL}diagnostics/error_msg_invalid_xml/"
    # the '&' after "<speech ...>😀 hi ": 41 code points in, 42 UTF-16 units
    assert xml.range == types.Range(types.Position(0, 42), types.Position(0, 43))


def test_utf8_and_utf32_positions_when_negotiated(project: Path) -> None:
    for encoding, column in (("utf-8", 44), ("utf-32", 41)):

        async def scenario(s: Session) -> list[types.Diagnostic]:
            return await s.diagnostics(s.open(project / "a.msg"), 1)

        found = run(scenario, encodings=[encoding])
        (xml,) = [d for d in found if d.code == "error_msg_invalid_xml"]
        assert xml.range.start == types.Position(0, column), encoding
