"""Linting message files: collect documents, check each, run any extra passes, report.

The command line is a thin layer over :func:`lint`. Extra passes (online checks, say) see every
checked document at once, after the per-file checks, and add findings of their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .capping import cap
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
from .ignore import (
    DEFAULT_EXCLUDE,
    Layer,
    Patterns,
    ancestor_patterns,
    ignored,
    read_gitignore,
    relative_prefix,
)
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
    "check_target",
    "collect",
    "collect_targets",
    "lint",
    "lint_text",
    "slim",
]

STDIN = "-"


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
    """What linting found, file by file in order, with the documents; ``empty`` are the paths
    given that yielded no message file."""

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


def slim(checked: Checked) -> Checked:
    """``checked`` with only what reporting needs of its document: path, kind, and the text
    its findings point into (none when there are no findings)."""
    document = checked.document
    text = document.text if checked.findings else None
    return Checked(
        Document(document.path, document.kind, text), checked.findings, checked.suppressed
    )


def _position(finding: Finding) -> tuple[int, int, int]:
    if finding.line is None:
        return (0, 0, 0)
    return (1, finding.line, finding.column or 0)


def check_document(document: Document, config: Config) -> Checked:
    """Everything offline checking finds in one document, placed in its file, less what its
    ``# msgkit: ignore`` comments suppress, and at most ``config.max_findings_per_code`` of each
    code (then one finding that says how many more there were)."""
    findings = [f for f in document.problems if config.wants(f.code, f.severity)]
    request = document_request(document.data, document.markup, config)
    if request is not None:
        findings.extend(document.locate(d) for d in request[1])
    elif document.markup is not None:
        params = document.params
        # Past the cap the checks only count; unless a suppression comment may hide some of
        # what they report, and those past the cap must then take their place.
        may_suppress = document.kind == "yaml" and "msgkit" in (document.text or "")
        report = validate(
            document.markup,
            tag=params.get("tag"),
            notify_url=params.get("notify_url"),
            monitor_notify_url=params.get("monitor_notify_url"),
            config=config,
            max_per_code=0 if may_suppress else config.max_findings_per_code,
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
    if config.max_findings_per_code:
        findings = cap(findings, config)
    return Checked(document, tuple(sorted(findings, key=_position)), tuple(suppressed))


def _suppress(document: Document, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    from .suppressions import directives, split

    found = directives(document)
    return split(findings, found) if found else (findings, [])


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
    entry) and becomes a finding. Raises :class:`NoMessageFilesError` for paths that yield no
    message file, unless ``options.allow_empty``.
    """
    return collect_targets(paths, options)[0]


def collect_targets(paths: Sequence[str], options: LintOptions) -> tuple[list[str], list[str]]:
    """The files to lint, in order, and why each path that yielded none did not (see
    :func:`collect`)."""
    root = options.root.resolve() if options.root is not None else None
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
        if options.force_exclude and _force_excluded(Path(raw), options.exclude, root):
            # Skipping a named path is what force-exclude is for (pre-commit names every
            # changed file), so it is not an empty path.
            continue
        if os.path.isdir(raw):
            path = Path(raw)
            exclude = None
            if options.exclude:
                exclude = Patterns(_within(path.resolve(), root), options.exclude)
            found = sorted(str(p) for p in _walk(path, exclude, options.respect_gitignore))
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


def check_target(
    target: str,
    options: LintOptions,
    stdin: Callable[[], bytes] | None = None,
    stdin_kind: Kind | None = None,
) -> Checked:
    """Read and check one target of :func:`collect` as ``options`` say for its path."""
    checked = check_document(read_target(target, stdin, stdin_kind), options.config_for(target))
    if options.report_unused_ignores:
        checked = report_unused(checked, options)
    return checked


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
    ``passes`` (the online checks) need: for a large run,
    :func:`msgkit.streaming.lint_stream` keeps none.
    """
    options = options or LintOptions()
    targets, empty = collect_targets(paths, options)
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
        checked = [report_unused(c, options) for c in checked]
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


def report_unused(checked: Checked, options: LintOptions) -> Checked:
    """``checked`` with its unused suppressions reported, as ``--report-unused-ignores`` does."""
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
