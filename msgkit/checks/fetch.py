"""Bounded HTTP fetching for the online checks: pinned addresses, capped bodies, no cookies.

Every connection is opened through :class:`_PinnedBackend`, which resolves the host with the
run's :class:`~msgkit.checks.addresses.AddressPolicy` and connects to an address that policy
approved. So a private address is refused before a byte is sent, whether it is in the URL, in
DNS, or behind a redirect, and a resolver that changes its answer mid-run (DNS rebinding) is
never asked twice. TLS still verifies the certificate against the host *name*.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from .._version import __version__
from .addresses import AddressPolicy, NotPublicAddressError, OnlineCheckError
from .hosts import InvalidHostError, canonical_url

__all__ = ["MAX_REDIRECTS", "FetchError", "Fetched", "Fetcher", "user_agent"]

MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}


def user_agent() -> str:
    return f"msgkit/{__version__} (+https://pypi.org/project/msgkit/; online checks)"


class FetchError(OnlineCheckError):
    """A request failed; ``reason`` says why in a user's words, ``url`` where.

    ``status`` and ``headers`` are the response's when the failure came after its head had
    arrived (a body cut short, a body too slow): what the server declared still counts.
    ``invalid_url`` is set when the URL itself (its host) is not a valid URL.
    """

    def __init__(
        self,
        reason: str,
        url: str,
        *,
        not_public: NotPublicAddressError | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        invalid_url: bool = False,
        redirected: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.url = url
        self.not_public = not_public
        self.status = status
        self.headers: Mapping[str, str] = headers or {}
        self.invalid_url = invalid_url
        self.redirected = redirected  # url is where redirects led, not the URL asked for

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response: its status, headers, the first bytes of its body, where it ended up."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    url: str
    redirects: tuple[str, ...] = ()
    complete: bool = True  # the whole body was read (it fitted in the cap)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy approved, in the resolver's order."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.addresses(host, port)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - never configured
        raise httpcore.ConnectError("unix sockets are not used by msgkit")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its exception mapping, its streams) over the pinned backend.

    httpx offers no public way to pass a network backend, so the connection pool it builds is
    replaced by an identical one that uses ours.
    """

    def __init__(self, policy: AddressPolicy, context: ssl.SSLContext, connections: int) -> None:
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=_PinnedBackend(policy),
        )


