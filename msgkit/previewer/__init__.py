"""Previews: a msg rendered to the audio a caller would hear, and its estimated duration.

:func:`estimate_duration` is pure Python. :func:`preview` runs espeak-ng (a system package)
for speech and needs the ``preview`` extra (soundfile, soxr) to decode and resample audio;
both are looked for only when a preview is made.
"""

from __future__ import annotations

from .errors import EspeakNotFoundError, InvalidMessageError, MissingExtraError, PreviewError
from .estimate import estimate_duration
from .render import Preview, PreviewSegment, preview

__all__ = [
    "EspeakNotFoundError",
    "InvalidMessageError",
    "MissingExtraError",
    "Preview",
    "PreviewError",
    "PreviewSegment",
    "estimate_duration",
    "preview",
]
