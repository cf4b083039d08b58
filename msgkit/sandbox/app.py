"""The sandbox's ASGI application: the provider's IVR endpoints, the control API, recordings.

Routes:

- ``GET|POST /open/ivr/{start,middle,end}/BLOCK``: every IVR block (``msgkit.BLOCKS``), with
  its parameter rules (its request schema, through ``validate_request``) and the session
  rules, answering the provider's statuses;
- ``/sandbox``: the control API (``GET /sandbox``, ``POST|GET /sandbox/calls``,
  ``GET /sandbox/calls/{session}``, ``POST /sandbox/calls/{session}/hangup``,
  ``POST /sandbox/calls/{session}/digits``, ``GET|POST /sandbox/dial-outcomes``,
  ``GET /sandbox/deliveries``);
- ``GET|HEAD /recordings/{id}.mp3``: pre-signed recording downloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hmac
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._version import __version__
from ..config import Config
from . import mp3
from .inputs import (
    MAX_BODY_BYTES,
    BodyTooLargeError,
    InputError,
    parse_http_date,
    parse_int,
    read_body,
    read_json,
)
from .logs import sandbox_logger
from .notifier import Notifier
from .params import (
    REQUIRED,
    MalformedParamsError,
    check_block_request,
    check_request,
    decode_params,
)
from .settings import SandboxSettings
from .state import (
    OUTCOMES,
    BlockJob,
    Call,
    CallEndedError,
    Calls,
    MonitorJob,
    RateLimiter,
    Recordings,
    UnknownCallError,
)
from .wire import billing, provider_date

__all__ = ["SandboxApp", "create_app"]

_MAX_CALL_SECONDS = 86_400

log = sandbox_logger()

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")  # always fullmatch: $ would let a final \n through
_MAX_APP_ID = 100
_FORM = "application/x-www-form-urlencoded"
MONITOR_OK = "success"  # the provider's success value is undocumented; only "failed" is known
_DEFAULT_FROM = "+6511111111"
_DEFAULT_TO = "+6522222222"
_GATHER_TIMEOUT = 10.0  # seconds a Gather waits when its request gives no timeout
_RECORD_SECONDS = 60.0  # seconds a Record records when its request gives no max_duration
_DIGITS = re.compile(r"[0-9*#]{1,64}")
_MAX_OUTCOMES = 10_000
# The host's characters and the one that ends it are disjoint: linear on any input.
_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+(?:[/?#]\S*)?")
_MAX_URL = 4000  # the provider's limit for notify URLs


def _json(data: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Compact, like the provider's own answers: {"status":"success_ok"}.
    body = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status_code, headers=headers, media_type="application/json")


def _status(status: str, status_code: int = 200) -> Response:
    return _json({"status": status}, status_code)


def _error(status_code: int, code: str, message: str) -> Response:
    return _json({"error": code, "message": message}, status_code)


class _AnyMethod:
    """An ASGI endpoint that sees every HTTP method, so the handler can answer the provider's
    ``error_invalid_http_method`` instead of the router's bare 405."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handler(Request(scope, receive))
        await response(scope, receive, send)


