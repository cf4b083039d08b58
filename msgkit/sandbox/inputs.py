"""Reading what a request carries: numbers, dates and JSON bodies, each within a bound.

Every value the sandbox parses out of a request goes through this module, so what a hostile
client can make the server do is decided here and nowhere else. A number is ASCII digits of
bounded length: ``int()`` alone accepts ``²`` through ``str.isdigit``, ``٣`` and ``1_000``, and
raises on 5,000 digits. A JSON body has a size bound and a nesting bound, checked before the
parser (which recurses) sees it, and its numbers are bounded like the others.

Every failure is an :class:`InputError` whose message is msgkit's own wording, fit to send back.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from collections.abc import AsyncIterable
from typing import Any

from .state import SandboxError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_JSON_DEPTH",
    "BodyTooLargeError",
    "InputError",
    "parse_http_date",
    "parse_int",
    "parse_json",
    "read_body",
    "read_json",
]

MAX_BODY_BYTES = 1 << 20
# The control API's bodies are flat objects; a little room, and far below Python's recursion.
MAX_JSON_DEPTH = 16
# Longer than any number a request needs (a timestamp has 10 digits, a duration a few).
MAX_DIGITS = 18
_MAX_NUMBER_CHARS = 32
_MAX_DATE_CHARS = 64

_DIGITS = re.compile(r"[0-9]+")  # [0-9], not \d: \d matches every script's digits
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class InputError(SandboxError, ValueError):
    """A value in a request that is not what it must be; the message says why."""


class BodyTooLargeError(InputError):
    """The body is larger than the bound."""


def parse_int(text: str, what: str, *, max_digits: int = MAX_DIGITS) -> int:
    """A non-negative integer written with 1 to ``max_digits`` ASCII digits, nothing else."""
    if len(text) > max_digits:
        raise InputError(f"{what} is not a number of at most {max_digits} digits")
    if not _DIGITS.fullmatch(text):
        raise InputError(f"{what} is not a number (digits 0-9 only)")
    return int(text)


def _json_number(text: str) -> int | float:
    # The JSON grammar has already matched ``text``; only its length and range are left.
    if len(text) > _MAX_NUMBER_CHARS:
        raise InputError(f"a number in the body is longer than {_MAX_NUMBER_CHARS} characters")
    if any(c in text for c in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise InputError("a number in the body is out of range")
        return value
    return int(text)


def _no_constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number")


def _depth_check(text: str, max_depth: int) -> None:
    """Raise if arrays and objects nest deeper than ``max_depth``; linear in the text.

    Strings are taken out first, matched as the JSON parser reads them, so a bracket the parser
    would see is a bracket counted here.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > max_depth:
                raise InputError(f"the body nests deeper than {max_depth} levels")
        else:
            depth -= 1


def parse_json(
    raw: bytes, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """A JSON body: UTF-8, at most ``max_bytes``, nested at most ``max_depth`` deep, with
    bounded numbers and without NaN or Infinity."""
    if len(raw) > max_bytes:
        raise BodyTooLargeError(f"the body is larger than {max_bytes:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the body is not UTF-8 text") from None
    _depth_check(text, max_depth)
    try:
        return json.loads(
            text,
            parse_int=_json_number,
            parse_float=_json_number,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as error:
        raise InputError(
            f"the body is not JSON (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:  # not reached under the depth bound; never a traceback if it were
        raise InputError("the body nests too deeply") from None


async def read_body(chunks: AsyncIterable[bytes], *, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refused as soon as it passes ``max_bytes``."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLargeError(f"the body is larger than {max_bytes:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


async def read_json(
    chunks: AsyncIterable[bytes],
    *,
    max_bytes: int = MAX_BODY_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Read and parse a JSON body within both bounds; an empty body is ``None``."""
    raw = await read_body(chunks, max_bytes=max_bytes)
    if not raw.strip():
        return None
    return parse_json(raw, max_bytes=max_bytes, max_depth=max_depth)


_MONTHS = {m: i for i, m in enumerate(calendar.month_abbr) if m}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
# RFC 9110, section 5.6.7: the preferred form and the two obsolete ones a recipient must accept.
_HTTP_DATES = (
    re.compile(rf"{_DAY}, (?P<day>[0-9]{{2}}) {_MONTH} (?P<year>[0-9]{{4}}) {_TIME} GMT"),
    re.compile(rf"{_LONG_DAY}, (?P<day>[0-9]{{2}})-{_MONTH}-(?P<year>[0-9]{{2}}) {_TIME} GMT"),
    re.compile(rf"{_DAY} {_MONTH} (?P<day>[ 0-9][0-9]) {_TIME} (?P<year>[0-9]{{4}})"),
)


def parse_http_date(text: str) -> int | None:
    """An HTTP-date as a Unix time, or ``None`` when it is not one (a recipient then ignores
    the header, as RFC 9110 says for If-Modified-Since)."""
    if len(text) > _MAX_DATE_CHARS:
        return None
    for pattern in _HTTP_DATES:
        found = pattern.fullmatch(text)
        if found is not None:
            break
    else:
        return None
    year = int(found["year"])
    if year < 100:  # RFC 850's two digits: the century is a guess, as the RFC admits
        year += 2000 if year < 70 else 1900
    month = _MONTHS[found["month"]]
    day, hour = int(found["day"].strip()), int(found["hour"])
    minute, second = int(found["minute"]), int(found["second"])
    if not (1 <= day <= calendar.monthrange(year, month)[1] and hour < 24 and minute < 60):
        return None
    if second > 60:  # 60: a leap second, counted as the one before
        return None
    return calendar.timegm((year, month, day, hour, minute, min(second, 59), 0, 0, 0))
