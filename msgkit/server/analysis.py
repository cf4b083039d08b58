"""What the server knows about one editor buffer, worked out by the engine ``msgkit lint`` uses.

Everything here is plain library code with no protocol in it: the text of a buffer and the path
of its file go in, findings placed at code-point offsets of that text come out, as picklable
values (the server runs this in a worker process it can stop). The settings are the ones
``msgkit lint`` would use for the file: ``[tool.msgkit]`` of the nearest ``pyproject.toml``,
with ``exclude``, per-file ignores, selectors, suppressions and ``max-msg-length``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents import MAX_FILE_BYTES, Document, Edit, Finding, Kind, read_bytes, read_stdin
from ..lint import (
    Checked,
    LintOptions,
    PathNotFoundError,
    check_document,
    collect,
    report_unused,
)
from ..settings import SettingsError, load_settings
from .positions import LineIndex

if TYPE_CHECKING:
    from ..checks.options import OnlineOptions

__all__ = [
    "Analysis",
    "Problem",
    "analyze",
    "analyze_online",
    "fix_all",
    "lint_options",
    "quick_fixes",
    "read_buffer",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """A finding as the editor shows it.

    ``line``, ``column``, ``end_line`` and ``end_column`` are msgkit's (1-based, code points, as
    ``msgkit lint --format json`` reports them); ``start`` and ``end`` are code-point offsets in
    the buffer's text (``None`` for a finding with no position). ``edit`` is the fix ``--fix``
    would make, its offsets in the buffer's text too.
    """

    code: str
    severity: str
    message: str
    hint: str | None
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    start: int | None
    end: int | None
    edit: Edit | None = None


@dataclass(frozen=True, slots=True)
class Analysis:
    """The problems of one version of a buffer; ``excluded`` when ``exclude`` skips its file,
    ``settings_error`` when its ``[tool.msgkit]`` cannot be used (then defaults apply)."""

    problems: tuple[Problem, ...] = ()
    excluded: bool = False
    settings_error: str | None = None


def lint_options(path: str) -> tuple[LintOptions, str | None]:
    """The options ``msgkit lint`` uses for the file at ``path`` (as ``cli/lint.py`` builds them
    from ``[tool.msgkit]``), and why the settings could not be read, if they could not."""
    from ..suppressions import PerFileIgnores

    try:
        settings = load_settings(Path(path).parent)
    except SettingsError as error:
        return LintOptions(), str(error)
    try:
        per_file = settings.get("per-file-ignores")
        options = LintOptions(
            config=settings.config(),
            exclude=tuple(settings.get("exclude", ())),
            root=settings.root,
            force_exclude=True,
            respect_gitignore=bool(settings.get("respect-gitignore", True)),
            per_file_ignores=(
                PerFileIgnores(per_file, settings.root or Path.cwd()) if per_file else None
            ),
            report_unused_ignores=bool(settings.get("report-unused-ignores", False)),
        )
    except ValueError as error:
        return LintOptions(), str(error)
    return options, None


def _excluded(path: str, options: LintOptions) -> bool:
    """Whether ``exclude`` skips the file, as ``msgkit lint --force-exclude FILE`` would."""
    if not options.exclude:
        return False
    try:
        return not collect([path], options)
    except (PathNotFoundError, OSError):
        return False  # not saved yet: no path for a pattern to match


def read_buffer(text: str, kind: Kind, path: str) -> Document:
    """Read an editor buffer as ``msgkit lint`` reads the file: from its UTF-8 bytes, so that
    a NUL, a byte-order mark or a buffer over the size limit is what it is in a file."""
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate is then invalid UTF-8
    if len(data) > MAX_FILE_BYTES:
        return read_stdin(data, kind=kind, path=path)
    return read_bytes(data, kind, path)


# The last few buffers checked, so that code actions on the version just analysed do not check
# it again. Keyed by path; the text is compared in full.
_RECENT: dict[str, tuple[str, Document, Checked, LintOptions]] = {}
_RECENT_SIZE = 8


def _check(
    text: str, kind: Kind, path: str, settings: tuple[LintOptions, str | None] | None = None
) -> tuple[Document, Checked, LintOptions, str | None]:
    recent = _RECENT.get(path)
    options, problem = settings or lint_options(path)
    if recent is not None and recent[0] == text and recent[3] == options:
        return recent[1], recent[2], options, problem
    document = read_buffer(text, kind, path)
    checked = check_document(document, options.config_for(path))
    if options.report_unused_ignores:
        checked = report_unused(checked, options)
    _RECENT.pop(path, None)
    _RECENT[path] = (text, document, checked, options)
    while len(_RECENT) > _RECENT_SIZE:
        _RECENT.pop(next(iter(_RECENT)))
    return document, checked, options, problem


def _placed(finding: Finding, index: LineIndex | None, shift: int) -> Problem:
    start = end = None
    if index is not None and finding.line is not None:
        start = index.msgkit_offset(finding.line, finding.column or 1) + shift
        if finding.end_line is not None and finding.end_column is not None:
            end = index.msgkit_offset(finding.end_line, finding.end_column) + shift
    edit = finding.edit
    if edit is not None and shift:
        edit = dataclasses.replace(edit, start=edit.start + shift, end=edit.end + shift)
    return Problem(
        finding.code,
        str(finding.severity),
        finding.message,
        finding.hint,
        finding.line,
        finding.column,
        finding.end_line,
        finding.end_column,
        start,
        end,
        edit,
    )


def _problems(document: Document, findings: Sequence[Finding]) -> tuple[Problem, ...]:
    # A byte-order mark is not part of the text msgkit counts in; it is in the buffer's.
    index = LineIndex(document.text) if document.text is not None else None
    shift = 1 if document.bom else 0
    return tuple(_placed(f, index, shift) for f in findings)


def analyze(text: str, kind: Kind, path: str) -> Analysis:
    """What ``msgkit lint`` reports for ``path`` if the file held ``text``."""
    options, problem = lint_options(path)
    if _excluded(path, options):
        return Analysis(excluded=True, settings_error=problem)
    document, checked, _, _ = _check(text, kind, path, (options, problem))
    return Analysis(_problems(document, checked.findings), settings_error=problem)


def analyze_online(text: str, kind: Kind, path: str, online: OnlineOptions) -> Analysis:
    """The findings ``msgkit lint --online`` adds for ``path`` if the file held ``text``:
    selected, and less what the file's suppression comments silence."""
    from ..checks.online import lint_pass

    options, problem = lint_options(path)
    if _excluded(path, options):
        return Analysis(excluded=True, settings_error=problem)
    document, checked, _, _ = _check(text, kind, path, (options, problem))
    config = options.config_for(path)
    found = [f for f in lint_pass(online)([checked], options) if config.wants(f.code, f.severity)]
    if found and document.kind == "yaml":
        from ..suppressions import directives, split

        directive_list = directives(document)
        if directive_list:
            found, _ = split(found, directive_list)
    return Analysis(_problems(document, found), settings_error=problem)


