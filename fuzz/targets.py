"""The fuzz targets: one per entry point that reads untrusted input, each with its invariants.

Every target holds its entry point to the project's promise: bad input gets a clear diagnostic
(the exceptions an entry point documents, and nothing else), in time linear in the input, and
what it writes back (markup, a fixed file, JSON) reads again. A target raises only when that
promise breaks; the fuzzer then saves the input as a crash.

msgkit is imported inside the functions, so that ``python -m fuzz`` can import it under the
fuzzer's coverage instrumentation first.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

from .support import Reader, Target, check, text_of

# --- markup ---------------------------------------------------------------------------------


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # how msgkit counts lines (not str.splitlines)


def _position_ok(text: str, line: int | None, column: int | None) -> bool:
    """A 1-based line and column that lie within ``text`` (or just after its end)."""
    if line is None:
        return column is None
    lines = _LINE_BREAK.split(text)
    if column is None or not 1 <= line <= len(lines):
        return False
    return 1 <= column <= len(lines[line - 1]) + 1


def parse_target(data: bytes) -> None:
    """``parse(str)``: a :class:`Message`, or ``MarkupError`` with a line and column inside the
    text; a parsed message renders to markup that parses back to the same message."""
    from msgkit import MarkupError, parse

    text = text_of(data)
    try:
        message = parse(text)
    except MarkupError as error:
        check(error.code == "error_msg_invalid_xml", f"MarkupError code {error.code!r}")
        check(
            error.line >= 1 and error.column >= 1,
            f"MarkupError at {error.line}:{error.column}",
        )
        return
    rendered = message.render()
    check(parse(rendered) == message, f"render() of {message!r} parses to another message")


def _parameters(text: str) -> tuple[str, dict[str, str]]:
    """The msg and, after U+001F separators, ``tag``, ``notify_url`` and ``monitor_notify_url``."""
    markup, *rest = text.split("\x1f", 3)
    names = ("tag", "notify_url", "monitor_notify_url")
    return markup, dict(zip(names, rest, strict=False))


def validate_target(data: bytes) -> None:
    """``validate(str, tag=, notify_url=, monitor_notify_url=)`` never raises; every diagnostic
    has a known code, a position inside the msg and a fix that lies inside it; and it reports
    a refusal of the markup exactly when ``parse`` refuses it."""
    from msgkit import CODES, MarkupError, Report, parse, validate

    markup, params = _parameters(text_of(data))
    report = validate(markup, **params)
    check(isinstance(report, Report), f"validate() returned {type(report).__name__}")
    for d in report.diagnostics:
        check(d.code in CODES, f"unknown code {d.code!r}")
        if d.field == "msg" and d.line is not None:
            check(_position_ok(markup, d.line, d.column), f"{d.code} at {d.line}:{d.column}")
        if d.offset is not None:
            check(0 <= d.offset <= len(markup), f"{d.code} at offset {d.offset}")
        if d.fix is not None:
            check(0 <= d.fix.start <= d.fix.end <= len(markup), f"{d.code} fix {d.fix}")
    try:
        parse(markup)
        parsed = True
    except MarkupError:
        parsed = False
    # Characters no msg may hold are error_malformed_params; the rest parse() refuses is
    # error_msg_invalid_xml.
    refused = {"error_msg_invalid_xml", "error_malformed_params"}
    invalid = any(d.code in refused and d.field == "msg" for d in report.diagnostics)
    check(parsed != invalid, f"parse() {'accepts' if parsed else 'refuses'} it, validate() not")


# --- message files --------------------------------------------------------------------------

_PATHS = {"msg": "fuzz.msg", "json": "fuzz.msg.json", "yaml": "fuzz.msg.yaml"}


def _check_findings(document: Any, findings: Any) -> None:
    from msgkit import CODES

    for f in findings:
        check(f.code in CODES, f"unknown code {f.code!r}")
        check(f.path == document.path, f"finding for {f.path!r}")
        if f.line is not None and document.text is not None:
            check(
                _position_ok(document.text, f.line, f.column),
                f"{f.code} at {f.line}:{f.column}",
            )
        if f.edit is not None:
            check(document.text is not None, f"{f.code}: an edit of an unreadable file")
            check(
                0 <= f.edit.start <= f.edit.end <= len(document.text),
                f"{f.code}: edit {f.edit.start}..{f.edit.end}",
            )


def _lint(kind: str) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        from msgkit import Config, Report
        from msgkit.documents import read_bytes
        from msgkit.lint import check_document, lint_text

        path = _PATHS[kind]
        document = read_bytes(data, kind, path)  # type: ignore[arg-type]
        checked = check_document(document, Config())
        _check_findings(document, checked.findings)
        if document.text is not None:
            report = lint_text(document.text, kind, path=path)  # type: ignore[arg-type]
            check(isinstance(report, Report), f"lint_text() returned {type(report).__name__}")
            check(
                len(report.diagnostics) == len(checked.findings),
                "lint_text() and check_document() disagree",
            )

    run.__doc__ = (
        f"A .msg{'' if kind == 'msg' else '.' + kind} file's bytes through the reader, the checks "
        "and lint_text: never an exception, every finding a known code at a position inside "
        "the file, every edit inside the file."
    )
    return run


_KINDS = ("msg", "json", "yaml")


def fix_target(data: bytes) -> None:
    """``--fix`` (the first byte picks .msg, .msg.json or .msg.yaml; the rest is the file): the
    fixed file reads with no new reading problem, leaves no more fixable findings than it found,
    and fixing it again changes nothing."""
    from msgkit import Config
    from msgkit.documents import read_bytes, read_text
    from msgkit.fixes import fix_document
    from msgkit.lint import check_document

    if not data:
        return
    kind = _KINDS[data[0] % 3]
    path = _PATHS[kind]
    document = read_bytes(data[1:], kind, path)  # type: ignore[arg-type]
    config = Config()
    outcome = fix_document(document, config)
    if not outcome.changed:
        return
    assert outcome.text is not None
    after = read_text(outcome.text, kind, path, bom=document.bom)  # type: ignore[arg-type]
    _check_findings(after, outcome.checked.findings)
    check(
        len(after.problems) <= len(document.problems),
        f"the fixed file has {len(after.problems)} reading problems, not {len(document.problems)}",
    )
    # Fixing one syntax error may reveal others (the parser reports one at a time), but what
    # --fix leaves fixable must not outnumber what it found fixable.
    before = check_document(document, config).findings
    fixable = sum(1 for f in before if f.edit is not None)
    left = sum(1 for f in outcome.checked.findings if f.edit is not None)
    check(left <= fixable, f"--fix left {left} fixable findings, not {fixable}")
    again = fix_document(after, config)
    check(not again.changed, f"a second --fix changes {outcome.text!r} to {again.text!r}")


# --- notifications --------------------------------------------------------------------------

_CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/json",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/json; charset=utf-8",
    "text/plain",
    "",
    "application/vnd.hoiio+json",
    "multipart/form-data; boundary=x",
)


def _check_notification(result: Any) -> None:
    from msgkit.notifications import Notification

    # Every block's notification (a plain BlockNotification for a block msgkit does not know)
    check(
        isinstance(result, Notification),
        f"parse_notification() returned {type(result).__name__}",
    )
    for name in ("session", "txn_ref", "call_state"):
        value = getattr(result, name)
        check(isinstance(value, str) and value, f"{name} is {value!r}")
    check(all(isinstance(v, str) for v in result.query.values()), "a query value not a str")


def notification_target(data: bytes) -> None:
    """``parse_notification(body, content_type, query)`` (the first byte picks the content type
    and the mode; after a ``\\x00\\x1f`` separator comes the query string): a notification with
    its required fields, or ``NotificationError``."""
    from msgkit.notifications import NotificationError, parse_notification

    if not data:
        return
    mode, rest = data[0], data[1:]
    body, _, query = rest.partition(b"\x00\x1f")
    content_type = _CONTENT_TYPES[mode % len(_CONTENT_TYPES)]
    query_fields = bool(mode & 0x08)
    signed = bool(mode & 0x10) and not query_fields
    as_text = bool(mode & 0x20)
    payload: bytes | str = text_of(body) if as_text else body
    try:
        result = parse_notification(
            payload,
            content_type,
            text_of(query),
            query_fields=query_fields,
            access_token="fuzz-token" if signed else None,
            signature=text_of(query) if signed else None,
        )
    except NotificationError:
        return
    _check_notification(result)


# --- audio ----------------------------------------------------------------------------------


def sniff_target(data: bytes) -> None:
    """The audio sniffer on a file as a server sends it, read as ``msgkit lint --online`` reads
    it: the first window, then a window from each ``NeedMore.offset`` (the first byte of the
    input picks the window's size and whether the file's size is known; the rest is the file).
    Never an exception; each ``NeedMore`` points forward or asks again for the same bytes; what
    it ends with describes itself. The file's first bytes as a Content-Type and a URL path go
    through the format guessers."""
    from msgkit.checks.audio import _advance
    from msgkit.checks.sniff import (
        AudioFacts,
        NeedMore,
        expected_format,
        format_of_content_type,
    )

    if not data:
        return
    window = 16 * (1 + (data[0] & 0x7F))  # 16 to 2048 bytes: structure beyond a window
    body = data[1:]
    size = len(body) if data[0] & 0x80 else None
    found = _advance(None, body[:window], 0, size)
    for _ in range(64):
        if not isinstance(found, NeedMore):
            break
        offset = found.offset
        check(offset >= 0, f"NeedMore at {offset}")
        if offset >= len(body):
            break  # past the end: the reader reports the file broken
        found = _advance(found, body[offset : offset + window], offset, size)
        if isinstance(found, NeedMore):
            check(found.offset >= offset, f"NeedMore went back from {offset} to {found.offset}")
            if found.offset == offset:
                break  # too few bytes to tell: the reader's budget ends this
    facts = found.partial if isinstance(found, NeedMore) else found
    check(isinstance(facts, AudioFacts), f"the sniffer gave {facts!r}")
    check(isinstance(facts.describe(), str), "describe() is not text")
    check(facts.sample_rate is None or facts.sample_rate > 0, f"rate {facts.sample_rate}")
    check(facts.channels is None or facts.channels > 0, f"channels {facts.channels}")
    text = text_of(body[:256])
    for guess in (format_of_content_type(text), expected_format(text)):
        check(guess is None or isinstance(guess, str), f"format guess {guess!r}")


# --- structured targets (hypothesis strategies decode the fuzzer's bytes) --------------------


def _hypothesis_target(build: Callable[[], Any]) -> Callable[[bytes], None]:
    """A target whose input a hypothesis strategy decodes: ``build`` returns the ``@given`` test
    (built on first use, so hypothesis loads only for these targets)."""
    test: Any = None

    def run(data: bytes) -> None:
        nonlocal test
        if test is None:
            test = build()
        test.hypothesis.fuzz_one_input(data)

    return run


_PATHS_SEEN = ("<stdin>", "a.msg", "/abs/b.msg.json", "C:\\w\\c.msg.yaml", "../x.msg", "")


def _findings(reader: Reader) -> list[Any]:
    import os

    from msgkit import CODES, Diagnostic, Severity
    from msgkit.documents import Edit, Finding

    codes = sorted(CODES)
    findings = []
    for _ in range(reader.byte() % 7):
        how = reader.byte() % 4
        if how == 0:
            path = reader.pick(_PATHS_SEEN)
        elif how == 1:  # a POSIX file name: any bytes but NUL
            path = os.fsdecode(reader.raw().replace(b"\0", b""))
        else:
            path = reader.text()
            if how == 3:
                path = "/" + path
        code = reader.pick(codes) if reader.byte() % 4 else reader.text(30)
        diagnostic = Diagnostic(
            code,
            reader.pick((Severity.ERROR, Severity.WARNING)),
            reader.text(),
            hint=reader.text() if reader.byte() % 2 else None,
            field=reader.pick(("msg", "tag", "notify_url", "params")),
        )
        line = column = end_line = end_column = None
        if reader.byte() % 4:
            line, column = 1 + reader.number(1000), 1 + reader.number(1000)
            if reader.byte() % 2:
                end_line, end_column = line + reader.byte() % 3, 1 + reader.number(1000)
        edit = None
        if reader.byte() % 4 == 0:
            edit = Edit(0, 1, "&amp;", reader.text(40), (), reader.text(10))
        findings.append(Finding(path, diagnostic, line, column, edit, end_line, end_column))
    return findings


def _is_text(value: str | None) -> bool:
    try:
        (value or "").encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def reporters_target(data: bytes) -> None:
    """Every output format on any findings with any file name (any bytes, lone surrogates,
    control characters): never an exception; JSON and SARIF parse and hold every finding, each
    SARIF result pointing at its rule; a GitHub workflow command is one line; and when the
    messages are text, the output is UTF-8 text whatever the file names."""
    from msgkit.documents import Document
    from msgkit.lint import Checked, LintResult
    from msgkit.reporters import FORMATS, report

    reader = Reader(data)
    fmt = reader.pick(sorted(FORMATS))
    color, quiet = bool(reader.byte() & 1), bool(reader.byte() & 1)
    findings = _findings(reader)
    by_path: dict[str, list[Any]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    checked = tuple(
        Checked(Document(path, "msg", text="x\n" * 3, markup="x"), tuple(items))
        for path, items in by_path.items()
    )
    out = io.StringIO()
    report(LintResult(checked), fmt, out, color=color, quiet=quiet)
    written = out.getvalue()
    # msgkit's own messages are text; a file name need not be, and must not stop the output
    # reaching a UTF-8 terminal, file or pipe.
    if all(_is_text(f.message) and _is_text(f.hint) and _is_text(f.code) for f in findings):
        edits = (f.edit.description for f in findings if f.edit is not None)
        if all(_is_text(d) for d in edits):
            try:
                written.encode("utf-8")
            except UnicodeEncodeError as error:
                check(False, f"{fmt}: output is not UTF-8 text: {error}")
    if fmt == "json":
        check(len(json.loads(written)) == len(findings), "json: a finding lost")
    elif fmt == "sarif":
        log = json.loads(written)
        results = log["runs"][0]["results"]
        rules = log["runs"][0]["tool"]["driver"]["rules"]
        check(len(results) == len(findings), "sarif: a finding lost")
        for r in results:
            check(rules[r["ruleIndex"]]["id"] == r["ruleId"], "sarif: wrong ruleIndex")
    elif fmt == "github":
        # The runner reads workflow commands line by line, at '\n' alone.
        lines = written.split("\n")[:-1]
        check(len(lines) == len(findings), "github: a finding is not one line")
        check(
            all(line.startswith(("::error ", "::warning ")) for line in lines),
            "github: a line that is not a workflow command",
        )


def _notification_fields_test() -> Any:
    from urllib.parse import urlencode

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from msgkit.notifications import NotificationError, parse_notification

    names = st.sampled_from(
        [
            "session",
            "txn_ref",
            "call_state",
            "from",
            "to",
            "dest",
            "tag",
            "ivr_block",
            "date",
            "duration",
            "currency",
            "rate",
            "debit",
            "monitor_status",
            "monitor_url",
            "x",
        ]
    )
    values = st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "S-1",
                "ongoing",
                "ended",
                "+6511111111",
                " 6511111111",
                "2026-12-01 06:00:00",
                "12",
                "-1",
                "0.05",
                "NaN",
                "1e999",
                "SGD",
                "monitor",
                "available",
                "https://example.com/r.mp3?Expires=1700000000",
                "https://example.com/r.mp3?Expires=99999999999999999999",
            ]
        ),
        st.integers().map(str),
        st.decimals(allow_nan=True).map(str),
    )

    @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck), max_examples=1)
    @given(
        st.dictionaries(names, values, max_size=12),
        st.sampled_from(["form", "json", "query"]),
    )
    def test(fields: dict[str, str], how: str) -> None:
        try:
            if how == "json":
                result = parse_notification(json.dumps(fields), "application/json")
            elif how == "form":
                result = parse_notification(urlencode(fields).encode(), "")
            else:
                result = parse_notification(b"", query=urlencode(fields), query_fields=True)
        except NotificationError:
            return
        _check_notification(result)

    return test


# --- faces that are landing: the request validator and the language server --------------------


def _request_params(text: str) -> dict[str, object]:
    """A request's parameters: a JSON object (its strings and numbers), or form pairs."""
    from urllib.parse import parse_qsl

    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            return {
                str(k): v
                for k, v in data.items()
                if isinstance(v, (str, int, float)) and not isinstance(v, bool)
            }
    return dict(parse_qsl(text, keep_blank_values=True))


