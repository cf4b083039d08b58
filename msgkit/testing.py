"""Helpers for testing transports and applications, registered as a pytest plugin.

Installed with msgkit (entry point ``pytest11``), so in any test suite the fixtures
``msgkit_recording_transport`` and ``msgkit_notification`` are available, and a transport author
checks a transport with ``check_transport``::

    from msgkit.testing import check_transport

    def test_conforms(tmp_path):
        check_transport(lambda: OutboxTransport(path=tmp_path / "outbox.jsonl"))
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest

from .blocks import BLOCKS
from .notifications import (
    MonitorFileNotification,
    MonitorNotification,
    Notification,
    NotificationError,
    parse_notification,
)

# The sandbox fixtures (msgkit_sandbox, msgkit_sandbox_factory, msgkit_receiver). Their module
# imports no server code: the sandbox itself runs in a subprocess started by the fixture.
from .sandbox.fixtures import (  # noqa: F401 (fixtures, registered by being imported here)
    msgkit_receiver,
    msgkit_sandbox,
    msgkit_sandbox_factory,
)
from .transports.base import (
    STATUSES,
    ApiError,
    MonitorRequest,
    MonitorResult,
    Transport,
    error_class,
    result_from_answer,
)
from .transports.requests import AnyRequest, handled_blocks, request

# What a transport relaying the provider's answers must map (msgkit.testing's conformance
# suite): every documented status, a parameter-missing status, and statuses nobody documents.
CONFORMANCE_STATUSES: tuple[str, ...] = (
    *STATUSES,
    "error_session_param_missing",
    "error_brand_new_status",
    "success_brand_new_status",
)

__all__ = [
    "BLOCK_REQUESTS",
    "SENTINEL_TOKEN",
    "RecordingTransport",
    "block_request",
    "check_transport",
    "file_notification_fields",
    "monitor_notification_fields",
    "notification_body",
]

# Conformance runs submit with this token and then searches everything for it.
SENTINEL_TOKEN = "tok-msgkit-conformance-5f1e9c0a7d3b"
_NOTIFY = "https://example.com/hoiio/notify"

Answer = dict[str, Any] | BaseException


class RecordingTransport:
    """A test double: records each request and answers from a queue (``success_ok`` when empty).

    An answer is a provider answer (``{"status": "error_session_ended"}``), mapped like the
    provider's, or an exception to raise. It takes every block's request.
    """

    name: ClassVar[str] = "recording"
    blocks: ClassVar[frozenset[str]] = frozenset(BLOCKS)

    def __init__(self, answers: Iterable[Answer] = ()) -> None:
        self.answers: deque[Answer] = deque(answers)
        self.requests: list[AnyRequest] = []

    def __repr__(self) -> str:
        return f"RecordingTransport(requests={len(self.requests)})"

    def answer(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def submit(self, request: AnyRequest) -> MonitorResult:
        self.requests.append(request)
        answer = self.answers.popleft() if self.answers else {"status": "success_ok"}
        if isinstance(answer, BaseException):
            raise answer
        return result_from_answer(answer)

    def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Notification:
        return parse_notification(body, content_type, query)


def monitor_notification_fields(**overrides: str | None) -> dict[str, str]:
    """Fields of a block-finished notification for an ended incoming call; ``None`` drops one."""
    fields: dict[str, str | None] = {
        "session": "S-0001",
        "txn_ref": "T-0001",
        "from": "+6511111111",
        "to": "+6522222222",
        "call_state": "ended",
        "date": "2024-03-01 14:05:09",
        "duration": "2",
        "currency": "SGD",
        "rate": "0.02",
        "debit": "0.04",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def file_notification_fields(**overrides: str | None) -> dict[str, str]:
    """Fields of a Monitor File Notification with a recording; ``None`` drops one."""
    fields: dict[str, str | None] = {
        "ivr_block": "monitor",
        "session": "S-0001",
        "txn_ref": "T-0001",
        "from": "+6511111111",
        "to": "+6522222222",
        "tag": "order-1234",
        "call_state": "ended",
        "monitor_status": "success",
        "monitor_url": "https://hoiio.s3.amazonaws.com/recordings/rec-100.mp3"
        "?Expires=1640069813&AWSAccessKeyId=AKIAEXAMPLE&Signature=V32sDk%2Fh3BF%3D",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def notification_body(kind: str = "block", **overrides: str | None) -> bytes:
    """A form-encoded notification body, as the provider posts it (``kind``: block or file)."""
    if kind not in ("block", "file"):
        raise ValueError("kind is 'block' or 'file'")
    fields = (
        monitor_notification_fields(**overrides)
        if kind == "block"
        else file_notification_fields(**overrides)
    )
    return urlencode(fields).encode("ascii")


@pytest.fixture
def msgkit_recording_transport() -> RecordingTransport:
    """A ``RecordingTransport``: pass it as ``submit(..., transport=...)``."""
    return RecordingTransport()


@pytest.fixture
def msgkit_notification() -> Callable[..., bytes]:
    """``notification_body``: ``msgkit_notification("file", monitor_status="failed")``."""
    return notification_body


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class _Logs:
    def __init__(self) -> None:
        self.handler = _Capture()
        self.root = logging.getLogger()
        self.level = self.root.level

    def __enter__(self) -> _Capture:
        self.root.addHandler(self.handler)
        self.root.setLevel(logging.DEBUG)
        return self.handler

    def __exit__(self, *_: object) -> None:
        self.root.removeHandler(self.handler)
        self.root.setLevel(self.level)


def _request(**overrides: Any) -> MonitorRequest:
    params: dict[str, Any] = {
        "app_id": "app-conformance",
        "access_token": SENTINEL_TOKEN,
        "session": "S-conformance",
        "msg": 'Hello. <speech language="zh-HK" gender="female">你好</speech>',
        "tag": "conformance",
        "notify_url": "https://example.com/hoiio/notify",
    }
    params.update(overrides)
    return MonitorRequest(**params)


# A valid request of each block, as the conformance suite sends it (credentials added).
BLOCK_REQUESTS: dict[str, dict[str, str]] = {
    "dial": {"dest": "+6591234567", "caller_id": "private", "max_duration": "600", "msg": "Hi."},
    "play": {"session": "S-conformance", "msg": "Welcome.", "notify_url": _NOTIFY},
    "gather": {
        "session": "S-conformance",
        "msg": "Press 1.",
        "max_digits": "1",
        "timeout": "10",
        "attempts": "2",
        "notify_url": _NOTIFY,
    },
    "record": {"session": "S-conformance", "msg": "Speak now.", "max_duration": "60"},
    "hold": {"session": "S-conformance"},
    "unhold": {"session": "S-conformance", "notify_url": _NOTIFY},
    "transfer": {"session": "S-conformance", "dest": "room:", "on_failure": "continue"},
    "hangup": {"session": "S-conformance", "force": "enabled", "tag": "conformance"},
}


def block_request(block: str, **overrides: str | None) -> AnyRequest:
    """A valid request of ``block`` with the conformance token (``None`` drops a parameter)."""
    if block == "monitor":
        return _request(**overrides)
    params: dict[str, str | None] = {**BLOCK_REQUESTS[block], **overrides}
    return request(
        block,
        app_id="app-conformance",
        access_token=SENTINEL_TOKEN,
        **{k: v for k, v in params.items() if v is not None},
    )


def check_transport(
    make: Callable[[], Transport],
    *,
    answering: Callable[[dict[str, Any]], Transport] | None = None,
) -> None:
    """Run a transport through the conformance suite; raise ``AssertionError`` listing failures.

    ``make`` builds a transport that accepts a valid request. ``answering``, for transports
    that relay the provider's answer, builds one whose backend answers the given JSON: every
    documented status (and unknown ones) must then map to a ``MonitorResult`` or the
    ``ApiError`` subclass ``msgkit`` uses for it, with ``status`` kept. A transport that lists
    blocks in ``blocks`` must send a valid request of each (and a Dial's answer must keep its
    ``session``); one that lists none is taken to send Monitor only. Throughout, the access
    token must not appear in any repr, message, log line or JSON dump.
    """
    problems: list[str] = []

    def leak(where: str, text: str) -> None:
        if SENTINEL_TOKEN in text:
            problems.append(f"the access token appears in {where}")

    transport = make()
    cls = type(transport)
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        problems.append("the class has no non-empty string 'name'")
    if not isinstance(transport, Transport):
        problems.append("it does not have submit() and parse_notification()")
    request = _request()
    with _Logs() as logs:
        try:
            result = transport.submit(request)
        except Exception as error:
            problems.append(f"submit() of a valid request raised {type(error).__name__}: {error}")
            leak("the exception", f"{error!s} {error!r}")
            result = None
    if result is not None:
        if not isinstance(result, MonitorResult):
            problems.append(f"submit() returned {type(result).__name__}, not MonitorResult")
        else:
            if not isinstance(result.status, str) or not isinstance(result.raw, dict):
                problems.append("the result's status is not a str or its raw not a dict")
            if not result.ok:
                problems.append(f"a valid request answered {result.status!r}, not success_*")
            leak("repr(result)", repr(result))
            leak("the result's JSON", json.dumps(result.to_dict(), default=str))
    leak("the logs", "\n".join(logs.lines))
    leak("repr(transport)", repr(transport))
    leak("repr(request)", repr(request))
    _check_blocks(make, problems, leak)

    _check_notifications(transport, problems)
    if answering is not None:
        _check_statuses(answering, problems, leak)
    if problems:
        raise AssertionError(
            f"transport {name!r} fails conformance:\n" + "\n".join(f"- {p}" for p in problems)
        )


def _check_blocks(
    make: Callable[[], Transport], problems: list[str], leak: Callable[[str, str], None]
) -> None:
    """Every block the transport lists in ``blocks`` is sent; a transport that lists none is
    taken to send Monitor only, as every transport did before blocks existed."""
    transport = make()
    declared = getattr(type(transport), "blocks", None)
    handled = handled_blocks(transport)
    if declared is not None:
        unknown = sorted(handled - set(BLOCKS))
        if unknown:
            problems.append(f"'blocks' names blocks msgkit does not know: {', '.join(unknown)}")
        if "monitor" not in handled:
            problems.append("'blocks' leaves out monitor, which every transport sends")
    for block in sorted(handled & set(BLOCKS) - {"monitor"}):
        sent = block_request(block)
        with _Logs() as logs:
            try:
                result = transport.submit(sent)  # type: ignore[arg-type]
            except Exception as error:
                problems.append(f"submit() of a valid {block} request raised {error!r}")
                leak(f"the {block} exception", f"{error!s} {error!r}")
                continue
        if not isinstance(result, MonitorResult) or not result.ok:
            problems.append(f"a valid {block} request came back as {result!r}")
            continue
        leak(f"the {block} result", repr(result) + json.dumps(result.to_dict(), default=str))
        leak(f"the logs of {block}", "\n".join(logs.lines))


def _check_notifications(transport: Transport, problems: list[str]) -> None:
    form = "application/x-www-form-urlencoded"
    for kind, expected in (("block", MonitorNotification), ("file", MonitorFileNotification)):
        try:
            parsed = transport.parse_notification(notification_body(kind), form)
        except Exception as error:
            problems.append(f"parse_notification() of a {kind} notification raised {error!r}")
            continue
        if not isinstance(parsed, expected):
            problems.append(f"a {kind} notification parsed to {type(parsed).__name__}")
        elif parsed.session != "S-0001" or parsed.from_ != "+6511111111":
            problems.append(f"a {kind} notification lost its session or from")
    # No signature covers the query string: its parameters must never fill, override or add
    # a field (a replayed notification could otherwise say anything), and are kept in .query.
    query = urlencode({"session": "S-forged", "tag": "forged", "app_state": "7"})
    try:
        parsed = transport.parse_notification(notification_body("block"), form, query)
        if parsed.session != "S-0001" or parsed.tag == "forged" or "app_state" in parsed.extra:
            problems.append("query string parameters override or add notification fields")
        elif parsed.query.get("app_state") != "7":
            problems.append("query string parameters are not kept in .query")
    except Exception as error:
        problems.append(f"a notification with a query string raised {error!r}")
    try:
        transport.parse_notification(b"", form, urlencode(monitor_notification_fields()))
        problems.append("an empty body with fields in the query string parsed as a notification")
    except NotificationError:
        pass
    except Exception as error:
        problems.append(f"an empty body raised {type(error).__name__}, not NotificationError")
    try:
        transport.parse_notification(notification_body("block", date="yesterday"), form)
        problems.append("a bad date did not raise NotificationError")
    except NotificationError:
        pass
    except Exception as error:
        problems.append(f"a bad notification raised {type(error).__name__}, not NotificationError")


def _check_statuses(
    answering: Callable[[dict[str, Any]], Transport],
    problems: list[str],
    leak: Callable[[str, str], None],
) -> None:
    dial_answer = {"status": "success_ok", "session": "S-dialled", "txn_ref": "T-9"}
    transport = answering(dial_answer)
    if "dial" in handled_blocks(transport):
        try:
            result = transport.submit(block_request("dial"))  # type: ignore[arg-type]
        except Exception as error:
            problems.append(f"a Dial answered with a session raised {error!r}")
        else:
            if (result.session, result.txn_ref) != ("S-dialled", "T-9"):
                problems.append("a Dial's answer lost its session or txn_ref")
    for status in CONFORMANCE_STATUSES:
        transport = answering({"status": status})
        with _Logs() as logs:
            try:
                result = transport.submit(_request())
            except ApiError as error:
                if status.startswith("success_"):
                    problems.append(f"{status} raised {type(error).__name__}")
                elif error.status != status:
                    problems.append(f"{status} raised with status {error.status!r}")
                elif not isinstance(error, expected := error_class(status)):
                    got = type(error).__name__
                    problems.append(f"{status} raised {got}, not {expected.__name__}")
                leak(f"the {status} exception", f"{error!s} {error!r} {error.raw!r}")
            except Exception as error:
                problems.append(f"{status} raised {type(error).__name__}: {error}, not an ApiError")
                leak(f"the {status} exception", f"{error!s} {error!r}")
            else:
                if not status.startswith("success_"):
                    problems.append(f"{status} returned a result instead of raising")
                elif result.status != status:
                    problems.append(f"{status} came back as {result.status!r}")
        leak(f"the logs of {status}", "\n".join(logs.lines))
