"""Notify URLs online: the host resolves to public addresses and, for https, a TLS handshake
with full certificate verification succeeds, as the provider checks when a request arrives.

No HTTP request is sent: the notify URL is your server's endpoint, and a probe must not look
like a notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import urlsplit

from ..diagnostics import Diagnostic, Severity
from .addresses import AddressPolicy, NotPublicAddressError, UnresolvableHostError, ascii_host
from .outcome import Outcome, finding

__all__ = ["probe_notify", "ssl_context"]

_E = Severity.ERROR

# OpenSSL verify results that mean "the chain stops short of a trusted root": the server sends
# its certificate without the intermediates (or the issuer is not trusted at all).
_INCOMPLETE_CHAIN = {20, 21}


def ssl_context(ca_file: str | None = None) -> ssl.SSLContext:
    """Full verification against the system trust store, or against ``ca_file``.

    Where the system store is empty (some Python builds ship none), certifi's bundle, which
    httpx depends on anyway, stands in for it.
    """
    if ca_file is not None:
        return ssl.create_default_context(cafile=ca_file)
    context = ssl.create_default_context()
    if not context.cert_store_stats().get("x509_ca"):
        import certifi

        context.load_verify_locations(cafile=certifi.where())
    return context


FIELD = "notify_url"  # results are made for notify_url; monitor_notify_url is mapped by the caller


def not_public(error: NotPublicAddressError, field: str, what: str) -> Diagnostic:
    return finding(
        "error_url_not_public",
        _E,
        f"{what} is not reachable from the internet: {error}",
        "the provider's servers cannot reach private or loopback addresses; use a public "
        "host (to check a test server on this machine, pass --allow-private)",
        field,
    )


async def probe_notify(
    policy: AddressPolicy, url: str, *, timeout: float, context: ssl.SSLContext
) -> Outcome:
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    try:
        addresses = await policy.addresses(host, port)
    except NotPublicAddressError as error:
        return Outcome((not_public(error, FIELD, "notify_url"),), cacheable=False)
    except UnresolvableHostError as error:
        return Outcome(
            (
                finding(
                    "error_unable_to_resolve_notify_url",
                    _E,
                    f"notify_url: {error}",
                    "check the host name for typos and that its DNS record is published",
                    FIELD,
                ),
            ),
            cacheable=False,
        )
    if not https:
        return Outcome((), cacheable=True)
    failure: tuple[str, str | None] | None = None
    for address in addresses:
        failure = await _handshake(address, port, ascii_host(host), timeout, context)
        if failure is None:
            return Outcome((), cacheable=True)
    assert failure is not None
    reason, hint = failure
    return Outcome(
        (
            finding(
                "error_unable_to_complete_ssl_handshake_notify_url",
                _E,
                f"notify_url: cannot complete a TLS handshake with {host}:{port}: {reason}",
                hint
                or "the provider only notifies https URLs whose certificate verifies; check "
                "the server's certificate with an SSL checker",
                FIELD,
            ),
        ),
        cacheable=False,
    )


async def _handshake(
    address: str, port: int, host: str, timeout: float, context: ssl.SSLContext
) -> tuple[str, str | None] | None:
    """``None`` when a verified handshake succeeds, else (reason, hint)."""
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                address, port, ssl=context, server_hostname=host, ssl_handshake_timeout=timeout
            ),
            timeout,
        )
    except ssl.SSLCertVerificationError as error:
        message = error.verify_message or str(error)
        if error.verify_code in _INCOMPLETE_CHAIN:
            return (
                f"certificate verification failed: {message}",
                "the certificate chain looks incomplete: configure the server to send its "
                "intermediate certificates along with its own (an SSL checker shows the chain)",
            )
        return f"certificate verification failed: {message}", None
    except ssl.SSLError as error:
        return f"TLS error: {error.reason or error}", None
    except asyncio.TimeoutError:
        return f"no TLS handshake within {timeout:g} s", None
    except ConnectionRefusedError:
        return "connection refused", None
    except OSError as error:
        return error.strerror or str(error) or type(error).__name__, None
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError, asyncio.TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), timeout)
    return None