def request_target(data: bytes) -> None:
    """``validate_request(block, params)`` (the first byte picks the block; the rest is a JSON
    object or a form body of parameters): a Report, never an exception; every diagnostic a
    known code."""
    from msgkit import CODES, Report
    from msgkit.blocks import block_names
    from msgkit.validation import validate_request

    if not data:
        return
    names = block_names()
    report = validate_request(names[data[0] % len(names)], _request_params(text_of(data[1:])))
    check(isinstance(report, Report), f"validate_request() returned {type(report).__name__}")
    for d in report.diagnostics:
        check(d.code in CODES, f"unknown code {d.code!r}")


_SERVER_DIR: str | None = None
_ENCODINGS = ("utf-16", "utf-8", "utf-32")


def server_target(data: bytes) -> None:
    """What the language server does with a buffer (the first byte picks the kind of file, an
    offset and the position encoding; the rest is the text, lone surrogates and all, as a JSON
    string may carry them): ``analyze`` places every problem inside the text, ``quick_fixes``
    and ``fix_all`` never raise and what fix-all writes is analysed in turn, completion answers
    at any offset, and every offset survives a round trip through an LSP position."""
    import tempfile

    from msgkit.server.analysis import analyze, fix_all, quick_fixes
    from msgkit.server.complete import suggest
    from msgkit.server.positions import LineIndex

    global _SERVER_DIR
    if _SERVER_DIR is None:  # no pyproject.toml above it: the defaults apply
        _SERVER_DIR = tempfile.mkdtemp(prefix="msgkit-fuzz-")
    if not data:
        return
    kind = _KINDS[data[0] % 3]
    path = f"{_SERVER_DIR}/{_PATHS[kind]}"
    text = text_of(data[1:])
    analysis = analyze(text, kind, path)  # type: ignore[arg-type]
    for p in analysis.problems:
        if p.start is not None:
            end = p.end if p.end is not None else p.start
            check(0 <= p.start <= end <= len(text), f"{p.code} at {p.start}..{p.end}")
    quick_fixes(text, kind, path, 0, len(text))  # type: ignore[arg-type]
    fixed = fix_all(text, kind, path)  # type: ignore[arg-type]
    if fixed is not None:  # its idempotence is --fix's, which the fix target holds to it
        for p in analyze(fixed, kind, path).problems:  # type: ignore[arg-type]
            check(p.start is None or 0 <= p.start <= len(fixed), f"{p.code} at {p.start}")
    at = (data[0] * 7919) % (len(text) + 1)
    suggestions = suggest(kind, text[:at])  # type: ignore[arg-type]
    check(isinstance(suggestions, list), "suggest() gave no list")
    index = LineIndex(text)
    encoding = _ENCODINGS[(data[0] >> 2) % 3]
    line, character = index.position(at, encoding)  # type: ignore[arg-type]
    back = index.offset(line, character, encoding)  # type: ignore[arg-type]
    # An offset between '\r' and '\n' maps to the end of the line the pair ends.
    check(back == at or text[back:at] == "\r", f"offset {at} comes back as {back}")