def _expected(document: Document, edit: Edit) -> Any:
    if document.kind == "msg":
        return edit.value
    data = copy.deepcopy(document.data)
    holder = data
    for step in edit.target[:-1]:
        holder = holder[step]
    holder[edit.target[-1]] = edit.value
    return data


_MAX_QUICK_FIXES = 100


def quick_fixes(text: str, kind: Kind, path: str, start: int, end: int) -> tuple[Problem, ...]:
    """The problems touching ``text[start:end]`` whose fix can be applied on its own: the file
    read again after it says exactly what the fix promises, and nothing more is wrong with it
    (the proof ``msgkit lint --fix`` asks of every fix)."""
    from ..fixes import apply_edits

    document, checked, _, _ = _check(text, kind, path)
    if document.text is None:
        return ()
    shift = 1 if document.bom else 0
    out: list[Problem] = []
    tries = 0
    for problem in _problems(document, checked.findings):
        if problem.edit is None or problem.start is None:
            continue
        last = problem.end if problem.end is not None else problem.start
        if last < start or problem.start > end:
            continue
        tries += 1
        if tries > _MAX_QUICK_FIXES:  # a menu, not a batch job: fix-all is there for the rest
            break
        edit = dataclasses.replace(
            problem.edit, start=problem.edit.start - shift, end=problem.edit.end - shift
        )
        after = read_bytes(apply_edits(document.text, [edit]).encode("utf-8"), kind, path)
        if len(after.problems) > len(document.problems):
            continue
        got = after.markup if kind == "msg" else after.data
        if got == _expected(document, edit):
            out.append(problem)
    return tuple(out)


def fix_all(text: str, kind: Kind, path: str) -> str | None:
    """The buffer as ``msgkit lint --fix`` would write it; ``None`` when nothing changes."""
    from ..fixes import fix_document

    document, _, options, _ = _check(text, kind, path)
    outcome = fix_document(document, options.config_for(path))
    if not outcome.changed or outcome.text is None:
        return None
    return ("\ufeff" if document.bom else "") + outcome.text
