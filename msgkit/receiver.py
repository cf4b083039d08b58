"""A receiver for the provider's notifications: verify, parse, and keep the recording.

The end of the notify URLs, for the sandbox walkthrough and for trying a real account: every
POST is checked against ``X-Hoiio-Signature`` and parsed with :func:`msgkit.parse_notification`
(signed fields only: the query string is kept apart), handed to a callback, and a Monitor File
Notification's MP3 is downloaded under a name msgkit derives from the session and transaction
reference. Standard library HTTP server: it is a tool for one developer's machine, not a
production endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .download import DEFAULT_DEADLINE, DEFAULT_MAX_BYTES
from .errors import MsgkitError
from .notifications import (
    MonitorFileNotification,
    Notification,
    RecordNotification,
    SignatureError,
    parse_notification,
)

__all__ = ["Delivery", "NotificationReceiver"]

# A notification is a few hundred bytes of form fields; anything far larger is not one.
MAX_BODY = 1 << 20
# Seconds a client may take over each read of its request: a stalled one frees its thread.
_CLIENT_TIMEOUT = 30.0
# Seconds shutdown() waits for the downloads in progress, once cancelled, to clean up.
_DRAIN = 10.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One POST to the receiver and what became of it.

    ``notification`` is ``None`` when the request was refused; ``error`` then says why.
    ``saved`` is where the recording went, for a Monitor File Notification that had one.
    """

    path: str
    notification: Notification | None = None
    error: str | None = None
    saved: Path | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away or stalled; never a traceback on the console


class NotificationReceiver:
    """An HTTP server on ``host:port`` that receives notifications until closed.

    ``access_token`` verifies signatures (unsigned or wrongly signed bodies answer 403);
    ``download_dir`` is where recordings are saved (``None``: not downloaded), each as
    ``SESSION.TXN_REF.mp3``; an existing file is kept (the delivery reports it) unless
    ``overwrite``. ``max_bytes`` and ``deadline`` bound each download (see
    :func:`msgkit.download.download_recording`). ``on_delivery`` is called for each request,
    from the server's threads.
    """

    def __init__(
        self,
        *,
        access_token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        download_dir: str | Path | None = None,
        overwrite: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline: float = DEFAULT_DEADLINE,
        on_delivery: Callable[[Delivery], None] | None = None,
    ) -> None:
        self.access_token = access_token
        self.download_dir = Path(download_dir) if download_dir is not None else None
        self.overwrite = overwrite
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.on_delivery = on_delivery
        self._host = host
        self._lock = threading.Lock()
        self._closing = threading.Event()  # cancels the downloads in progress
        self._busy: set[threading.Thread] = set()
        self._busy_lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            timeout = _CLIENT_TIMEOUT

            def do_POST(self) -> None:
                try:
                    status, delivery = owner._receive(self)
                except Exception as error:  # a bug must cost one request, never the thread
                    path = urlsplit(self.path).path
                    status = 500
                    delivery = Delivery(path, error=f"internal error: {type(error).__name__}")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", "2" if status == 200 else "0")
                    self.end_headers()
                    if status == 200:
                        self.wfile.write(b"OK")
                except OSError:
                    pass  # the sender hung up; the delivery is still reported
                # Answered first: the provider waits for the answer, not for the recording.
                delivery = owner._keep_recording(delivery)
                if owner.on_delivery is not None:
                    with owner._lock:
                        owner.on_delivery(delivery)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # each delivery is reported through on_delivery, never with its body

        self._server = _Server((host, port), Handler)

    @property
    def url(self) -> str:
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self._server.server_port}"

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.1)

    def start(self) -> threading.Thread:
        """Serve from a new (daemon) thread; connections are accepted once this returns."""
        worker = threading.Thread(target=self.serve_forever, name="msgkit-receiver", daemon=True)
        worker.start()
        return worker

    def shutdown(self) -> None:
        """Stop serving (from another thread) and release the port.

        Downloads in progress are cancelled, and waited for while they remove their temporary
        files.
        """
        self._closing.set()
        self._server.shutdown()
        with self._busy_lock:
            busy = list(self._busy)
        for thread in busy:
            thread.join(_DRAIN / max(1, len(busy)))
        self._server.server_close()

    def _receive(self, request: BaseHTTPRequestHandler) -> tuple[int, Delivery]:
        parts = urlsplit(request.path)
        try:
            length = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            return 400, Delivery(parts.path, error="the Content-Length is not a number")
        if not 0 <= length <= MAX_BODY:
            return 413, Delivery(
                parts.path, error=f"a body of {length} bytes is not a notification"
            )
        try:
            body = request.rfile.read(length)
        except OSError:
            return 408, Delivery(parts.path, error="the body did not arrive in time")
        signature = request.headers.get("X-Hoiio-Signature")
        if not signature:
            return 403, Delivery(parts.path, error="the notification has no X-Hoiio-Signature")
        content_type = request.headers.get("Content-Type", "application/x-www-form-urlencoded")
        try:
            notification = parse_notification(
                body,
                content_type,
                parts.query,
                signature=signature,
                access_token=self.access_token,
            )
        except SignatureError:
            return 403, Delivery(
                parts.path, error="the notification has a signature that does not match"
            )
        except MsgkitError as error:
            return 400, Delivery(parts.path, error=f"the notification does not parse: {error}")
        return 200, Delivery(parts.path, notification)

    def _keep_recording(self, delivery: Delivery) -> Delivery:
        notification = delivery.notification
        if (
            self.download_dir is None
            or not isinstance(notification, (MonitorFileNotification, RecordNotification))
            or notification.recording_url is None
        ):
            return delivery
        # Downloads are what shutdown() waits for: their .part files must be cleaned up.
        with self._busy_lock:
            self._busy.add(threading.current_thread())
        try:
            if self._closing.is_set():  # registered after shutdown() looked: do not start
                return replace(delivery, error="the receiver is stopping; not downloaded")
            saved = notification.download(
                self.download_dir,
                overwrite=self.overwrite,
                max_bytes=self.max_bytes,
                deadline=self.deadline,
                cancel=self._closing,
            )
        except MsgkitError as error:
            return replace(delivery, error=f"the recording could not be downloaded: {error}")
        except Exception as error:  # never the handler thread's end
            return replace(delivery, error=f"the recording could not be downloaded: {error!r}")
        finally:
            with self._busy_lock:
                self._busy.discard(threading.current_thread())
        return replace(delivery, saved=saved)
