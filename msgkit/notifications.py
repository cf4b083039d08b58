"""Typed Monitor notifications, parsed from what the provider posts to your URLs.

Two notifications follow a Monitor request (spec page, "Notifications"): one when the block has
finished (``MonitorNotification``), and the Monitor File Notification with the recording once
the call has ended (``MonitorFileNotification``, ``ivr_block=monitor``).

The provider signs the body (``X-Hoiio-Signature``), not the URL, so only the body's fields are
trusted: the query string can be changed by anyone who replays a notification. Its parameters
(the pass-through values you put in your notify URL) are kept apart in ``Notification.query``
and never fill, override or add a field, unless an endpoint that checks no signature asks for
that with ``query_fields=True``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .errors import MsgkitError

if TYPE_CHECKING:
    import threading

    import httpx

__all__ = [
    "GMT8",
    "MonitorFileNotification",
    "MonitorNotification",
    "Notification",
    "NotificationError",
    "SignatureError",
    "parse_notification",
]

GMT8 = timezone(timedelta(hours=8), "GMT+8")
FORM = "application/x-www-form-urlencoded"
_MAX_FIELDS = 200

# Fields with a typed attribute; everything else lands in ``extra``.
_COMMON = ("ivr_block", "session", "txn_ref", "from", "to", "dest", "call_state", "tag")
_BLOCK = (*_COMMON, "date", "duration", "currency", "rate", "debit")
_FILE = (*_COMMON, "monitor_status", "monitor_url")


class NotificationError(MsgkitError, ValueError):
    """A notification that does not parse; ``field`` names the offending field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SignatureError(NotificationError):
    """The notification is not signed with the access token: it did not come from the provider."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """What every Monitor notification carries. Phone numbers are E.164 strings.

    ``extra`` holds the body's fields that have no attribute; ``query`` the parameters of the
    query string the notification was posted to, which no signature covers.
    """

    session: str
    txn_ref: str
    call_state: str  # ringing, ongoing or ended
    from_: str | None = None
    to: str | None = None
    dest: str | None = None
    tag: str | None = None
    ivr_block: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view with the wire's field names; datetimes ISO 8601, decimals strings."""
        out: dict[str, Any] = {"kind": type(self).__name__}
        for name in self.__dataclass_fields__:
            if name in ("extra", "query"):
                continue
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            out[name.rstrip("_")] = value
        out["extra"] = dict(self.extra)
        out["query"] = dict(self.query)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorNotification(Notification):
    """The Monitor block has finished. Billing fields are present only when the call ended.

    ``date`` is timezone-aware in GMT+8, ``duration`` is in minutes.
    """

    date: datetime | None = None
    duration: int | None = None
    currency: str | None = None
    rate: Decimal | None = None
    debit: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorFileNotification(Notification):
    """The recording of the monitored call (``ivr_block=monitor``).

    ``monitor_status`` is kept as given: only ``failed`` is documented, and then there is no
    ``monitor_url``. ``expires_at`` (UTC) is the pre-signed URL's ``Expires``, when it has one.
    """

    monitor_status: str
    monitor_url: str | None = None
    expires_at: datetime | None = None

    @property
    def failed(self) -> bool:
        return self.monitor_status == "failed"

    def download(
        self,
        path: str | Path,
        *,
        overwrite: bool = False,
        max_bytes: int | None = None,
        timeout: float = 60.0,
        deadline: float | None = None,
        transport: httpx.BaseTransport | None = None,
        cancel: threading.Event | None = None,
    ) -> Path:
        """Stream the MP3 to ``path`` (see ``msgkit.download.download_recording``).

        A directory ``path`` gets a file named after the session and transaction reference.
        """
        from .download import download_recording

        return download_recording(
            self,
            path,
            overwrite=overwrite,
            max_bytes=max_bytes,
            timeout=timeout,
            deadline=deadline,
            transport=transport,
            cancel=cancel,
        )


