"""The per-file cap on findings of one code: output stays proportionate to what can be read.

A hostile file can hold a hundred thousand copies of one mistake. Linting shows the first
``Config.max_findings_per_code`` of each code in file order, then one
``warning_findings_truncated`` finding that says how many more there were. Diagnostics past the
cap are only counted, never placed in the file, so the cost of a report does not grow with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .config import Config, matches
from .diagnostics import CODES, Diagnostic
from .documents import Finding

__all__ = ["TRUNCATED", "cap", "precap"]

TRUNCATED = "warning_findings_truncated"


def _order(diagnostic: Diagnostic) -> tuple[bool, str, int]:
    # Offsets of one field map to the file in order, so this is file order within a field.
    offset = diagnostic.offset
    return (diagnostic.field != "msg", diagnostic.field, -1 if offset is None else offset)


def precap(diagnostics: Iterable[Diagnostic], limit: int) -> tuple[list[Diagnostic], Counter[str]]:
    """Keep the first ``limit + 1`` diagnostics of each code (the one past the cap marks where
    the summary goes); count the others. ``limit`` is at least 1."""
    by_code: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        by_code.setdefault(diagnostic.code, []).append(diagnostic)
    kept: list[Diagnostic] = []
    dropped: Counter[str] = Counter()
    for code, items in by_code.items():
        if len(items) > limit + 1:
            items = sorted(items, key=_order)
            dropped[code] = len(items) - limit - 1
            items = items[: limit + 1]
        kept.extend(items)
    return kept, dropped


def _position(finding: Finding) -> tuple[int, int, int]:
    if finding.line is None:
        return (0, 0, 0)
    return (1, finding.line, finding.column or 0)


def cap(
    findings: Sequence[Finding], config: Config, dropped: Counter[str] | None = None
) -> list[Finding]:
    """``findings`` with at most ``config.max_findings_per_code`` of each code, in file order,
    and one summary per code that had more (``dropped`` counts those :func:`precap` removed).

    The summary belongs to the findings it counts, so ``select`` does not hide it; ``ignore``
    can, like any other code.
    """
    limit = config.max_findings_per_code
    counts = Counter(f.code for f in findings)
    if not limit or (not dropped and all(n <= limit for n in counts.values())):
        return list(findings)
    kept: list[Finding] = []
    hidden: dict[str, Finding] = {}  # the first finding not shown, per code
    shown: Counter[str] = Counter()
    for finding in sorted(findings, key=_position):
        code = finding.code
        if shown[code] < limit:
            shown[code] += 1
            kept.append(finding)
        elif code not in hidden:
            hidden[code] = finding
    if config.ignore and matches(config.ignore, TRUNCATED, "warning"):
        return kept
    for code, first in hidden.items():
        more = counts[code] - limit + (dropped or {}).get(code, 0)
        kept.append(_summary(first, code, more, limit))
    return sorted(kept, key=_position)


def _summary(first: Finding, code: str, more: int, limit: int) -> Finding:
    plural = "finding" if more == 1 else "findings"
    d = first.diagnostic
    diagnostic = Diagnostic(
        TRUNCATED,
        CODES[TRUNCATED].severity,
        f"{more:,} more {code} {plural} in this file from here on "
        f"(only the first {limit:,} of each code are shown)",
        first.line,
        first.column,
        "fix the ones shown first, or show them all with --max-findings-per-code 0",
        d.field,
        d.offset,
    )
    return Finding(first.path, diagnostic, first.line, first.column)
