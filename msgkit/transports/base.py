"""The transport interface: the request, the result, and the errors every transport shares.

This is the public contract third-party transports build on. It must stay cheap to import (no
HTTP client, no pluggy, no jsonschema at import time): ``import msgkit`` pulls it in, and
``msgkit lint`` imports ``msgkit``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from ..errors import MsgkitError
from ..redaction import REDACTED, redact, redact_data

if TYPE_CHECKING:
    from ..diagnostics import Report
    from ..notifications import Notification

__all__ = [
    "REDACTED",
    "STATUSES",
    "ApiError",
    "CredentialsError",
    "InternalServerError",
    "MonitorInProgressError",
    "MonitorRequest",
    "MonitorResult",
    "ParameterError",
    "RateLimitError",
    "RequestError",
    "SessionError",
    "SessionNotReadyError",
    "Transport",
    "TransportError",
    "TransportOptionError",
    "UnknownStatusError",
    "error_class",
    "option",
    "redact",
    "redact_data",
    "result_from_answer",
]


class RequestError(MsgkitError, ValueError):
    """A ``MonitorRequest`` whose parameters do not fit the request schema."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class TransportError(MsgkitError):
    """The request could not be delivered or its answer could not be read (no API status)."""


class TransportOptionError(MsgkitError, ValueError):
    """A transport option with a value the transport cannot use."""


def option(
    name: str, value: str | float, kind: type[int] | type[float], *, minimum: float = 0
) -> Any:
    """Coerce an option given as a string on the command line (``-o retries=2``)."""
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise TransportOptionError(
            f"option {name}: {value!r} is not {'an integer' if kind is int else 'a number'}"
        ) from None
    if not math.isfinite(number) or number < minimum:
        raise TransportOptionError(f"option {name}: must be a finite number, at least {minimum:g}")
    return number


class ApiError(MsgkitError):
    """The provider answered with a status other than success.

    ``status`` is the provider's status string, exactly as answered; ``raw`` the decoded answer.
    """

    def __init__(self, status: str, raw: Mapping[str, Any] | None = None) -> None:
        description = STATUSES.get(status) or _describe_param_missing(status)
        text = f"{status}: {description}" if description else status
        super().__init__(text)
        self.status = status
        self.raw: dict[str, Any] = dict(raw) if raw is not None else {"status": status}


class CredentialsError(ApiError):
    """``error_invalid_access_token`` or ``error_invalid_app_id``."""


class SessionError(ApiError):
    """The session is invalid, not yours, ended, or not ready."""


class SessionNotReadyError(SessionError):
    """``error_session_not_ready``: wait for the previous block's notification, then retry."""


class MonitorInProgressError(ApiError):
    """``error_monitor_in_progress``: this call is already being monitored."""


class RateLimitError(ApiError):
    """``error_rate_limit_exceeded``."""


class InternalServerError(ApiError):
    """``error_internal_server_error``: the provider failed; contact its support."""


class ParameterError(ApiError):
    """A parameter the provider refused; offline validation should have caught it first.

    ``param`` names the parameter when the status does (``error_session_param_missing``).
    """

    def __init__(self, status: str, raw: Mapping[str, Any] | None = None) -> None:
        super().__init__(status, raw)
        self.param = _missing_param(status)


class UnknownStatusError(ApiError):
    """A status the documentation does not list: kept as answered, never dropped."""


