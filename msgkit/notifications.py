"""Typed notifications, one class per IVR block, parsed from what the provider posts.

A notification follows every block (reference, section 3): ``AnswerNotification`` for an
incoming call, then ``DialNotification``, ``PlayNotification``, ``GatherNotification``
(``digits``), ``RecordNotification`` (``record_url``), ``MonitorNotification``,
``HoldNotification``, ``UnholdNotification``, ``TransferNotification`` (``transfer_status``,
``room``) and ``HangupNotification``, each when its block has finished; and, after a monitored
call has ended, the Monitor File Notification with the recording (``MonitorFileNotification``).
The block is the body's ``ivr_block``; without one it is read from the block's own fields, or
given by the caller (``block=``), and a notification with none of these is a Monitor one (the
only block whose notification is documented without ``ivr_block``).

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
from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs, parse_qsl, urlsplit

from .errors import MsgkitError

if TYPE_CHECKING:
    import threading

    import httpx

__all__ = [
    "BLOCK_NOTIFICATIONS",
    "CALL_STATES",
    "CALL_STATUSES",
    "GMT8",
    "AnswerNotification",
    "BlockNotification",
    "DialNotification",
    "GatherNotification",
    "HangupNotification",
    "HoldNotification",
    "MonitorFileNotification",
    "MonitorNotification",
    "Notification",
    "NotificationError",
    "PlayNotification",
    "RecordNotification",
    "SignatureError",
    "TransferNotification",
    "UnholdNotification",
    "parse_notification",
]

GMT8 = timezone(timedelta(hours=8), "GMT+8")
FORM = "application/x-www-form-urlencoded"
_MAX_FIELDS = 200

# The documented values of the open enumerations; any other value is kept as given.
CALL_STATES = ("ringing", "ongoing", "ended")
CALL_STATUSES = ("answered", "unanswered", "busy", "failed")

# Fields with a typed attribute; everything else lands in ``extra``.
_COMMON = ("ivr_block", "session", "txn_ref", "from", "to", "dest", "call_state", "tag")
_BILLING = ("date", "duration", "currency", "rate", "debit")
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
    """What every notification carries. Phone numbers are E.164 strings.

    ``call_state`` is ``ringing``, ``ongoing`` or ``ended`` (another value is kept as given).
    ``extra`` holds the body's fields that have no attribute; ``query`` the parameters of the
    query string the notification was posted to, which no signature covers.
    """

    BLOCK: ClassVar[str] = "monitor"

    session: str
    txn_ref: str
    call_state: str
    from_: str | None = None
    to: str | None = None
    dest: str | None = None
    tag: str | None = None
    ivr_block: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    @property
    def block(self) -> str:
        """The block the notification is for (``gather``, ``monitor``, ... or ``answer``)."""
        return self.ivr_block or self.BLOCK

    @property
    def ended(self) -> bool:
        """The call has ended (the last notification of a call)."""
        return self.call_state == "ended"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view with the wire's field names; datetimes ISO 8601, decimals strings."""
        out: dict[str, Any] = {"kind": type(self).__name__, "block": self.block}
        for item in dataclass_fields(self):  # __dataclass_fields__ has the ClassVar too
            name = item.name
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
class BlockNotification(Notification):
    """A block has finished. Billing fields are present only when the call ended.

    ``date`` is timezone-aware in GMT+8, ``duration`` is in minutes, ``rate`` (per minute) and
    ``debit`` are ``Decimal``. This class itself stands for a block msgkit does not know.
    """

    BLOCK: ClassVar[str] = ""

    date: datetime | None = None
    duration: int | None = None
    currency: str | None = None
    rate: Decimal | None = None
    debit: Decimal | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerNotification(BlockNotification):
    """An incoming call to your Hoiio number (``ivr_block=answer``, usually ``ringing``)."""

    BLOCK: ClassVar[str] = "answer"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialNotification(BlockNotification):
    """The Dial block has finished; ``dial_status`` says what the dialled number did."""

    BLOCK: ClassVar[str] = "dial"

    dial_status: str | None = None  # answered, unanswered, busy, failed, or as given


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayNotification(BlockNotification):
    """The Play block has finished playing its msg."""

    BLOCK: ClassVar[str] = "play"


@dataclass(frozen=True, slots=True, kw_only=True)
class GatherNotification(BlockNotification):
    """The Gather block has finished; ``digits`` are the keys pressed (``None``: none)."""

    BLOCK: ClassVar[str] = "gather"

    digits: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordNotification(BlockNotification):
    """The Record block has finished; ``record_url`` is the MP3 of what the caller said.

    ``expires_at`` (UTC) is the pre-signed URL's ``Expires``, when it has one. ``download``
    saves it exactly as a Monitor recording is saved.
    """

    BLOCK: ClassVar[str] = "record"

    record_url: str | None = None
    expires_at: datetime | None = None

    @property
    def recording_url(self) -> str | None:
        return self.record_url

    @property
    def no_recording(self) -> str:
        return "the Record notification has no record_url"

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
        """Stream the MP3 to ``path`` (see ``msgkit.download.download_recording``)."""
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


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorNotification(BlockNotification):
    """The Monitor block has finished (the call goes on, recorded)."""

    BLOCK: ClassVar[str] = "monitor"


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldNotification(BlockNotification):
    """The call has been put on hold (it stays there until an Unhold block)."""

    BLOCK: ClassVar[str] = "hold"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnholdNotification(BlockNotification):
    """The call is off hold again."""

    BLOCK: ClassVar[str] = "unhold"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferNotification(BlockNotification):
    """The Transfer block has finished: ``transfer_status``, and ``room`` for a conference."""

    BLOCK: ClassVar[str] = "transfer"

    transfer_status: str | None = None  # answered, unanswered, busy, failed, or as given
    room: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupNotification(BlockNotification):
    """The Hangup block has finished: the call is over."""

    BLOCK: ClassVar[str] = "hangup"


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

    @property
    def recording_url(self) -> str | None:
        return self.monitor_url

    @property
    def no_recording(self) -> str:
        return f"monitor_status is {self.monitor_status!r} and the notification has no monitor_url"

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


