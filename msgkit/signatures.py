"""Verifying that a notification came from the provider (header ``X-Hoiio-Signature``)."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Hoiio-Signature"


def sign(body: bytes, access_token: str) -> str:
    """The hex HMAC-SHA256 of the raw body keyed with the access token, as the provider sends."""
    return hmac.new(access_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, signature: str | bytes | None, access_token: str) -> bool:
    """Whether ``signature`` is the provider's signature of exactly these ``body`` bytes.

    Compared in constant time. Sign the raw bytes as received: a body re-encoded by a web
    framework will not match. Anything that is not a signature (``None``, a missing header, a
    value of another type, a non-ASCII text) is not a match: this never raises.
    """
    if not isinstance(body, (bytes, bytearray, memoryview)):
        return False
    if not isinstance(access_token, str) or not access_token:
        return False
    if isinstance(signature, (bytes, bytearray)):
        given_bytes = bytes(signature).strip().lower()
    elif isinstance(signature, str):
        text = signature.strip().lower()
        if not text.isascii():
            return False
        given_bytes = text.encode("ascii")
    else:
        return False
    try:
        expected = sign(bytes(body), access_token).encode("ascii")
    except UnicodeEncodeError:  # a token with a lone surrogate signs nothing
        return False
    return hmac.compare_digest(expected, given_bytes)
