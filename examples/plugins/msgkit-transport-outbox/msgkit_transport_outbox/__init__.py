"""A msgkit transport that queues Monitor requests in a JSON-lines spool file.

Each line is one request: an ``id``, when it was queued, and the wire parameters *without* the
access token (the sending process supplies it; a spool is no place for a secret).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import msgkit
from msgkit import MonitorRequest, MonitorResult, Notification, Transport, hookimpl

__all__ = ["OutboxTransport", "drain", "msgkit_transports"]
__version__ = "0.1.0"


class OutboxTransport:
    """Appends each request to ``path`` as one JSON line and answers ``success_queued``."""

    name: ClassVar[str] = "outbox"

    def __init__(self, *, path: str | os.PathLike[str] = "msgkit-outbox.jsonl") -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"OutboxTransport(path={str(self.path)!r})"

    def submit(self, request: MonitorRequest) -> MonitorResult:
        params = request.to_params()
        del params["access_token"]  # the spool holds no secrets; the sender adds the token
        entry = {
            "id": uuid.uuid4().hex,
            "queued_at": datetime.now(timezone.utc).isoformat(),
            "endpoint": "/ivr/middle/monitor",
            "params": params,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        # One write of one line in append mode: concurrent writers do not interleave lines.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
        return MonitorResult(
            status="success_queued",
            raw={"status": "success_queued", "id": entry["id"], "outbox": str(self.path)},
        )

    def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Notification:
        # Notifications come from the provider, whoever sent the request.
        return msgkit.parse_notification(body, content_type, query)


def drain(
    path: str | os.PathLike[str], access_token: str, transport: Transport | None = None
) -> Iterator[tuple[dict[str, Any], MonitorResult | msgkit.MsgkitError]]:
    """Send every queued request with ``access_token``; yield each entry with its outcome.

    The spool is renamed before it is read, so requests queued meanwhile go to a new file.
    """
    source = Path(path)
    taken = source.with_name(source.name + f".{uuid.uuid4().hex}.sending")
    try:
        source.rename(taken)
    except FileNotFoundError:
        return
    sender = transport or msgkit.get_transport("hoiio")
    with taken.open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            request = MonitorRequest(access_token=access_token, **entry["params"])
            try:
                yield entry, sender.submit(request)
            except msgkit.MsgkitError as error:
                yield entry, error
    taken.unlink()


@hookimpl
def msgkit_transports() -> list[type[Transport]]:
    return [OutboxTransport]
