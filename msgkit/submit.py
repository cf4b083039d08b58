"""``submit()``: validate a message, then hand the request to a transport."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .config import Config
from .diagnostics import Diagnostic, Report, Severity
from .errors import MsgkitError, ValidationError

if TYPE_CHECKING:
    from .model import Message
    from .transports.base import MonitorResult, Transport
    from .transports.requests import AnyRequest

__all__ = [
    "ENV_ACCESS_TOKEN",
    "ENV_APP_ID",
    "MissingCredentialsError",
    "check_submission",
    "send",
    "submit",
]

ENV_APP_ID = "MSGKIT_APP_ID"
ENV_ACCESS_TOKEN = "MSGKIT_ACCESS_TOKEN"
NO_NOTIFY_URL = "warning_no_notify_url"


class MissingCredentialsError(MsgkitError, ValueError):
    """No app ID or access token, neither given nor in the environment."""


def _markup(message: Message | str) -> str:
    if isinstance(message, str):
        return message
    from .model import Message  # here: importing msgkit (for msgkit lint) needs no model

    if isinstance(message, Message):
        return message.render()
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
    return _no_notify_url(report, notify_url, monitor_notify_url, config)


def _credential(value: str | None, variable: str, what: str) -> str:
    value = value if value is not None else os.environ.get(variable)
    if not value:
        raise MissingCredentialsError(f"no {what}: set {variable} in the environment")
    return value


def submit(
    message: Message | str | None,
    *,
    block: str = "monitor",
    session: str | None = None,
    transport: str | Transport = "hoiio",
    app_id: str | None = None,
    access_token: str | None = None,
    tag: str | None = None,
    notify_url: str | None = None,
    monitor_notify_url: str | None = None,
    config: Config | None = None,
    transport_options: Mapping[str, Any] | None = None,
    **params: Any,
) -> MonitorResult:
    """Validate ``message`` with its parameters, then submit it as a ``block`` request.

    ``params`` are the block's own parameters (``max_digits=4``, ``dest="+6591234567"``, ...;
    strings or integers); ``message`` is its ``msg`` (``None`` for a block that takes none).
    Raises ``ValidationError`` (with its ``report``) and sends nothing when
    :func:`~msgkit.validate_request` finds errors. ``app_id`` and ``access_token`` default to
    ``MSGKIT_APP_ID`` and ``MSGKIT_ACCESS_TOKEN``. ``transport`` is a registered name (built
    with ``transport_options``) or a transport object; a transport that does not list
    ``block`` in its ``blocks`` is refused with ``TransportError`` before anything is sent.
    The result's ``report`` holds the warnings. API refusals raise ``ApiError`` subclasses,
    delivery problems ``TransportError``.

    A keyword ``block`` does not take (``base_url=...``, or ``timeout=10`` for a Monitor) is
    taken as a transport option, as before ``transport_options`` existed; where a block and the
    transport share a name (Gather's ``timeout``), the block has it, and the transport's goes
    in ``transport_options``.
    """
    from .blocks import block as block_named
    from .transports.requests import request
    from .validation import validate_request

    row = block_named(block)
    options = dict(transport_options or {})
    if isinstance(transport, str):
        options.update({k: v for k, v in params.items() if k not in row.params})
        own = {k: v for k, v in params.items() if k in row.params}
    else:  # no options to give: a keyword the block does not take is reported as such
        own = dict(params)
    given: dict[str, Any] = {
        "session": session,
        "msg": None if message is None else _markup(message),
        "tag": tag,
        "notify_url": notify_url,
        "monitor_notify_url": monitor_notify_url,
        **own,
    }
    wire = {k: v for k, v in given.items() if v is not None}
    config = config or Config()
    report = validate_request(row, wire, config=config)
    if row.name == "monitor":
        # What only matters when sending a Monitor: where its recording goes.
        report = _no_notify_url(report, notify_url, monitor_notify_url, config)
    if not report.ok:
        raise ValidationError(report)
    built = request(
        row.name,
        app_id=_credential(app_id, ENV_APP_ID, "app ID"),
        access_token=_credential(access_token, ENV_ACCESS_TOKEN, "access token"),
        **wire,
    )
    if isinstance(transport, str):
        from .plugins import get_transport

        sender = get_transport(transport, **options)
    elif options:
        raise TypeError("options are for a transport given by name, not a transport object")
    else:
        sender = transport
    return replace(send(built, sender), report=report)


def send(request: AnyRequest, transport: Transport) -> MonitorResult:
    """Hand a built request to ``transport``: refused with ``TransportError`` before sending
    when the transport does not take its block; the access token scrubbed from whatever comes
    back, answers and errors alike. ``submit`` and ``Call.submit`` send through here."""
    from .redaction import Redactor
    from .transports.base import MonitorResult, TransportError
    from .transports.requests import check_handles

    check_handles(transport, request)
    name = getattr(transport, "name", type(transport).__name__)
    # Every transport's answers and errors pass through here, so this is where the token is
    # scrubbed from them, whatever the transport did (a server may echo it back).
    scrub = Redactor([request.access_token])
    try:
        # A transport that lists the block in ``blocks`` takes its request (checked above).
        result = transport.submit(request)  # type: ignore[arg-type]
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
    )


def _no_notify_url(
    report: Report, notify_url: str | None, monitor_notify_url: str | None, config: Config
) -> Report:
    if notify_url is not None or monitor_notify_url is not None or not config.wants(NO_NOTIFY_URL):
        return report
    warning = Diagnostic(
        code=NO_NOTIFY_URL,
        severity=Severity.WARNING,
        message="neither notify_url nor monitor_notify_url is given: the URL of the "
        "recording would never reach you",
        field="notify_url",
        hint="give notify_url (called when the call has ended and the recording is ready)",
    )
    return Report.of((*report.diagnostics, warning), strict=config.strict)
