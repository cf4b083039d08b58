"""The built-in plugin: registers ``hoiio`` and ``dry-run`` through the public hook."""

from __future__ import annotations

from ..hookspecs import hookimpl
from .base import Transport
from .dryrun import DryRunTransport
from .hoiio import HoiioTransport


@hookimpl
def msgkit_transports() -> list[type[Transport]]:
    return [HoiioTransport, DryRunTransport]