# Every documented status, with what it means (the provider's words, shortened). The status
# strings are data here: they are what the provider answers, not diagnostics msgkit emits.
STATUSES: dict[str, str] = {
    "success_ok": "the request has been processed successfully",
    "error_invalid_http_method": "invalid HTTP method; only GET or POST are allowed",
    "error_malformed_params": "the request parameters contain non-readable bytes",
    "error_invalid_access_token": "the access token is invalid, expired or revoked",
    "error_invalid_app_id": "the application ID is invalid or revoked",
    "error_msg_invalid_length": "the msg parameter is too long",
    "error_msg_cannot_convert_text": "msg could not be converted to speech; check the language",
    "error_msg_download_failed": "the custom speech file could not be downloaded",
    "error_msg_invalid_file_format": "the custom speech file format is not .mp3, .wav or .gsm",
    "error_msg_invalid_file_size": "the custom speech file is larger than 10 MB",
    "error_msg_invalid_url": "the URL of the custom speech file is invalid",
    "error_msg_invalid_language": "the speech language is not supported",
    "error_msg_invalid_gender": "the speech gender is not supported",
    "error_msg_invalid_xml": "the msg markup is not valid XML",
    "error_tag_invalid_length": "the tag is longer than 256 characters",
    "error_invalid_notify_url": "notify_url is invalid",
    "error_unable_to_resolve_notify_url": "the host of notify_url cannot be resolved",
    "error_invalid_monitor_notify_url": "monitor_notify_url is invalid",
    "error_unable_to_resolve_monitor_notify_url": "the host of monitor_notify_url cannot be "
    "resolved",
    "error_unable_to_complete_ssl_handshake_notify_url": "the TLS handshake with notify_url "
    "failed; check its certificate chain",
    "error_invalid_session": "the session is invalid",
    "error_session_access_denied": "you do not have access to this session",
    "error_session_ended": "the session has ended or expired",
    "error_session_not_ready": "the session is still processing the previous request; wait for "
    "its notification",
    "error_session_not_on_hold": "the call is not on hold, so it cannot be taken off hold",
    "error_monitor_in_progress": "this call is already being monitored",
    "error_rate_limit_exceeded": "the request limit for this API was exceeded",
    "error_internal_server_error": "unexpected error at the provider; contact its support",
    # The parameters of the other IVR blocks (Dial, Gather, Record, Transfer, ...).
    "error_dest_invalid": "dest is not a valid number (or, for a transfer, room)",
    "error_caller_id_invalid": "caller_id is not one of your numbers, nor private",
    "error_invalid_max_digits": "max_digits is not an integer from 0 to 255",
    "error_invalid_timeout": "timeout is not valid",
    "error_invalid_attempts": "attempts is not valid",
    "error_invalid_max_duration": "max_duration is not valid",
    "error_on_failure_invalid": "on_failure is neither hangup nor continue",
    "error_invalid_room": "the conference room is not valid",
}


_ERROR_CLASSES: dict[str, type[ApiError]] = {
    "error_invalid_access_token": CredentialsError,
    "error_invalid_app_id": CredentialsError,
    "error_invalid_session": SessionError,
    "error_session_access_denied": SessionError,
    "error_session_ended": SessionError,
    "error_session_not_ready": SessionNotReadyError,
    "error_session_not_on_hold": SessionError,
    "error_monitor_in_progress": MonitorInProgressError,
    "error_rate_limit_exceeded": RateLimitError,
    "error_internal_server_error": InternalServerError,
}

_PARAM_MISSING = ("error_", "_param_missing")


def _missing_param(status: str) -> str | None:
    head, tail = _PARAM_MISSING
    if status.startswith(head) and status.endswith(tail) and len(status) > len(head + tail):
        return status[len(head) : -len(tail)]
    return None


def _describe_param_missing(status: str) -> str | None:
    param = _missing_param(status)
    return None if param is None else f"the required parameter {param!r} is missing"


def error_class(status: str) -> type[ApiError]:
    """The exception class for a non-success status."""
    known = _ERROR_CLASSES.get(status)
    if known is not None:
        return known
    if status in STATUSES or _missing_param(status) is not None:
        return ParameterError
    return UnknownStatusError


def result_from_answer(raw: Mapping[str, Any], *, attempts: int = 1) -> MonitorResult:
    """Map a decoded provider answer to a result, or raise the typed ``ApiError`` for it.

    Statuses starting with ``success_`` are results (an undocumented one is kept as given);
    everything else raises. Transports that talk to the provider should use this, so every
    transport maps statuses the same way.
    """
    status = raw.get("status")
    if not isinstance(status, str) or not status:
        raise TransportError("the answer has no status")
    if status.startswith("success_"):
        return MonitorResult(status=status, raw=dict(raw), attempts=attempts)
    raise error_class(status)(status, raw)


