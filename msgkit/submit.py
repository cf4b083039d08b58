"""``submit()``: validate a message, then hand the request to a transport."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .config import Config
from .diagnostics import Diagnostic, Report, Severity
from .errors import MsgkitError, ValidationError
from .model import Message

if TYPE_CHECKING:
    from .transports.base import MonitorResult, Transport

__all__ = [
    "ENV_ACCESS_TOKEN",
    "ENV_APP_ID",
    "MissingCredentialsError",
    "check_submission",
    "submit",
]

ENV_APP_ID = "MSGKIT_APP_ID"
ENV_ACCESS_TOKEN = "MSGKIT_ACCESS_TOKEN"
NO_NOTIFY_URL = "warning_no_notify_url"


class MissingCredentialsError(MsgkitError, ValueError):
    """No app ID or access token, neither given nor in the environment."""


def _markup(message: Message | str) -> str:
    if isinstance(message, Message):
        return message.render()
    if isinstance(message, str):
        return message
    raise TypeError(f"expected a Message or a str, not {type(message).__name__}")


def check_submission(
    message: Message | str,
    *,
    tag: str | None = None,
    notify_url: str | None = None,
    monitor_notify_url: str | None = None,
    config: Config | None = None,
) -> Report:
    """``validate`` plus what only matters when sending: a request with no notify URL at all.

    Without either URL the provider has nowhere to post the recording's URL, so it is lost
    (``warning_no_notify_url``).
    """
    from .validation import validate

    config = config or Config()
    report = validate(
        message,
        tag=tag,
        notify_url=notify_url,
        monitor_notify_url=monitor_notify_url,
        config=config,
    )
    if notify_url is None and monitor_notify_url is None and config.wants(NO_NOTIFY_URL):
        warning = Diagnostic(
            code=NO_NOTIFY_URL,
            severity=Severity.WARNING,
            message="neither notify_url nor monitor_notify_url is given: the URL of the "
            "recording would never reach you",
            field="notify_url",
            hint="give notify_url (called when the call has ended and the recording is ready)",
        )
        report = Report.of((*report.diagnostics, warning), strict=config.strict)
    return report


def _credential(value: str | None, variable: str, what: str) -> str:
    value = value if value is not None else os.environ.get(variable)
    if not value:
        raise MissingCredentialsError(f"no {what}: set {variable} in the environment")
    return value


def submit(
    message: Message | str,
    *,
    session: str,
    transport: str | Transport = "hoiio",
    app_id: str | None = None,
    access_token: str | None = None,
    tag: str | None = None,
    notify_url: str | None = None,
    monitor_notify_url: str | None = None,
    config: Config | None = None,
    **options: Any,
) -> MonitorResult:
    """Validate ``message`` with its parameters, then submit it as a Monitor request.

    Raises ``ValidationError`` (with its ``report``) and sends nothing when validation finds
    errors. ``app_id`` and ``access_token`` default to ``MSGKIT_APP_ID`` and
    ``MSGKIT_ACCESS_TOKEN``. ``transport`` is a registered name (built with ``options``) or a
    transport object. The result's ``report`` holds the warnings. API refusals raise
    ``ApiError`` subclasses, delivery problems ``TransportError``.
    """
    from .plugins import get_transport
    from .redaction import Redactor
    from .transports.base import MonitorRequest, MonitorResult, TransportError

    report = check_submission(
        message,
        tag=tag,
        notify_url=notify_url,
        monitor_notify_url=monitor_notify_url,
        config=config,
    )
    if not report.ok:
        raise ValidationError(report)
    request = MonitorRequest(
        app_id=_credential(app_id, ENV_APP_ID, "app ID"),
        access_token=_credential(access_token, ENV_ACCESS_TOKEN, "access token"),
        session=session,
        msg=_markup(message),
        tag=tag,
        notify_url=notify_url,
        monitor_notify_url=monitor_notify_url,
    )
    if isinstance(transport, str):
        sender = get_transport(transport, **options)
    elif options:
        raise TypeError("options are for a transport given by name, not a transport object")
    else:
        sender = transport
    name = getattr(sender, "name", type(sender).__name__)
    # Every transport's answers and errors pass through here, so this is where the token is
    # scrubbed from them, whatever the transport did (a server may echo it back).
    scrub = Redactor([request.access_token])
    try:
        result = sender.submit(request)
    except MsgkitError as error:
        scrub.exception(error)
        raise
    except Exception as error:  # a plugin's bug: reported as the transport's failure
        text = scrub.text(str(error))
        raise TransportError(f"transport {name!r} failed: {type(error).__name__}: {text}") from None
    if not isinstance(result, MonitorResult):
        raise TransportError(
            f"transport {name!r} returned {type(result).__name__}, not a MonitorResult"
        )
    return replace(
        result,
        status=scrub.text(result.status) if isinstance(result.status, str) else result.status,
        raw=scrub.data(result.raw),
        note=None if result.note is None else scrub.text(result.note),
        report=report,
    )
