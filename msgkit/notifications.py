"""Typed Monitor notifications, parsed from what the provider posts to your URLs.

Two notifications follow a Monitor request (spec page, "Notifications"): one when the block has
finished (``MonitorNotification``), and the Monitor File Notification with the recording once
the call has ended (``MonitorFileNotification``, ``ivr_block=monitor``). The provider's docs say
the fields come in the query string, its SDKs read a form body: both are merged, body wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .errors import MsgkitError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "GMT8",
    "MonitorFileNotification",
    "MonitorNotification",
    "Notification",
    "NotificationError",
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Notification:
    """What every Monitor notification carries. Phone numbers are E.164 strings."""

    session: str
    txn_ref: str
    call_state: str  # ringing, ongoing or ended
    from_: str | None = None
    to: str | None = None
    dest: str | None = None
    tag: str | None = None
    ivr_block: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view with the wire's field names; datetimes ISO 8601, decimals strings."""
        out: dict[str, Any] = {"kind": type(self).__name__}
        for name in self.__dataclass_fields__:
            if name == "extra":
                continue
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            out[name.rstrip("_")] = value
        out["extra"] = dict(self.extra)
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
        timeout: float = 60.0,
        max_bytes: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> Path:
        """Stream the MP3 to ``path`` (see ``msgkit.download.download_recording``)."""
        from .download import download_recording

        return download_recording(
            self, path, timeout=timeout, max_bytes=max_bytes, transport=transport
        )


def _fields(body: bytes | str, content_type: str, query: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    try:
        merged.update(
            parse_qsl(
                query.removeprefix("?"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
                max_num_fields=_MAX_FIELDS,
            )
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise NotificationError(f"the query string does not parse: {error}") from None
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotificationError(f"the body is not UTF-8: {error}") from None
    else:
        text = body
    media = content_type.split(";")[0].strip().lower() or FORM
    if not text.strip():
        return merged
    if media == "application/json" or media.endswith("+json"):
        merged.update(_json_fields(text))
    elif media in (FORM, "text/plain"):
        try:
            merged.update(
                parse_qsl(
                    text.strip(),
                    keep_blank_values=True,
                    encoding="utf-8",
                    errors="strict",
                    max_num_fields=_MAX_FIELDS,
                )
            )
        except (UnicodeDecodeError, ValueError) as error:
            raise NotificationError(f"the form body does not parse: {error}") from None
    else:
        raise NotificationError(
            f"unsupported content type {media!r}; notifications are {FORM} (or JSON)"
        )
    return merged


def _json_fields(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise NotificationError(f"the JSON body does not parse: {error}") from None
    if not isinstance(data, dict):
        raise NotificationError("the JSON body is not an object")
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, (bool, dict, list)):
            raise NotificationError(f"{key}: expected a string, not {json.dumps(value)}", field=key)
        if value is not None:
            out[str(key)] = value if isinstance(value, str) else str(value)
    return out


def _restore_plus(value: str) -> str:
    # An unencoded '+' in a form body decodes as a space: ' 6511111111' was '+6511111111'.
    if value.startswith(" ") and value[1:].isdigit():
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
        raise NotificationError(
            f"field {name!r}: {value!r} is not valid" + (f" ({what})" if what else ""),
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


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    head, _, fraction = value.partition(".")
    try:
        moment = datetime.strptime(head, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise NotificationError(f"field 'date': {value!r} is not a date", field="date") from None
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return moment.replace(microsecond=micro, tzinfo=GMT8)


def _expires(url: str | None) -> datetime | None:
    if url is None:
        return None
    values = parse_qs(urlsplit(url).query).get("Expires")
    if not values:
        return None
    try:
        return datetime.fromtimestamp(int(values[0]), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise NotificationError(
            f"field 'monitor_url': its Expires {values[0]!r} is not a Unix timestamp",
            field="monitor_url",
        ) from None


def _is_file_notification(fields: dict[str, str]) -> bool:
    # The block-finished notification may also carry ivr_block=monitor; only the recording's
    # notification has monitor_status / monitor_url.
    return fields.get("ivr_block") == "monitor" and (
        "monitor_status" in fields or "monitor_url" in fields
    )


def parse_notification(
    body: bytes | str, content_type: str = FORM, query: str = ""
) -> MonitorNotification | MonitorFileNotification:
    """Parse a Monitor notification from its raw body, content type and query string.

    Raises ``NotificationError`` naming the offending field. Empty values count as absent.
    """
    raw = _fields(body, content_type, query)
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
    }
    if is_file:
        url = fields.get("monitor_url")
        return MonitorFileNotification(
            **common,
            monitor_status=fields["monitor_status"],
            monitor_url=url,
            expires_at=_expires(url),
        )
    duration = fields.get("duration")
    rate = fields.get("rate")
    debit = fields.get("debit")
    return MonitorNotification(
        **common,
        date=_date(fields.get("date")),
        duration=int(duration) if duration is not None else None,
        currency=fields.get("currency"),
        rate=Decimal(rate) if rate is not None else None,
        debit=Decimal(debit) if debit is not None else None,
    )
