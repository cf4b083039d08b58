"""The ``hoiio`` transport: a form-encoded POST to ``{base_url}`` and the block's path
(``/ivr/middle/monitor``, ``/ivr/start/dial``, ...).

httpx is imported when a request is sent, not when the class is registered, so loading plugins
stays cheap for ``msgkit lint``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from ..blocks import BLOCKS
from .base import (
    MonitorResult,
    TransportError,
    TransportOptionError,
    option,
    redact,
    redact_data,
    result_from_answer,
)

if TYPE_CHECKING:
    import httpx

    from ..notifications import Notification
    from .requests import AnyRequest

__all__ = ["DEFAULT_BASE_URL", "RETRY_STATUSES", "HoiioTransport"]

DEFAULT_BASE_URL = "https://secure.hoiio.com/open"
PATH = "/ivr/middle/monitor"
# Statuses that say "not now" rather than "no": retried with backoff.
RETRY_STATUSES = frozenset({"error_rate_limit_exceeded", "error_session_not_ready"})
_IN_PROGRESS = "error_monitor_in_progress"
_SNIPPET = 120
_MAX_ANSWER = 1 << 20

log = logging.getLogger(__name__)


class HoiioTransport:
    """Submits to the provider's HTTP API.

    ``retries`` bounds the extra attempts after a refusal to connect, a rate limit or a session
    that is not ready, waiting ``backoff * 2**n`` seconds (at most ``max_backoff``) with jitter.
    A request that may have reached the server (no answer in time, connection dropped) is
    retried once only to learn its fate: ``error_monitor_in_progress`` then means the first
    attempt took effect, and the result says so. ``http_transport`` is an httpx transport, for
    tests (``httpx.MockTransport``).

    It sends every block's request. Only a Monitor request is asked again after an attempt
    whose fate is unknown: the provider's ``error_monitor_in_progress`` then tells whether the
    first took effect, and no other block has such an answer (a second Dial is a second call).
    """

    name: ClassVar[str] = "hoiio"
    blocks: ClassVar[frozenset[str]] = frozenset(BLOCKS)

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | str = 30.0,
        connect_timeout: float | str = 10.0,
        retries: int | str = 3,
        backoff: float | str = 0.5,
        max_backoff: float | str = 8.0,
        http_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        try:
            parts = urlsplit(str(base_url))
            parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
        ):
            raise TransportOptionError(
                f"option base_url: {base_url!r} is not an http(s) URL without query or fragment, "
                f"such as {DEFAULT_BASE_URL}"
            )
        self.base_url = str(base_url).rstrip("/")
        self.timeout: float = option("timeout", timeout, float, minimum=0.001)
        self.connect_timeout: float = option(
            "connect_timeout", connect_timeout, float, minimum=0.001
        )
        self.retries: int = option("retries", retries, int)
        self.backoff: float = option("backoff", backoff, float)
        self.max_backoff: float = option("max_backoff", max_backoff, float)
        # Programmatic options (tests); from the command line they would arrive as strings.
        if http_transport is not None and not hasattr(http_transport, "handle_request"):
            raise TransportOptionError("option http_transport: not an httpx transport")
        if not callable(sleep):
            raise TransportOptionError("option sleep: not a function")
        self.http_transport = http_transport
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"HoiioTransport(base_url={self.base_url!r}, retries={self.retries})"

    @property
    def url(self) -> str:
        return self.base_url + PATH

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``: exponential, half of it jittered."""
        ceiling = min(self.max_backoff, self.backoff * float(2 ** (attempt - 1)))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _client(self) -> httpx.Client:
        import httpx

        from .._version import __version__

        return httpx.Client(
            transport=self.http_transport,
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            headers={"User-Agent": f"msgkit/{__version__}", "Accept": "application/json"},
            follow_redirects=False,
        )

    def submit(self, request: AnyRequest) -> MonitorResult:
        import httpx

        from .requests import check_handles

        check_handles(self, request)
        url = self.base_url + request.path
        params = request.to_params()
        token = request.access_token
        where = urlsplit(url).netloc
        # Asking again is safe only where an answer tells whether the first attempt took effect.
        ask_again = request.block == "monitor"
        uncertain = False  # an earlier attempt may have reached the server
        attempt = 0
        log.debug("POST %s %s", url, request.redacted_params())
        with self._client() as client:
            while True:
                attempt += 1
                try:
                    code, headers, body = self._post(client, url, params)
                except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                    if attempt <= self.retries:
                        self._wait(attempt, f"cannot connect to {where}")
                        continue
                    raise TransportError(
                        f"cannot connect to {where} after {attempt} attempt(s): "
                        f"{redact(str(error), token) or type(error).__name__}"
                    ) from None
                except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError):
                    if ask_again and not uncertain and attempt <= self.retries:
                        uncertain = True
                        self._wait(attempt, f"no answer from {where}; asking again")
                        continue
                    raise TransportError(
                        f"no answer from {where} within {self.timeout:g}s "
                        f"(attempt {attempt}); the request may or may not have taken effect"
                    ) from None
                except httpx.HTTPError as error:
                    raise TransportError(
                        f"request to {where} failed: "
                        f"{redact(str(error), token) or type(error).__name__}"
                    ) from None
                raw = self._decode(code, headers, body, token)
                status = raw["status"]
                if status == _IN_PROGRESS and uncertain:
                    return MonitorResult(
                        status="success_ok",
                        raw=raw,
                        attempts=attempt,
                        note="an earlier attempt got no answer, and the retry answered "
                        f"{_IN_PROGRESS}: the earlier attempt took effect",
                    )
                if status in RETRY_STATUSES and attempt <= self.retries:
                    self._wait(attempt, status)
                    continue
                return result_from_answer(raw, attempts=attempt)

    def _wait(self, attempt: int, why: str) -> None:
        delay = self.delay(attempt)
        log.info("msgkit: %s; retrying in %.2fs (attempt %d)", why, delay, attempt + 1)
        self.sleep(delay)

    def _post(
        self, client: httpx.Client, url: str, params: dict[str, str]
    ) -> tuple[int, httpx.Headers, str]:
        """POST the request; the answer's status, headers and text, read to at most 1 MiB.

        The API answers a few dozen bytes of JSON: a larger answer is not one, and reading it
        all would let any server fill the memory.
        """
        with client.stream("POST", url, data=params) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > _MAX_ANSWER:
                    raise TransportError(
                        f"HTTP {response.status_code}: the answer is larger than {_MAX_ANSWER} "
                        "bytes; expected JSON with a status"
                    )
            try:
                text = bytes(body).decode(response.charset_encoding or "utf-8", "replace")
            except LookupError:  # a charset Python does not know
                text = bytes(body).decode("utf-8", "replace")
            return response.status_code, response.headers, text

    def _decode(self, code: int, headers: httpx.Headers, body: str, token: str) -> dict[str, Any]:
        """The answer as a dict with a valid ``status``, or a clear ``TransportError``."""
        from ..schemas import validator

        # Redact before shortening: a token cut in two would no longer be recognised.
        snippet = redact(" ".join(body.split()), token)[:_SNIPPET]
        data: Any = None
        try:
            data = json.loads(body) if body.strip() else None
        except (ValueError, RecursionError):  # RecursionError: nested too deep to be an answer
            data = None
        if isinstance(data, dict) and isinstance(data.get("status"), str):
            if not validator("monitor-response").is_valid(data):
                raise TransportError(
                    f"HTTP {code}: the answer does not fit the response schema: {snippet!r}"
                )
            # The provider answers every status with 200; an error page that happens to carry
            # a status is trusted only to refuse, never to report success.
            if not 200 <= code < 300 and not data["status"].startswith("error_"):
                raise TransportError(f"HTTP {code} with status {data['status']!r}: {snippet!r}")
            scrubbed: dict[str, Any] = redact_data(data, token)
            return scrubbed
        if not body.strip():
            raise TransportError(f"HTTP {code} with an empty body; expected JSON with a status")
        kind = headers.get("content-type", "").split(";")[0] or "unknown type"
        looks = "an HTML page" if body.lstrip()[:1] == "<" else f"a {kind} body"
        hint = " (is base_url right?)" if code < 500 else ""
        raise TransportError(
            f"HTTP {code}: the server answered {looks}, not JSON with a status{hint}: {snippet!r}"
        )

    def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Notification:
        from ..notifications import parse_notification

        return parse_notification(body, content_type, query)
