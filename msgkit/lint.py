"""Linting message files: collect documents, check each, run any extra passes, report.

The command line is a thin layer over :func:`lint`. Extra passes (online checks, say) see every
checked document at once, after the per-file checks, and add findings of their own.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .checks.offline import check_params
from .config import Config
from .diagnostics import Report
from .documents import (
    SUFFIXES,
    Document,
    Edit,
    Finding,
    Kind,
    kind_of,
    read_path,
    read_stdin,
    read_text,
)
from .documents.read import STDIN_NAME as STDIN_NAME
from .errors import MsgkitError
from .validation import document_request, validate

if TYPE_CHECKING:
    from .suppressions import PerFileIgnores

__all__ = [
    "STDIN",
    "Checked",
    "Edit",
    "Finding",
    "LintOptions",
    "LintResult",
    "NoMessageFilesError",
    "Pass",
    "PathNotFoundError",
    "check_document",
    "collect",
    "lint",
    "lint_text",
]

STDIN = "-"

# Directories never worth recursing into: version control, environments, caches.
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
)


class PathNotFoundError(MsgkitError):
    """A path named on the command line does not exist (a usage error, not a finding)."""


class NoMessageFilesError(MsgkitError):
    """Directories named to lint that hold no message file to lint: empty, or everything in
    them excluded or ignored (a usage error unless ``allow_empty``)."""

    def __init__(self, empty: Sequence[str]) -> None:
        self.empty = tuple(empty)
        super().__init__("; ".join(empty))


@dataclass(frozen=True, slots=True)
class LintOptions:
    """What to lint and how. ``root`` is the directory ``exclude`` patterns are relative to.

    ``per_file_ignores`` drops selected codes in the files its globs match;
    ``report_unused_ignores`` reports ``# msgkit: ignore`` comments that suppress nothing.
    ``allow_empty=False`` makes a path that yields no message file a
    :class:`NoMessageFilesError`; either way the result lists such paths in ``empty``.
    """

    config: Config = field(default_factory=Config)
    exclude: tuple[str, ...] = ()
    root: Path | None = None
    force_exclude: bool = False
    respect_gitignore: bool = True
    per_file_ignores: PerFileIgnores | None = None
    report_unused_ignores: bool = False
    allow_empty: bool = True

    def config_for(self, path: str) -> Config:
        """The :class:`Config` for the file at ``path``: ``config`` plus its per-file ignores."""
        if self.per_file_ignores is None or not self.per_file_ignores.rules:
            return self.config
        return _with_ignores(self.config, self.per_file_ignores.selectors(path))


@lru_cache(maxsize=64)
def _with_ignores(config: Config, extra: tuple[str, ...]) -> Config:
    # One Config per distinct set of ignores, so the checks' per-Config caches keep working.
    if not extra:
        return config
    return replace(config, ignore=tuple(dict.fromkeys((*config.ignore, *extra))))


@dataclass(frozen=True, slots=True)
class Checked:
    """A document and what linting found in it, in file order; ``suppressed`` are the findings
    a ``# msgkit: ignore`` comment in it silenced."""

    document: Document
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()

    @property
    def path(self) -> str:
        return self.document.path


@dataclass(frozen=True, slots=True)
class LintResult:
    """What linting found; ``empty`` are the paths given that yielded no message file."""

    checked: tuple[Checked, ...] = ()
    empty: tuple[str, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for c in self.checked for f in c.findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if not f.is_error)

    def failed(self, *, strict: bool = False) -> bool:
        return any(strict or f.is_error for f in self.findings)


# A pass over every checked document, after the per-file checks (e.g. online checks).
Pass = Callable[[Sequence[Checked], LintOptions], Iterable[Finding]]


def _position(finding: Finding) -> tuple[int, int, int]:
    if finding.line is None:
        return (0, 0, 0)
    return (1, finding.line, finding.column or 0)


def check_document(document: Document, config: Config) -> Checked:
    """Everything offline checking finds in one document, placed in its file, less what its
    ``# msgkit: ignore`` comments suppress."""
    findings = [f for f in document.problems if config.wants(f.code, f.severity)]
    request = document_request(document.data, document.markup, config)
    if request is not None:
        findings.extend(document.locate(d) for d in request[1])
    elif document.markup is not None:
        params = document.params
        report = validate(
            document.markup,
            tag=params.get("tag"),
            notify_url=params.get("notify_url"),
            monitor_notify_url=params.get("monitor_notify_url"),
            config=config,
        )
        findings.extend(document.locate(d) for d in report)
    elif document.params:
        params = document.params
        diagnostics = check_params(
            tag=params.get("tag"),
            notify_url=params.get("notify_url"),
            monitor_notify_url=params.get("monitor_notify_url"),
            config=config,
        )
        findings.extend(document.locate(d) for d in Report.of(diagnostics))
    suppressed: list[Finding] = []
    if document.kind == "yaml" and findings:
        findings, suppressed = _suppress(document, findings)
    return Checked(document, tuple(sorted(findings, key=_position)), tuple(suppressed))


