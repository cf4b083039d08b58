"""``preview``: a msg rendered to the audio a caller would hear, with a timeline of its parts."""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..checks.options import OnlineOptions
from ..config import Config
from ..model import Audio, Message, Speech, Text
from .errors import InvalidMessageError

if TYPE_CHECKING:
    from ..checks.sniff import AudioFacts
    from .audio import Samples
    from .fetching import Download

__all__ = ["GAP_SECONDS", "MAX_RECORDING_SECONDS", "Preview", "PreviewSegment", "preview"]

GAP_SECONDS = 1.0  # stands in for a recording that was not fetched and whose length is unknown
MAX_RECORDING_SECONDS = 600.0  # of one recording, to keep memory bounded
MAX_SECONDS = 1200.0  # of the whole preview (a msg of 1000 characters says about a minute)

Kind = Literal["text", "speech", "audio"]


@dataclass(frozen=True, slots=True)
class PreviewSegment:
    """One part of the timeline.

    ``kind`` is the segment's (``text``, ``speech``, ``audio``); ``text`` is what is said, or
    ``url`` the recording played. ``start`` and ``duration`` are in seconds. ``voice`` is the
    espeak-ng voice that spoke (``en+f3``), ``format`` what the recording is (``MP3, 44100 Hz,
    stereo``). ``fetched`` says whether a recording was downloaded, and ``problem`` what went
    wrong, if anything (a voice that stood in for another, a recording that was not fetched).
    """

    kind: Kind
    start: float
    duration: float
    text: str | None = None
    url: str | None = None
    voice: str | None = None
    format: str | None = None
    fetched: bool = False
    problem: str | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "start": round(self.start, 4),
            "duration": round(self.duration, 4),
        }
        if self.kind == "audio":
            data.update(url=self.url, format=self.format, fetched=self.fetched)
        else:
            data.update(text=self.text, voice=self.voice)
        data["problem"] = self.problem
        return data


