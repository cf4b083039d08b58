"""The exception hierarchy: everything msgkit raises on purpose is a ``MsgkitError``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnostics import Report

__all__ = ["InvalidSegmentError", "MarkupError", "MsgkitError", "ValidationError"]


class MsgkitError(Exception):
    """Base class of every error msgkit raises on purpose."""


class InvalidSegmentError(MsgkitError, ValueError):
    """A segment was built with characters that no XML document can carry."""


class MarkupError(MsgkitError, ValueError):
    """Markup that is not a valid ``msg``.

    ``code`` is the provider's status name (``error_msg_invalid_xml``); ``line`` and ``column``
    are 1-based positions in the markup string that was parsed.
    """

    def __init__(
        self,
        message: str,
        *,
        line: int,
        column: int,
        code: str = "error_msg_invalid_xml",
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


class ValidationError(MsgkitError, ValueError):
    """Validation refused a message, so nothing was sent; ``report`` holds the diagnostics."""

    def __init__(self, report: Report) -> None:
        errors = report.errors or report.diagnostics
        first = f": {errors[0]}" if errors else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"validation failed{first}{more}; nothing was sent")
        self.report = report
