"""Reading a monitor request's parameters and checking them as the provider does.

The msg, tag and notify URL rules are msgkit's own ``validate``: the sandbox answers the status
of the first error it reports, so what ``msgkit lint`` says and what the sandbox answers can
never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from ..config import Config
from ..errors import MsgkitError
from ..validation import validate

__all__ = [
    "REQUIRED",
    "MalformedParamsError",
    "check_block_request",
    "check_request",
    "decode_params",
]

REQUIRED = ("app_id", "access_token", "session")
# The order in which the provider's answer names the first problem: msg first, as it is parsed
# first, then the simple parameters.
_FIELD_ORDER = ("msg", "tag", "monitor_notify_url", "notify_url")
_MAX_FIELDS = 100


class MalformedParamsError(MsgkitError, ValueError):
    """The parameters are not readable text (the provider's ``error_malformed_params``)."""


def decode_params(raw: bytes) -> dict[str, str]:
    """Decode a query string or form body strictly as UTF-8; the first value of a name wins."""
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedParamsError(str(error)) from None
    params: dict[str, str] = {}
    for name, value in pairs:
        params.setdefault(name, value)
    return params


def check_request(params: Mapping[str, str], config: Config) -> str | None:
    """The status of the first problem with msg, tag or the notify URLs (``None``: none)."""
    msg = params.get("msg")
    report = validate(
        msg if msg is not None else "",
        tag=params.get("tag"),
        notify_url=params.get("notify_url"),
        monitor_notify_url=params.get("monitor_notify_url"),
        config=config,
    )
    errors = [d for d in report.errors if msg is not None or d.field != "msg"]
    for field in _FIELD_ORDER:
        for diagnostic in errors:
            if diagnostic.field == field:
                return diagnostic.code
    return None


def check_block_request(block: str, params: Mapping[str, str], config: Config) -> str | None:
    """The status of the first problem with a ``block`` request's parameters (``None``: none).

    The rules are the block's request schema, read through ``validate_request`` (the same
    checks ``msgkit lint`` runs on a message file naming that block): the sandbox never
    repeats a limit. A missing parameter comes first, then msg (parsed first), then the rest
    in the schema's order. Parameters the block does not take are ignored, as the provider
    ignores them; an empty optional parameter is an absent one.
    """
    from ..blocks import BLOCKS
    from ..validation import validate_request

    row = BLOCKS[block]
    given = {
        k: v
        for k, v in params.items()
        if k in row.params and k not in ("app_id", "access_token") and (v or k in row.required)
    }
    report = validate_request(block, given, config=config)
    errors = [d for d in report.errors if d.code != "warning_"]
    if not errors:
        return None
    order = ["msg", *row.params]

    def rank(code: str, field: str | None) -> tuple[int, int]:
        missing = code.endswith("_param_missing")
        return (0 if missing else 1, order.index(field) if field in order else len(order))

    first = min(errors, key=lambda d: rank(d.code, d.field))
    return first.code