class Fetcher:
    """One run's HTTP client. Use as ``async with Fetcher(...) as f``."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        timeout: float,
        connections: int,
        context: ssl.SSLContext,
    ) -> None:
        self.timeout = timeout
        self._transport = _PinnedTransport(policy, context, connections)
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,
            headers={
                "User-Agent": user_agent(),
                "Accept": "*/*",
                # Sizes and sniffed bytes must be the file's own, not a compressed form of it.
                "Accept-Encoding": "identity",
            },
        )
        # A policy that allows no domain: cookies a server sets are dropped, never replayed.
        self._client.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    async def __aenter__(self) -> Fetcher:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        cap: int = 0,
        until: Callable[[bytearray], bool] | None = None,
    ) -> Fetched:
        """``method url``, following at most ``MAX_REDIRECTS`` redirects, reading ``cap`` bytes.

        ``until``, when given, is asked after each piece of body that arrives whether the body
        so far is enough; reading stops (and the connection is closed) as soon as it says so.
        Each request (redirect hops included) is bounded by the timeout as a whole. Raises
        :class:`FetchError` with a user-facing reason for every failure.
        """
        chain: list[str] = []
        try:
            # The host in the form a browser reads it, before the address policy sees it.
            current = canonical_url(url)
        except InvalidHostError as error:
            raise FetchError(str(error), url, invalid_url=True) from None
        while True:
            head: list[httpx.Response] = []  # the response, once its head is in
            try:
                response, body, complete = await asyncio.wait_for(
                    self._one(method, current, headers, cap, until, head), self.timeout
                )
            except asyncio.TimeoutError:
                reason = f"no complete answer within {self.timeout:g} s"
                raise _failed(reason, current, head, chain) from None
            except NotPublicAddressError as error:
                raise _failed(str(error), current, head, chain, not_public=error) from None
            except OnlineCheckError as error:
                raise _failed(str(error), current, head, chain) from None
            except httpx.InvalidURL as error:
                # A URL httpx refuses that the checks before it let through.
                reason = f"invalid URL: {error}"
                raise FetchError(
                    reason, current, invalid_url=not chain, redirected=bool(chain)
                ) from None
            except (httpx.HTTPError, httpcore.NetworkError, OSError, ssl.SSLError) as error:
                raise _failed(describe(error, self.timeout), current, head, chain) from None
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location:
                try:
                    target = canonical_url(urljoin(current, location.strip()))
                except (InvalidHostError, ValueError) as error:
                    reason = f"redirected to an invalid URL {location!r}: {error}"
                    raise FetchError(reason, current, redirected=bool(chain)) from None
                if not target.lower().startswith(("http://", "https://")):
                    reason = f"redirected to {target}, which is not HTTP or HTTPS"
                    raise FetchError(reason, current, redirected=bool(chain))
                chain.append(current)
                if target in chain:
                    loop = " -> ".join([*chain[chain.index(target) :], target])
                    raise FetchError(f"redirect loop: {loop}", current, redirected=True)
                if len(chain) > MAX_REDIRECTS:
                    reason = f"more than {MAX_REDIRECTS} redirects"
                    raise FetchError(reason, current, redirected=True)
                current = target
                continue
            return Fetched(
                status=response.status_code,
                reason=response.reason_phrase,
                headers={k.lower(): v for k, v in response.headers.items()},
                body=body,
                url=current,
                redirects=tuple(chain),
                complete=complete,
            )

    async def _one(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        cap: int,
        until: Callable[[bytearray], bool] | None,
        head: list[httpx.Response],
    ) -> tuple[httpx.Response, bytes, bool]:
        request = self._client.build_request(method, url, headers=headers)
        # Straight to the transport: the client would parse a Location header itself (and fail
        # on hosts such as 0177.0.0.1 before msgkit could read them as a browser does), and
        # its cookie jar is not wanted either. Redirects are followed in fetch().
        response = await self._transport.handle_async_request(request)
        response.request = request
        head.append(response)
        try:
            body = bytearray()
            # Raw bytes throughout: a compressed body is never inflated (a zip bomb stays small).
            if _framed_and_small(method, response, cap if until is None else 0):
                # The whole body is known to be small (or absent): read it to its end, so the
                # connection goes back to the pool instead of being dropped.
                async for chunk in response.aiter_raw():
                    body += chunk
                return response, bytes(body[:cap]), len(body) <= cap
            if cap <= 0:
                return response, b"", False
            ended = True
            async for chunk in response.aiter_raw():
                body += chunk
                if len(body) > cap or (until is not None and until(body)):
                    ended = False
                    break
            return response, bytes(body[:cap]), ended and len(body) <= cap
        finally:
            # Closing mid-body drops the connection instead of draining an endless stream.
            await response.aclose()


def _failed(
    reason: str,
    url: str,
    head: list[httpx.Response],
    chain: list[str],
    *,
    not_public: NotPublicAddressError | None = None,
) -> FetchError:
    """The error of a request, with the response's head when it had arrived."""
    if not head:
        return FetchError(reason, url, not_public=not_public, redirected=bool(chain))
    response = head[0]
    return FetchError(
        reason,
        url,
        not_public=not_public,
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        redirected=bool(chain),
    )


# Bodies announced at most this much beyond the cap are read to their end to keep the
# connection alive; the extra bytes are dropped.
_DRAIN = 16 * 1024


def _framed_and_small(method: str, response: httpx.Response, cap: int) -> bool:
    if method == "HEAD" or response.status_code in (204, 304) or response.status_code < 200:
        return True
    length = response.headers.get("content-length", "")
    return length.isdigit() and int(length) <= cap + _DRAIN


def describe(error: BaseException, timeout: float) -> str:
    """A transport failure in a user's words."""
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed: {cause.verify_message or cause}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed: {cause.reason or cause}"
    text = str(error) or type(error).__name__
    if isinstance(error, httpx.TimeoutException | httpcore.TimeoutException):
        what = "connecting" if isinstance(error, httpx.ConnectTimeout) else "waiting for data"
        return f"timed out after {timeout:g} s {what}"
    if isinstance(error, httpx.RemoteProtocolError):
        if "incomplete" in text or "without sending complete message body" in text:
            return (
                "the server closed the connection before sending the whole body its "
                f"Content-Length announced ({text})"
            )
        return f"the server broke the HTTP protocol: {text}"
    if isinstance(error, httpx.ConnectError):
        for cause in chain:
            if isinstance(cause, ConnectionRefusedError):
                return "connection refused"
        return f"cannot connect: {text}"
    if isinstance(error, httpx.UnsupportedProtocol):
        return f"unsupported URL: {text}"
    return text
