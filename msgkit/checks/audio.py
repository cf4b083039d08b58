"""``<url>`` recordings online: can the provider download the file, and will it play?

What is sent for one URL (a healthy server answers two requests):

1. ``GET`` with ``Range: bytes=0-8191``. The answer brings the status, the total size
   (``Content-Range``, or ``Content-Length`` when the server ignores the range), the validators
   (``Last-Modified``, ``ETag``), the ``Content-Type`` and the first bytes to sniff.
2. ``HEAD`` with ``If-Modified-Since: <its Last-Modified>``: ``304 Not Modified`` shows the
   provider's cache can revalidate. Where HEAD is refused, the same conditional request is a
   ``GET`` that is closed as soon as the status arrives.

Only when needed: further ranged ``GET`` s of 8 KiB where the file's structure points (a long
ID3v2 tag, big chunks before ``fmt ``), and a plain ``HEAD`` for ``Content-Length`` when
neither answer gave a size. Reading a file's structure costs at most ``MAX_READS`` GETs and
``READ_BUDGET`` bytes of body in all; a server that ignores ``Range`` is read as a stream up to
the same byte budget and then closed. Whatever the structure does not show within that bound
is reported as ``warning_msg_audio_unverified``, never passed in silence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..diagnostics import Diagnostic, Severity
from ..schemas import limits
from .fetch import Fetched, Fetcher, FetchError
from .notify import not_public
from .outcome import Outcome, finding
from .sniff import (
    AUDIO,
    MAX_READS,
    NAMES,
    READ_BUDGET,
    SNIFF_BYTES,
    AudioFacts,
    NeedMore,
    Sniffed,
    expected_format,
    format_of_content_type,
    sniff,
    sniff_continued,
)

__all__ = ["probe_audio", "revalidate_audio"]

_E, _W = Severity.ERROR, Severity.WARNING
_FIELD = "msg"
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(?:(\d+)-\d+|\*)\s*/\s*(\d+|\*)\s*$", re.I)
_HINT_DOWNLOAD = (
    "the provider downloads the file when the call plays it; a failed download plays silence. "
    "Check the URL and that the file is public"
)


def _u(code: str, severity: Severity, message: str, hint: str | None = None) -> Diagnostic:
    return finding(code, severity, message, hint, _FIELD)


def _where(fetched: Fetched) -> str:
    return f" (after redirects, at {fetched.url})" if fetched.redirects else ""


def _failed(error: FetchError, original: str) -> Outcome:
    if error.not_public is not None:
        what = f"<url> redirects to {error.url}, which" if error.redirected else "<url>"
        if not error.redirected:
            host = urlsplit(original).hostname or ""
            if host.lower() != error.not_public.host.lower():
                what += f" (host {host} is read as {error.not_public.host})"
        return Outcome((not_public(error.not_public, _FIELD, what),), cacheable=False)
    if error.invalid_url:
        return Outcome(
            (
                _u(
                    "error_msg_invalid_url",
                    _E,
                    f"<url> is not a valid URL: {error.reason}",
                    "write the host as a domain name or a plain dotted IPv4 address",
                ),
            ),
            cacheable=False,
        )
    where = f" (at {error.url}, after redirects)" if error.redirected else ""
    found = [
        _u(
            "error_msg_download_failed",
            _E,
            f"<url> cannot be downloaded: {error.reason}{where}",
            _HINT_DOWNLOAD,
        )
    ]
    # What the server declared before the body failed still counts: a 14 MB file is refused
    # by the provider whether or not this download was cut short.
    if error.status is not None:
        size = _declared(error.status, error.header)
        if size is not None and size > limits().audio_max_bytes:
            found.append(_too_big(size))
    return Outcome(tuple(found), cacheable=False)


def _range(header: Callable[[str], str | None]) -> tuple[int | None, int | None]:
    """``(first byte, total size)`` of a ``Content-Range`` header, each ``None`` when absent."""
    found = _CONTENT_RANGE.match(header("content-range") or "")
    if found is None:
        return None, None
    first, total = found.group(1), found.group(2)
    return (
        None if first is None else int(first),
        None if total == "*" else int(total),
    )


def _declared(status: int, header: Callable[[str], str | None]) -> int | None:
    """The file's size as a response head declares it, when it does."""
    if status in (206, 416):
        total = _range(header)[1]
        return 0 if total is None and status == 416 else total
    length = (header("content-length") or "").strip()
    if status == 200 and length.isdigit() and len(length) < 20:
        return int(length)
    return None