def _available(module: str, name: str) -> bool:
    """Whether msgkit has ``module`` defining ``name``, found without importing msgkit (which
    ``python -m fuzz`` must import under coverage instrumentation, later)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("msgkit")  # a top-level spec: msgkit is not imported
    if spec is None or not spec.submodule_search_locations:
        return False
    base = Path(next(iter(spec.submodule_search_locations)))
    source = base.joinpath(*module.split(".")[1:]).with_suffix(".py")
    return source.is_file() and f"def {name}(" in source.read_text(encoding="utf-8")


# --- the registry ---------------------------------------------------------------------------

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("parse", parse_target, "parse(): Message or MarkupError; render round-trips", "msg"),
        Target("validate", validate_target, "validate(): a Report, never raises", "msg"),
        Target("lint-msg", _lint("msg"), "a .msg file through the reader and checks", "msg"),
        Target("lint-json", _lint("json"), "a .msg.json file through the reader", "json"),
        Target("lint-yaml", _lint("yaml"), "a .msg.yaml file through the reader", "yaml"),
        Target("fix", fix_target, "--fix: output reads, fixes stay fixed, idempotent", "msg"),
        Target(
            "notification",
            notification_target,
            "parse_notification() on form, JSON and query bodies",
            "notification",
        ),
        Target("sniff", sniff_target, "the audio sniffer on downloaded bytes", "audio"),
        Target(
            "notification-fields",
            _hypothesis_target(_notification_fields_test),
            "parse_notification() on structured fields (hypothesis)",
            structured=True,
        ),
        Target(
            "reporters",
            reporters_target,
            "text/concise/JSON/GitHub/SARIF output of any finding and file name",
        ),
    )
}

# validate_request and the language server are fuzzed once they are part of msgkit (the checks
# import msgkit, so ``python -m fuzz`` imports this module after instrumenting msgkit).
if _available("msgkit.validation", "validate_request"):
    TARGETS["request"] = Target(
        "request", request_target, "validate_request(): a Report for any parameters", "json"
    )
if _available("msgkit.server.analysis", "analyze"):
    TARGETS["server"] = Target(
        "server", server_target, "the language server's analysis, fixes, completion, positions"
    )
