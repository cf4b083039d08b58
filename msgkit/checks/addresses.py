"""The address policy: which hosts the online checks may contact.

The provider fetches ``<url>`` recordings and calls notify URLs from its own servers on the
public internet, so a URL whose host is (or resolves to) a loopback, private, link-local,
multicast or reserved address could never work there, and fetching it from a developer's
machine or a CI runner would probe that machine's own network. Such URLs are reported, not
fetched, unless the caller allows private addresses (tests against loopback servers).

Names are resolved once per run, and connections go to the addresses that were checked (never
to a second, possibly different, answer of the resolver), which defeats DNS rebinding.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from ..errors import MsgkitError
from .hosts import InvalidHostError, canonical_host

__all__ = [
    "AddressPolicy",
    "NotPublicAddressError",
    "OnlineCheckError",
    "UnresolvableHostError",
    "not_public_reason",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# 100.64.0.0/10 (carrier-grade NAT) is neither "private" nor global in the ipaddress sense.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class OnlineCheckError(MsgkitError):
    """A URL could not be checked online."""


class UnresolvableHostError(OnlineCheckError):
    """The host name has no address."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"cannot resolve host {host!r}: {reason}")
        self.host = host
        self.reason = reason


class NotPublicAddressError(OnlineCheckError):
    """The host is, or resolves to, an address the provider cannot reach."""

    def __init__(self, host: str, address: str, reason: str) -> None:
        where = (
            f"host {host} is a {reason} address"
            if host == address
            else f"host {host} resolves to {address}, a {reason} address"
        )
        super().__init__(where)
        self.host = host
        self.address = address
        self.reason = reason


def not_public_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not reachable from the public internet; ``None`` when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return not_public_reason(address.ipv4_mapped)
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (isinstance(address, ipaddress.IPv4Address) and address in _SHARED, "shared (CGNAT)"),
    )
    for hit, reason in checks:
        if hit:
            return reason
    if not address.is_global:
        return "non-global"
    return None


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (``[::1]`` brackets allowed)."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def ascii_host(host: str) -> str:
    """The host as the resolver wants it (canonical, IDNA), or the input when it is invalid."""
    try:
        host = canonical_host(host.strip("[]"))
    except InvalidHostError:
        return host
    return host.rstrip(".") or host


class AddressPolicy:
    """Resolves host names once per run and enforces the public-address rule.

    One instance serves one run: its answers are cached for the run, so every connection to a
    host goes to the very addresses that were checked.
    """

    def __init__(self, *, allow_private: bool, timeout: float) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self._answers: dict[tuple[str, int], asyncio.Future[list[str]]] = {}

    async def addresses(self, host: str, port: int) -> list[str]:
        """The checked addresses of ``host``, in the resolver's order.

        Raises :class:`UnresolvableHostError` or :class:`NotPublicAddressError`.
        """
        written = host
        try:
            # Judged in the form a browser or resolver reads it: 0177.0.0.1 is 127.0.0.1.
            host = canonical_host(host.strip("[]"))
        except InvalidHostError as error:
            raise UnresolvableHostError(host, str(error)) from None
        key = (host, port)
        future = self._answers.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._answers[key] = future
            try:
                future.set_result(await self._resolve(host, port))
            except BaseException as error:
                future.set_exception(error)
                # Mark the exception retrieved: concurrent waiters may not exist.
                future.exception()
                raise
        addresses = await asyncio.shield(future)
        if not self.allow_private:
            for address in addresses:
                reason = not_public_reason(ipaddress.ip_address(address))
                if reason is not None:
                    raise NotPublicAddressError(written.strip("[]"), address, reason)
        return addresses

    async def _resolve(self, host: str, port: int) -> list[str]:
        literal = literal_address(host)
        if literal is not None:
            return [str(literal)]
        name = host.rstrip(".") or host
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(name, port, type=socket.SOCK_STREAM), self.timeout
            )
        except asyncio.TimeoutError:
            raise UnresolvableHostError(
                host, f"no answer from the resolver within {self.timeout:g} s"
            ) from None
        except (OSError, UnicodeError) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise UnresolvableHostError(host, reason) from None
        seen: list[str] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            address = str(sockaddr[0]).split("%")[0]  # drop an IPv6 zone id
            if address not in seen:
                seen.append(address)
        if not seen:
            raise UnresolvableHostError(host, "the resolver returned no address")
        return seen
