"""``estimate_duration``: how long a msg lasts, without synthesising it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from ..checks.options import OnlineOptions
from ..config import Config
from ..diagnostics import Diagnostic, Report, Severity
from ..markup import RawSegment, scan
from ..model import Audio, Message, Segment, Speech, Text
from .errors import InvalidMessageError
from .rates import speech_seconds

__all__ = ["estimate_duration", "estimate_raw", "estimate_segments", "prompt_length"]


def estimate_segments(
    segments: Iterable[RawSegment | Segment], audio: Mapping[str, float]
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


def prompt_length(markup: str, config: Config) -> Diagnostic | None:
    """warning_msg_prompt_too_long (opt-in, ``max_prompt_seconds``) for a msg that parses.

    Validation runs it after the offline checks: the estimate belongs to the previewer, which
    the checks themselves never import.
    """
    limit = config.max_prompt_seconds
    if limit is None or not config.wants("warning_msg_prompt_too_long", Severity.WARNING):
        return None
    result = scan(markup)
    if result.problems:
        return None
    seconds, unknown = estimate_raw(result.segments)
    if seconds <= limit:
        return None
    more = (
        f", plus {unknown} recording{'s' if unknown != 1 else ''} of unknown length"
        if unknown
        else ""
    )
    return Diagnostic(
        "warning_msg_prompt_too_long",
        Severity.WARNING,
        f"msg lasts about {seconds:.1f} s when spoken{more}; the limit is {limit:g} s "
        "(max_prompt_seconds)",
        line=1,
        column=1,
        hint="shorten the prompt, or split it over several blocks; msgkit preview lets you hear it",
        offset=0,
    )


def _errors(markup: str, config: Config) -> Report:
    """The offline errors of markup that does not parse, whatever ``config`` selects."""
    from ..checks.offline import check_msg

    report = Report.of(check_msg(markup, config))
    if not report.errors:  # the scan's problems are errors; keep them whatever is selected
        report = Report.of(Report.of(check_msg(markup, Config())).errors)
    return report


def _segments(message_or_markup: Message | str, config: Config) -> Sequence[RawSegment | Segment]:
    if isinstance(message_or_markup, Message):
        return message_or_markup.segments
    if not isinstance(message_or_markup, str):
        raise TypeError(
            f"estimate_duration() takes a Message or a str, not {type(message_or_markup).__name__}"
        )
    result = scan(message_or_markup)
    if result.problems:
        raise InvalidMessageError(_errors(message_or_markup, config))
    return tuple(result.segments)


def estimate_duration(
    message_or_markup: Message | str,
    *,
    config: Config | None = None,
    online: bool = False,
    options: OnlineOptions | None = None,
) -> float:
    """The estimated duration of a msg, in seconds, without synthesising it.

    Speech is estimated from its language's speaking rate in the text-to-speech schema (about
    ±10 % of espeak-ng's own duration at worst; see the docs for the measured error). A
    ``<url>`` recording counts with the duration an online preview or estimate found for it
    (kept in ``options.cache_dir``, by default the user cache directory). With
    ``online=True`` the recordings not known are asked for their first bytes, as the online
    checks fetch, and timed from their headers. A recording whose duration stays unknown
    counts 0: the estimate is then a lower bound.

    Raises :class:`~msgkit.previewer.errors.InvalidMessageError` for markup that does not
    parse.
    """
    options = options or OnlineOptions()
    segments = _segments(message_or_markup, config or Config())
    urls = list(dict.fromkeys(_urls(segments)))
    audio: dict[str, float] = {}
    if urls and options.use_cache:
        from .durations import known_durations

        audio = known_durations(options.cache_dir)
    unknown = [u for u in urls if u not in audio]
    if online and unknown:
        from ..checks.offline import url_problem
        from ..schemas import limits
        from .fetching import durations_online

        schemes = limits().audio_schemes
        found = durations_online([u for u in unknown if not url_problem(u, schemes)], options)
        audio.update(found)
        if found and options.use_cache:
            from .durations import remember_durations

            remember_durations(found, options.cache_dir)
    return estimate_segments(segments, audio)


def _urls(segments: Iterable[RawSegment | Segment]) -> Iterator[str]:
    for segment in segments:
        if isinstance(segment, Audio):
            yield segment.url.strip()
        elif isinstance(segment, RawSegment) and segment.kind == "url":
            yield segment.text.strip()
