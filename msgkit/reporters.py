"""Output formats of ``msgkit lint``: text, JSON, GitHub workflow commands and SARIF 2.1.0."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import Any, NamedTuple, TextIO

from ._version import __version__
from .diagnostics import CODES, Severity
from .documents import Document, Finding
from .lint import Checked, LintResult, Tally

__all__ = ["FORMATS", "Format", "report", "use_color"]

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


def _text(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    for finding in result.findings:
        where = finding.path
        if finding.line is not None:
            where += f":{finding.line}:{finding.column}"
        severity_color = "red" if finding.is_error else "yellow"
        out.write(
            f"{_style(where, color, bold=True)}: "
            f"{_style(finding.code, color, fg=severity_color, bold=True)} {finding.message}\n"
        )
        if finding.hint:
            out.write(f"  {_style('hint:', color, fg='cyan')} {finding.hint}\n")


def _text_summary(result: Tally, out: TextIO, color: bool, quiet: bool) -> None:
    if quiet:
        return
    files = result.files
    with_findings = result.files_with_findings
    if not result.findings:
        out.write(_style(f"All checked: {_plural(files, 'file')}, no problems.", color, fg="green"))
        out.write("\n")
        return
    fixable = result.fixable
    summary = (
        f"Found {_plural(result.errors, 'error')} and {_plural(result.warnings, 'warning')} "
        f"in {with_findings} of {_plural(files, 'file')}."
    )
    if fixable:
        summary += f" {fixable} fixable with --fix."
    out.write(summary + "\n")


def _record(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "code": finding.code,
        "severity": str(finding.severity),
        "message": finding.message,
        "hint": finding.hint,
        "field": finding.diagnostic.field,
        "fix": finding.edit.description if finding.edit is not None else None,
    }


def _json(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    import json  # here: the text format, the usual one, needs none of it

    json.dump([_record(f) for f in result.findings], out, ensure_ascii=False, indent=2)
    out.write("\n")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _github(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    for finding in result.findings:
        command = "error" if finding.is_error else "warning"
        properties = [f"file={_escape_property(finding.path)}"]
        if finding.line is not None:
            properties.append(f"line={finding.line}")
            properties.append(f"col={finding.column}")
        properties.append(f"title={_escape_property(finding.code)}")
        message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
        out.write(f"::{command} {','.join(properties)}::{_escape_data(message)}\n")


def _uri(path: str) -> dict[str, str]:
    """A SARIF artifact location: a URI reference (percent-encoded), relative where possible."""
    from urllib.parse import quote

    pure = PurePath(path)
    if not pure.is_absolute():
        return {"uri": quote(pure.as_posix()), "uriBaseId": "%SRCROOT%"}
    try:
        relative = Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _sarif(result: LintResult, out: TextIO, color: bool, quiet: bool) -> None:
    import json

    codes = list(CODES)
    for finding in result.findings:
        if finding.code not in CODES and finding.code not in codes:
            codes.append(finding.code)  # a plugin's code
    index = {code: i for i, code in enumerate(codes)}
    rules = []
    for code in codes:
        known = CODES.get(code)
        summary = known.summary if known else code
        level = "error" if known is None or known.severity is Severity.ERROR else "warning"
        rules.append(
            {
                "id": code,
                "name": code,
                "shortDescription": {"text": summary},
                "fullDescription": {"text": summary},
                "help": {"text": f"{summary} Run `msgkit explain {code}` for the details."},
                "defaultConfiguration": {"level": level},
                "properties": {"fixable": bool(known and known.fixable)},
            }
        )
    results = []
    for finding in result.findings:
        location: dict[str, Any] = {"artifactLocation": _uri(finding.path)}
        if finding.line is not None:
            location["region"] = {"startLine": finding.line, "startColumn": finding.column or 1}
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
    json.dump(log, out, ensure_ascii=False, indent=2)
    out.write("\n")


# Writes the findings of ``result`` to ``out``, given ``color`` and ``quiet``.
Reporter = Callable[[LintResult, TextIO, bool, bool], None]
Summary = Callable[[Tally, TextIO, bool, bool], None]


class Format(NamedTuple):  # not a dataclass: one fewer to build at start-up
    """How one output format is fed, so that memory does not grow with the number of files.

    ``each`` is called for every file as its result arrives, in order, with a one-file result
    whose document (its text) is still at hand; the document is dropped afterwards. A format
    that must see everything at once (one JSON document) has ``whole`` instead: it is called
    once, at the end, with every file's findings but none of their documents. ``summary``
    comes last, from the counts of the run.
    """

    each: Reporter | None = None
    whole: Reporter | None = None
    summary: Summary | None = None


FORMATS: dict[str, Format] = {
    "text": Format(each=_text, summary=_text_summary),
    "json": Format(whole=_json),
    "github": Format(each=_github),
    "sarif": Format(whole=_sarif),
}


def _findings_only(checked: Checked) -> Checked:
    document = checked.document
    return Checked(Document(document.path, document.kind), checked.findings)


def report(
    result: LintResult | Iterable[Checked],
    fmt: str,
    out: TextIO,
    *,
    color: bool = False,
    quiet: bool = False,
) -> Tally:
    """Write ``result`` to ``out`` in format ``fmt`` (one of :data:`FORMATS`); return its tally.

    ``result`` may be an iterator of checked files (:func:`msgkit.lint.lint_iter`): each is
    written, or its findings kept, as it arrives.
    """
    form = FORMATS[fmt]
    tally = Tally()
    kept: list[Checked] = []
    for checked in result.checked if isinstance(result, LintResult) else result:
        tally = tally.add(checked)
        if form.each is not None:
            form.each(LintResult((checked,)), out, color, quiet)
        if form.whole is not None and checked.findings:
            kept.append(_findings_only(checked))
    if form.whole is not None:
        form.whole(LintResult(tuple(kept)), out, color, quiet)
    if form.summary is not None:
        form.summary(tally, out, color, quiet)
    return tally
