"""Linting message files: collect documents, check each, run any extra passes, report.

The command line is a thin layer over :func:`lint`. Extra passes (online checks, say) see every
checked document at once, after the per-file checks, and add findings of their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from .checks.offline import check_params, validate
from .config import Config
from .diagnostics import Report
from .documents import Document, Edit, Finding, Kind, kind_of, read_path, read_stdin, read_text
from .documents.read import STDIN_NAME as STDIN_NAME
from .errors import MsgkitError
from .ignore import (
    DEFAULT_EXCLUDE,
    Layer,
    Patterns,
    ancestor_patterns,
    ignored,
    read_gitignore,
    relative_prefix,
)

__all__ = [
    "STDIN",
    "Checked",
    "Edit",
    "Finding",
    "LintOptions",
    "LintResult",
    "Pass",
    "PathNotFoundError",
    "Tally",
    "check_document",
    "collect",
    "lint",
    "lint_iter",
    "lint_text",
    "slim",
]

STDIN = "-"


class PathNotFoundError(MsgkitError):
    """A path named on the command line does not exist (a usage error, not a finding)."""


@dataclass(frozen=True, slots=True)
class LintOptions:
    """What to lint and how. ``root`` is the directory ``exclude`` patterns are relative to."""

    config: Config = field(default_factory=Config)
    exclude: tuple[str, ...] = ()
    root: Path | None = None
    force_exclude: bool = False
    respect_gitignore: bool = True


@dataclass(frozen=True, slots=True)
class Checked:
    """A document and what linting found in it, in file order."""

    document: Document
    findings: tuple[Finding, ...]

    @property
    def path(self) -> str:
        return self.document.path


@dataclass(frozen=True, slots=True)
class LintResult:
    """Every checked file of a run, in order, with its document."""

    checked: tuple[Checked, ...] = ()

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


class Tally(NamedTuple):
    """What a run found, counted as its files go by (no document or finding is kept).

    A named tuple, not a dataclass: building a dataclass costs start-up time a one-file run
    notices, and this one is built on every run.
    """

    files: int = 0
    files_with_findings: int = 0
    errors: int = 0
    warnings: int = 0
    fixable: int = 0

    def add(self, checked: Checked) -> Tally:
        findings = checked.findings
        if not findings:
            return Tally(self.files + 1, *self[1:])
        errors = sum(1 for f in findings if f.is_error)
        return Tally(
            self.files + 1,
            self.files_with_findings + 1,
            self.errors + errors,
            self.warnings + len(findings) - errors,
            self.fixable + sum(1 for f in findings if f.edit is not None),
        )

    @property
    def findings(self) -> int:
        return self.errors + self.warnings

    def failed(self, *, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


# A pass over every checked document, after the per-file checks (e.g. online checks).
Pass = Callable[[Sequence[Checked], LintOptions], Iterable[Finding]]


def slim(checked: Checked) -> Checked:
    """``checked`` with only what reporting needs of its document: path, kind, and the text
    its findings point into (none when there are no findings)."""
    document = checked.document
    text = document.text if checked.findings else None
    return Checked(Document(document.path, document.kind, text), checked.findings)


def _position(finding: Finding) -> tuple[int, int, int]:
    if finding.line is None:
        return (0, 0, 0)
    return (1, finding.line, finding.column or 0)


def check_document(document: Document, config: Config) -> Checked:
    """Everything offline checking finds in one document, placed in its file."""
    findings = [f for f in document.problems if config.wants(f.code)]
    if document.markup is not None:
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
    return Checked(document, tuple(sorted(findings, key=_position)))


# --- collecting files ------------------------------------------------------------------------


def _within(path: Path, root: Path | None) -> Path:
    """The base of ``exclude`` for a path named on the command line (resolved): the root, or
    the path itself when there is no root or it lies outside it."""
    if root is not None and path.is_relative_to(root):
        return root
    return path


def _walk(top: Path, exclude: Patterns | None, gitignore: bool) -> Iterator[Path]:
    """Message files below ``top`` (shown as given) that no pattern leaves out.

    ``top`` itself is walked even if a pattern ignores it, as a file named on the command line
    is linted: the patterns that ignore it are set aside below it.
    """
    resolved = top.resolve()
    excluding: Layer | None = None
    if exclude is not None:
        prefix = relative_prefix(resolved, exclude.base)
        excluding = (exclude.uncovering(prefix), prefix)
    inherited = ancestor_patterns(resolved) if gitignore else []
    inherited = [(p.uncovering(prefix), prefix) for p, prefix in inherited]
    stack: list[tuple[Path, Path, Layer | None, list[Layer]]] = [
        (top, resolved, excluding, inherited)
    ]
    while stack:
        shown, directory, excluding, layers = stack.pop()
        if gitignore:
            own = read_gitignore(directory)
            if own is not None:
                layers = [*layers, (own, "")]
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            yield shown  # reported as a finding when read
            continue
        subdirectories: list[tuple[Path, Path, Layer | None, list[Layer]]] = []
        for entry in entries:
            name = entry.name
            # Symlinked directories are not followed: no loops, no double counting.
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if not is_dir and kind_of(name) is None:
                continue
            if (
                name in DEFAULT_EXCLUDE
                or (excluding is not None and ignored((excluding,), name, is_dir))
                or ignored(layers, name, is_dir)
            ):
                continue
            if is_dir:
                subdirectories.append(
                    (
                        shown / name,
                        directory / name,
                        None if excluding is None else (excluding[0], f"{excluding[1]}{name}/"),
                        [(p, f"{prefix}{name}/") for p, prefix in layers],
                    )
                )
            else:
                yield shown / name
        stack.extend(reversed(subdirectories))


def _force_excluded(path: Path, exclude: tuple[str, ...], root: Path | None) -> bool:
    """For a path named on the command line: ``exclude`` ignores it or a directory above it."""
    if not exclude:
        return False
    absolute = path.resolve()
    base = _within(absolute, root)
    if base == absolute:  # no root, or outside it: by its name alone
        base = absolute.parent
    relative = relative_prefix(absolute, base)
    if not relative:
        return False
    return Patterns(base, exclude).verdict(relative[:-1], absolute.is_dir()) is True


def collect(paths: Sequence[str], options: LintOptions) -> list[str]:
    """The files to lint, in order; ``-`` stands for standard input.

    ``exclude`` and ``.gitignore`` patterns have git's meaning (see :mod:`msgkit.ignore`);
    ``exclude`` is relative to ``options.root`` (to each named directory if there is none, or
    for a directory outside it). Raises :class:`PathNotFoundError` for a path that does not
    exist at all. A broken symlink or a symlink loop named explicitly exists (as a directory
    entry) and becomes a finding.
    """
    root = options.root.resolve() if options.root is not None else None
    targets: list[str] = []
    seen: set[str] = set()
    for raw in paths or ["."]:
        if raw == STDIN:
            if STDIN not in seen:  # standard input can be read once
                seen.add(STDIN)
                targets.append(STDIN)
            continue
        if not os.path.lexists(raw):
            raise PathNotFoundError(f"path {raw!r} does not exist")
        path = Path(raw)
        if options.force_exclude and _force_excluded(path, options.exclude, root):
            continue
        if path.is_dir():
            exclude = None
            if options.exclude:
                exclude = Patterns(_within(path.resolve(), root), options.exclude)
            walked = _walk(path, exclude, options.respect_gitignore)
            found = iter(sorted(str(p) for p in walked))
        else:
            found = iter([raw])
        for name in found:
            if name not in seen:
                seen.add(name)
                targets.append(name)
    return targets


def read_target(
    target: str, stdin: Callable[[], bytes] | None = None, stdin_kind: Kind | None = None
) -> Document:
    """Read one target of :func:`collect`; standard input by the rule of
    :func:`msgkit.documents.read.stdin_kind`, with the size limit of a file."""
    if target == STDIN:
        data = stdin() if stdin is not None else b""
        return read_stdin(data, kind=stdin_kind, path=STDIN_NAME)
    return read_path(target, kind=kind_of(target, strict=False))


# Below this many files a run stays in one process. Going parallel costs about 60 ms of CPU
# (importing the pool, starting workers) and 10-15% more per file (sending them the work); a
# file takes about 0.1 ms to check, so on two idle cores the lines cross near 800 files, on more
# cores earlier (benchmarks/README.md has the measurements).
PARALLEL_THRESHOLD = 800


def _check_all(
    targets: Sequence[str],
    config: Config,
    stdin: Callable[[], bytes] | None,
    stdin_kind: Kind | None,
    jobs: int,
) -> Iterator[Checked]:
    if jobs <= 1 or len(targets) < PARALLEL_THRESHOLD:
        for target in targets:
            yield slim(check_document(read_target(target, stdin, stdin_kind), config))
        return
    from .parallel import check_in_parallel

    # Standard input is read here, in its place in the order; the files around it in workers.
    files: list[str] = []
    for target in targets:
        if target != STDIN:
            files.append(target)
            continue
        if files:
            yield from check_in_parallel(files, config, jobs)
            files = []
        yield slim(check_document(read_target(STDIN, stdin, stdin_kind), config))
    if files:
        yield from check_in_parallel(files, config, jobs)


def lint_iter(
    paths: Sequence[str],
    options: LintOptions | None = None,
    *,
    stdin: Callable[[], bytes] | None = None,
    stdin_kind: Kind | None = None,
    jobs: int | None = None,
) -> Iterator[Checked]:
    """Lint files one by one, in the order of :func:`collect`, yielding each as it is checked.

    The files are collected first (so :class:`PathNotFoundError` is raised by this call, before
    anything is checked). With :data:`PARALLEL_THRESHOLD` files or more they are checked by
    ``jobs`` worker processes (default: every CPU this process may use), in the same order. To
    keep memory flat, each :class:`Checked` carries only what reporting needs of its document
    (see :func:`slim`): for the parsed documents, use :func:`lint`, or :func:`check_document`
    on one file.
    """
    options = options or LintOptions()
    targets = collect(paths, options)
    if jobs is None:
        jobs = 1
        if len(targets) >= PARALLEL_THRESHOLD:
            from .parallel import available_cpus

            jobs = available_cpus()
    return _check_all(targets, options.config, stdin, stdin_kind, jobs)


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
    unless ``stdin_kind`` says what it is. The result keeps every parsed document, which extra
    ``passes`` (the online checks) need: for a large run, :func:`lint_iter` keeps none.
    """
    options = options or LintOptions()
    checked = [
        check_document(read_target(t, stdin, stdin_kind), options.config)
        for t in collect(paths, options)
    ]
    for extra in passes:
        added: dict[str, list[Finding]] = {}
        for finding in extra(checked, options):
            if options.config.wants(finding.code):
                added.setdefault(finding.path, []).append(finding)
        if added:
            checked = [
                Checked(
                    c.document,
                    tuple(sorted((*c.findings, *added.get(c.path, ())), key=_position)),
                )
                for c in checked
            ]
    return LintResult(tuple(checked))


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
