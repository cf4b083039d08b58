"""What a preview can fail on, each a :class:`~msgkit.errors.MsgkitError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import MsgkitError

if TYPE_CHECKING:
    from ..diagnostics import Report

__all__ = [
    "ESPEAK_INSTALL",
    "EXTRA_INSTALL",
    "EspeakNotFoundError",
    "InvalidMessageError",
    "MissingExtraError",
    "PreviewError",
]

ESPEAK_INSTALL = (
    "install espeak-ng: apt-get install espeak-ng (Debian, Ubuntu), dnf install espeak-ng "
    "(Fedora), brew install espeak-ng (macOS); then make sure espeak-ng is on PATH"
)
EXTRA_INSTALL = 'pip install "msgkit[preview]"'


class PreviewError(MsgkitError):
    """A preview could not be made."""


class EspeakNotFoundError(PreviewError):
    """Speech needs espeak-ng, and it is not installed (or not on ``PATH``)."""

    def __init__(self) -> None:
        super().__init__(
            f"speech is synthesised with espeak-ng, which was not found; {ESPEAK_INSTALL}"
        )


class MissingExtraError(PreviewError):
    """Decoding and resampling audio needs the ``preview`` extra (soundfile, soxr, numpy)."""

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"rendering audio needs the preview extra ({missing} is missing); {EXTRA_INSTALL}"
        )
        self.missing = missing


class InvalidMessageError(PreviewError, ValueError):
    """The message does not parse, so there is nothing to hear; ``report`` says why."""

    def __init__(self, report: Report) -> None:
        errors = report.errors or report.diagnostics
        first = f": {errors[0]}" if errors else ""
        super().__init__(f"the msg cannot be previewed{first}")
        self.report = report
