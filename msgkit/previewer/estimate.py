"""``estimate_duration``: how long a msg lasts, without synthesising it."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from ..config import Config
from ..diagnostics import Report
from ..markup import RawSegment, scan
from ..model import Audio, Message, Speech, Text
from .errors import InvalidMessageError
from .rates import speech_seconds

__all__ = ["estimate_duration", "estimate_raw", "estimate_segments"]


def estimate_segments(
    segments: Iterable[RawSegment | Text | Speech | Audio], audio: Mapping[str, float]
) -> float:
    """The estimated seconds of ``segments``; a recording counts with its duration in
    ``audio`` (URL -> seconds), or 0 when it is not known."""
    total = 0.0
    for segment in segments:
        if isinstance(segment, Audio):
            total += audio.get(segment.url.strip(), 0.0)
        elif isinstance(segment, Text):
            total += speech_seconds(segment.text)
        elif isinstance(segment, Speech):
            total += speech_seconds(segment.text, segment.language)
        elif segment.kind == "url":
            total += audio.get(segment.text.strip(), 0.0)
        else:
            total += speech_seconds(segment.text, segment.language)
    return total


def estimate_raw(segments: Sequence[RawSegment]) -> tuple[float, int]:
    """Lint's estimate of scanned segments: (seconds, recordings of unknown length).

    Recordings count with the durations online previews found (in the user cache directory).
    """
    audio: Mapping[str, float] = {}
    unknown = 0
    if any(s.kind == "url" for s in segments):
        from .durations import known_durations

        audio = known_durations()
        unknown = sum(1 for s in segments if s.kind == "url" and s.text.strip() not in audio)
    return estimate_segments(segments, audio), unknown


def _segments(message_or_markup: Message | str, config: Config) -> tuple[object, ...]:
    if isinstance(message_or_markup, Message):
        return message_or_markup.segments
    if not isinstance(message_or_markup, str):
        raise TypeError(
            f"estimate_duration() takes a Message or a str, not {type(message_or_markup).__name__}"
        )
    result = scan(message_or_markup)
    if result.problems:
        from ..checks.offline import validate

        report = validate(message_or_markup, config=config)
        if not report.errors:  # the scan's problems are errors; keep them whatever is selected
            report = Report.of(validate(message_or_markup).errors)
        raise InvalidMessageError(report)
    return tuple(result.segments)


def estimate_duration(
    message_or_markup: Message | str,
    *,
    config: Config | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> float:
    """The estimated duration of a msg, in seconds, without synthesising it.

    Speech is estimated from its language's speaking rate in the text-to-speech schema (about
    ±10 % of espeak-ng's own duration for a sentence; see the docs for the measured error);
    a ``<url>`` recording counts with the duration an online preview found for it (kept in
    ``cache_dir``, by default the user cache directory), or 0 when none is known — so the
    estimate is a lower bound for messages with recordings never previewed online.

    Raises :class:`~msgkit.previewer.errors.InvalidMessageError` for markup that does not
    parse.
    """
    from .durations import known_durations

    segments = _segments(message_or_markup, config or Config())
    audio = known_durations(cache_dir) if _has_audio(segments) else {}
    return estimate_segments(segments, audio)  # type: ignore[arg-type]


def _has_audio(segments: Iterable[object]) -> bool:
    return any(
        isinstance(s, Audio) or (isinstance(s, RawSegment) and s.kind == "url") for s in segments
    )
