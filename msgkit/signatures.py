"""Verifying that a notification came from the provider (header ``X-Hoiio-Signature``)."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Hoiio-Signature"


def sign(body: bytes, access_token: str) -> str:
    """The hex HMAC-SHA256 of the raw body keyed with the access token, as the provider sends."""
    return hmac.new(access_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str, access_token: str) -> bool:
    """Whether ``signature`` is the provider's signature of exactly these ``body`` bytes.

    Compared in constant time. Sign the raw bytes as received: a body re-encoded by a web
    framework will not match.
    """
    if not isinstance(body, bytes) or not access_token:
        return False
    given = signature.strip().lower().encode("ascii", "replace")
    return hmac.compare_digest(sign(body, access_token).encode("ascii"), given)
