"""Validation, orchestrated: the offline checks, then (when asked) the online ones and the
plugins' checks, gathered into one :class:`Report`.

This module sits above the checks: :mod:`msgkit.checks` are pure functions that never import it,
the network stack (:mod:`msgkit.checks.online`) or the plugin registry (:mod:`msgkit.plugins`), and
everything that validates (``lint``, ``submit``, the faces) comes through here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING

from .checks.offline import _Collector, check_msg, check_params
from .config import Config
from .diagnostics import Diagnostic, Report

if TYPE_CHECKING:  # linting a file needs none of them (see tests/test_startup.py)
    from .blocks import Block
    from .checks.options import OnlineOptions
    from .model import Message

__all__ = ["document_request", "validate", "validate_request"]

# What a message document may carry for a block (the rest of a request is given when sending).
DOCUMENT_PARAMS = (
    "tag",
    "notify_url",
    "monitor_notify_url",
    "dest",
    "caller_id",
    "max_duration",
    "max_digits",
    "timeout",
    "attempts",
    "on_failure",
    "force",
)
_NUMERIC = frozenset({"max_duration", "max_digits", "timeout", "attempts"})
# A message document never holds a session: it is given when sending (msgkit submit --session).
_AT_SEND = frozenset({"session"})

_DEFAULT = Config()


def validate(
    message_or_markup: Message | str,
    *,
    tag: str | None = None,
    notify_url: str | None = None,
    monitor_notify_url: str | None = None,
    config: Config | None = None,
    online: bool = False,
    online_options: OnlineOptions | None = None,
    max_per_code: int = 0,
) -> Report:
    """Check a msg and its parameters as the provider would, before anything is sent.

    With ``online=True`` the ``<url>`` recordings and notify URLs are also checked over the
    network (see :mod:`msgkit.checks.online`), as ``online_options`` says. With
    ``max_per_code`` the offline checks report at most that many diagnostics of one code, then
    one ``warning_findings_truncated`` that says how many more there were (0: every one).
    Returns a :class:`Report`; never raises on a ``str`` (or a ``Message``).
    """
    if config is None:
        config = _DEFAULT
    if isinstance(message_or_markup, str):
        markup = message_or_markup
    elif isinstance(message_or_markup, _message_class()):
        markup = message_or_markup.render()
    else:
        raise TypeError(
            f"validate() takes a Message or a str, not {type(message_or_markup).__name__}"
        )
    c = _Collector(config, None, max_per_code)
    check_msg(markup, config, c)
    if config.max_prompt_seconds is not None:
        _prompt_length(markup, config, c.items)
    if tag is not None or notify_url is not None or monitor_notify_url is not None:
        check_params(
            tag=tag,
            notify_url=notify_url,
            monitor_notify_url=monitor_notify_url,
            config=config,
            c=c,
        )
    if c.first_hidden:
        c.items.extend(c.summaries())
    if online:
        _online(c.items, markup, notify_url, monitor_notify_url, config, online_options)
    plugin_checks = _plugin_checks or _import_plugin_checks()  # no pluggy until plugins load
    if plugin_checks():
        _run_plugin_checks(message_or_markup, config, c.items)
    return Report.of(c.items, strict=config.strict)


def validate_request(
    block: str | Block,
    params: Mapping[str, object],
    *,
    config: Config | None = None,
    online: bool = False,
    online_options: OnlineOptions | None = None,
) -> Report:
    """Check every parameter of a request of ``block`` as the provider would.

    ``params`` are the request's parameters but the credentials (which :func:`msgkit.request`
    takes): values as on the wire (strings) or as numbers. The ``msg`` goes through the same
    checks :func:`validate` runs; each other parameter is checked against the block's request
    schema, and a wrong one is reported with the provider's status (``error_invalid_max_digits``,
    ``error_dest_param_missing``, ...). A parameter the block does not take is
    ``error_unknown_param``. An unknown block name raises ``ValueError`` listing the blocks.
    """
    return _request_report(block, params, config, online, online_options)


def _request_report(
    block_name: str | Block,
    params: Mapping[str, object],
    config: Config | None,
    online: bool = False,
    online_options: OnlineOptions | None = None,
    supplied: frozenset[str] = frozenset(),
) -> Report:
    from .blocks import block as _block_named
    from .checks.request import check_request

    row = _block_named(block_name)
    if config is None:
        config = _DEFAULT
    items = check_request(row, params, config, supplied=supplied)
    markup = params.get("msg") if row.takes_msg else None
    text = markup if isinstance(markup, str) else None
    if text is not None and config.max_prompt_seconds is not None:
        _prompt_length(text, config, items)
    if online:
        notify_url = params.get("notify_url")
        monitor_notify_url = params.get("monitor_notify_url")
        _online(
            items,
            text or "",
            notify_url if isinstance(notify_url, str) else None,
            monitor_notify_url if isinstance(monitor_notify_url, str) else None,
            config,
            online_options,
        )
    if text is not None:
        plugin_checks = _plugin_checks or _import_plugin_checks()
        if plugin_checks():
            _run_plugin_checks(text, config, items)
    return Report.of(items, strict=config.strict)


def _prompt_length(markup: str, config: Config, items: list[Diagnostic]) -> None:
    from .previewer.estimate import prompt_length  # pure Python, loaded only when asked

    found = prompt_length(markup, config)
    if found is not None:
        items.append(found)


def _online(
    items: list[Diagnostic],
    markup: str,
    notify_url: str | None,
    monitor_notify_url: str | None,
    config: Config,
    options: OnlineOptions | None,
) -> None:
    from .checks.online import check_markup_online  # the network stack loads only when asked

    found = check_markup_online(
        markup, notify_url=notify_url, monitor_notify_url=monitor_notify_url, options=options
    )
    items.extend(d for d in found if config.wants(d.code, d.severity))


_plugin_checks: Callable[[], tuple[object, ...]] | None = None


def _import_plugin_checks() -> Callable[[], tuple[object, ...]]:
    """``msgkit.plugins.plugin_checks``, imported on first use and kept: an import statement in
    validate() itself cost more than half a microsecond on every call.

    While no plugin can be there (:mod:`msgkit.plugins`, where a process registers its own, was
    never imported, and no installed distribution declares one), the plugin machinery is not
    imported at all; the stand-in is not kept, so a plugin registered later still runs.
    """
    global _plugin_checks
    if "msgkit.plugins" not in sys.modules and not _installed_plugins():
        return _no_plugins
    from .plugins import plugin_checks

    _plugin_checks = plugin_checks
    return plugin_checks


def _no_plugins() -> tuple[object, ...]:
    return ()


@cache
def _installed_plugins() -> bool:
    """Whether a third-party plugin may load (looked for once per process)."""
    from .discovery import third_party_possible

    return third_party_possible()


@cache
def _message_class() -> type[Message]:
    from .model import Message  # here: linting a file never builds a Message

    return Message


def _run_plugin_checks(source: Message | str, config: Config, items: list[Diagnostic]) -> None:
    """Plugin checks see the parsed Message, so they run only when the markup parses."""
    from .errors import MarkupError
    from .markup import parse
    from .plugins import run_plugin_checks

    if not isinstance(source, str):
        message = source
    else:
        try:
            message = parse(source)
        except (MarkupError, ValueError):
            return
    items.extend(run_plugin_checks(message, config))


def document_request(
    data: object, markup: str | None, config: Config | None = None
) -> tuple[str, Report] | None:
    """The block a message document is for and :func:`validate_request`'s report of its
    parameters; ``None`` for a document that names no block and carries no block parameter,
    which is checked as a Monitor msg, as it always was.

    A block parameter without ``block`` is checked against Monitor, which takes none of them:
    each is then reported by name.
    """
    if not isinstance(data, dict):
        return None
    named = data.get("block")
    own = [k for k in DOCUMENT_PARAMS[3:] if k in data]
    if named is None and not own:
        return None
    if named is not None and not (isinstance(named, str) and named in _block_names()):
        return None  # the document's schema check reports it
    name = named if isinstance(named, str) else "monitor"
    # A value of the wrong type is the document schema's to report (with "put it in quotes"
    # for a YAML number that lost its +), not a second time here.
    params: dict[str, object] = {
        k: v
        for k in DOCUMENT_PARAMS
        if isinstance(v := data.get(k), str)
        or (k in _NUMERIC and isinstance(v, int) and not isinstance(v, bool))
    }
    if markup is not None:
        params["msg"] = markup
    mistyped = frozenset(k for k in DOCUMENT_PARAMS if k in data and k not in params)
    return name, _request_report(name, params, config, supplied=_AT_SEND | mistyped)


def _block_names() -> tuple[str, ...]:
    from .blocks import BLOCKS

    return tuple(BLOCKS)
