"""``<url>`` recordings online: can the provider download the file, and will it play?

What is sent for one URL (a healthy server answers two requests):

1. ``GET`` with ``Range: bytes=0-8191``. The answer brings the status, the total size
   (``Content-Range``, or ``Content-Length`` when the server ignores the range), the validators
   (``Last-Modified``, ``ETag``), the ``Content-Type`` and the first bytes to sniff. At most
   8 KiB of body is kept, even from a server that ignores the range or never stops.
2. ``HEAD`` with ``If-Modified-Since: <its Last-Modified>``: ``304 Not Modified`` shows the
   provider's cache can revalidate. Where HEAD is refused, the same conditional request is a
   ``GET`` that is closed as soon as the status arrives.

Only when needed: a second ranged ``GET`` when the audio header lies beyond the first 8 KiB (a
long ID3v2 tag), and a plain ``HEAD`` for ``Content-Length`` when neither answer gave a size.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..diagnostics import Diagnostic, Severity
from ..schemas import limits
from .fetch import Fetched, Fetcher, FetchError
from .notify import not_public
from .outcome import Outcome, finding
from .sniff import (
    NAMES,
    SNIFF_BYTES,
    AudioFacts,
    NeedMore,
    expected_format,
    format_of_content_type,
    sniff,
    sniff_continued,
)

__all__ = ["probe_audio", "revalidate_audio"]

_E, _W = Severity.ERROR, Severity.WARNING
_FIELD = "msg"
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(?:\d+-\d+|\*)\s*/\s*(\d+|\*)\s*$", re.I)
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
        what = "<url>" if error.url == original else f"<url> redirects to {error.url}, which"
        return Outcome((not_public(error.not_public, _FIELD, what),), cacheable=False)
    where = "" if error.url == original else f" (at {error.url}, after redirects)"
    return Outcome(
        (
            _u(
                "error_msg_download_failed",
                _E,
                f"<url> cannot be downloaded: {error.reason}{where}",
                _HINT_DOWNLOAD,
            ),
        ),
        cacheable=False,
    )


def _total(fetched: Fetched) -> int | None:
    """The file's size from this response, when it says."""
    if fetched.status in (206, 416):
        found = _CONTENT_RANGE.match(fetched.header("content-range") or "")
        if found and found.group(1) != "*":
            return int(found.group(1))
        return 0 if fetched.status == 416 else None
    length = fetched.header("content-length")
    if fetched.status == 200 and length is not None and length.strip().isdigit():
        return int(length)
    return None


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
    try:
        first = await fetcher.fetch(
            "GET", url, headers={"Range": f"bytes=0-{SNIFF_BYTES - 1}"}, cap=SNIFF_BYTES
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
    body = b"" if first.status == 416 else first.body
    facts = sniff(body)
    if isinstance(facts, NeedMore):
        facts = await _sniff_further(fetcher, first, facts, size)

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
        found.append(
            _u(
                "error_msg_invalid_file_size",
                _E,
                f"<url>: the file is {_mb(size)}; the limit is {_mb(lim.audio_max_bytes)}",
                "shorten the recording or lower its bit rate; 8000 Hz mono audio is small",
            )
        )
    found.extend(_format_findings(facts, claimed, first))
    return Outcome(
        tuple(found),
        cacheable=True,
        etag=etag,
        last_modified=last_modified,
        final_url=first.url,
    )


async def _sniff_further(
    fetcher: Fetcher, first: Fetched, need: NeedMore, size: int | None
) -> AudioFacts:
    """Fetch the bytes the header needs, once, where the server serves ranges."""
    if first.status != 206 or (size is not None and need.offset >= size):
        return need.partial
    end = need.offset + SNIFF_BYTES - 1
    try:
        more = await fetcher.fetch(
            "GET", first.url, headers={"Range": f"bytes={need.offset}-{end}"}, cap=SNIFF_BYTES
        )
    except FetchError:
        return need.partial
    if more.status != 206:
        return need.partial
    return sniff_continued(need, more.body)


def _format_findings(facts: AudioFacts, claimed: str | None, first: Fetched) -> list[Diagnostic]:
    lim = limits()
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
    if not facts.is_supported:
        detail = f" ({facts.detail})" if facts.detail else ""
        if encoding not in ("", "identity"):
            detail += f"; the server compressed it (Content-Encoding: {encoding})"
        return [
            _u(
                "error_msg_invalid_file_format",
                _E,
                f"<url>: the file is {facts.name}{detail}, not {wanted} audio",
                "link to the recording itself (not a page about it), saved as 8000 Hz mono "
                ".wav, .mp3 or .gsm",
            )
        ]
    if claimed is not None and facts.format != claimed:
        return [
            _u(
                "error_msg_invalid_file_format",
                _E,
                f"<url>: the file is {facts.describe()}, but its name ends in .{claimed} "
                "(wrong filename extension)",
                f"rename it to .{facts.format}, or convert it to {wanted}",
            )
        ]
    found: list[Diagnostic] = []
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
