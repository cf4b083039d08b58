"""Downloading the recording of a monitored call (the Monitor File Notification's URL).

The URL comes from a server and the bytes from another: neither names the file nor decides how
much is written or for how long. The file is named after the session and transaction
reference (sanitised), or is the path the caller gave; the body is streamed to a temporary
file made exclusively beside the target (never through a symlink), within ``max_bytes`` and
a total ``deadline``, and moved into place only once it is complete and looks like an MP3,
without replacing an existing file unless asked. Whatever goes wrong, including an interrupt,
the temporary file is removed and a ``DownloadError`` raised. The pre-signed URL is a
credential of its own: its query string is left out of every message.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import math
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol
from urllib.parse import parse_qs, urlsplit

from .errors import MsgkitError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BYTES",
    "DownloadError",
    "Recording",
    "download_recording",
    "looks_like_mp3",
    "recording_filename",
]

DEFAULT_MAX_BYTES = 200 * 1000 * 1000  # 200 MB: hours of a call at the provider's bit rates
DEFAULT_DEADLINE = 600.0  # seconds for the whole download, however the server paces it
_POLL = 0.05  # how often the watchdog looks at the deadline and the cancel event


class DownloadError(MsgkitError):
    """The recording could not be downloaded; nothing was written at the target path."""


class Recording(Protocol):
    """What a notification with a recording offers (the Monitor File and Record ones).

    Defined here, not imported from :mod:`msgkit.notifications`: notifications use this
    module, never the other way round.
    """

    @property
    def session(self) -> str: ...

    @property
    def txn_ref(self) -> str: ...

    @property
    def recording_url(self) -> str | None: ...

    @property
    def expires_at(self) -> datetime | None: ...

    @property
    def no_recording(self) -> str:
        """Why there is no URL, when there is none."""
        ...


def looks_like_mp3(head: bytes) -> bool:
    """An ID3v2 tag, or an MPEG audio frame sync (11 set bits), at the start of the file."""
    if head.startswith(b"ID3"):
        return True
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_PART = 48  # characters kept of each part; longer or changed parts get a digest suffix


def _name_part(value: str) -> str:
    clean = _UNSAFE.sub("_", value)
    if clean.startswith("-"):  # a name that reads as an option to other tools
        clean = "_" + clean[1:]
    if clean == value and 0 < len(clean) <= _PART:
        return clean
    # Changed or cut: a digest of the original keeps two different values apart ("a/b", "a_b").
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{clean[:_PART]}-{digest}"


def recording_filename(session: str, txn_ref: str) -> str:
    """The file name of a call's recording: ``SESSION.TXN_REF.mp3``, safe on any file system.

    Only ASCII letters, digits, ``_`` and ``-`` are kept; a value that needed changing (or
    was longer than 48 characters) is shortened and given a digest of its original, so that
    different calls never share a name. Nothing from the URL or the server's headers is used.
    """
    return f"{_name_part(session)}.{_name_part(txn_ref)}.mp3"


def _public(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the recording's URL"
    return f"{parts.scheme}://{parts.netloc}{parts.path}"[:300]


def _expires(url: str) -> datetime | None:
    try:
        values = parse_qs(urlsplit(url).query).get("Expires")
    except ValueError:
        return None
    if not values or not re.fullmatch(r"[0-9]{1,12}", values[0]):
        return None
    try:
        return datetime.fromtimestamp(int(values[0]), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None


def _positive(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite")
    return float(value)


def download_recording(
    recording: Recording | str,
    path: str | Path,
    *,
    overwrite: bool = False,
    max_bytes: int | None = None,
    timeout: float = 60.0,
    deadline: float | None = None,
    transport: httpx.BaseTransport | None = None,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> Path:
    """Download the MP3 of ``recording`` (a notification or its URL) to ``path``; return it.

    ``path`` is the file to write, or a directory: the file is then named by
    :func:`recording_filename` (a bare URL cannot name it: give a file path). An existing file
    (or symlink) there is left alone and ``DownloadError`` raised, unless ``overwrite``; a
    symlink is then replaced, never written through.

    Refuses a URL whose ``Expires`` has passed, an answer other than 200, a body that is not an
    MP3, one larger than ``max_bytes`` (default 200 MB) and a download that takes longer than
    ``deadline`` seconds in all (default 600), however slowly the server sends; ``timeout``
    bounds each connect and read. Setting ``cancel`` (from another thread) stops it. Every
    failure is a ``DownloadError`` and leaves nothing behind.
    """
    limit = DEFAULT_MAX_BYTES if max_bytes is None else int(_positive("max_bytes", max_bytes))
    total = DEFAULT_DEADLINE if deadline is None else _positive("deadline", deadline)
    per_step = _positive("timeout", timeout)
    if isinstance(recording, str):
        url, expires_at, name = recording, _expires(recording), None
    else:
        found = recording.recording_url
        if found is None:
            raise DownloadError(f"there is no recording to download: {recording.no_recording}")
        url, expires_at = found, recording.expires_at
        name = recording_filename(recording.session, recording.txn_ref)
    public = _public(url)
    moment = now or datetime.now(timezone.utc)
    if expires_at is not None and expires_at <= moment:
        raise DownloadError(
            f"the recording's URL expired at {expires_at.isoformat()} ({public}); "
            "download recordings as soon as their notification arrives"
        )
    target = _target(Path(path), name, overwrite)
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name[:100]}.", suffix=".part"
        )
    except OSError as error:
        raise DownloadError(f"cannot write in {target.parent}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            _fetch(url, public, out, limit, per_step, total, transport, cancel)
        _place(temporary, target, overwrite)
    except BaseException as error:  # an interrupt as well: never leave a .part behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise DownloadError(f"cannot write {target}: {error.strerror or error}") from None
        raise
    return target


def _target(path: Path, name: str | None, overwrite: bool) -> Path:
    try:
        if path.is_dir():  # the caller's directory, symlinked or not, is the caller's choice
            if name is None:
                raise DownloadError(
                    f"{path} is a directory and a URL does not name the recording: give a file "
                    "path, or download from the notification"
                )
            path = path / name
        if not path.parent.is_dir():
            raise DownloadError(f"directory {path.parent} does not exist")
        if os.path.lexists(path):
            if not overwrite:
                raise DownloadError(f"{path} exists; it is not overwritten unless asked")
            if path.is_dir() and not path.is_symlink():
                raise DownloadError(f"{path} is a directory")
    except OSError as error:
        raise DownloadError(f"cannot use {path}: {error.strerror or error}") from None
    return path


def _place(temporary: str, target: Path, overwrite: bool) -> None:
    """Move the complete file into place; rename and link never follow a symlink at target."""
    if overwrite:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails if anything, even a dangling symlink, is there
    except FileExistsError:
        raise DownloadError(f"{target} exists; it is not overwritten unless asked") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise
        # No hard links here: claim the name exclusively (O_EXCL fails on a symlink), then
        # rename over the empty file this process made.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            os.close(os.open(target, flags, 0o600))
        except FileExistsError:
            raise DownloadError(f"{target} exists; it is not overwritten unless asked") from None
        os.replace(temporary, target)
        return
    os.unlink(temporary)


class _Watchdog:
    """Ends a download at its deadline or when cancelled, even in the middle of a read.

    A per-read timeout cannot bound a server that sends a byte every few seconds; shutting the
    connection's sockets down from this thread wakes the read at once, wherever it waits.
    """

    def __init__(self, ends_at: float, cancel: threading.Event | None) -> None:
        self.ends_at = ends_at
        self.cancel = cancel
        self.why: str | None = None  # "deadline" or "cancelled", once fired
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="msgkit-download", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: note each socket as it is connected (or wrapped in TLS)."""
        if event not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                fired = self.why is not None
            if fired:
                self._shut(sock)

    def check(self) -> None:
        if self.why is None:
            if self.cancel is not None and self.cancel.is_set():
                self.why = "cancelled"
            elif time.monotonic() >= self.ends_at:
                self.why = "deadline"

    def _run(self) -> None:
        while not self._done.wait(_POLL):
            self.check()
            if self.why is not None:
                with self._lock:
                    sockets = list(self._sockets)
                for sock in sockets:
                    self._shut(sock)
                return

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _fetch(
    url: str,
    public: str,
    out: BinaryIO,
    limit: int,
    per_step: float,
    total: float,
    transport: httpx.BaseTransport | None,
    cancel: threading.Event | None,
) -> None:
    import httpx

    started = time.monotonic()
    with _Watchdog(started + total, cancel) as watchdog:

        def stopped() -> DownloadError:
            if watchdog.why == "cancelled":
                return DownloadError(f"the download of {public} was cancelled")
            return DownloadError(f"downloading {public} took longer than {total:g}s")

        try:
            with (
                httpx.Client(
                    transport=transport,
                    timeout=min(per_step, total),
                    follow_redirects=True,
                    max_redirects=5,
                ) as client,
                client.stream(
                    "GET",
                    url,
                    # Compressed bodies would escape max_bytes (and an MP3 gains nothing).
                    headers={"Accept-Encoding": "identity"},
                    extensions={"trace": watchdog.trace},
                ) as response,
            ):
                _save(response, public, out, limit, watchdog, stopped)
        except httpx.HTTPError as error:
            watchdog.check()
            if watchdog.why is not None:
                raise stopped() from None
            raise DownloadError(f"downloading {public} failed: {type(error).__name__}") from None
        except (httpx.InvalidURL, ValueError, UnicodeError) as error:  # not an http(s) URL
            raise DownloadError(f"cannot download {public}: {type(error).__name__}") from None


