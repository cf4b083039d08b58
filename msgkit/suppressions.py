"""Telling ``msgkit lint`` "not here": per-file ignores and ``# msgkit: ignore`` comments.

``per-file-ignores`` in ``[tool.msgkit]`` maps globs to selectors (codes, prefixes,
``severity:warning``) that are not reported in the files the glob matches. In YAML documents, a
comment ``# msgkit: ignore[CODE, ...]`` suppresses those selectors on its own line, or, alone
on its line, on the next line that is not a comment; ``# msgkit: ignore`` with no list
suppresses everything there. A comment on the line where a value starts covers the whole
value (a block scalar, a ``segments`` list). ``.msg`` files and JSON have no comments.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config import matches, selector_problem
from .diagnostics import CODES, Diagnostic
from .documents import Document, Finding
from .markup import line_column

__all__ = ["UNUSED", "Directive", "PerFileIgnores", "directives", "split", "unused"]

UNUSED = "warning_unused_ignore"

# --- per-file-ignores -------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression over a /-separated relative path.

    ``*`` and ``?`` stay within one path segment, ``**`` crosses segments (``**/`` matches zero
    or more directories) and ``[...]`` is a character class (``[!...]`` negated).
    """
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", i + 2 if pattern.startswith("[!", i) else i + 1)
            if close < 0:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : close]
                negate = body.startswith("!")
                members = re.escape(body[1:] if negate else body).replace("\\-", "-")
                out.append(f"[{'^' if negate else ''}{members}]")
                i = close + 1
                continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


@dataclass(frozen=True, slots=True)
class PerFileIgnores:
    """``per-file-ignores``: (glob, selectors) pairs; globs are relative to ``root``.

    A glob without ``/`` matches the name of the file or of any directory it is in; one with
    ``/`` matches the path from ``root`` (a leading ``/`` is allowed) of the file or of a
    directory it is in, so ``examples/broken`` covers every file below it.
    """

    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()
    root: Path | None = None

    def __post_init__(self) -> None:
        for pattern, selectors in self.rules:
            if not pattern.strip().strip("/"):
                raise ValueError(f"per-file-ignores: the glob {pattern!r} matches nothing")
            for selector in selectors:
                problem = selector_problem(selector)
                if problem is not None:
                    raise ValueError(f"per-file-ignores {pattern!r}: {problem}")

    def selectors(self, path: str) -> tuple[str, ...]:
        """The selectors not to report in the file at ``path`` (as shown, or absolute)."""
        if not self.rules or path.startswith("<"):  # standard input has no path to match
            return ()
        absolute = Path(path).resolve()
        relative: str | None = None
        if self.root is not None:
            try:
                relative = absolute.relative_to(self.root.resolve()).as_posix()
            except ValueError:
                relative = None
        else:
            try:
                relative = absolute.relative_to(Path.cwd().resolve()).as_posix()
            except ValueError:
                relative = None
        parts = relative.split("/") if relative is not None else [absolute.name]
        found: list[str] = []
        for pattern, selectors in self.rules:
            if _matches_path(pattern, parts, relative is not None):
                found.extend(selectors)
        return tuple(dict.fromkeys(found))


def _matches_path(pattern: str, parts: list[str], anchored_ok: bool) -> bool:
    only_directories = pattern.endswith("/")
    stripped = pattern.strip("/")
    regex = _glob(stripped)
    if "/" not in stripped:
        names = parts[:-1] if only_directories else parts
        return any(regex.match(name) for name in names)
    if not anchored_ok:
        return False
    last = len(parts) - 1 if only_directories else len(parts)
    return any(regex.match("/".join(parts[:end])) for end in range(1, last + 1))


# --- inline suppression comments -------------------------------------------------------------

