"""A receiver for the provider's notifications: verify, parse, and keep the recording.

The end of the notify URLs, for the sandbox walkthrough and for trying a real account: every
POST is checked against ``X-Hoiio-Signature``, parsed with :func:`msgkit.parse_notification`,
handed to a callback, and a Monitor File Notification's MP3 is downloaded. Standard library
HTTP server: it is a tool for one developer's machine, not a production endpoint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import MsgkitError
from .notifications import MonitorFileNotification, Notification, parse_notification
from .signatures import verify_signature

__all__ = ["Delivery", "NotificationReceiver"]

# A notification is a few hundred bytes of form fields; anything far larger is not one.
MAX_BODY = 1 << 20


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


class NotificationReceiver:
    """An HTTP server on ``host:port`` that receives notifications until closed.

    ``access_token`` verifies signatures (unsigned or wrongly signed bodies answer 403);
    ``download_dir`` is where recordings are saved (``None``: not downloaded). ``on_delivery``
    is called for each request, from the server's threads.
    """

    def __init__(
        self,
        *,
        access_token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        download_dir: str | Path | None = None,
        on_delivery: Callable[[Delivery], None] | None = None,
    ) -> None:
        self.access_token = access_token
        self.download_dir = Path(download_dir) if download_dir is not None else None
        self.on_delivery = on_delivery
        self._host = host
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, delivery = owner._receive(self)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2" if status == 200 else "0")
                self.end_headers()
                if status == 200:
                    self.wfile.write(b"OK")
                if owner.on_delivery is not None:
                    with owner._lock:
                        owner.on_delivery(delivery)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # each delivery is reported through on_delivery, never with its body

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self._server.server_port}"

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        """Stop serving (from another thread) and release the port."""
        self._server.shutdown()
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
        body = request.rfile.read(length)
        signature = request.headers.get("X-Hoiio-Signature", "")
        if not verify_signature(body, signature, self.access_token):
            what = (
                "has no X-Hoiio-Signature"
                if not signature
                else "has a signature that does not match"
            )
            return 403, Delivery(parts.path, error=f"the notification {what}")
        content_type = request.headers.get("Content-Type", "application/x-www-form-urlencoded")
        try:
            notification = parse_notification(body, content_type, parts.query)
        except MsgkitError as error:
            return 400, Delivery(parts.path, error=f"the notification does not parse: {error}")
        saved = None
        error_text = None
        if (
            self.download_dir is not None
            and isinstance(notification, MonitorFileNotification)
            and notification.monitor_url is not None
        ):
            try:
                saved = notification.download(self.download_dir)
            except MsgkitError as error:
                error_text = f"the recording could not be downloaded: {error}"
        return 200, Delivery(parts.path, notification, error_text, saved)