class SandboxApp:
    """The sandbox's state and handlers; ``asgi`` is the Starlette application."""

    def __init__(
        self, settings: SandboxSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.calls = Calls(settings.max_calls)
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_window)
        self.recordings = Recordings(
            mp3.recording(settings.recording_seconds), max_items=settings.max_calls
        )
        self.config = Config(max_msg_length=settings.max_msg_length)
        self.notifier: Notifier | None = None
        self.outcomes: dict[str, str] = {}
        self._timers: set[asyncio.Task[None]] = set()
        from ..blocks import BLOCKS

        blocks = [
            Route("/open" + row.path, _AnyMethod(self._block_handler(row.name)))
            for row in BLOCKS.values()
            if row.name != "monitor"
        ]
        self.asgi = Starlette(
            routes=[
                Route("/open/ivr/middle/monitor", _AnyMethod(self.monitor)),
                *blocks,
                Route("/sandbox", self.info, methods=["GET"]),
                Route("/sandbox/calls", self.create_call, methods=["POST"]),
                Route("/sandbox/calls", self.list_calls, methods=["GET"]),
                Route("/sandbox/calls/{session}", self.show_call, methods=["GET"]),
                Route("/sandbox/calls/{session}/hangup", self.hang_up, methods=["POST"]),
                Route("/sandbox/calls/{session}/digits", self.press_digits, methods=["POST"]),
                Route("/sandbox/dial-outcomes", self.set_outcomes, methods=["POST"]),
                Route("/sandbox/dial-outcomes", self.show_outcomes, methods=["GET"]),
                Route("/sandbox/deliveries", self.list_deliveries, methods=["GET"]),
                Route("/recordings/{name}", self.recording, methods=["GET", "HEAD"]),
            ],
            exception_handlers={
                HTTPException: self._http_error,
                Exception: self._internal_error,
            },
            lifespan=self._lifespan,
        )

    # -- plumbing ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _lifespan(self, _: Starlette) -> AsyncIterator[None]:
        self.notifier = Notifier(self.settings)
        try:
            yield
        finally:
            for call in self.calls:
                if call.block_task is not None:
                    call.block_task.cancel()
            for task in list(self._timers):
                task.cancel()
            await self.notifier.aclose()

    def _notifier(self) -> Notifier:
        if self.notifier is None:  # only outside a lifespan, e.g. a bare ASGI test client
            self.notifier = Notifier(self.settings)
        return self.notifier

    async def _http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return _error(
            error.status_code, code, f"{request.method} {request.url.path}: {error.detail}"
        )

    async def _internal_error(self, request: Request, error: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        if request.url.path.startswith("/open/"):
            return _status("error_internal_server_error", 500)
        return _error(500, "internal_error", "the sandbox failed; see its log")

    def base_url(self, request: Request) -> str:
        return self.settings.public_url or str(request.base_url).rstrip("/")

    # -- the provider's endpoint ------------------------------------------------------------

    async def _request_params(self, request: Request) -> dict[str, str] | Response:
        """A block request's parameters, or the provider's answer when they cannot be read."""
        if request.method not in ("GET", "POST"):
            return _status("error_invalid_http_method")
        try:
            return await self._params(request)
        except BodyTooLargeError:
            return _status("error_malformed_params", 413)
        except MalformedParamsError:
            return _status("error_malformed_params")

    async def monitor(self, request: Request) -> Response:
        params = await self._request_params(request)
        if isinstance(params, Response):
            return params
        status = self._monitor(params)
        log.info("monitor session=%s: %s", params.get("session", "-"), status)
        return _status(status)

    async def _params(self, request: Request) -> dict[str, str]:
        params = decode_params(request.scope.get("query_string", b""))
        if request.method != "POST":
            return params
        body = await read_body(request.stream(), max_bytes=MAX_BODY_BYTES)
        media = request.headers.get("content-type", _FORM).split(";")[0].strip().lower()
        if media == _FORM:
            params.update(decode_params(body))  # the body wins over the query string
        return params

    def _monitor(self, params: dict[str, str]) -> str:
        """The provider's rules, in its order. Synchronous on purpose: see ``state``."""
        for name in REQUIRED:
            if not params.get(name):
                return f"error_{name}_param_missing"
        settings = self.settings
        if params["app_id"] != settings.app_id:
            return "error_invalid_app_id"
        if not hmac.compare_digest(
            params["access_token"].encode("utf-8"), settings.access_token.encode("utf-8")
        ):
            return "error_invalid_access_token"
        now = self.clock()
        if not self.limiter.allow(params["app_id"], now):
            return "error_rate_limit_exceeded"
        for name in ("notify_url", "monitor_notify_url"):
            if params.get(name) == "":  # an empty optional parameter is an absent one
                del params[name]
        problem = check_request(params, self.config)
        if problem is not None:
            return problem
        job = MonitorJob(
            txn_ref="TX" + secrets.token_hex(8),
            accepted_at=now,
            msg=params.get("msg"),
            tag=params.get("tag"),
            notify_url=params.get("notify_url"),
            monitor_notify_url=params.get("monitor_notify_url"),
        )
        status, call = self.calls.start_monitor(params["session"], params["app_id"], job)
        if call is not None:
            call.block_task = asyncio.get_running_loop().create_task(self._run_block(call))
        return status

    async def _run_block(self, call: Call) -> None:
        """The monitor block: play the msg, then notify and let the call go on, recording."""
        await asyncio.sleep(self.settings.block_seconds)
        if call.ended_at is not None or call.monitor is None:
            return
        # Ready before notifying: a client that acts on the notification must find it ready.
        call.block = "idle"
        call.block_task = None
        call.running = None
        url = call.monitor.block_url
        if url is None:
            return
        notifier = self._notifier()
        fields = self._call_fields(call, call.monitor)
        fields["call_state"] = "ongoing"
        delivery = notifier.make(call, "block", url, fields, self.settings.access_token)
        notifier.send(call, [delivery])

    @staticmethod
    def _call_fields(call: Call, job: MonitorJob) -> dict[str, str]:
        return {"session": call.session, "txn_ref": job.txn_ref, **call.fields()}

    # -- the other blocks -------------------------------------------------------------------

    def _block_handler(self, block: str) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            params = await self._request_params(request)
            if isinstance(params, Response):
                return params
            answer = self._block(block, params, self.base_url(request))
            log.info("%s session=%s: %s", block, params.get("session", "-"), answer["status"])
            return _json(answer)

        return handle

    def _block(self, block: str, params: dict[str, str], base_url: str) -> dict[str, str]:
        """The provider's rules for ``block``, in its order: credentials, parameters, then the
        session. Synchronous on purpose: see ``state``."""
        required = ("app_id", "access_token") if block == "dial" else REQUIRED
        for name in required:
            if not params.get(name):
                return {"status": f"error_{name}_param_missing"}
        settings = self.settings
        if params["app_id"] != settings.app_id:
            return {"status": "error_invalid_app_id"}
        if not hmac.compare_digest(
            params["access_token"].encode("utf-8"), settings.access_token.encode("utf-8")
        ):
            return {"status": "error_invalid_access_token"}
        now = self.clock()
        # Limits are per API, independent of each other (the Monitor one keys by app alone).
        if not self.limiter.allow(f"{params['app_id']}\n{block}", now):
            return {"status": "error_rate_limit_exceeded"}
        problem = check_block_request(block, params, self.config)
        if problem is not None:
            return {"status": problem}
        job = BlockJob(block, "TX" + secrets.token_hex(8), now, dict(params))
        if block == "dial":
            caller_id = params.get("caller_id", "")  # a number, or "private": then ours
            new = self.calls.create(
                app_id=params["app_id"],
                from_=caller_id if _E164.fullmatch(caller_id) else _DEFAULT_FROM,
                to=params["dest"],
                now=now,
                direction="outgoing",
            )
            status, started = self.calls.start_block(new.session, params["app_id"], job)
            assert started is not None  # a new call takes its Start block
            self._run(started, job, base_url)
            return {"status": status, "session": new.session, "txn_ref": job.txn_ref}
        status, call = self.calls.start_block(params["session"], params["app_id"], job)
        if call is None:
            return {"status": status}
        answer = {"status": status}
        if block == "transfer" and params["dest"].startswith("room:"):
            call.room = params["dest"][len("room:") :] or "R" + str(secrets.randbelow(10**6))
            answer["room"] = call.room
        self._run(call, job, base_url)
        return answer

    def _run(self, call: Call, job: BlockJob, base_url: str) -> None:
        call.block_task = asyncio.get_running_loop().create_task(self._run_job(call, job, base_url))

    def _seconds(self, params: dict[str, str], name: str, default: float) -> float:
        return _number(params, name, default) * self.settings.time_scale

    def _outcome(self, number: str) -> str:
        if number.startswith("room:"):
            return "answered"
        return self.outcomes.get(number, "answered")

    async def _run_job(self, call: Call, job: BlockJob, base_url: str) -> None:
        """Run one block: play its msg, do what it does, then notify (ready first)."""
        await asyncio.sleep(self.settings.block_seconds)
        extra: dict[str, str] = {}
        ends = False
        if job.block == "gather":
            wait = self._seconds(job.params, "timeout", _GATHER_TIMEOUT) * _number(
                job.params, "attempts", 1
            )
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(call.digits_done.wait(), wait)
            if call.digits:
                extra["digits"] = call.digits
        elif job.block == "record":
            limit = self._seconds(job.params, "max_duration", _RECORD_SECONDS)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(call.digits_done.wait(), limit)
            recording = self.recordings.add(self.clock())
            expires = int(self.clock() + self.settings.recording_ttl + 0.999)
            extra["record_url"] = self.recordings.url(base_url, recording, expires)
        elif job.block == "dial":
            outcome = self._outcome(job.params["dest"])
            extra["dial_status"] = outcome
            ends = outcome != "answered"
            if not ends and job.params.get("max_duration"):
                limit = self._seconds(job.params, "max_duration", 0.0)
                task = asyncio.get_running_loop().create_task(self._limit(call, limit, base_url))
                self._timers.add(task)
                task.add_done_callback(self._timers.discard)
        elif job.block == "transfer":
            outcome = self._outcome(job.params["dest"])
            extra["transfer_status"] = outcome
            if call.room is not None:
                extra["room"] = call.room
            if outcome != "answered":
                if call.continue_on_failure:
                    call.ending = None  # the IVR session goes on
                else:
                    ends = True
        elif job.block == "hangup":
            ends = True
        if call.ended_at is not None:
            return
        call.block = "idle"
        call.block_task = None
        if ends:
            # The call is over: its last notification is this block's, with the billing.
            self._end_call(
                call, self.clock(), base_url, fail=self.settings.fail_recording, extra=extra
            )
            return
        call.running = None
        call.finished = extra  # repeated in the ended notification if it is the last block
        url = job.notify_url
        if url is None:
            return
        fields = self._job_fields(call, job)
        fields.update(extra)
        fields["call_state"] = "ongoing"
        notifier = self._notifier()
        notifier.send(call, [notifier.make(call, "block", url, fields, self.settings.access_token)])

    async def _limit(self, call: Call, seconds: float, base_url: str) -> None:
        """A dialled call's max_duration: the call ends when it is reached."""
        await asyncio.sleep(seconds)
        if call.ended_at is None:
            log.info("call %s reached its max_duration", call.session)
            self._end_call(call, self.clock(), base_url, fail=self.settings.fail_recording)

    @staticmethod
    def _job_fields(call: Call, job: BlockJob) -> dict[str, str]:
        fields = {"ivr_block": job.block, "session": call.session, "txn_ref": job.txn_ref}
        fields.update(call.fields())
        if job.tag is not None:
            fields["tag"] = job.tag
        return fields

    def _end_call(
        self,
        call: Call,
        now: float,
        base_url: str,
        *,
        fail: bool,
        duration: float | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        """End ``call``: the running (or last) block's notification with the billing, then
        the Monitor's end-of-call notifications."""
        if call.ended_at is None:
            self.calls.hang_up(call.session, now=now, duration=duration)
        job = call.running if isinstance(call.running, BlockJob) else None
        if job is not None and job.block == "gather" and call.digits:
            extra = {"digits": call.digits, **(extra or {})}
        if job is None and call.running is None and call.history:
            last = call.history[-1]
            job = last if isinstance(last, BlockJob) else None
            extra = {**call.finished, **(extra or {})}
        call.running = None
        deliveries = []
        notifier = self._notifier()
        if job is not None and job.notify_url is not None:
            minutes, debit = billing(call.duration_seconds or 0.0, self.settings.rate)
            fields = self._job_fields(call, job)
            fields.update(extra or {})
            fields.update(
                call_state="ended",
                date=provider_date(now),
                duration=minutes,
                currency=self.settings.currency,
                rate=self.settings.rate,
                debit=debit,
            )
            deliveries.append(
                notifier.make(call, "block", job.notify_url, fields, self.settings.access_token)
            )
        if deliveries:
            notifier.send(call, deliveries)
        self._finish_recording(call, fail, now, base_url)

    # -- the control API --------------------------------------------------------------------

    async def info(self, request: Request) -> Response:
        base = self.base_url(request)
        s = self.settings
        return _json(
            {
                "sandbox": "msgkit",
                "version": __version__,
                "base_url": base,
                "transport_base_url": base + "/open",
                "app_id": s.app_id,
                "calls": len(self.calls),
                "settings": {
                    "rate_limit": s.rate_limit,
                    "rate_window": s.rate_window,
                    "block_seconds": s.block_seconds,
                    "recording_ttl": s.recording_ttl,
                    "fail_recording": s.fail_recording,
                    "retry_notifications": s.retry_notifications,
                    "notify_timeout": s.notify_timeout,
                    "max_msg_length": s.max_msg_length,
                    "answer_url": s.answer_url,
                    "time_scale": s.time_scale,
                },
            }
        )

    async def _json_body(self, request: Request, allowed: dict[str, type]) -> dict[str, Any]:
        try:
            data = await read_json(request.stream())
        except BodyTooLargeError as error:
            raise _ControlError(413, "body_too_large", str(error)) from None
        except InputError as error:
            raise _ControlError(400, "invalid_json", str(error)) from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise _ControlError(400, "invalid_body", "the body must be a JSON object")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise _ControlError(
                400,
                "unknown_field",
                f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}",
            )
        for name, kind in allowed.items():
            value = data.get(name)
            if value is None:
                continue
            ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
            if kind is float:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok:
                raise _ControlError(400, "invalid_field", f"{name} must be a {kind.__name__}")
        return data

    async def create_call(self, request: Request) -> Response:
        try:
            data = await self._json_body(
                request, {"from": str, "to": str, "app_id": str, "answer_url": str}
            )
        except _ControlError as error:
            return error.response()
        numbers = {"from": data.get("from", _DEFAULT_FROM), "to": data.get("to", _DEFAULT_TO)}
        for name, number in numbers.items():
            if not _E164.fullmatch(number):
                return _error(
                    400, "invalid_field", f"{name} must be an E.164 number such as +6511111111"
                )
        app_id = data.get("app_id") or self.settings.app_id
        if len(app_id) > _MAX_APP_ID or not app_id.isprintable():
            return _error(
                400,
                "invalid_field",
                f"app_id must be at most {_MAX_APP_ID} printable characters",
            )
        given_url = data.get("answer_url")
        if given_url is not None and not (len(given_url) <= _MAX_URL and _URL.fullmatch(given_url)):
            return _error(400, "invalid_field", "answer_url must be an http(s) URL")
        forgotten = self.calls.forgotten
        call = self.calls.create(
            app_id=app_id, from_=numbers["from"], to=numbers["to"], now=self.clock()
        )
        if self.calls.forgotten > forgotten:
            log.warning(
                "more than %d calls: forgot the oldest ongoing one(s); hang up calls when done",
                self.settings.max_calls,
            )
        log.info("call %s created (%s -> %s, app %s)", call.session, call.from_, call.to, app_id)
        answer_url = data.get("answer_url") or self.settings.answer_url
        if answer_url:
            self._answer(call, answer_url)
        return _json(call.to_json(), 201)

    def _answer(self, call: Call, url: str) -> None:
        """The Answer notification of an incoming call (``ivr_block=answer``, ringing)."""
        fields = {
            "ivr_block": "answer",
            "session": call.session,
            "txn_ref": "TX" + secrets.token_hex(8),
        }
        fields.update(call.fields())
        fields["call_state"] = "ringing"
        notifier = self._notifier()
        token = self.settings.access_token
        notifier.send(call, [notifier.make(call, "answer", url, fields, token)])

    async def press_digits(self, request: Request) -> Response:
        """The caller's keypad: digits go to a running Gather (up to its max_digits, or up to
        a #), and a # ends a running Record."""
        try:
            data = await self._json_body(request, {"digits": str})
        except _ControlError as error:
            return error.response()
        digits = data.get("digits")
        if not isinstance(digits, str) or not _DIGITS.fullmatch(digits):
            return _error(400, "invalid_field", "digits must be 1 to 64 of 0-9, * and #")
        try:
            call = self.calls.get(request.path_params["session"])
        except UnknownCallError as error:
            return _error(404, "unknown_call", str(error))
        job = call.running
        if call.ended_at is not None:
            return _error(409, "call_ended", f"call {call.session!r} has ended")
        if (
            not isinstance(job, BlockJob)
            or job.block not in ("gather", "record")
            or call.digits_done.is_set()  # it has what it waited for: its notification is due
        ):
            return _error(409, "not_listening", "no Gather or Record is running on this call")
        if job.block == "record":
            if "#" not in digits:  # a Record hears only the # that ends it
                return _error(409, "not_listening", "a Record is running: only # ends it")
            call.digits_done.set()
            return _json(call.to_json())
        limit = _number(job.params, "max_digits", 0)
        for key in digits:
            if call.digits_done.is_set():
                break
            if key == "#":
                call.digits_done.set()
                break
            call.digits += key
            if limit and len(call.digits) >= limit:
                call.digits_done.set()
        return _json(call.to_json())

    async def set_outcomes(self, request: Request) -> Response:
        """What dialled or transferred-to numbers do: ``{"+6591234567": "busy"}``."""
        try:
            data = await read_json(request.stream())
        except BodyTooLargeError as error:
            return _error(413, "body_too_large", str(error))
        except InputError as error:
            return _error(400, "invalid_json", str(error))
        return self._outcomes_from({} if data is None else data)

    def _outcomes_from(self, data: Any) -> Response:
        if not isinstance(data, dict):
            return _error(400, "invalid_body", "the body must be a JSON object")
        for number, outcome in data.items():
            if not _E164.fullmatch(number):
                return _error(400, "invalid_field", f"{number[:40]!r} is not an E.164 number")
            if outcome not in OUTCOMES:
                return _error(400, "invalid_field", f"an outcome is one of {', '.join(OUTCOMES)}")
        if len(self.outcomes.keys() | data.keys()) > _MAX_OUTCOMES:
            return _error(400, "too_many", f"at most {_MAX_OUTCOMES} numbers")
        self.outcomes.update(data)
        return _json({"outcomes": self.outcomes})

    async def show_outcomes(self, request: Request) -> Response:
        return _json({"outcomes": self.outcomes})

    async def list_calls(self, request: Request) -> Response:
        return _json({"calls": [call.to_json() for call in self.calls]})

    async def show_call(self, request: Request) -> Response:
        try:
            call = self.calls.get(request.path_params["session"])
        except UnknownCallError as error:
            return _error(404, "unknown_call", str(error))
        return _json(call.to_json())

    async def list_deliveries(self, request: Request) -> Response:
        state = request.query_params.get("state")
        if state not in (None, "pending", "delivered", "failed"):
            return _error(400, "invalid_query", "state must be pending, delivered or failed")
        items = [d.to_json() for d in self._notifier().deliveries if state in (None, d.state)]
        return _json({"deliveries": items})

    async def hang_up(self, request: Request) -> Response:
        try:
            data = await self._json_body(
                request, {"fail_recording": bool, "duration_seconds": float}
            )
        except _ControlError as error:
            return error.response()
        duration = data.get("duration_seconds")
        # A day is far beyond any simulated call; infinity and NaN (JSON parsers accept 1e999
        # and NaN) would fail the billing after the call had already ended.
        if duration is not None and not (0 <= duration <= _MAX_CALL_SECONDS):
            return _error(
                400,
                "invalid_field",
                f"duration_seconds must be a number from 0 to {_MAX_CALL_SECONDS}",
            )
        now = self.clock()
        try:
            call = self.calls.get(request.path_params["session"])
            if call.ended_at is not None:
                raise CallEndedError(f"call {call.session!r} has already ended")
        except UnknownCallError as error:
            return _error(404, "unknown_call", str(error))
        except CallEndedError as error:
            return _error(409, "call_ended", str(error))
        fail = data.get("fail_recording")
        self._end_call(
            call,
            now,
            self.base_url(request),
            fail=self.settings.fail_recording if fail is None else fail,
            duration=duration,
        )
        log.info("call %s hung up", call.session)
        return _json(call.to_json())

    def _finish_recording(self, call: Call, fail: bool, now: float, base_url: str) -> None:
        job = call.monitor
        if job is None:
            return
        if fail:
            call.monitor_status = "failed"
        else:
            recording = self.recordings.add(now)
            call.recording_id = recording.recording_id
            expires = int(now + self.settings.recording_ttl + 0.999)
            call.monitor_url = self.recordings.url(base_url, recording, expires)
            call.monitor_status = MONITOR_OK
        url = job.end_url
        if url is None:
            return
        minutes, debit = billing(call.duration_seconds or 0.0, self.settings.rate)
        ended = self._call_fields(call, job)
        ended.update(
            call_state="ended",
            date=provider_date(now),
            duration=minutes,
            currency=self.settings.currency,
            rate=self.settings.rate,
            debit=debit,
        )
        monitor_file = {"ivr_block": "monitor", **self._call_fields(call, job)}
        if job.tag is not None:
            monitor_file["tag"] = job.tag
        monitor_file["call_state"] = "ended"
        monitor_file["monitor_status"] = call.monitor_status
        if call.monitor_url is not None:
            monitor_file["monitor_url"] = call.monitor_url
        notifier = self._notifier()
        token = self.settings.access_token
        notifier.send(
            call,
            [
                notifier.make(call, "block", url, ended, token),
                notifier.make(call, "monitor_file", url, monitor_file, token),
            ],
        )

    # -- recordings -------------------------------------------------------------------------

    async def recording(self, request: Request) -> Response:
        name: str = request.path_params["name"]
        if not name.endswith(".mp3"):
            return _error(404, "not_found", "no such recording")
        recording_id = name[: -len(".mp3")]
        expires = request.query_params.get("Expires")
        if not expires:
            return _error(403, "access_denied", "Expires is missing")
        try:
            problem = self.recordings.check(
                recording_id,
                parse_int(expires, "Expires"),
                request.query_params.get("Signature", ""),
                self.clock(),
            )
        except InputError as error:
            problem = str(error)
        if problem is not None:
            return _error(403, "access_denied", problem)
        recording = self.recordings.get(recording_id)
        if recording is None:
            return _error(404, "not_found", "no such recording")
        headers = {
            "Last-Modified": email.utils.formatdate(recording.created, usegmt=True),
            "Cache-Control": "private",
        }
        since = request.headers.get("if-modified-since")
        if since:
            since_ts = parse_http_date(since)  # not a date: ignored, as RFC 9110 says
            if since_ts is not None and recording.created <= since_ts:
                return Response(status_code=304, headers=headers)
        return Response(self.recordings.data, headers=headers, media_type="audio/mpeg")


def _number(params: dict[str, str], name: str, default: int | float) -> int | float:
    """A number parameter, already checked against its schema: ASCII digits, or absent."""
    value = params.get(name)
    if not value:
        return default
    try:
        return parse_int(value, name)
    except InputError:  # not reached: the schema's check came first
        return default


class _ControlError(Exception):
    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message

    def response(self) -> Response:
        return _error(self.status_code, self.code, self.message)


def create_app(settings: SandboxSettings, *, clock: Callable[[], float] = time.time) -> Starlette:
    """The sandbox as an ASGI application (run it with any ASGI server)."""
    return SandboxApp(settings, clock=clock).asgi