def _total(fetched: Fetched) -> int | None:
    """The file's size from this response, when it says."""
    return _declared(fetched.status, fetched.header)


def _too_big(size: int) -> Diagnostic:
    lim = limits()
    return _u(
        "error_msg_invalid_file_size",
        _E,
        f"<url>: the file is {_mb(size)}; the limit is {_mb(lim.audio_max_bytes)}",
        "shorten the recording or lower its bit rate; 8000 Hz mono audio is small",
    )


def _mb(size: int) -> str:
    return f"{size:,} bytes ({size / 1_000_000:.1f} MB)"


async def _conditional(fetcher: Fetcher, url: str, last_modified: str) -> str | None:
    """``None`` when the server answers ``If-Modified-Since`` with 304, else what it did."""
    headers = {"If-Modified-Since": last_modified}
    answer: Fetched | None = None
    failure = None
    try:
        answer = await fetcher.fetch("HEAD", url, headers=headers)
    except FetchError as error:
        failure = error.reason
    if answer is None or answer.status >= 400:
        # HEAD refused (405/501), or not allowed by a URL signed for GET: ask as the provider
        # does, and hang up once the status line is in.
        try:
            answer = await fetcher.fetch("GET", url, headers=headers, cap=0)
        except FetchError as error:
            return f"the conditional request failed: {failure or error.reason}"
    if answer.status == 304:
        return None
    return f"HTTP {answer.status} {answer.reason}".rstrip()


async def _head_size(fetcher: Fetcher, url: str) -> int | None:
    try:
        answer = await fetcher.fetch("HEAD", url)
    except FetchError:
        return None
    return _total(answer)


async def revalidate_audio(
    fetcher: Fetcher, url: str, etag: str | None, last_modified: str | None
) -> bool:
    """Whether the file at ``url`` is unchanged since its validators were taken (304)."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if not headers:
        return False
    try:
        answer = await fetcher.fetch("HEAD", url, headers=headers)
    except FetchError:
        return False
    return answer.status == 304


async def probe_audio(fetcher: Fetcher, url: str) -> Outcome:
    """Every online check of one ``<url>``; see the module's docstring for what is sent."""
    lim = limits()
    claimed = expected_format(urlsplit(url).path)
    prefix = _Prefix()
    try:
        first = await fetcher.fetch(
            "GET",
            url,
            headers={"Range": f"bytes=0-{SNIFF_BYTES - 1}"},
            cap=READ_BUDGET,
            until=prefix.enough,
        )
    except FetchError as error:
        return _failed(error, url)
    if first.status not in (200, 206, 416):
        return Outcome(
            (
                _u(
                    "error_msg_download_failed",
                    _E,
                    f"<url> cannot be downloaded: HTTP {first.status} {first.reason}".rstrip()
                    + _where(first),
                    _HINT_DOWNLOAD,
                ),
            ),
            cacheable=False,
        )
    found: list[Diagnostic] = []
    size = _total(first)
    reading = await _read_structure(fetcher, first, size, claimed)

    last_modified = first.header("last-modified")
    etag = first.header("etag")
    if last_modified:
        ignored = await _conditional(fetcher, first.url, last_modified)
        if ignored is not None:
            found.append(
                _u(
                    "warning_msg_url_ignores_if_modified_since",
                    _W,
                    f"<url>: a request with If-Modified-Since: {last_modified} was answered "
                    f"{ignored}, not 304 Not Modified; the provider will download the file "
                    "again instead of using its cached copy",
                    "let the web server answer conditional requests (most static file "
                    "servers and CDNs do; application code must compare the date itself)",
                )
            )
    else:
        found.append(
            _u(
                "warning_msg_url_not_cacheable",
                _W,
                "<url>: the server sends no Last-Modified header, so the provider cannot cache "
                "the file and every call waits for a fresh download",
                "serve the file with a Last-Modified header (static file servers do this)",
            )
        )
    if size is None:
        size = await _head_size(fetcher, first.url)

    if size is None:
        found.append(
            _u(
                "warning_msg_audio_size_unknown",
                _W,
                "<url>: the server does not say how large the file is (no Content-Range or "
                f"Content-Length), so the {_mb(lim.audio_max_bytes)} limit cannot be checked",
                "serve the file with Content-Length, or answer Range requests",
            )
        )
    elif size > lim.audio_max_bytes:
        found.append(_too_big(size))
    found.extend(_format_findings(reading, claimed, first))
    return Outcome(
        tuple(found),
        cacheable=reading.conclusive,
        etag=etag,
        last_modified=last_modified,
        final_url=first.url,
    )


