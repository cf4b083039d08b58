"""``msgkit server``: the real server as a subprocess, driven over stdio by pygls's client."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner

pytest.importorskip("pygls")
from lsp_client import ROOT, SERVER, Session, msgkit_position, uri
from lsprotocol import types

from msgkit.cli import main
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


# --- changes, closing ----------------------------------------------------------------------


def test_incremental_changes_are_applied_where_the_editor_means(tmp_path: Path) -> None:
    # U+2028 and U+2029 are not line breaks to the protocol (nor to msgkit), though they are
    # to str.splitlines; an astral character is two UTF-16 units. The edit replaces the '&' on
    # the second line.
    text = "a\u2028b \U0001f600 \u2029 ok\nsecond \U0001f600 & line\n"
    path = tmp_path / "m.msg"
    path.write_text(text, encoding="utf-8")
    fixed = text.replace("& line", "and line")

    async def scenario(s: Session) -> tuple[list[types.Diagnostic], list[types.Diagnostic]]:
        address = s.open(path)
        first = await s.diagnostics(address, 1)
        s.change(
            address,
            2,
            types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(1, 10), types.Position(1, 11)), text="and"
            ),
        )
        return first, await s.diagnostics(address, 2)

    first, second = run(scenario)
    assert_same(text, first, lint_json(tmp_path, path))
    path.write_text(fixed, encoding="utf-8")
    assert_same(fixed, second, lint_json(tmp_path, path))
    assert any(d.code == "error_msg_invalid_xml" for d in first)
    assert not any(d.code == "error_msg_invalid_xml" for d in second)


def test_full_text_changes_and_closing_clears(tmp_path: Path) -> None:
    path = tmp_path / "m.msg.json"
    path.write_text('{"msg": "a & b"}\n', encoding="utf-8")

    async def scenario(s: Session) -> list[Any]:
        address = s.open(path)
        first = await s.diagnostics(address, 1)
        s.change(address, 2, types.TextDocumentContentChangeWholeDocument(text='{"msg": "ok"}'))
        second = await s.diagnostics(address, 2)
        count = len(s.published)
        s.close(address)
        cleared = await s.wait_published(address, None, after=count)
        return [first, second, cleared]

    first, second, cleared = run(scenario)
    assert [d.code for d in first] == ["error_msg_invalid_xml"]
    assert second == []
    assert list(cleared.diagnostics) == [] and cleared.version is None


def test_documents_are_chosen_by_file_name_not_language_id(tmp_path: Path) -> None:
    other = tmp_path / "notes.json"
    other.write_text('{"msg": "a & b"}', encoding="utf-8")
    ours = tmp_path / "m.msg.yml"
    ours.write_text("msg: a & b\n", encoding="utf-8")

    async def scenario(s: Session) -> list[Any]:
        s.open(other)
        found = await s.diagnostics(s.open(ours), 1)
        return [found, [p.uri for _, p in s.published]]

    found, uris = run(scenario)
    assert [d.code for d in found] == ["error_msg_invalid_xml"]
    assert uris == [uri(ours)]


# --- code actions ----------------------------------------------------------------------------

FIXABLE = '<speech language="EN" gender="Male">hi & bye</speech>\n'


def _apply(text: str, edit: types.TextEdit) -> str:
    lines = text.splitlines(keepends=True)  # the test texts have \n breaks only

    def offset(p: types.Position) -> int:
        return sum(len(x) for x in lines[: p.line]) + p.character  # ASCII: units = chars

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


def test_code_actions_quick_fixes_and_fix_all(tmp_path: Path) -> None:
    path = tmp_path / "m.msg"
    path.write_text(FIXABLE, encoding="utf-8")

    async def scenario(s: Session) -> list[Any]:
        address = s.open(path)
        found = await s.diagnostics(address, 1)
        whole = types.Range(types.Position(0, 0), types.Position(1, 0))
        every = await s.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(address), whole, types.CodeActionContext(found)
            )
        )
        only = await s.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(address),
                whole,
                types.CodeActionContext(found, only=["source.fixAll"]),
            )
        )
        return [found, every, only]

    found, every, only = run(scenario)
    quick = [a for a in every if a.kind == types.CodeActionKind.QuickFix]
    fix_all = [a for a in every if a.kind == "source.fixAll.msgkit"]
    assert len(fix_all) == 1 and fix_all[0].title == "Fix all msgkit problems"
    assert [a.kind for a in only] == ["source.fixAll.msgkit"]
    # one quick fix per fixable diagnostic, attached to it
    fixable = [d for d in found if d.data and d.data.get("fix")]
    assert len(quick) == len(fixable) >= 1
    for action in quick:
        (diagnostic,) = action.diagnostics
        assert diagnostic in found
        (edit,) = action.edit.changes[uri(path)]
        after = _apply(FIXABLE, edit)
        assert after != FIXABLE
    # fix-all is exactly what `msgkit lint --fix` writes
    (edit,) = fix_all[0].edit.changes[uri(path)]
    lint_json(tmp_path, path, extra=("--fix",))
    assert _apply(FIXABLE, edit) == path.read_text(encoding="utf-8")


def test_edits_are_tied_to_their_version_where_the_client_can(tmp_path: Path) -> None:
    path = tmp_path / "m.msg"
    path.write_text(FIXABLE, encoding="utf-8")

    async def scenario(s: Session) -> list[types.CodeAction]:
        address = s.open(path, version=7)
        found = await s.diagnostics(address, 7)
        return await s.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(address),
                types.Range(types.Position(0, 0), types.Position(1, 0)),
                types.CodeActionContext(found),
            )
        )

    actions = run(scenario, versioned_edits=True)
    assert actions
    for action in actions:
        assert action.edit.changes is None
        (change,) = action.edit.document_changes
        assert change.text_document.uri == uri(path) and change.text_document.version == 7


# --- hover -----------------------------------------------------------------------------------


def test_hover_explains_codes_languages_and_recordings(tmp_path: Path) -> None:
    from msgkit.checks.cache import Cache, Entry
    from msgkit.checks.online import _fingerprint
    from msgkit.checks.options import OnlineOptions
    from msgkit.diagnostics import Diagnostic, Severity

    cache = tmp_path / "cache"
    url = "https://example.com/hold.wav"
    with Cache.open(cache) as handle:
        handle.put_many(
            {
                ("audio", url, _fingerprint(OnlineOptions(cache_dir=str(cache)))): Entry(
                    time.time() - 7200,
                    (
                        Diagnostic(
                            "warning_msg_audio_not_8khz_mono", Severity.WARNING, "44100 Hz stereo"
                        ),
                    ),
                    etag='"v1"',
                )
            }
        )
    text = f'<speech language="zh-HK">hi & bye</speech><url>{url}</url>\n'
    path = tmp_path / "m.msg"
    path.write_text(text, encoding="utf-8")

    async def scenario(s: Session) -> list[Any]:
        address = s.open(path)
        await s.diagnostics(address, 1)
        out = []
        for column in (text.index("&"), text.index("zh-HK") + 2, text.index(url) + 3, 1):
            out.append(
                await s.client.text_document_hover_async(
                    types.HoverParams(
                        types.TextDocumentIdentifier(address), types.Position(0, column)
                    )
                )
            )
        return out

    on_code, on_language, on_url, nothing = run(scenario, options={"cacheDir": str(cache)})
    explained = CliRunner().invoke(main, ["explain", "error_msg_invalid_xml"]).output.strip()
    assert on_code.contents.kind == types.MarkupKind.Markdown
    assert on_code.contents.value == explained
    assert "Cantonese (Hong Kong)" in on_language.contents.value
    assert "female" in on_language.contents.value and "male" in on_language.contents.value
    value = on_url.contents.value
    assert "2 hours ago" in value and "warning_msg_audio_not_8khz_mono" in value and '"v1"' in value
    assert nothing is None


# --- completion ------------------------------------------------------------------------------

# Every key of a message document: the Monitor msg's and, with `block`, each block's parameters.
DOCUMENT_KEYS = [
    *("msg", "segments", "tag", "notify_url", "monitor_notify_url", "block"),
    *("dest", "caller_id", "max_duration", "max_digits", "timeout", "attempts"),
    *("on_failure", "force"),
]
BLOCK_NAMES = [
    "dial",
    "play",
    "gather",
    "record",
    "monitor",
    "hold",
    "unhold",
    "transfer",
    "hangup",
]

COMPLETIONS = [
    ("m.msg", "<sp", ["speech", "url"]),
    ("m.msg", "</", ["speech", "url"]),
    ("m.msg", "<speech ", ["language", "gender"]),
    ("m.msg", '<speech language="', ["en", "zh-HK"]),
    ("m.msg", "<speech gender='", ["female", "male"]),
    ("m.msg.json", '{"msg": "<speech language=\\"', ["en", "zh-HK"]),
    ("m.msg.json", '{"', DOCUMENT_KEYS),
    ("m.msg.json", '{"segments": [{"', ["say", "language", "gender", "text", "play"]),
    ("m.msg.yaml", "", DOCUMENT_KEYS),
    ("m.msg.yaml", "segments:\n  - ", ["say", "language", "gender", "text", "play"]),
    ("m.msg.yaml", "segments:\n  - say: hi\n    gender: ", ["female", "male"]),
    ("m.msg.yaml", "block: ga", BLOCK_NAMES),
    ("m.msg.json", '{"block": "', BLOCK_NAMES),
]


def test_completion(tmp_path: Path) -> None:
    async def scenario(s: Session) -> list[list[str]]:
        out = []
        for n, (name, before, _) in enumerate(COMPLETIONS):
            path = tmp_path / str(n) / name
            path.parent.mkdir()
            address = s.open(path, before)
            lines = before.split("\n")
            result = await s.client.text_document_completion_async(
                types.CompletionParams(
                    types.TextDocumentIdentifier(address),
                    types.Position(len(lines) - 1, len(lines[-1])),
                )
            )
            items = result.items if isinstance(result, types.CompletionList) else result
            out.append(sorted(i.label for i in items))
        return out

    for got, (name, before, want) in zip(run(scenario), COMPLETIONS, strict=True):
        assert got == sorted(want), (name, before)


# --- robustness ------------------------------------------------------------------------------

HOSTILE = {
    "lt.msg": "<" * 1_000_000,
    "amp.msg": "&" * 1_000_000,
    "deep.msg.json": "[" * 1_000_000,
    "deep.msg.yaml": "- " * 500_000,
    "nul.msg": "a\x00" * 500_000,
    "astral.msg": "\U0001f600" * 250_000,
    "big.msg": "x" * 1_200_000,
}


def test_a_hostile_megabyte_is_answered_within_a_second(tmp_path: Path) -> None:
    async def scenario(s: Session) -> dict[str, float]:
        warm = tmp_path / "warm.msg"
        await s.diagnostics(s.open(warm, "hi"), 1)  # the worker has started
        took = {}
        for name, text in HOSTILE.items():
            start = time.perf_counter()
            await s.diagnostics(s.open(tmp_path / name, text), 1, timeout=30)
            took[name] = time.perf_counter() - start
        return took

    took = run(scenario)
    slow = {name: round(seconds, 3) for name, seconds in took.items() if seconds > 1.0}
    assert not slow


def test_a_later_edit_supersedes_a_slow_check(tmp_path: Path) -> None:
    slow = "segments:\n" + "- say: hi\n  language: xx\n" * 30000  # slow to place findings in
    path = tmp_path / "m.msg.yaml"

    async def scenario(s: Session) -> tuple[float, list[int | None]]:
        await s.diagnostics(s.open(tmp_path / "warm.msg", "hi"), 1)
        address = s.open(path, slow)
        await asyncio.sleep(0.3)  # the check of version 1 is under way
        start = time.perf_counter()
        s.change(address, 2, types.TextDocumentContentChangeWholeDocument(text="msg: a & b\n"))
        found = await s.diagnostics(address, 2, timeout=30)
        took = time.perf_counter() - start
        assert [d.code for d in found] == ["error_msg_invalid_xml"]
        await asyncio.sleep(0.5)
        return took, [p.version for _, p in s.published if p.uri == address]

    took, versions = run(scenario)
    assert took < 1.0
    # Version 1's findings never arrive after version 2's (nor at all, while its check is slow).
    assert 1 not in versions[versions.index(2) :]


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}


def test_a_slow_document_does_not_hold_up_another(tmp_path: Path) -> None:
    slow = "segments:\n" + "- say: hi\n  language: xx\n" * 30000

    async def scenario(s: Session) -> float:
        await s.diagnostics(s.open(tmp_path / "warm.msg", "hi"), 1)
        s.open(tmp_path / "slow.msg.yaml", slow)
        await asyncio.sleep(0.2)
        start = time.perf_counter()
        found = await s.diagnostics(s.open(tmp_path / "quick.msg", "a & b"), 1)
        assert [d.code for d in found] == ["error_msg_invalid_xml"]
        return time.perf_counter() - start

    assert run(scenario) < 1.0


class Raw:
    """The server over raw stdio, for messages no well-behaved client sends."""

    def __init__(self, cwd: Path) -> None:
        import queue
        import threading

        self.process = subprocess.Popen(
            SERVER,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        self.answers: queue.Queue[Any] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.process.stdout
        assert out is not None
        while True:
            header = out.readline()
            if not header:
                self.answers.put(None)
                return
            length = int(header.split(b":")[1])
            while out.readline().strip():
                pass
            self.answers.put(json.loads(out.read(length)))

    def send(self, message: Any) -> None:
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def answer(self) -> Any:
        while True:
            message = self.answers.get(timeout=20)
            if message is None or "method" not in message:  # skip notifications
                return message


def test_malformed_messages_get_json_rpc_errors(tmp_path: Path) -> None:
    raw = Raw(tmp_path)
    try:
        raw.send(INITIALIZE)
        assert raw.answer()["id"] == 1
        raw.send(b"{not json")
        assert raw.answer() == {"jsonrpc": "2.0", "error": {"code": -32700, "message": ANY}}
        raw.send(b"\xff\xfe not even UTF-8")
        assert raw.answer()["error"]["code"] == -32700
        raw.send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"x": 1}})
        answer = raw.answer()
        assert (answer["id"], answer["error"]["code"]) == (2, -32602)
        raw.send([1, 2])
        assert raw.answer()["error"]["code"] == -32600
        raw.send({"id": 3, "method": "shutdown"})  # no "jsonrpc": "2.0"
        answer = raw.answer()
        assert (answer["id"], answer["error"]["code"]) == (3, -32600)
        raw.send({"jsonrpc": "2.0", "id": 4, "method": "msgkit/nothing", "params": {}})
        answer = raw.answer()
        assert (answer["id"], answer["error"]["code"]) == (4, -32601)
        # still answering, and what it says is right
        raw.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {
                        "uri": uri(tmp_path / "m.msg"),
                        "languageId": "xml",
                        "version": 1,
                        "text": "a & b",
                    }
                },
            }
        )
        raw.send({"jsonrpc": "2.0", "id": 5, "method": "shutdown"})
        assert raw.answer() == {"jsonrpc": "2.0", "id": 5, "result": None}
        raw.send({"jsonrpc": "2.0", "method": "exit"})
        assert raw.process.wait(timeout=20) == 0
        assert raw.process.stderr is not None
        assert b"Traceback" not in raw.process.stderr.read()
    finally:
        raw.process.kill()


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


ANY = _Any()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("how", ["exit", "exit-without-shutdown", "stdin-closed"])
def test_the_server_and_its_workers_end(tmp_path: Path, how: str) -> None:
    raw = Raw(tmp_path)
    try:
        raw.send(INITIALIZE)
        raw.answer()
        address = uri(tmp_path / "m.msg")
        item = {"uri": address, "languageId": "x", "version": 1, "text": "a & b"}
        raw.send(
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
        )
        while raw.answers.get(timeout=20).get("method") != "textDocument/publishDiagnostics":
            pass
        workers = _children(raw.process.pid)
        assert workers  # the worker and its spare
        assert raw.process.stdin is not None
        if how == "exit":
            raw.send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
            raw.answer()
            raw.send({"jsonrpc": "2.0", "method": "exit"})
        elif how == "exit-without-shutdown":
            raw.send({"jsonrpc": "2.0", "method": "exit"})
        else:
            raw.process.stdin.close()
        code = raw.process.wait(timeout=20)
        assert code == (1 if how == "exit-without-shutdown" else 0)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers)
    finally:
        raw.process.kill()


# --- online checks ---------------------------------------------------------------------------


def test_online_checks_are_opt_in_and_merged_when_they_arrive(tmp_path: Path, httpserver) -> None:
    httpserver.expect_request("/missing.wav").respond_with_data("no", status=404)
    url = httpserver.url_for("/missing.wav")
    text = f'<url>{url}</url><speech language="fr">salut</speech>\n'  # offline: a warning
    path = tmp_path / "m.msg"
    path.write_text(text, encoding="utf-8")
    cache = tmp_path / "cache"

    async def offline(s: Session) -> list[types.Diagnostic]:
        found = await s.diagnostics(s.open(path), 1)
        await asyncio.sleep(1.0)
        assert len([p for _, p in s.published if p.uri == uri(path)]) == 1
        return found

    async def online(s: Session) -> list[list[types.Diagnostic]]:
        address = s.open(path)
        first = await s.diagnostics(address, 1)
        merged = await s.wait_published(address, 1, after=len(s.published))
        return [first, list(merged.diagnostics)]

    only_offline = run(offline)
    first, merged = run(
        online, options={"online": True, "allowPrivate": True, "cacheDir": str(cache)}
    )
    assert first == only_offline
    assert_same(text, only_offline, lint_json(tmp_path, path))
    records = lint_json(tmp_path, path, extra=("--online", "--allow-private", "--no-cache"))
    assert any(r["code"] == "error_msg_download_failed" for r in records)
    assert_same(text, merged, records)


# --- without the extra -----------------------------------------------------------------------


def test_without_the_lsp_extra_it_exits_2_saying_how_to_install(tmp_path: Path) -> None:
    blocked = "import sys; sys.modules['pygls'] = None; from msgkit.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", blocked, "server"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert 'pip install "msgkit[lsp]"' in done.stderr
    assert "Traceback" not in done.stderr


def test_server_is_a_listed_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "server" in result.output
    result = CliRunner().invoke(main, ["server", "--help"])
    assert result.exit_code == 0 and "Language Server Protocol" in result.output


def test_unusable_settings_are_shown_and_the_defaults_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.msgkit]\nmax-msg-lenght = 5\n", "utf-8")
    path = tmp_path / "m.msg"
    path.write_text("a & b\n", encoding="utf-8")

    async def scenario(s: Session) -> tuple[list[types.Diagnostic], list[str]]:
        found = await s.diagnostics(s.open(path), 1)
        return found, [m.message for m in s.messages]

    found, messages = run(scenario)
    assert [d.code for d in found] == ["error_msg_invalid_xml"]
    assert any("max-msg-lenght" in m and "defaults" in m for m in messages), messages


def test_select_and_severity_selectors(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.msgkit]\nselect = ["severity:warning", "error_msg_invalid_gender"]\n', "utf-8"
    )
    text = '<speech language="fr" gender="Male">x</speech><speech>x</speech>\n'
    path = tmp_path / "m.msg"
    path.write_text(text, encoding="utf-8")

    async def scenario(s: Session) -> list[types.Diagnostic]:
        return await s.diagnostics(s.open(path), 1)

    found = run(scenario)
    assert {d.code for d in found} == {
        "warning_msg_language_unverified",
        "error_msg_invalid_gender",
    }
    assert_same(text, found, lint_json(tmp_path, path))


def test_a_settings_change_rechecks_open_documents(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.msgkit]\n", "utf-8")
    path = tmp_path / "m.msg"
    path.write_text("a & b\n", encoding="utf-8")

    async def scenario(s: Session) -> tuple[list[types.Diagnostic], list[types.Diagnostic]]:
        address = s.open(path)
        before = await s.diagnostics(address, 1)
        pyproject.write_text('[tool.msgkit]\nignore = ["error_msg_invalid_xml"]\n', "utf-8")
        count = len(s.published)
        s.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(uri(pyproject), types.FileChangeType.Changed)]
            )
        )
        after = await s.wait_published(address, 1, after=count)
        return before, list(after.diagnostics)

    before, after = run(scenario)
    assert [d.code for d in before] == ["error_msg_invalid_xml"]
    assert after == []


def test_every_broken_example_gets_what_lint_reports(tmp_path: Path) -> None:
    # Copied out of the repository: its [tool.msgkit] excludes them.
    examples = sorted((ROOT / "examples" / "broken").iterdir())
    for example in examples:
        (tmp_path / example.name).write_bytes(example.read_bytes())

    async def scenario(s: Session) -> dict[str, list[types.Diagnostic]]:
        opened = {e.name: s.open(tmp_path / e.name) for e in examples}
        return {name: await s.diagnostics(address, 1) for name, address in opened.items()}

    published = run(scenario)
    records = lint_json(tmp_path, *(tmp_path / e.name for e in examples))
    for example in examples:
        mine = [r for r in records if Path(r["path"]).name == example.name]
        assert mine, example.name  # each example is broken
        text = example.read_bytes().decode("utf-8").removeprefix("\ufeff")
        assert_same(text, published[example.name], mine)
