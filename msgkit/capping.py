"""The per-file cap on findings of one code: output stays proportionate to what can be read.

A hostile file can hold a hundred thousand copies of one mistake. Linting shows the first
``Config.max_findings_per_code`` of each code in file order, then one
``warning_findings_truncated`` finding that says how many more there were. The checks count the
diagnostics past the cap without building them (``validate(max_per_code=...)``), so the cost of
a report does not grow with them; :func:`cap` applies the same rule to what reading the file
found, and to everything when suppression comments must be applied first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .config import Config, matches
from .diagnostics import CODES, Diagnostic

if TYPE_CHECKING:
    from .documents import Finding

__all__ = ["TRUNCATED", "cap", "truncated"]

TRUNCATED = "warning_findings_truncated"


def truncated(config: Config, code: str, more: int, limit: int) -> tuple[str, str] | None:
    """The message and hint of the summary of ``more`` findings of ``code`` past ``limit``;
    ``None`` when ``config`` ignores summaries.

    The summary belongs to the findings it counts, so ``select`` does not hide it; ``ignore``
    can, like any other code.
    """
    if config.ignore and matches(config.ignore, TRUNCATED, "warning"):
        return None
    plural = "finding" if more == 1 else "findings"
    return (
        f"{more:,} more {code} {plural} in this file from here on "
        f"(only the first {limit:,} of each code are shown)",
        "fix the ones shown first, or show them all with --max-findings-per-code 0",
    )


def _position(finding: Finding) -> tuple[int, int, int]:
    if finding.line is None:
        return (0, 0, 0)
    return (1, finding.line, finding.column or 0)


def cap(findings: Sequence[Finding], config: Config) -> list[Finding]:
    """``findings`` with at most ``config.max_findings_per_code`` of each code, in file order,
    and one summary per code that had more (summaries already made are kept as they are)."""
    limit = config.max_findings_per_code
    counts = Counter(f.code for f in findings if f.code != TRUNCATED)
    if not limit or all(n <= limit for n in counts.values()):
        return list(findings)
    from .documents import Finding

    kept: list[Finding] = []
    hidden: dict[str, Finding] = {}  # the first finding not shown, per code
    shown: Counter[str] = Counter()
    for finding in sorted(findings, key=_position):
        code = finding.code
        if code == TRUNCATED or shown[code] < limit:
            shown[code] += 1
            kept.append(finding)
        elif code not in hidden:
            hidden[code] = finding
    for code, first in hidden.items():
        summary = truncated(config, code, counts[code] - limit, limit)
        if summary is None:
            continue
        d = first.diagnostic
        diagnostic = Diagnostic(
            TRUNCATED,
            CODES[TRUNCATED].severity,
            summary[0],
            first.line,
            first.column,
            summary[1],
            d.field,
            d.offset,
        )
        kept.append(Finding(first.path, diagnostic, first.line, first.column))
    return sorted(kept, key=_position)