@dataclass(frozen=True, slots=True)
class Preview:
    """A rendered msg: ``segments`` (the timeline) and ``wav``, an 8000 Hz mono 16-bit WAV."""

    segments: tuple[PreviewSegment, ...]
    wav: bytes = field(repr=False)
    phone: bool = False
    sample_rate: int = 8000

    @property
    def duration(self) -> float:
        """The whole preview's length in seconds (the timeline's end)."""
        return self.segments[-1].end if self.segments else 0.0

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(s.problem for s in self.segments if s.problem)

    def __bytes__(self) -> bytes:
        return self.wav

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write the WAV to ``path``; returns the path."""
        target = Path(path)
        target.write_bytes(self.wav)
        return target

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration": round(self.duration, 4),
            "sample_rate": self.sample_rate,
            "channels": 1,
            "sample_width": 2,
            "phone": self.phone,
            "segments": [s.to_dict() for s in self.segments],
        }


def _message(message_or_markup: Message | str, config: Config) -> Message:
    if isinstance(message_or_markup, Message):
        return message_or_markup
    if not isinstance(message_or_markup, str):
        raise TypeError(
            f"preview() takes a Message or a str, not {type(message_or_markup).__name__}"
        )
    from ..errors import MarkupError
    from ..markup import parse

    try:
        return parse(message_or_markup)
    except (MarkupError, ValueError):
        from .estimate import _errors

        raise InvalidMessageError(_errors(message_or_markup, config)) from None


def preview(
    message_or_markup: Message | str,
    *,
    online: bool = False,
    options: OnlineOptions | None = None,
    config: Config | None = None,
    phone: bool = False,
) -> Preview:
    """Render a msg to the audio a caller would hear: an 8000 Hz mono 16-bit WAV and its
    timeline.

    Speech is synthesised with espeak-ng, by the voice mapping of the text-to-speech schema.
    With ``online=True`` each ``<url>`` recording is downloaded (as the online checks fetch,
    under ``options``), decoded and resampled; otherwise it is a gap of the length an earlier
    online preview found, or of :data:`GAP_SECONDS`. ``phone=True`` band-limits the result to
    300-3400 Hz, as a phone line does.

    Raises :class:`~msgkit.previewer.errors.InvalidMessageError` for markup that does not
    parse, :class:`~msgkit.previewer.errors.EspeakNotFoundError` when there is speech and no
    espeak-ng, and :class:`~msgkit.previewer.errors.MissingExtraError` without the
    ``preview`` extra.
    """
    config = config or Config()
    options = options or OnlineOptions()
    message = _message(message_or_markup, config)
    # Text that is only white space is not heard, so it has no place in the timeline.
    parts = [s for s in message.segments if isinstance(s, Audio) or s.text.strip()]

    program = None
    available: frozenset[str] = frozenset()
    if any(not isinstance(s, Audio) for s in parts):
        from .espeak import espeak_languages, find_espeak

        program = find_espeak()
        available = espeak_languages(program)
    from .audio import load_extra

    load_extra()

    urls = list(dict.fromkeys(s.url.strip() for s in parts if isinstance(s, Audio)))
    downloads = _downloads(urls, options) if online else {}
    known: dict[str, float] = {}
    if urls and not online and options.use_cache:
        from .durations import known_durations

        known = known_durations(options.cache_dir)

    rendered: list[Samples] = []
    timeline: list[PreviewSegment] = []
    found: dict[str, float] = {}
    position = 0  # in samples, so that starts and durations add up exactly
    budget = MAX_SECONDS
    for part in parts:
        if isinstance(part, Audio):
            samples, segment = _recording(
                part.url.strip(),
                online,
                downloads,
                known,
                found,
                min(budget, MAX_RECORDING_SECONDS),
            )
        else:
            assert program is not None
            samples, segment = _speech(program, part, available, budget)
        if len(samples) >= budget * 8000:
            samples = samples[: int(budget * 8000)]
            segment = _with_problem(
                segment, f"the preview stops at {MAX_SECONDS:g} s; what follows is left out"
            )
        rendered.append(samples)
        timeline.append(_placed(segment, position, len(samples)))
        position += len(samples)
        budget -= len(samples) / 8000
        if budget <= 0:
            break

    if found and options.use_cache:
        from .durations import remember_durations

        remember_durations(found, options.cache_dir)
    return Preview(tuple(timeline), _wav(rendered, phone), phone)


def _downloads(urls: Sequence[str], options: OnlineOptions) -> dict[str, Download]:
    from ..checks.offline import url_problem
    from ..schemas import limits
    from .fetching import Download, download_all

    schemes = limits().audio_schemes
    refused = {u: url_problem(u, schemes) for u in urls}
    found = {u: Download(u, problem=f"not fetched: {why}") for u, why in refused.items() if why}
    found.update(download_all([u for u in urls if not refused[u]], options))
    return found


def _speech(
    program: str, part: Text | Speech, available: frozenset[str], max_seconds: float
) -> tuple[Samples, PreviewSegment]:
    from .audio import pcm16, resample
    from .errors import PreviewError
    from .espeak import synthesise
    from .rates import rate_for
    from .voices import choose_voice

    language = part.language if isinstance(part, Speech) else None
    gender = part.gender if isinstance(part, Speech) else None
    choice = choose_voice(language, gender, available)
    # espeak-ng's output is held in memory: give it no more text than the preview has room for.
    room = int(max_seconds * rate_for(language).characters_per_second * 1.2) + 100
    voice, problem = choice.voice, choice.problem
    try:
        said = synthesise(program, voice, part.text[:room])
    except PreviewError as error:
        fallback = choose_voice(None, None, available).voice
        if voice == fallback:
            raise
        # A voice espeak-ng lists but cannot load (a broken or partial install).
        said = synthesise(program, fallback, part.text[:room])
        problem = f"{error}; the default voice ({fallback}) speaks it"
        voice = fallback
    samples = resample(pcm16(said.pcm), said.rate)
    kind: Kind = "speech" if isinstance(part, Speech) else "text"
    segment = PreviewSegment(kind, 0.0, 0.0, text=part.text, voice=voice, problem=problem)
    if len(part.text) > room:
        segment = _with_problem(segment, f"only its first {room} characters are spoken")
    return samples, segment


def _recording(
    url: str,
    online: bool,
    downloads: dict[str, Download],
    known: dict[str, float],
    found: dict[str, float],
    max_seconds: float,
) -> tuple[Samples, PreviewSegment]:
    from .audio import silence

    if not online:
        seconds = known.get(url)
        if seconds is None:
            why = f"not fetched (offline): a {GAP_SECONDS:g} s gap stands in for it"
            seconds = GAP_SECONDS
        else:
            why = "not fetched (offline): a gap as long as an online preview found it"
        seconds = min(seconds, max_seconds)
        return silence(seconds), PreviewSegment("audio", 0.0, 0.0, url=url, problem=why)
    download = downloads[url]
    if download.problem is not None:
        gap = f"; a {GAP_SECONDS:g} s gap stands in for it"
        return silence(GAP_SECONDS), PreviewSegment(
            "audio", 0.0, 0.0, url=url, problem=download.problem + gap
        )
    from .audio import decode
    from .errors import PreviewError

    facts = _sniffed(download.body)
    if not facts.is_supported:
        return silence(GAP_SECONDS), PreviewSegment(
            "audio",
            0.0,
            0.0,
            url=url,
            format=facts.describe(),
            fetched=True,
            problem=f"{facts.name} is not audio the provider plays; a {GAP_SECONDS:g} s gap "
            "stands in for it",
        )

    def stand_in(why: str) -> tuple[Samples, PreviewSegment]:
        return silence(GAP_SECONDS), PreviewSegment(
            "audio",
            0.0,
            0.0,
            url=url,
            format=facts.describe(),
            fetched=True,
            problem=f"{why}; a {GAP_SECONDS:g} s gap stands in for it",
        )

    try:
        decoded = decode(download.body, facts.format, max_seconds)
    except PreviewError as error:
        return stand_in(str(error))
    if not len(decoded.samples):
        return stand_in("it holds no audio")
    problem = None
    if decoded.cut:
        problem = f"only its first {max_seconds:g} s are previewed"
    else:
        found[url] = decoded.seconds
    return decoded.samples, PreviewSegment(
        "audio", 0.0, 0.0, url=url, format=facts.describe(), fetched=True, problem=problem
    )


def _sniffed(body: bytes) -> AudioFacts:
    """What the whole of a recording is, by the online checks' sniffing."""
    from ..checks.sniff import NeedMore, sniff, sniff_continued

    found = sniff(body, len(body))
    while isinstance(found, NeedMore):
        offset = found.offset
        found = sniff_continued(found, body[offset:], len(body))
        if isinstance(found, NeedMore) and found.offset <= offset:
            return found.partial  # the structure points nowhere further: what is known
    return found


def _with_problem(segment: PreviewSegment, problem: str) -> PreviewSegment:
    from dataclasses import replace

    joined = f"{segment.problem}; {problem}" if segment.problem else problem
    return replace(segment, problem=joined)


def _placed(segment: PreviewSegment, start: int, count: int) -> PreviewSegment:
    from dataclasses import replace

    return replace(segment, start=start / 8000, duration=count / 8000)


def _wav(rendered: list[Samples], phone: bool) -> bytes:
    import numpy as np

    from .audio import RATE

    samples = np.concatenate(rendered) if rendered else np.zeros(0, dtype=np.float32)
    if phone:
        from .phone import band_limit

        samples = band_limit(samples, RATE)
    pcm = (np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(RATE)
        file.writeframes(pcm)
    return out.getvalue()