@dataclass(frozen=True, slots=True)
class _Reading:
    """What reading the file's structure gave: the facts, or what is known and why no more."""

    facts: AudioFacts
    unknown: str | None = None  # why the facts stop short (warning_msg_audio_unverified)
    conclusive: bool = True  # False when a request failed: worth asking again next run


class _Prefix:
    """Sniffs the first response's body as it arrives; says when it has seen enough.

    Each look goes on from where the last one stopped and happens only once 8 KiB more than
    the structure asked for have arrived, so a stream read to the byte budget costs linear time.
    """

    def __init__(self) -> None:
        self.state: Sniffed | None = None
        self.wait_for = SNIFF_BYTES

    def enough(self, body: bytearray) -> bool:
        if len(body) < self.wait_for:
            return False
        data = bytes(body)
        self.state = _advance(self.state, data, 0, None)
        if isinstance(self.state, AudioFacts):
            return True
        self.wait_for = max(self.state.offset, len(data)) + SNIFF_BYTES
        return False


def _advance(found: Sniffed | None, data: bytes, base: int, size: int | None) -> Sniffed:
    """Go on sniffing with ``data``, the file's bytes from ``base`` on, as far as they reach."""
    if found is None:
        found = sniff(data, size)
    while isinstance(found, NeedMore) and base <= found.offset < base + len(data):
        further = sniff_continued(found, data[found.offset - base :], size)
        if isinstance(further, NeedMore) and further.offset <= found.offset:
            return further  # these bytes are too few to tell: more are needed from there
        found = further
    return found


def _where_range(first: Fetched) -> int | None:
    """Where the first response's body starts in the file (``None``: not in the file)."""
    if first.status == 200:
        return 0
    if first.status == 206:
        return _range(first.header)[0]
    return None


async def _read_structure(
    fetcher: Fetcher, first: Fetched, size: int | None, claimed: str | None
) -> _Reading:
    """Follow the file's structure from the first response, within the documented bound."""
    if first.status == 416 and not size:
        return _Reading(AudioFacts("empty"))
    unread = NeedMore(0, AudioFacts(claimed or "mp3", tentative=True))
    if _where_range(first) != 0:
        what = first.header("content-range") or "no Content-Range"
        reason = f"the server answered the request for bytes 0-{SNIFF_BYTES - 1} with {what}"
        return _Reading(unread.partial, reason, conclusive=False)
    whole = first.status == 200 and first.complete
    found = _advance(None, first.body, 0, len(first.body) if whole else size)
    reads, spent = 1, len(first.body)
    while isinstance(found, NeedMore):
        offset = found.offset
        if size is not None and offset >= size:
            why = f"its structure points to byte {offset:,}, past the end of the file"
            return _Reading(AudioFacts(found.partial.format, broken=why))
        if first.status != 206:
            reason = (
                "the server ignores Range requests, and the rest of the header lies beyond the "
                f"first {spent:,} bytes that msgkit reads of a stream"
            )
            return _Reading(found.partial, reason)
        if reads >= MAX_READS or spent >= READ_BUDGET:
            reason = (
                f"the header continues at byte {offset:,}, beyond what msgkit reads of a file "
                f"({MAX_READS} requests, {READ_BUDGET:,} bytes)"
            )
            return _Reading(found.partial, reason)
        window = min(SNIFF_BYTES, READ_BUDGET - spent)
        wanted = f"bytes {offset}-{offset + window - 1}"
        try:
            more = await fetcher.fetch(
                "GET",
                first.url,
                headers={"Range": f"bytes={offset}-{offset + window - 1}"},
                cap=window,
            )
        except FetchError as error:
            reason = f"the request for {wanted} failed: {error.reason}"
            return _Reading(found.partial, reason, conclusive=False)
        reads, spent = reads + 1, spent + len(more.body)
        if more.status != 206 or _range(more.header)[0] != offset or not more.body:
            answer = f"HTTP {more.status} {more.reason}".rstrip()
            reason = f"the request for {wanted} was answered {answer}, not with those bytes"
            return _Reading(found.partial, reason, conclusive=False)
        found = _advance(found, more.body, offset, size)
    return _Reading(found)


