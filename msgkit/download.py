"""Downloading the recording of a monitored call (the Monitor File Notification's URL).

The MP3 is streamed to a temporary file beside the target and renamed into place only once it
is complete and looks like an MP3, so a reader never sees half a recording. The pre-signed URL
is a credential of its own: its query string is left out of every message.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import parse_qs, urlsplit

from .errors import MsgkitError

if TYPE_CHECKING:
    import httpx

    from .notifications import MonitorFileNotification

__all__ = ["DownloadError", "download_recording", "looks_like_mp3"]

_CHUNK = 64 * 1024


class DownloadError(MsgkitError):
    """The recording could not be downloaded; nothing was written at the target path."""


def looks_like_mp3(head: bytes) -> bool:
    """An ID3v2 tag, or an MPEG audio frame sync (11 set bits), at the start of the file."""
    if head.startswith(b"ID3"):
        return True
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


def _public(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _expires(url: str) -> datetime | None:
    values = parse_qs(urlsplit(url).query).get("Expires")
    try:
        return datetime.fromtimestamp(int(values[0]), tz=timezone.utc) if values else None
    except (ValueError, OverflowError, OSError):
        return None


def download_recording(
    recording: MonitorFileNotification | str,
    path: str | Path,
    *,
    timeout: float = 60.0,
    max_bytes: int | None = None,
    transport: httpx.BaseTransport | None = None,
    now: datetime | None = None,
) -> Path:
    """Download the MP3 of ``recording`` (a notification or its URL) to ``path``.

    ``path`` may be a directory: the file then takes the name in the URL. Refuses a URL whose
    ``Expires`` has passed, an answer other than 200, a body that is not an MP3 and, with
    ``max_bytes``, a larger one. Returns the path written.
    """
    import httpx

    if isinstance(recording, str):
        url, expires_at = recording, _expires(recording)
    else:
        if recording.monitor_url is None:
            raise DownloadError(
                f"there is no recording to download: monitor_status is {recording.monitor_status!r}"
                " and the notification has no monitor_url"
            )
        url, expires_at = recording.monitor_url, recording.expires_at
    public = _public(url)
    moment = now or datetime.now(timezone.utc)
    if expires_at is not None and expires_at <= moment:
        raise DownloadError(
            f"the recording's URL expired at {expires_at.isoformat()} ({public}); "
            "download recordings as soon as their notification arrives"
        )
    target = Path(path)
    if target.is_dir():
        target = target / (PurePosixPath(urlsplit(url).path).name or "recording.mp3")
    if not target.parent.is_dir():
        raise DownloadError(f"directory {target.parent} does not exist")
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with (
            os.fdopen(fd, "wb") as out,
            httpx.Client(transport=transport, timeout=timeout, follow_redirects=True) as client,
        ):
            _stream(client, url, public, out, max_bytes)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def _stream(
    client: httpx.Client, url: str, public: str, out: BinaryIO, max_bytes: int | None
) -> None:
    import httpx

    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                why = (
                    " (the pre-signed URL may have expired)" if response.status_code == 403 else ""
                )
                raise DownloadError(f"HTTP {response.status_code} from {public}{why}")
            head = b""
            size = 0
            for chunk in response.iter_bytes(_CHUNK):
                if len(head) < 4:
                    head += chunk[:4]
                    if len(head) >= 4 and not looks_like_mp3(head):
                        raise DownloadError(f"{public} is not an MP3 (it starts with {head[:4]!r})")
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise DownloadError(f"{public} is larger than {max_bytes} bytes")
                out.write(chunk)
            if size == 0:
                raise DownloadError(f"{public} is empty")
            if not looks_like_mp3(head):
                raise DownloadError(f"{public} is not an MP3 (it starts with {head!r})")
    except httpx.HTTPError as error:
        raise DownloadError(f"downloading {public} failed: {type(error).__name__}") from None