_DIRECTIVE = re.compile(r"(?<![^\s])#[ \t]*msgkit[ \t]*:[ \t]*(?P<rest>[^\r\n]*)")
_IGNORE = re.compile(r"ignore(?:\[(?P<codes>[^\]\r\n]*)\])?(?=\s|$)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Directive:
    """One ``# msgkit:`` comment: where it is, what it suppresses, and the lines it covers.

    ``selectors`` is ``None`` for ``# msgkit: ignore`` (everything) and ``()`` for a comment
    that is not a directive msgkit knows (reported with ``--report-unused-ignores``).
    """

    line: int
    column: int
    end_column: int
    offset: int
    selectors: tuple[str, ...] | None
    covers: tuple[tuple[int, int], ...]
    problem: str | None = None

    def covers_line(self, line: int | None) -> bool:
        return line is not None and any(first <= line <= last for first, last in self.covers)

    def suppresses(self, finding: Finding) -> bool:
        if not self.covers_line(finding.line):
            return False
        if self.selectors is None:
            return True
        return matches(self.selectors, finding.code, finding.severity)


def directives(document: Document) -> tuple[Directive, ...]:
    """The ``# msgkit:`` comments of a YAML document (other kinds have no comments)."""
    text = document.text
    if document.kind != "yaml" or text is None or "msgkit" not in text:
        return ()
    root = getattr(document.tree, "root", None)
    scalars = _scalar_spans(text, root) if root is not None else None
    found = [m for m in _DIRECTIVE.finditer(text) if not _inside(scalars, m.start())]
    if not found:
        return ()
    lines = _LINE_BREAK.split(text)
    values = _value_lines(text, root) if root is not None else {}
    out: list[Directive] = []
    for match in found:
        line, column = line_column(text, match.start())
        rest = match.group("rest").rstrip()
        end_column = column + len(match.group()) - (len(match.group("rest")) - len(rest))
        selectors, problem = _parse(rest)
        own_line = not lines[line - 1][: column - 1].strip()
        target = _next_code_line(lines, line) if own_line else line
        covers: tuple[tuple[int, int], ...] = ()
        if target is not None:
            covers = ((target, max(target, values.get(target, target))),)
        out.append(Directive(line, column, end_column, match.start(), selectors, covers, problem))
    return tuple(out)


def _parse(rest: str) -> tuple[tuple[str, ...] | None, str | None]:
    """(selectors, problem) of the text after ``# msgkit:``."""
    ignore = _IGNORE.match(rest)
    if ignore is None:
        return (), f"'# msgkit: {rest}' is not a msgkit directive"
    codes = ignore.group("codes")
    if codes is None:
        return None, None
    selectors = tuple(s for s in re.split(r"[\s,]+", codes) if s)
    if not selectors:
        return (), "'# msgkit: ignore[]' names nothing to ignore"
    for selector in selectors:
        problem = selector_problem(selector)
        if problem is not None:
            return (), problem
    return selectors, None


def _next_code_line(lines: list[str], line: int) -> int | None:
    """The first line after ``line`` (1-based) that is neither blank nor only a comment."""
    for number in range(line + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _nodes(root: Any) -> Iterator[tuple[Any, Any]]:
    """(key, value) pairs of every mapping below ``root``, and (None, item) for each item of a
    sequence."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.id == "mapping":
            for key, value in node.value:
                yield key, value
                stack.append(value)
        elif node.id == "sequence":
            for item in node.value:
                yield None, item
                stack.append(item)


def _last_line(text: str, node: Any) -> int:
    """The 1-based line a node's last character is on: a block collection's end mark is the
    next token's, past the white space that ends the collection."""
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return line_column(text, end - 1)[0]


def _line_of(text: str, node: Any) -> int:
    return line_column(text, int(node.start_mark.index))[0]


def _value_lines(text: str, root: Any) -> dict[int, int]:
    """For each line a value (or its key) starts on, the last line of the longest such value."""
    last: dict[int, int] = {}
    for key, value in _nodes(root):
        end = _last_line(text, value)
        # Lines as positions count them (YAML's own marks also break lines at U+2028).
        starts = {_line_of(text, key)} if key is not None else set()
        if key is None or value.id == "scalar":  # not a list's first line: its first item's
            starts.add(_line_of(text, value))
        for line in starts:
            if end > last.get(line, 0):
                last[line] = end
    return last


def _scalar_spans(text: str, root: Any) -> list[tuple[int, int]]:
    """Where the scalars' text is. A block scalar's starts on the line after its ``|`` or
    ``>``: a comment may follow the indicator."""
    nodes = [node for pair in _nodes(root) for node in pair if node is not None]
    spans = set()
    for node in (root, *nodes):
        if node.id != "scalar":
            continue
        start, end = int(node.start_mark.index), int(node.end_mark.index)
        if node.style in ("|", ">"):
            found = _LINE_BREAK.search(text, start, end)
            start = found.end() if found is not None else end
        spans.add((start, end))
    return sorted(spans)


def _inside(spans: list[tuple[int, int]] | None, offset: int) -> bool:
    """Whether ``offset`` is in a scalar (a ``#`` there is text, not a comment)."""
    if not spans:
        return False
    i = bisect_right(spans, (offset, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= offset < spans[i][1]


def split(
    findings: Iterable[Finding], found: Sequence[Directive]
) -> tuple[list[Finding], list[Finding]]:
    """(kept, suppressed): the findings no directive covers, and those one does."""
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    covering = _by_line(found)  # a file can hold thousands of both: no pairwise search
    for finding in findings:
        nearby = covering.get(finding.line) if finding.line is not None else None
        if nearby and any(d.suppresses(finding) for d in nearby):
            suppressed.append(finding)
        else:
            kept.append(finding)
    return kept, suppressed


def _by_line(found: Sequence[Directive]) -> dict[int, list[Directive]]:
    """The directives that cover each line."""
    covering: dict[int, list[Directive]] = {}
    for directive in found:
        for line in _lines(directive):
            covering.setdefault(line, []).append(directive)
    return covering


def _lines(directive: Directive) -> Iterator[int]:
    for first, last in directive.covers:
        yield from range(first, last + 1)


def unused(path: str, found: Sequence[Directive], suppressed: Sequence[Finding]) -> list[Finding]:
    """A ``warning_unused_ignore`` for each directive, or part of one, that suppressed nothing."""
    out: list[Finding] = []
    on_line: dict[int, list[Finding]] = {}
    for finding in suppressed:
        if finding.line is not None:
            on_line.setdefault(finding.line, []).append(finding)
    for directive in found:
        here = [f for line in dict.fromkeys(_lines(directive)) for f in on_line.get(line, ())]
        if directive.problem is not None:
            message = f"{directive.problem}; it suppresses nothing"
            hint = "write # msgkit: ignore[CODE, ...] or # msgkit: ignore"
        elif directive.selectors is None:
            if here:
                continue
            message = "unused suppression: nothing is reported here"
            hint = "remove the comment"
        else:
            idle = [
                s
                for s in directive.selectors
                if not any(matches((s,), f.code, f.severity) for f in here)
            ]
            if not idle:
                continue
            names = ", ".join(idle)
            message = (
                f"unused suppression: {names} {'is' if len(idle) == 1 else 'are'} not reported here"
            )
            hint = (
                "remove the comment"
                if len(idle) == len(directive.selectors)
                else f"remove {names} from it"
            )
        if not directive.covers:
            message += " (the comment is followed by no line to apply to)"
        diagnostic = Diagnostic(
            UNUSED,
            CODES[UNUSED].severity,
            message,
            directive.line,
            directive.column,
            hint,
            "document",
            directive.offset,
        )
        out.append(
            Finding(
                path,
                diagnostic,
                directive.line,
                directive.column,
                end_line=directive.line,
                end_column=directive.end_column,
            )
        )
    return out