_HINT_BROKEN = (
    "the file is damaged or was cut off: export the recording again, as 8000 Hz mono .wav, "
    ".mp3 or .gsm, and upload the whole file"
)
_HINT_UNVERIFIED = (
    "check the file itself (ffprobe FILE): large metadata before the audio (ID3v2 cover art, "
    "WAV LIST/iXML chunks before fmt) hides it; strip the metadata, or serve the file with "
    "Range support"
)


def _and(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _format_findings(reading: _Reading, claimed: str | None, first: Fetched) -> list[Diagnostic]:
    lim = limits()
    facts = reading.facts
    wanted = NAMES.get(claimed or "", "audio")
    encoding = (first.header("content-encoding") or "").strip().lower()
    if facts.format == "empty":
        return [
            _u(
                "error_msg_invalid_file_format",
                _E,
                "<url>: the file is empty",
                "upload the recording again",
            )
        ]
    if facts.broken is not None:
        return [
            _u(
                "error_msg_invalid_file_format",
                _E,
                f"<url>: the file is not a playable {facts.name}: {facts.broken}",
                _HINT_BROKEN,
            )
        ]
    if not facts.is_supported:
        what = facts.describe() if facts.format in AUDIO else facts.name
        detail = f" ({facts.detail})" if facts.detail else ""
        if encoding not in ("", "identity"):
            detail += f"; the server compressed it (Content-Encoding: {encoding})"
        why = ""
        if facts.format in ("mp2", "mp1"):
            why = "; MP3 is MPEG audio Layer III, and the provider plays MP3, WAV and GSM only"
        return [
            _u(
                "error_msg_invalid_file_format",
                _E,
                f"<url>: the file is {what}{detail}, not {wanted} audio{why}",
                "link to the recording itself (not a page about it), saved as 8000 Hz mono "
                ".wav, .mp3 or .gsm",
            )
        ]
    if claimed is not None and facts.format != claimed:
        what = (
            f"starts with {facts.detail}, as MP3 files do"
            if facts.tentative and facts.detail
            else f"is {facts.describe()}"
        )
        return [
            _u(
                "error_msg_invalid_file_format",
                _E,
                f"<url>: the file {what}, but its name ends in .{claimed} "
                "(wrong filename extension)",
                f"rename it to .{facts.format}, or convert it to {wanted}",
            )
        ]
    found: list[Diagnostic] = []
    unknown = facts.unknown
    if unknown:
        known = (
            f"starts with {facts.detail}"
            if facts.tentative and facts.detail
            else f"is {facts.describe()}" + (f" ({facts.detail})" if facts.detail else "")
        )
        if facts.tentative and not facts.detail:
            known = f"is named .{claimed}"
        found.append(
            _u(
                "warning_msg_audio_unverified",
                _W,
                f"<url>: the file {known}, but its {_and(unknown)} could not be checked: "
                f"{reading.unknown or 'the header does not record them'}",
                _HINT_UNVERIFIED,
            )
        )
    rate_wrong = facts.sample_rate is not None and facts.sample_rate != lim.audio_sample_rate
    channels_wrong = facts.channels is not None and facts.channels != lim.audio_channels
    if rate_wrong or channels_wrong:
        found.append(
            _u(
                "warning_msg_audio_not_8khz_mono",
                _W,
                f"<url>: the recording is {facts.describe()}; the provider plays "
                f"{lim.audio_sample_rate} Hz mono",
                f"convert it, e.g. ffmpeg -i in.{facts.format} -ar {lim.audio_sample_rate} "
                f"-ac {lim.audio_channels} out.{facts.format}",
            )
        )
    declared = first.header("content-type")
    said = format_of_content_type(declared)
    if said is not None and claimed is not None and said != claimed:
        found.append(
            _u(
                "warning_msg_url_content_type",
                _W,
                f"<url>: the server calls the file {declared!s}, which contradicts its "
                f".{claimed} extension",
                f"serve .{claimed} files as {_TYPES[claimed]}",
            )
        )
    return found


_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "gsm": "audio/x-gsm"}
