"""The sandbox's calls, their sessions and the rules a monitor request meets.

Everything here runs on the server's single event loop, and every check-and-change is a plain
synchronous method with no ``await`` inside: that is what makes a race between two monitor
requests on one session come out as exactly one ``success_ok``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..errors import MsgkitError

if TYPE_CHECKING:
    from .notifier import Delivery

__all__ = [
    "OUTCOMES",
    "BlockJob",
    "Call",
    "CallEndedError",
    "Calls",
    "MonitorJob",
    "RateLimiter",
    "Recordings",
    "SandboxError",
    "UnknownCallError",
]


class SandboxError(MsgkitError):
    """A control request the sandbox cannot carry out."""


class UnknownCallError(SandboxError, LookupError):
    """No call with that session."""


class CallEndedError(SandboxError):
    """The call has already ended."""


@dataclass(frozen=True, slots=True)
class MonitorJob:
    """An accepted monitor request: what the notifications need to know about it."""

    txn_ref: str
    accepted_at: float
    msg: str | None = None
    tag: str | None = None
    notify_url: str | None = None
    monitor_notify_url: str | None = None

    @property
    def block_url(self) -> str | None:
        """Where the "block finished" notification goes: monitor_notify_url, else notify_url."""
        return self.monitor_notify_url or self.notify_url

    @property
    def end_url(self) -> str | None:
        """Where the end-of-call notifications go: notify_url, else monitor_notify_url.

        The spec sends them to notify_url; falling back keeps a recording from being lost when
        only monitor_notify_url was given (the spec's sentence about that case is garbled).
        """
        return self.notify_url or self.monitor_notify_url

    def to_json(self) -> dict[str, Any]:
        return {
            "block": "monitor",
            "txn_ref": self.txn_ref,
            "tag": self.tag,
            "msg": self.msg,
            "notify_url": self.notify_url,
            "monitor_notify_url": self.monitor_notify_url,
        }


# What a dialled (or transferred-to) number does; "answered" unless the control API says.
OUTCOMES = ("answered", "unanswered", "busy", "failed")


@dataclass(frozen=True, slots=True)
class BlockJob:
    """An accepted request for a block other than Monitor."""

    block: str
    txn_ref: str
    accepted_at: float
    params: dict[str, str]

    @property
    def notify_url(self) -> str | None:
        return self.params.get("notify_url") or None

    @property
    def tag(self) -> str | None:
        return self.params.get("tag") or None

    def to_json(self) -> dict[str, Any]:
        shown = {k: v for k, v in self.params.items() if k not in ("app_id", "access_token")}
        return {"block": self.block, "txn_ref": self.txn_ref, "params": shown}


@dataclass(slots=True, eq=False)
class Call:
    """One simulated call. Mutable: it is the sandbox's state, changed only by ``Calls``."""

    session: str
    app_id: str
    from_: str
    to: str
    started_at: float
    ended_at: float | None = None
    block: Literal["idle", "running"] = "idle"
    monitor: MonitorJob | None = None
    monitor_status: str | None = None
    monitor_url: str | None = None
    recording_id: str | None = None
    duration_seconds: float | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    # Notifications of one call go out one after the other, in the order they were made.
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    block_task: asyncio.Task[None] | None = None
    direction: Literal["incoming", "outgoing"] = "incoming"
    # The session rules (enforced here, independently of msgkit.Call): the block running,
    # hold, the End block sent, and the blocks accepted so far.
    running: BlockJob | MonitorJob | None = None
    on_hold: bool = False
    ending: str | None = None
    continue_on_failure: bool = False
    history: list[BlockJob | MonitorJob] = field(default_factory=list)
    digits: str = ""
    finished: dict[str, str] = field(default_factory=dict)  # the last block's own fields
    digits_done: asyncio.Event = field(default_factory=asyncio.Event)
    room: str | None = None

    @property
    def state(self) -> Literal["ongoing", "ended"]:
        return "ongoing" if self.ended_at is None else "ended"

    def fields(self) -> dict[str, str]:
        """The numbers a notification of this call carries: from/to, or dest when dialled."""
        if self.direction == "outgoing":
            return {"dest": self.to}
        return {"from": self.from_, "to": self.to}

    def session_rule(self, block: str, *, force: bool = False) -> str:
        """The provider's answer to ``block`` on this call now, by the session rules."""
        if self.ended_at is not None or self.ending is not None:
            return "error_session_ended"
        if block == "hangup" and force:
            return "success_ok"
        if block == "unhold":
            return "success_ok" if self.on_hold else "error_session_not_on_hold"
        if self.on_hold or self.block == "running":
            return "error_session_not_ready"
        if block == "monitor" and self.monitor is not None:
            return "error_monitor_in_progress"
        return "success_ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "app_id": self.app_id,
            "from": self.from_,
            "to": self.to,
            "state": self.state,
            "block": self.block,
            "direction": self.direction,
            "running": None if self.running is None else self.running.to_json(),
            "on_hold": self.on_hold,
            "ending": self.ending,
            "room": self.room,
            "blocks": [job.to_json() for job in self.history],
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_seconds": self.duration_seconds,
            "monitor": None if self.monitor is None else self.monitor.to_json(),
            "monitor_status": self.monitor_status,
            "monitor_url": self.monitor_url,
            "notifications": [d.to_json() for d in self.deliveries],
        }


