"""``--wait SECONDS``: give a server that is still starting a bounded time to listen.

A script that starts ``msgkit sandbox serve &`` and then runs a client at once would otherwise
race the server's start-up and fail with "connection refused". Only a refused (or reset, or
timed-out) connection is waited out: a host that does not resolve or a network that cannot be
reached will not fix itself in ten seconds, and fails at once.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import click

__all__ = ["DEFAULT_WAIT", "is_loopback", "wait_for_server", "wait_option"]

DEFAULT_WAIT = 10.0
_PAUSE = 0.1

F = TypeVar("F", bound=Callable[..., Any])


def wait_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--wait",
        "wait",
        type=click.FloatRange(min=0),
        default=DEFAULT_WAIT,
        show_default=True,
        metavar="SECONDS",
        help=help_text,
    )


def _address(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_loopback(url: str) -> bool:
    """Whether ``url`` names a server on this machine (localhost or a loopback address)."""
    address = _address(url)
    if address is None:
        return False
    host = address[0]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def wait_for_server(url: str, seconds: float) -> bool:
    """Whether something accepts connections at ``url``'s host and port within ``seconds``.

    ``True`` at once when the URL is not one to wait for (no http(s) host) or the failure is
    not one that waiting can cure: the request that follows then reports what is wrong.
    """
    address = _address(url)
    if address is None:
        return True
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        try:
            with socket.create_connection(address, timeout=max(0.05, min(remaining, 1.0))):
                return True
        except (ConnectionError, TimeoutError):
            if remaining <= 0:
                return False
        except OSError:
            return True  # unresolvable, unreachable: not a server that is starting
        time.sleep(max(0.0, min(_PAUSE, deadline - time.monotonic())))