def _pairs(text: str, where: str) -> dict[str, str]:
    try:
        text.encode("utf-8")  # a lone surrogate (from a bad command line) is not text
        return dict(
            parse_qsl(
                text,
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
                max_num_fields=_MAX_FIELDS,
            )
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise NotificationError(f"{where} does not parse: {error}") from None


def _body_fields(body: bytes | str, content_type: str) -> dict[str, str]:
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotificationError(f"the body is not UTF-8: {error}") from None
    else:
        text = body
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise NotificationError(f"the body is not UTF-8 text: {error}") from None
    if not text.strip():
        return {}
    media = content_type.split(";")[0].strip().lower() or FORM
    if media == "application/json" or media.endswith("+json"):
        return _json_fields(text)
    if media in (FORM, "text/plain"):
        return _pairs(text.strip(), "the form body")
    raise NotificationError(
        f"unsupported content type {media!r}; notifications are {FORM} (or JSON)"
    )


def _json_fields(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise NotificationError(f"the JSON body does not parse: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise NotificationError("the JSON body is not an object")
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, (bool, dict, list)):
            shown = (
                "an object"
                if isinstance(value, dict)
                else "a list"
                if isinstance(value, list)
                else json.dumps(value)
            )
            raise NotificationError(f"{key}: expected a string, not {shown}", field=key)
        if value is not None:
            out[str(key)] = value if isinstance(value, str) else str(value)
    return out


def _restore_plus(value: str) -> str:
    # An unencoded '+' in a form body decodes as a space: ' 6511111111' was '+6511111111'.
    if value.startswith(" ") and value[1:].isascii() and value[1:].isdigit():
        return "+" + value[1:]
    return value


def _check(fields: dict[str, str], schema_name: str) -> None:
    from .schemas import schema, validator

    properties = schema(schema_name)["properties"]
    errors = sorted(validator(schema_name).iter_errors(fields), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    path = [str(p) for p in error.absolute_path]
    if path:
        name = path[0]
        spec = properties.get(name, {})
        what = spec.get("description") or _referenced_description(spec.get("$ref"))
        value = fields.get(name)
        shown = repr(value) if value is None or len(value) <= 80 else repr(value[:80]) + "..."
        raise NotificationError(
            f"field {name!r}: {shown} is not valid" + (f" ({what})" if what else ""),
            field=name,
        )
    if error.validator == "required":
        name = error.message.split("'")[1]
        raise NotificationError(f"field {name!r} is missing", field=name)
    raise NotificationError(f"the notification is not valid: {error.message}")


def _referenced_description(ref: str | None) -> str:
    # Properties of the file notification point at the block notification's descriptions.
    from .schemas import schema

    if not ref or "#/properties/" not in ref:
        return ""
    name, _, pointer = ref.partition("#/properties/")
    other = schema(name.removesuffix(".schema.json"))["properties"].get(pointer, {})
    return str(other.get("description", ""))


# Whole-value matches (fullmatch): '$' would also accept a trailing newline.
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]+))?")
_UNIX_TIME = re.compile(r"[0-9]{1,12}")
_MINUTES = re.compile(r"[0-9]{1,9}")


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    found = _DATE.fullmatch(value)
    try:
        if found is None:
            raise ValueError(value)
        moment = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise NotificationError(
            f"field 'date': {value[:80]!r} is not a date", field="date"
        ) from None
    fraction = found.group(2)
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=micro, tzinfo=GMT8)


def _duration(value: str | None) -> int | None:
    if value is None:
        return None
    if not _MINUTES.fullmatch(value):
        raise NotificationError(
            f"field 'duration': {value[:80]!r} is not a number of minutes", field="duration"
        )
    return int(value)