# Every block's notification class, and the fields each adds to the shared ones.
BLOCK_NOTIFICATIONS: dict[str, type[BlockNotification]] = {
    cls.BLOCK: cls
    for cls in (
        AnswerNotification,
        DialNotification,
        PlayNotification,
        GatherNotification,
        RecordNotification,
        MonitorNotification,
        HoldNotification,
        UnholdNotification,
        TransferNotification,
        HangupNotification,
    )
}
_OWN: dict[str, tuple[str, ...]] = {
    "dial": ("dial_status",),
    "gather": ("digits",),
    "record": ("record_url",),
    "transfer": ("transfer_status", "room"),
}


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


def _expires(url: str | None, name: str) -> datetime | None:
    if url is None:
        return None
    try:
        values = parse_qs(urlsplit(url).query).get("Expires")
    except ValueError:  # "http://[::1": a bracket that never closes
        raise NotificationError(f"field {name!r}: {url[:80]!r} is not a URL", field=name) from None
    if not values:
        return None
    try:
        if not _UNIX_TIME.fullmatch(values[0]):
            raise ValueError(values[0])
        return datetime.fromtimestamp(int(values[0]), tz=timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise NotificationError(
            f"field {name!r}: its Expires {values[0][:40]!r} is not a Unix timestamp",
            field=name,
        ) from None


def _is_file_notification(fields: dict[str, str]) -> bool:
    # The block-finished notification may also carry ivr_block=monitor; only the recording's
    # notification has monitor_status / monitor_url.
    return fields.get("ivr_block") == "monitor" and (
        "monitor_status" in fields or "monitor_url" in fields
    )


def _block_of(fields: dict[str, str], given: str | None) -> str:
    """The block a notification is for: its ``ivr_block``, the caller's ``block``, its own
    fields, or Monitor (whose block-finished notification is documented without one)."""
    named = fields.get("ivr_block")
    if named is not None and given is not None and named != given:
        raise NotificationError(
            f"field 'ivr_block': {named[:80]!r} is not the expected block {given!r}",
            field="ivr_block",
        )
    if named is not None:
        return named
    if given is not None:
        return given
    for block, own in _OWN.items():
        if any(name in fields for name in own):
            return block
    return "monitor"


def parse_notification(
    body: bytes | str,
    content_type: str = FORM,
    query: str = "",
    *,
    signature: str | bytes | None = None,
    access_token: str | None = None,
    query_fields: bool = False,
    block: str | None = None,
) -> Notification:
    """Parse a notification from its raw body, content type and query string.

    Returns the block's own class (``GatherNotification``, ``MonitorFileNotification``, ...;
    see :data:`BLOCK_NOTIFICATIONS`), or ``BlockNotification`` for a block msgkit does not
    know. ``block`` names the block you expect (the one whose notify URL this is): it types a
    notification that has no ``ivr_block``, and one whose ``ivr_block`` differs is refused.

    The fields come from the body; the query string's parameters go to ``.query`` only.
    With ``access_token``, ``signature`` (the ``X-Hoiio-Signature`` header) is checked against
    the raw ``body`` bytes first, and ``SignatureError`` raised when it does not match.
    ``query_fields=True`` is for an endpoint that checks no signature and receives the fields
    in the query string: they then fill what the body lacks (the body wins); it cannot be
    combined with ``access_token``, since no signature covers the query string.

    Raises ``NotificationError`` naming the offending field. Empty values count as absent;
    fields without an attribute are kept in ``extra``, unknown values of the enumerations
    (``call_state``, ``dial_status``, ``transfer_status``, ``monitor_status``) as given.
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
    name = _block_of(fields, block)
    is_file = name == "monitor" and _is_file_notification(fields)
    _check(
        fields,
        "monitor-file-notification"
        if is_file
        else "monitor-notification"
        if name == "monitor"
        else "ivr-notification",
    )
    own = _OWN.get(name, ())
    known = _FILE if is_file else (*_COMMON, *_BILLING, *own)
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
            expires_at=_expires(url, "monitor_url"),
        )
    rate = fields.get("rate")
    debit = fields.get("debit")
    common.update(
        date=_date(fields.get("date")),
        duration=_duration(fields.get("duration")),
        currency=fields.get("currency"),
        rate=Decimal(rate) if rate is not None else None,
        debit=Decimal(debit) if debit is not None else None,
    )
    common.update({key: fields.get(key) for key in own})
    if name == "record":
        common["expires_at"] = _expires(fields.get("record_url"), "record_url")
    cls = BLOCK_NOTIFICATIONS.get(name, BlockNotification)
    return cls(**common)