def _save(
    response: httpx.Response,
    public: str,
    out: BinaryIO,
    limit: int,
    watchdog: _Watchdog,
    stopped: Callable[[], DownloadError],
) -> None:
    if response.status_code != 200:
        why = " (the pre-signed URL may have expired)" if response.status_code == 403 else ""
        raise DownloadError(f"HTTP {response.status_code} from {public}{why}")
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise DownloadError(f"{public} was sent {encoding}-encoded; expected the MP3 itself")
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise DownloadError(
            f"{public} is larger than {limit} bytes (its Content-Length is {declared[:20]})"
        )
    head = b""
    size = 0
    for chunk in response.iter_raw():
        watchdog.check()
        if watchdog.why is not None:
            raise stopped()
        if len(head) < 4:
            head += chunk[: 4 - len(head)]
            if len(head) >= 4 and not looks_like_mp3(head):
                raise DownloadError(f"{public} is not an MP3 (it starts with {head!r})")
        size += len(chunk)
        if size > limit:
            raise DownloadError(f"{public} is larger than {limit} bytes")
        out.write(chunk)
    # A body that runs until the connection closes would look complete when the watchdog
    # shut the connection down: trust it only if the watchdog has not fired.
    if watchdog.why is not None:
        raise stopped()
    if size == 0:
        raise DownloadError(f"{public} is empty")
    if not looks_like_mp3(head):
        raise DownloadError(f"{public} is not an MP3 (it starts with {head!r})")
