"""Output formats of ``msgkit lint``: text (with the source, or concise), JSON, GitHub workflow
commands and SARIF 2.1.0.

The text formats are written one file at a time (:func:`write_text_file`), then a summary
(:func:`write_text_summary`), so a driver can stream them as files are checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, TextIO

from ._version import __version__
from .diagnostics import CODES, Severity, docs_url
from .documents import Document, Finding
from .lint import Checked, LintResult

if TYPE_CHECKING:
    from .snippet import LineIndex

__all__ = [
    "FORMATS",
    "Tally",
    "finding_record",
    "report",
    "rule_name",
    "use_color",
    "write_text_file",
    "write_text_summary",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/msgkit/msgkit"


def use_color(stream: TextIO) -> bool:
    """Colour only a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _style(text: str, color: bool, **styles: Any) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(path: str, *, controls: bool = False) -> str:
    """``path`` as text any UTF-8 stream takes. A file name's bytes that are not UTF-8 reach
    Python as lone surrogates, which no UTF-8 output can carry: they are shown as ``\\xff``.
    With ``controls``, control characters are escaped too, so that a file name cannot break a
    line of the report or drive the terminal."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = path.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate no file name's byte decodes to
            raw = path.encode("utf-8", "backslashreplace")
        path = raw.decode("utf-8", "backslashreplace")
    if controls:
        path = _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), path)
    return path


def _where(finding: Finding) -> str:
    where = _printable(finding.path, controls=True)
    if finding.line is not None:
        where += f":{finding.line}:{finding.column}"
    return where


def _headline(finding: Finding, color: bool) -> str:
    """``path:line:col: code severity: message``: the severity said, since a code's name need
    not be its severity (``error_msg_cannot_convert_text`` is a warning)."""
    colour = "red" if finding.is_error else "yellow"
    return (
        f"{_style(_where(finding), color, bold=True)}: "
        f"{_style(finding.code, color, fg=colour, bold=True)} "
        f"{_style(f'{finding.severity}:', color, fg=colour)} {finding.message}\n"
    )


_KEY_VALUE = re.compile(r"""(["']?)([\w\- ]+)\1\s*[:=]\s*["']?([^\s"',}&]+)""")


@lru_cache(maxsize=16)
def _mask_secrets(line: str) -> str:
    """``line`` with every secret msgkit recognises starred out, character for character (so
    columns still line up): output goes to CI logs, which must never carry a token.

    Kept for the lines last asked for: a long line with many findings is searched once."""
    from .documents.inspect import _SECRET_KEY, _SECRET_VALUE, _SECRET_WORDS

    if not _SECRET_WORDS.search(line):
        return line
    spans = [(m.end(1) + 1, m.end()) for m in _SECRET_VALUE.finditer(line)]
    spans += [(m.start(3), m.end(3)) for m in _KEY_VALUE.finditer(line) if _SECRET_KEY.search(m[2])]
    pieces: list[str] = []  # joined once: a long line can hold tens of thousands of secrets
    done = 0
    for start, end in sorted(spans):
        start = max(start, done)
        if end > start:
            pieces += (line[done:start], "*" * (end - start))
            done = end
    pieces.append(line[done:])
    return "".join(pieces)


def _source_lines(finding: Finding, lines: LineIndex | None, color: bool) -> tuple[str, str]:
    """The source block of a finding (empty when it has no place to show) and the gutter's
    padding."""
    if lines is None or finding.line is None or finding.column is None:
        return "", " "
    source = lines.line(finding.line)
    if source is None:
        return "", " "
    source = _mask_secrets(source)
    end_column = finding.end_column if finding.end_line == finding.line else None
    if finding.end_line is not None and finding.end_line > finding.line:
        end_column = len(source) + 1  # to the end of this line
    from .snippet import snippet

    shown = snippet(source, finding.column, end_column)
    number = str(finding.line)
    pad = " " * len(number)
    bar = _style("|", color, fg="blue", bold=True)
    colour = "red" if finding.is_error else "yellow"
    carets = _style("^" * shown.width, color, fg=colour, bold=True)
    block = (
        f"{pad} {bar}\n"
        f"{_style(number, color, fg='blue', bold=True)} {bar} {shown.text}\n"
        f"{pad} {bar} {' ' * shown.caret}{carets}\n"
        f"{pad} {bar}\n"
    )
    return block, pad


def write_text_file(checked: Checked, out: TextIO, *, color: bool, concise: bool = False) -> None:
    """The findings of one file: each with its source line and carets, or one line each
    (``concise``), hints below."""
    lines: LineIndex | None = None
    text = checked.document.text
    for finding in checked.findings:
        out.write(_headline(finding, color))
        hint = _style("hint:", color, fg="cyan")
        if concise:
            if finding.hint:
                out.write(f"  {hint} {finding.hint}\n")
            continue
        if lines is None and text is not None:
            from .snippet import LineIndex  # here: a clean file needs none of it

            lines = LineIndex(text)
        block, pad = _source_lines(finding, lines, color)
        out.write(block)
        if finding.hint:
            out.write(f"{pad} = {hint} {finding.hint}\n")
        out.write("\n")


@dataclass(slots=True)
class Tally:
    """What the summary line counts, added up file by file."""

    files: int = 0
    with_findings: int = 0
    errors: int = 0
    warnings: int = 0
    fixable: int = 0

    def add(self, checked: Checked) -> None:
        self.files += 1
        if checked.findings:
            self.with_findings += 1
        for finding in checked.findings:
            if finding.is_error:
                self.errors += 1
            else:
                self.warnings += 1
            if finding.edit is not None:
                self.fixable += 1


def write_text_summary(tally: Tally, out: TextIO, *, color: bool, fixed: bool = False) -> None:
    """The closing line. After ``--fix`` (``fixed``) what could be fixed was, so the line does
    not offer it again."""
    if not tally.errors and not tally.warnings:
        message = f"All checked: {_plural(tally.files, 'file')}, no problems."
        out.write(_style(message, color, fg="green") + "\n")
        return
    summary = (
        f"Found {_plural(tally.errors, 'error')} and {_plural(tally.warnings, 'warning')} "
        f"in {tally.with_findings} of {_plural(tally.files, 'file')}."
    )
    if tally.fixable and not fixed:
        summary += f" {tally.fixable} fixable with --fix."
    out.write(summary + "\n")


def _text(
    result: LintResult,
    out: TextIO,
    color: bool,
    quiet: bool,
    *,
    concise: bool = False,
    fixed: bool = False,
) -> None:
    tally = Tally()
    for checked in result.checked:
        write_text_file(checked, out, color=color, concise=concise)
        tally.add(checked)
    if not quiet:
        write_text_summary(tally, out, color=color, fixed=fixed)


def _concise(
    result: LintResult, out: TextIO, color: bool, quiet: bool, *, fixed: bool = False
) -> None:
    _text(result, out, color, quiet, concise=True, fixed=fixed)


def finding_record(finding: Finding) -> dict[str, Any]:
    """A finding as the JSON formats write it (``msgkit lint`` and ``msgkit submit``)."""
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "code": finding.code,
        "severity": str(finding.severity),
        "message": finding.message,
        "hint": finding.hint,
        "field": finding.diagnostic.field,
        "fix": finding.edit.description if finding.edit is not None else None,
    }


def _dump(value: Any, out: TextIO) -> None:
    """``value`` as JSON that is valid UTF-8 whatever it holds: a lone surrogate (a file name
    that is not UTF-8 reaches msgkit as those) is written as its ``\\uXXXX`` escape, which
    reads back as the same string."""
    import json  # here: the text formats, the usual ones, need none of it

    text = json.dumps(value, ensure_ascii=False, indent=2)
    if not text.isascii():
        text = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)
    out.write(text)
    out.write("\n")


def _json(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    _dump([finding_record(f) for f in result.findings], out)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    for finding in result.findings:
        command = "error" if finding.is_error else "warning"
        properties = [f"file={_escape_property(_printable(finding.path))}"]
        if finding.line is not None:
            properties.append(f"line={finding.line}")
            properties.append(f"col={finding.column}")
        properties.append(f"title={_escape_property(finding.code)}")
        message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
        out.write(f"::{command} {','.join(properties)}::{_escape_data(message)}\n")


def _quote(path: str) -> str:
    """``path`` percent-encoded as a URI path: a file name's bytes that are not UTF-8 (lone
    surrogates here) as the bytes they were."""
    from urllib.parse import quote as plain

    try:
        return plain(path, errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name's byte decodes to
        return plain(path, errors="backslashreplace")


def _uri(path: str) -> dict[str, str]:
    """A SARIF artifact location: a URI reference (percent-encoded), relative where possible."""
    pure = PurePath(path)
    if not pure.is_absolute():
        return {"uri": _quote(pure.as_posix()), "uriBaseId": "%SRCROOT%"}
    try:
        relative = Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        try:
            return {"uri": Path(path).as_uri()}
        except UnicodeEncodeError:  # a surrogate no file name's byte decodes to
            return {"uri": "file://" + _quote(pure.as_posix())}
    return {"uri": _quote(relative), "uriBaseId": "%SRCROOT%"}


def rule_name(code: str) -> str:
    """A code as a SARIF rule's name: CamelCase (``error_msg_invalid_xml`` is
    ``ErrorMsgInvalidXml``), distinct from the id, as SARIF asks of a readable name."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", code) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name and name != code else f"Rule{name or 'Unnamed'}"