def _suppress(document: Document, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    from .suppressions import directives, split

    found = directives(document)
    return split(findings, found) if found else (findings, [])


# --- collecting files ------------------------------------------------------------------------


class _Patterns:
    """gitignore-style patterns relative to a base directory (negation is not supported)."""

    def __init__(self, base: Path | None, patterns: Iterable[str]) -> None:
        self.base = base
        self.rules: list[tuple[str, bool, bool]] = []  # (pattern, anchored, directories only)
        for raw in patterns:
            pattern = raw.strip()
            if not pattern or pattern.startswith(("#", "!")):
                continue
            only_dirs = pattern.endswith("/")
            pattern = pattern.rstrip("/")
            anchored = "/" in pattern
            self.rules.append((pattern.lstrip("/"), anchored, only_dirs))

    def matches(self, path: Path, is_dir: bool) -> bool:
        if not self.rules:
            return False
        relative: str | None = None
        if self.base is not None:
            try:
                relative = path.relative_to(self.base).as_posix()
            except ValueError:
                relative = None
        name = path.name
        for pattern, anchored, only_dirs in self.rules:
            if only_dirs and not is_dir:
                continue
            if anchored:
                if relative is not None and fnmatch.fnmatchcase(
                    relative, pattern.removeprefix("**/")
                ):
                    return True
                if pattern.startswith("**/") and fnmatch.fnmatchcase(name, pattern[3:]):
                    return True
            elif fnmatch.fnmatchcase(name, pattern):
                return True
        return False


def _gitignore(directory: Path) -> _Patterns | None:
    file = directory / ".gitignore"
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return _Patterns(directory, lines)


def _ancestor_gitignores(directory: Path) -> list[_Patterns]:
    """The .gitignore files above ``directory`` up to its git work tree's root, if any."""
    found: list[_Patterns] = []
    for parent in directory.parents:
        patterns = _gitignore(parent)
        if patterns is not None:
            found.append(patterns)
        if (parent / ".git").exists():
            return found
    return []


def _excluded(path: Path, is_dir: bool, rules: Sequence[_Patterns]) -> bool:
    return any(r.matches(path, is_dir) for r in rules)


def _excluded_anywhere(path: Path, rules: Sequence[_Patterns]) -> bool:
    """For a path named explicitly: excluded itself or below an excluded directory."""
    absolute = path.resolve()
    if _excluded(absolute, absolute.is_dir(), rules):
        return True
    return any(_excluded(parent, True, rules) for parent in absolute.parents)


def _walk(top: Path, rules: list[_Patterns], gitignore: bool) -> Iterator[Path]:
    """Message files below ``top`` (shown as given); patterns match the resolved paths."""
    stack = [(top, top.resolve(), rules)]
    while stack:
        shown, directory, inherited = stack.pop()
        local = list(inherited)
        if gitignore:
            patterns = _gitignore(directory)
            if patterns is not None:
                local.append(patterns)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            yield shown  # reported as a finding when read
            continue
        subdirectories: list[tuple[Path, Path, list[_Patterns]]] = []
        for entry in entries:
            path = directory / entry.name
            # Symlinked directories are not followed: no loops, no double counting.
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if not _excluded(path, True, local):
                    subdirectories.append((shown / entry.name, path, local))
            elif kind_of(entry.name) is not None and not _excluded(path, False, local):
                yield shown / entry.name
        stack.extend(reversed(subdirectories))


def collect(paths: Sequence[str], options: LintOptions) -> list[str]:
    """The files to lint, in order; ``-`` stands for standard input.

    Raises :class:`PathNotFoundError` for a path that does not exist at all. A broken symlink
    or a symlink loop named explicitly exists (as a directory entry) and becomes a finding.
    Raises :class:`NoMessageFilesError` for paths that yield no message file, unless
    ``options.allow_empty``.
    """
    return _collect(paths, options)[0]


def _collect(paths: Sequence[str], options: LintOptions) -> tuple[list[str], list[str]]:
    """(the files to lint, why each path that yielded none did not)."""
    base = [_Patterns(None, DEFAULT_EXCLUDE), _Patterns(options.root, options.exclude)]
    targets: list[str] = []
    empty: list[str] = []
    seen: set[str] = set()
    for raw in paths or ["."]:
        if raw == STDIN:
            if STDIN not in seen:  # standard input can be read once
                seen.add(STDIN)
                targets.append(STDIN)
            continue
        if not os.path.lexists(raw):
            raise PathNotFoundError(f"path {raw!r} does not exist{_did_you_mean(raw)}")
        path = Path(raw)
        if options.force_exclude and _excluded_anywhere(path, base[1:]):
            # Skipping a named path is what force-exclude is for (pre-commit names every
            # changed file), so it is not an empty path.
            continue
        if path.is_dir():
            rules = list(base)
            if options.respect_gitignore:
                rules.extend(_ancestor_gitignores(path.resolve()))
            found = sorted(str(p) for p in _walk(path, rules, options.respect_gitignore))
            if not found:
                empty.append(_empty_directory(raw, options))
        else:
            found = [raw]
        for name in found:
            if name not in seen:
                seen.add(name)
                targets.append(name)
    if empty and not options.allow_empty:
        raise NoMessageFilesError(empty)
    return targets, empty


def _empty_directory(raw: str, options: LintOptions) -> str:
    skipped = "exclude patterns" + (" and .gitignore" if options.respect_gitignore else "")
    return (
        f"{raw!r} holds no message file ({', '.join('*' + s for s in SUFFIXES)}) "
        f"that the {skipped} leave in"
    )


def _did_you_mean(raw: str) -> str:
    """A close name in the same directory, for a path that does not exist (a typo)."""
    import difflib

    parent, name = os.path.split(raw.rstrip("/\\")) if raw.rstrip("/\\") else ("", raw)
    try:
        names = os.listdir(parent or ".")
    except OSError:
        return ""
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean {os.path.join(parent, close[0])!r}?" if close else ""


def read_target(
    target: str, stdin: Callable[[], bytes] | None = None, stdin_kind: Kind | None = None
) -> Document:
    """Read one target of :func:`collect`; standard input by the rule of
    :func:`msgkit.documents.read.stdin_kind`, with the size limit of a file."""
    if target == STDIN:
        data = stdin() if stdin is not None else b""
        return read_stdin(data, kind=stdin_kind, path=STDIN_NAME)
    return read_path(target, kind=kind_of(target, strict=False))


def lint(
    paths: Sequence[str],
    options: LintOptions | None = None,
    *,
    stdin: Callable[[], bytes] | None = None,
    stdin_kind: Kind | None = None,
    passes: Sequence[Pass] = (),
) -> LintResult:
    """Lint files and directories (``-`` is standard input, read by calling ``stdin``).

    Standard input is a JSON document when it starts with ``{`` and raw markup otherwise,
    unless ``stdin_kind`` says what it is.
    """
    options = options or LintOptions()
    targets, empty = _collect(paths, options)
    checked = [
        check_document(read_target(t, stdin, stdin_kind), options.config_for(t)) for t in targets
    ]
    for extra in passes:
        added: dict[str, list[Finding]] = {}
        for finding in extra(checked, options):
            if options.config_for(finding.path).wants(finding.code, finding.severity):
                added.setdefault(finding.path, []).append(finding)
        if added:
            checked = [_add(c, added[c.path]) if c.path in added else c for c in checked]
    if options.report_unused_ignores:
        checked = [_report_unused(c, options) for c in checked]
    return LintResult(tuple(checked), tuple(empty))


def _add(checked: Checked, findings: list[Finding]) -> Checked:
    """``checked`` with a pass's findings added, less what its comments suppress."""
    suppressed: list[Finding] = []
    if checked.document.kind == "yaml":
        findings, suppressed = _suppress(checked.document, findings)
    return Checked(
        checked.document,
        tuple(sorted((*checked.findings, *findings), key=_position)),
        (*checked.suppressed, *suppressed),
    )


def _report_unused(checked: Checked, options: LintOptions) -> Checked:
    from .suppressions import directives, unused

    found = directives(checked.document)
    if not found:
        return checked
    config = options.config_for(checked.path)
    extra = [
        f
        for f in unused(checked.path, found, checked.suppressed)
        if config.wants(f.code, f.severity)
    ]
    if not extra:
        return checked
    findings = tuple(sorted((*checked.findings, *extra), key=_position))
    return Checked(checked.document, findings, checked.suppressed)


def lint_text(
    text: str, kind: Kind = "msg", *, path: str = "<text>", config: Config | None = None
) -> Report:
    """Lint the text of one message file; line and column of each diagnostic are in ``text``."""
    config = config or Config()
    checked = check_document(read_text(text, kind, path), config)
    return Report.of(
        (replace(f.diagnostic, line=f.line, column=f.column) for f in checked.findings),
        strict=config.strict,
    )