@dataclass(frozen=True, slots=True)
class MonitorRequest:
    """The parameters of one Monitor request, checked against ``monitor-request.schema.json``.

    ``msg`` is checked for its length by ``validate`` (which knows the configured limit), not
    here. The access token is kept out of ``repr``; ``to_params()`` is the only way out.
    """

    block: ClassVar[str] = "monitor"  # the contract every block's request shares
    path: ClassVar[str] = "/ivr/middle/monitor"

    app_id: str
    access_token: str = field(repr=False)
    session: str
    msg: str | None = None
    tag: str | None = None
    notify_url: str | None = None
    monitor_notify_url: str | None = None

    def __post_init__(self) -> None:
        from ..schemas import validator

        params: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }
        for name, value in params.items():
            # A lone surrogate has no UTF-8 form: the request could not even be encoded.
            bad = _SURROGATE.search(value) if isinstance(value, str) else None
            if bad is not None:
                what = "a lone surrogate"
                if name != "access_token":
                    what = f"U+{ord(bad.group()):04X} (a lone surrogate)"
                raise RequestError(
                    f"{name} contains {what}, which cannot travel as a readable parameter "
                    "(error_malformed_params)",
                    field=name,
                )
        for error in validator("monitor-request").iter_errors(params):
            path = [str(p) for p in error.absolute_path]
            name = path[0] if path else _required_name(error.message)
            if name == "msg" and error.validator == "maxLength":
                continue  # validate() applies the configured limit, which may be 1000
            value = params.get(name) if name else None
            if name == "access_token" or not isinstance(value, str):
                why = {
                    "required": "is required",
                    "type": "must be a string",
                    "minLength": "must not be empty",
                }.get(str(error.validator), "is not valid")
            elif error.validator == "maxLength":
                why = f"is {len(value)} characters long; the limit is {error.validator_value}"
            elif error.validator == "pattern":
                why = f"{value[:80]!r} is not a fully-qualified http(s) URL"
            else:
                why = f"is not valid ({error.validator})"
            raise RequestError(f"{name or 'request'} {why}", field=name or "request")

    def to_params(self) -> dict[str, str]:
        """The wire parameters, token included as a plain string; absent ones omitted."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}

    def redacted_params(self) -> dict[str, str]:
        """``to_params()`` with the access token replaced, for showing and logging."""
        params = self.to_params()
        params["access_token"] = REDACTED
        return params


_SURROGATE = re.compile("[\ud800-\udfff]")


def _required_name(message: str) -> str:
    # jsonschema says "'session' is a required property"; the path is empty for it.
    return message.split("'")[1] if message.count("'") >= 2 else ""


@dataclass(frozen=True, slots=True)
class MonitorResult:
    """What a transport answers: ``status`` and ``raw``, the decoded answer.

    A status starting with ``success_`` is a success (``success_ok`` from the provider; a queue
    may answer ``success_queued``). ``attempts`` counts the requests sent; ``note`` explains a
    result that was inferred (a retry that found the first attempt had taken effect);
    ``report`` holds the warnings validation found before sending. ``session``, ``txn_ref`` and
    ``room`` are the answer's, when it has them (Dial answers with a new session, a Transfer to
    ``room:`` with the room). It is the result of every block's request, not only Monitor's.
    """

    status: str
    raw: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    note: str | None = None
    report: Report | None = field(default=None, compare=False)
    session: str | None = None
    txn_ref: str | None = None
    room: str | None = None

    def __post_init__(self) -> None:
        # Read from the answer unless given: every transport's results carry them alike.
        for name in ("session", "txn_ref", "room"):
            if getattr(self, name) is None and isinstance(self.raw.get(name), str):
                object.__setattr__(self, name, self.raw[name])

    @property
    def ok(self) -> bool:
        return self.status.startswith("success_")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the report as a list of warnings)."""
        out: dict[str, Any] = {"status": self.status, "ok": self.ok, "raw": self.raw}
        out["attempts"] = self.attempts
        for name in ("session", "txn_ref", "room"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.note:
            out["note"] = self.note
        if self.report is not None:
            out["diagnostics"] = [
                {"code": d.code, "severity": str(d.severity), "message": d.message}
                for d in self.report
            ]
        return out


@runtime_checkable
class Transport(Protocol):
    """Submits requests and parses the notifications that come back.

    ``name`` is the unique name users select it by (``--transport NAME``). Options given to
    ``msgkit.get_transport(name, **options)`` go to the constructor; from the command line
    they arrive as strings. A transport that sends more than Monitor says so in a ``blocks``
    class attribute (``blocks = frozenset(msgkit.BLOCKS)``); without it, it is given Monitor
    requests only, and msgkit refuses others before sending (``TransportError``).
    """

    name: ClassVar[str]

    def submit(self, request: MonitorRequest) -> MonitorResult: ...

    def parse_notification(
        self, body: bytes, content_type: str, query: str = ""
    ) -> Notification: ...