def _rule(code: str, severity: Severity | None) -> dict[str, Any]:
    known = CODES.get(code)
    summary = known.summary if known else f"{code}, reported by a plugin."
    if known is not None:
        severity = known.severity
    rule: dict[str, Any] = {
        "id": code,
        "name": rule_name(code),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": f"{summary} Run `msgkit explain {code}` for the details."},
        "defaultConfiguration": {"level": "warning" if severity is Severity.WARNING else "error"},
        "properties": {"fixable": bool(known and known.fixable)},
    }
    url = docs_url(code)
    if url is not None:
        rule["helpUri"] = url
        rule["help"]["markdown"] = f"{summary} See [{code}]({url})."
    return rule


def _sarif(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    codes: dict[str, Severity | None] = dict.fromkeys(CODES)
    for finding in result.findings:
        codes.setdefault(finding.code, finding.severity)  # a plugin's code
    index = {code: i for i, code in enumerate(codes)}
    rules = [_rule(code, severity) for code, severity in codes.items()]
    results = []
    uris: dict[str, dict[str, str]] = {}  # worked out once per file, not once per finding
    for finding in result.findings:
        uri = uris.get(finding.path)
        if uri is None:
            uri = uris[finding.path] = _uri(finding.path)
        location: dict[str, Any] = {"artifactLocation": uri}
        if finding.line is not None:
            region = {"startLine": finding.line, "startColumn": finding.column or 1}
            if finding.end_line is not None and finding.end_column is not None:
                region["endLine"] = finding.end_line
                region["endColumn"] = finding.end_column
            location["region"] = region
        text = finding.message + (f" ({finding.hint})" if finding.hint else "")
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": "error" if finding.is_error else "warning",
                "message": {"text": text},
                "locations": [{"physicalLocation": location}],
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "msgkit",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    _dump(log, out)


Reporter = Callable[[LintResult, TextIO, bool, bool], None]

FORMATS: dict[str, Reporter] = {
    "text": _text,
    "concise": _concise,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
}
_TEXT_FORMATS = {"text": False, "concise": True}


# Besides the text formats, the one written file by file as results arrive; the others (json,
# sarif) are written once at the end, from every file's findings but none of the documents.
_EACH: dict[str, Reporter] = {"github": _github}


def report(
    result: LintResult | Iterable[Checked],
    fmt: str,
    out: TextIO,
    *,
    color: bool = False,
    quiet: bool = False,
    fixed: bool = False,
) -> Tally:
    """Write ``result`` to ``out`` in format ``fmt`` (one of :data:`FORMATS`); return its tally.
    ``fixed``: the result is what ``--fix`` left, so the summary offers no fixes.

    ``result`` may be an iterator of checked files (:func:`msgkit.streaming.lint_stream`): the text
    formats and ``github`` write each file as it arrives, and its document is dropped after;
    ``json`` and ``sarif`` keep the findings (not the documents) for the one document they write
    at the end. Memory does not grow with the number of files.
    """
    concise = _TEXT_FORMATS.get(fmt)
    each = _EACH.get(fmt)
    tally = Tally()
    kept: list[Checked] = []
    for checked in result.checked if isinstance(result, LintResult) else result:
        tally.add(checked)
        if concise is not None:
            write_text_file(checked, out, color=color, concise=concise)
        elif each is not None:
            each(LintResult((checked,)), out, color, quiet)
        elif checked.findings:
            kept.append(_findings_only(checked))
    if concise is not None:
        if not quiet:
            write_text_summary(tally, out, color=color, fixed=fixed)
    elif each is None:
        FORMATS[fmt](LintResult(tuple(kept)), out, color, quiet)
    return tally


def _findings_only(checked: Checked) -> Checked:
    document = checked.document
    return Checked(Document(document.path, document.kind), checked.findings)
