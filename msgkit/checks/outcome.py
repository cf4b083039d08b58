"""What checking one URL online produced, and how it may be cached."""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Diagnostic, Severity

__all__ = ["Outcome", "finding"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The diagnostics for one URL (no positions: callers add those per occurrence).

    ``cacheable`` is true when the server gave a conclusive answer; failures to reach it are
    checked again on every run, since they are what the user is busy fixing. ``etag``,
    ``last_modified`` and ``final_url`` let a later run revalidate instead of re-checking.
    """

    diagnostics: tuple[Diagnostic, ...]
    cacheable: bool
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None


def finding(
    code: str, severity: Severity, message: str, hint: str | None, field: str
) -> Diagnostic:
    return Diagnostic(code, severity, message, hint=hint, field=field)
