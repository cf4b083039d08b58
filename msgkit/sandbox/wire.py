"""The provider's notification wire format, written from the spec.

The sandbox generates notifications here on its own, never through msgkit's notification
parser: the parser is what these bodies test, so the two must not share code.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

__all__ = [
    "SIGNATURE_HEADER",
    "billing",
    "encode",
    "provider_date",
    "sign",
]

SIGNATURE_HEADER = "X-Hoiio-Signature"
# The provider dates every transaction in Singapore time (GMT+8).
_GMT8 = timezone(timedelta(hours=8))


def encode(fields: Mapping[str, str]) -> bytes:
    """A form-encoded body, as the provider POSTs it (``+`` for spaces, UTF-8)."""
    return urlencode(list(fields.items()), encoding="utf-8").encode("ascii")


def sign(body: bytes, access_token: str) -> str:
    """``X-Hoiio-Signature``: hex HMAC-SHA256 of the raw body, keyed with the access token."""
    return hmac.new(access_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def provider_date(timestamp: float) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in GMT+8."""
    return datetime.fromtimestamp(timestamp, _GMT8).strftime("%Y-%m-%d %H:%M:%S")


def billing(seconds: float, rate: str) -> tuple[str, str]:
    """(duration in started minutes, debit) for a call of ``seconds`` at ``rate`` per minute."""
    minutes = max(1, math.ceil(seconds / 60))
    debit = (Decimal(rate) * minutes).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return str(minutes), str(debit)
