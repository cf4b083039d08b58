"""The hooks a msgkit plugin can implement. Each is documented in docs/plugins/hooks.md.

A plugin is any object (usually a module) with functions marked ``@msgkit.hookimpl`` and named
after a hook below, found through the ``msgkit`` entry-point group. The built-in transports are
registered through these same hooks (``msgkit.transports``).

Hooks take no arguments and are called once, when plugins load: what they return is registered.
Misspelled implementations are refused when the plugin loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .config import Config
    from .diagnostics import Diagnostic
    from .model import Message
    from .transports.base import Transport

__all__ = ["PROJECT", "Check", "hookimpl", "hookspec", "msgkit_checks", "msgkit_transports"]

PROJECT = "msgkit"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# A lint check: takes the parsed message and the validation settings, yields diagnostics.
Check = Callable[["Message", "Config"], Iterable["Diagnostic"]]


@hookspec
def msgkit_transports() -> list[type[Transport]]:  # type: ignore[empty-body]
    """Transport classes to register.

    Each class has a ``name`` class attribute, unique among all installed plugins, and is
    built by ``msgkit.get_transport(name, **options)`` as ``cls(**options)``. A name already
    taken (by a built-in or an earlier plugin) is refused and reported.
    """


@hookspec
def msgkit_checks() -> list[Check]:  # type: ignore[empty-body]
    """Extra lint checks, run by ``validate`` and ``msgkit lint`` after the built-in ones.

    A check is called as ``check(message, config)`` with the parsed ``Message`` and the
    ``Config``, and returns any iterable of ``Diagnostic`` (a generator is fine). It runs only
    when the markup parses. Its diagnostics are filtered by ``--select`` / ``--ignore`` like
    the built-in ones; a check that raises is reported as ``error_plugin_failed``.
    """
