"""msgkit's findings, fixes and suggestions in the protocol's terms (lsprotocol types)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

from ..diagnostics import docs_url
from .analysis import Problem
from .complete import Suggestion
from .positions import Encoding, LineIndex

__all__ = ["SOURCE", "diagnostic", "minimal_edit", "span", "suggestion", "text_range"]

SOURCE = "msgkit"

# Where a finding that says only where it starts ends: a tag, an entity, a word, else one
# character (never past its line).
_TOKEN = re.compile(r"<[^<>\r\n]{0,200}>?|&[#\w]{0,32};?|[^\s<>&\"',]{1,200}|[^\r\n]")

_SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
_KIND = {
    "element": types.CompletionItemKind.Class,
    "attribute": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.EnumMember,
    "key": types.CompletionItemKind.Field,
}


def text_range(index: LineIndex, start: int, end: int, encoding: Encoding) -> types.Range:
    (a, b), (c, d) = index.position(start, encoding), index.position(end, encoding)
    return types.Range(types.Position(a, b), types.Position(c, d))


def span(problem: Problem, index: LineIndex) -> tuple[int, int]:
    """The code-point offsets a problem covers in the buffer."""
    if problem.start is None:
        return 0, len(index.line_text(0))  # the whole first line: the file as a whole
    if problem.end is not None and problem.end > problem.start:
        return problem.start, problem.end
    token = _TOKEN.match(index.text, problem.start)
    return problem.start, token.end() if token is not None else problem.start


def diagnostic(problem: Problem, index: LineIndex, encoding: Encoding) -> types.Diagnostic:
    start, end = span(problem, index)
    href = docs_url(problem.code)
    message = problem.message + (f"\n{problem.hint}" if problem.hint else "")
    return types.Diagnostic(
        range=text_range(index, start, end, encoding),
        message=message,
        severity=_SEVERITY.get(problem.severity, types.DiagnosticSeverity.Error),
        code=problem.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        data={"fix": problem.edit.description} if problem.edit is not None else None,
    )


def minimal_edit(before: str, after: str) -> tuple[int, int, str]:
    """One replacement turning ``before`` into ``after``: (start, end in ``before``, text),
    with the common head and tail left alone so the editor keeps the cursor and folds."""
    limit = min(len(before), len(after))
    head = 0
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    # Never split a \r\n pair: the editor would see a line break appear or vanish.
    if 0 < head < len(before) and before[head - 1] == "\r" and before[head] == "\n":
        head -= 1
    return head, len(before) - tail, after[head : len(after) - tail]


def suggestion(
    item: Suggestion, index: LineIndex, cursor: int, encoding: Encoding
) -> types.CompletionItem:
    return types.CompletionItem(
        label=item.label,
        kind=_KIND[item.what],
        detail=item.detail or None,
        text_edit=types.TextEdit(
            range=text_range(index, cursor - item.replace, cursor, encoding),
            new_text=item.insert,
        ),
    )


def diagnostics(
    problems: Sequence[Problem], index: LineIndex, encoding: Encoding
) -> list[types.Diagnostic]:
    return [diagnostic(p, index, encoding) for p in problems]