def _expires(url: str | None) -> datetime | None:
    if url is None:
        return None
    try:
        values = parse_qs(urlsplit(url).query).get("Expires")
    except ValueError:  # "http://[::1": a bracket that never closes
        raise NotificationError(
            f"field 'monitor_url': {url[:80]!r} is not a URL", field="monitor_url"
        ) from None
    if not values:
        return None
    try:
        if not _UNIX_TIME.fullmatch(values[0]):
            raise ValueError(values[0])
        return datetime.fromtimestamp(int(values[0]), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise NotificationError(
            f"field 'monitor_url': its Expires {values[0][:40]!r} is not a Unix timestamp",
            field="monitor_url",
        ) from None


def _is_file_notification(fields: dict[str, str]) -> bool:
    # The block-finished notification may also carry ivr_block=monitor; only the recording's
    # notification has monitor_status / monitor_url.
    return fields.get("ivr_block") == "monitor" and (
        "monitor_status" in fields or "monitor_url" in fields
    )


def parse_notification(
    body: bytes | str,
    content_type: str = FORM,
    query: str = "",
    *,
    signature: str | bytes | None = None,
    access_token: str | None = None,
    query_fields: bool = False,
) -> MonitorNotification | MonitorFileNotification:
    """Parse a Monitor notification from its raw body, content type and query string.

    The fields come from the body; the query string's parameters go to ``.query`` only.
    With ``access_token``, ``signature`` (the ``X-Hoiio-Signature`` header) is checked against
    the raw ``body`` bytes first, and ``SignatureError`` raised when it does not match.
    ``query_fields=True`` is for an endpoint that checks no signature and receives the fields
    in the query string: they then fill what the body lacks (the body wins); it cannot be
    combined with ``access_token``, since no signature covers the query string.

    Raises ``NotificationError`` naming the offending field. Empty values count as absent.
    """
    from .signatures import verify_signature

    if access_token is not None:
        if query_fields:
            raise ValueError("query_fields=True cannot be combined with a signature check")
        if not (isinstance(body, bytes) and verify_signature(body, signature, access_token)):
            what = "has no signature" if not signature else "has a signature that does not match"
            raise SignatureError(
                f"the notification {what}: it was not signed with this access token, or its "
                "body was changed"
            )
    params = _pairs(query.removeprefix("?"), "the query string")
    raw = _body_fields(body, content_type)
    if not raw:
        if access_token is not None:
            raise NotificationError("the body is empty: a signed notification carries its fields")
        if not query_fields:
            raise NotificationError(
                "the body is empty: a notification's fields are in its body (the query string's "
                "parameters are kept apart, in .query)"
            )
    if query_fields:
        raw = {**params, **raw}
    fields = {k: _restore_plus(v) if k in ("from", "to", "dest") else v for k, v in raw.items()}
    fields = {k: v for k, v in fields.items() if v != ""}
    is_file = _is_file_notification(fields)
    _check(fields, "monitor-file-notification" if is_file else "monitor-notification")
    known = _FILE if is_file else _BLOCK
    common: dict[str, Any] = {
        "session": fields["session"],
        "txn_ref": fields["txn_ref"],
        "call_state": fields["call_state"],
        "from_": fields.get("from"),
        "to": fields.get("to"),
        "dest": fields.get("dest"),
        "tag": fields.get("tag"),
        "ivr_block": fields.get("ivr_block"),
        "extra": {k: v for k, v in fields.items() if k not in known},
        "query": params,
    }
    if is_file:
        url = fields.get("monitor_url")
        return MonitorFileNotification(
            **common,
            monitor_status=fields["monitor_status"],
            monitor_url=url,
            expires_at=_expires(url),
        )
    rate = fields.get("rate")
    debit = fields.get("debit")
    return MonitorNotification(
        **common,
        date=_date(fields.get("date")),
        duration=_duration(fields.get("duration")),
        currency=fields.get("currency"),
        rate=Decimal(rate) if rate is not None else None,
        debit=Decimal(debit) if debit is not None else None,
    )
