"""Delivering notifications: form-encoded, signed POSTs, every attempt recorded.

A delivery never blocks anything but the later notifications of its own call: each call's
notifications go out in order on a task of their own. A failure (receiver down, a non-2xx
answer, a timeout) is recorded on the delivery and, when ``retry_notifications`` is set,
retried with exponential backoff. The provider itself never retries.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

from .logs import sandbox_logger
from .settings import SandboxSettings
from .wire import SIGNATURE_HEADER, encode, sign

__all__ = ["Attempt", "Delivery", "Notifier", "Owner"]

log = sandbox_logger()
# A monitored call with a few blocks makes a dozen notifications; the listing keeps about
# those of the calls kept.
_DELIVERIES_PER_CALL = 12

_MAX_BACKOFF = 30.0
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Attempt:
    at: float
    status_code: int | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "status_code": self.status_code, "error": self.error}


@dataclass(slots=True, eq=False)
class Delivery:
    """One notification and what became of it."""

    kind: Literal["block", "monitor_file", "answer"]
    url: str
    fields: dict[str, str]
    body: bytes
    signature: str
    session: str
    id: int = field(default_factory=lambda: next(_ids))
    state: Literal["pending", "delivered", "failed"] = "pending"
    attempts: list[Attempt] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "session": self.session,
            "kind": self.kind,
            "url": self.url,
            "fields": dict(self.fields),
            "signature": self.signature,
            "state": self.state,
            "attempts": [a.to_json() for a in self.attempts],
        }


class Owner(Protocol):
    """What the notifier needs of a call (``state.Call`` has it). A protocol, so that this
    module does not import the state that records its deliveries."""

    session: str
    deliveries: list[Delivery]
    send_lock: asyncio.Lock


class Notifier:
    """Sends deliveries with one shared HTTP client; ``aclose`` waits briefly, then cancels."""

    def __init__(self, settings: SandboxSettings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or httpx.AsyncClient(
            timeout=settings.notify_timeout, follow_redirects=False, trust_env=False
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self.deliveries: deque[Delivery] = deque(maxlen=settings.max_calls * _DELIVERIES_PER_CALL)

    def make(
        self,
        call: Owner,
        kind: Literal["block", "monitor_file", "answer"],
        url: str,
        fields: Mapping[str, str],
        access_token: str,
    ) -> Delivery:
        body = encode(fields)
        delivery = Delivery(kind, url, dict(fields), body, sign(body, access_token), call.session)
        call.deliveries.append(delivery)
        self.deliveries.append(delivery)
        return delivery

    def send(self, call: Owner, deliveries: list[Delivery]) -> asyncio.Task[None]:
        """Deliver in order, in the background."""
        task = asyncio.get_running_loop().create_task(self._send_in_order(call, deliveries))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _send_in_order(self, call: Owner, deliveries: list[Delivery]) -> None:
        async with call.send_lock:
            for delivery in deliveries:
                await self._deliver(delivery)

    async def _deliver(self, delivery: Delivery) -> None:
        tries = 1 + self._settings.retry_notifications
        for number in range(tries):
            if number:
                backoff = self._settings.retry_backoff * 2 ** (number - 1)
                await asyncio.sleep(min(backoff, _MAX_BACKOFF))
            attempt = await self._attempt(delivery)
            delivery.attempts.append(attempt)
            if attempt.error is None:
                delivery.state = "delivered"
                return
            log.warning(
                "notification %d (%s, session %s) to %s failed: %s (attempt %d of %d)",
                delivery.id,
                delivery.kind,
                delivery.session,
                delivery.url,
                attempt.error,
                number + 1,
                tries,
            )
        delivery.state = "failed"

    async def _attempt(self, delivery: Delivery) -> Attempt:
        now = time.time()
        try:
            response = await self._client.post(
                delivery.url,
                content=delivery.body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    SIGNATURE_HEADER: delivery.signature,
                },
            )
        except httpx.TimeoutException:
            return Attempt(now, error="timeout")
        except httpx.ConnectError:
            return Attempt(now, error="cannot connect")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return Attempt(now, error="not a URL the sandbox can post to")
        except httpx.HTTPError:
            # httpx's own wording stays out of the record: it changes between its versions.
            return Attempt(now, error="the connection failed before an answer")
        if 200 <= response.status_code < 300:
            return Attempt(now, status_code=response.status_code)
        return Attempt(now, status_code=response.status_code, error=f"HTTP {response.status_code}")

    async def aclose(self, grace: float = 2.0) -> None:
        pending = set(self._tasks)
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace)
            for task in still:
                task.cancel()
            if still:
                await asyncio.gather(*still, return_exceptions=True)
        await self._client.aclose()