class Calls:
    """Every call the sandbox knows, oldest first, at most ``max_calls`` of them.

    Past the bound the oldest ended calls are forgotten first, then the oldest ongoing ones
    (as if they had timed out): their sessions then answer ``error_invalid_session``, like
    expired ones. ``forgotten`` counts the ongoing calls dropped that way.
    """

    def __init__(self, max_calls: int) -> None:
        self._calls: OrderedDict[str, Call] = OrderedDict()
        self._max = max_calls
        self.forgotten = 0

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(list(self._calls.values()))  # a copy: callers may create calls meanwhile

    def create(
        self,
        *,
        app_id: str,
        from_: str,
        to: str,
        now: float,
        direction: Literal["incoming", "outgoing"] = "incoming",
    ) -> Call:
        session = "S" + secrets.token_hex(10)
        call = Call(
            session=session, app_id=app_id, from_=from_, to=to, started_at=now, direction=direction
        )
        self._calls[session] = call
        self._forget_old()
        return call

    def _forget_old(self) -> None:
        if len(self._calls) <= self._max:
            return
        for session, call in list(self._calls.items()):
            if len(self._calls) <= self._max:
                return
            if call.ended_at is not None:
                del self._calls[session]
        while len(self._calls) > self._max:
            _, call = self._calls.popitem(last=False)
            self.forgotten += 1
            if call.block_task is not None:
                call.block_task.cancel()
                call.block_task = None

    def get(self, session: str) -> Call:
        call = self._calls.get(session)
        if call is None:
            raise UnknownCallError(f"no call with session {session!r}")
        return call

    def start_monitor(self, session: str, app_id: str, job: MonitorJob) -> tuple[str, Call | None]:
        """Apply the session rules; on ``success_ok`` the call is monitored and its block runs."""
        call = self._calls.get(session)
        if call is None:
            return "error_invalid_session", None
        if call.app_id != app_id:
            return "error_session_access_denied", None
        status = call.session_rule("monitor")
        if status != "success_ok":
            return status, None
        call.monitor = job
        call.block = "running"
        call.running = job
        call.history.append(job)
        return "success_ok", call

    def start_block(self, session: str, app_id: str, job: BlockJob) -> tuple[str, Call | None]:
        """Apply the session rules to a block other than Monitor and Dial; on ``success_ok``
        the block runs on the call."""
        call = self._calls.get(session)
        if call is None:
            return "error_invalid_session", None
        if call.app_id != app_id:
            return "error_session_access_denied", None
        force = job.block == "hangup" and job.params.get("force") == "enabled"
        status = call.session_rule(job.block, force=force)
        if status != "success_ok":
            return status, None
        if call.block_task is not None:  # a forced hangup cuts the running block short
            call.block_task.cancel()
            call.block_task = None
        if job.block == "hold":
            call.on_hold = True
        elif job.block == "unhold":
            call.on_hold = False
        elif job.block in ("transfer", "hangup"):
            call.ending = job.block
            call.continue_on_failure = (
                job.block == "transfer" and job.params.get("on_failure") == "continue"
            )
        call.block = "running"
        call.running = job
        call.history.append(job)
        call.digits = ""
        call.digits_done = asyncio.Event()
        return "success_ok", call

    def hang_up(self, session: str, *, now: float, duration: float | None = None) -> Call:
        """End the call; raise if it is unknown or already ended."""
        call = self.get(session)
        if call.ended_at is not None:
            raise CallEndedError(f"call {session!r} has already ended")
        call.ended_at = now
        call.duration_seconds = duration if duration is not None else now - call.started_at
        call.block = "idle"
        call.on_hold = False
        if call.block_task is not None:
            call.block_task.cancel()
            call.block_task = None
        return call


class RateLimiter:
    """At most ``limit`` requests per ``window`` seconds for each application (sliding)."""

    def __init__(self, limit: int | None, window: float) -> None:
        self._limit = limit
        self._window = window
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float) -> bool:
        if self._limit is None:
            return True
        seen = self._seen.setdefault(key, deque())
        while seen and seen[0] <= now - self._window:
            seen.popleft()
        if len(seen) >= self._limit:
            return False
        seen.append(now)
        return True


@dataclass(frozen=True, slots=True)
class Recording:
    recording_id: str
    created: int  # whole seconds: Last-Modified has no finer resolution


class Recordings:
    """Recordings and their pre-signed URLs (``Expires`` + ``Signature``, S3 style); the oldest
    are forgotten past ``max_items`` (their URLs then answer 404)."""

    def __init__(self, data: bytes, secret: bytes | None = None, max_items: int = 10_000) -> None:
        self.data = data
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._items: OrderedDict[str, Recording] = OrderedDict()
        self._max = max_items

    def add(self, now: float) -> Recording:
        recording = Recording("rec-" + secrets.token_hex(8), int(now))
        self._items[recording.recording_id] = recording
        while len(self._items) > self._max:
            self._items.popitem(last=False)
        return recording

    def get(self, recording_id: str) -> Recording | None:
        return self._items.get(recording_id)

    def signature(self, recording_id: str, expires: int) -> str:
        digest = hmac.new(
            self._secret, f"GET\n{recording_id}\n{expires}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def url(self, base_url: str, recording: Recording, expires: int) -> str:
        signature = self.signature(recording.recording_id, expires)
        return (
            f"{base_url}/recordings/{recording.recording_id}.mp3"
            f"?Expires={expires}&AWSAccessKeyId=SANDBOX&Signature={signature}"
        )

    def check(self, recording_id: str, expires: int, signature: str, now: float) -> str | None:
        """Why this URL may not be served (``None``: it may)."""
        expected = self.signature(recording_id, expires)
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return "the signature does not match"
        if now >= expires:
            return "the URL has expired"
        return None
