"""Loading plugins: the built-ins, then the installed ``msgkit`` entry points, once per process.

Nothing here imports pluggy or scans entry points until a caller asks for transports, checks or
the plugin list, so importing this module costs nothing on the ``msgkit lint`` start-up path.
A plugin that fails to import, registers a duplicate transport, misspells a hook or raises
inside one is recorded as a ``PluginFailure`` (and logged), and the others carry on.

``MSGKIT_LOAD_PLUGINS`` chooses the third-party plugins: unset loads all of them, an empty
value none, ``a,b`` only the entry points named ``a`` and ``b``. The built-ins always load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .discovery import ENV_VAR, GROUP
from .discovery import may_have_plugins as _may_have_plugins
from .discovery import selected as _selected
from .discovery import third_party_possible as _third_party_possible
from .errors import MsgkitError

if TYPE_CHECKING:
    import pluggy

    from .config import Config
    from .diagnostics import Diagnostic
    from .hookspecs import Check
    from .model import Message
    from .transports.base import Transport

__all__ = [
    "ENV_VAR",
    "PluginCheck",
    "PluginError",
    "PluginFailure",
    "PluginInfo",
    "Registry",
    "get_transport",
    "plugin_checks",
    "register",
    "registry",
    "reset",
    "run_plugin_checks",
    "unregister",
]

BUILTIN = "msgkit"


class PluginError(MsgkitError):
    """A transport that is not installed, or options it does not take."""


@dataclass(frozen=True, slots=True)
class PluginFailure:
    """One thing that went wrong with one plugin; the others loaded regardless."""

    plugin: str
    stage: str  # "import", "register", "msgkit_transports", "msgkit_checks", "select"
    error: str

    def __str__(self) -> str:
        return f"plugin {self.plugin!r}: {self.stage}: {self.error}"


@dataclass(frozen=True, slots=True)
class PluginCheck:
    """A check with the plugin that registered it (to name it when it fails)."""

    plugin: str
    name: str
    function: Check


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    version: str
    builtin: bool
    transports: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    failures: tuple[PluginFailure, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "builtin": self.builtin,
            "transports": list(self.transports),
            "checks": list(self.checks),
            "failures": [{"stage": f.stage, "error": f.error} for f in self.failures],
        }


@dataclass(frozen=True, slots=True)
class Registry:
    """Everything the loaded plugins registered."""

    manager: pluggy.PluginManager = field(repr=False)
    transports: dict[str, type[Transport]]
    checks: tuple[PluginCheck, ...]
    plugins: tuple[PluginInfo, ...]
    failures: tuple[PluginFailure, ...]


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _entry_points() -> list[Any]:
    if not _may_have_plugins():
        return []
    from importlib.metadata import entry_points

    return list(entry_points(group=GROUP))


def _version(entry_point: Any) -> str:
    dist = getattr(entry_point, "dist", None)
    return str(dist.version) if dist is not None else "unknown"


class _Loader:
    """Builds a Registry; collects failures instead of raising."""

    def __init__(self, extra: Iterable[tuple[str, object]]) -> None:
        import pluggy

        from . import hookspecs

        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.extra = list(extra)
        self.failures: list[PluginFailure] = []
        self.versions: dict[str, tuple[str, bool]] = {}

    def fail(self, plugin: str, stage: str, error: str) -> None:
        failure = PluginFailure(plugin, stage, error)
        self.failures.append(failure)
        import logging  # here: lint's start-up never needs it

        logging.getLogger(__name__).warning(
            "msgkit: %s (choose plugins with %s=name,...)", failure, ENV_VAR
        )

    def add(self, name: str, plugin: object, version: str, builtin: bool) -> None:
        import pluggy

        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as error:
            self.fail(name, "register", _describe(error))
            return
        try:
            # A marked function whose name is no hook (a misspelling) is refused here.
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            self.pm.unregister(name=name)
            self.fail(name, "register", _describe(error))
            return
        self.versions[name] = (version, builtin)

    def load(self) -> Registry:
        from ._version import __version__
        from .transports import builtin

        self.add(BUILTIN, builtin, __version__, True)
        selected = _selected()
        if selected is None or selected:
            found = set()
            for entry_point in _entry_points():
                if selected is not None and entry_point.name not in selected:
                    continue
                found.add(entry_point.name)
                if self.pm.has_plugin(entry_point.name):
                    self.fail(entry_point.name, "register", "another plugin has this name")
                    continue
                try:
                    plugin = entry_point.load()
                except Exception as error:  # any import-time failure is the plugin's
                    self.fail(entry_point.name, "import", _describe(error))
                    continue
                self.add(entry_point.name, plugin, _version(entry_point), False)
            for name in sorted((selected or set()) - found):
                self.fail(name, "select", f"{ENV_VAR} names it, but no such plugin is installed")
        for name, plugin in self.extra:
            self.add(name, plugin, "unknown", False)
        return self.collect()

    def collect(self) -> Registry:
        transports: dict[str, type[Transport]] = {}
        owners: dict[str, str] = {}
        by_plugin: dict[str, list[str]] = {}
        checks: list[PluginCheck] = []
        check_names: dict[str, list[str]] = {}
        # Hook implementations are called one by one, so one that raises takes down nobody else.
        for impl in self.pm.hook.msgkit_transports.get_hookimpls():  # registration order
            for cls in self.call(impl, "msgkit_transports"):
                problem = _transport_problem(cls)
                if problem is not None:
                    self.fail(impl.plugin_name, "msgkit_transports", problem)
                    continue
                name = cls.name
                if name in transports:
                    self.fail(
                        impl.plugin_name,
                        "msgkit_transports",
                        f"transport name {name!r} is already registered by plugin {owners[name]!r}",
                    )
                    continue
                transports[name] = cls
                owners[name] = impl.plugin_name
                by_plugin.setdefault(impl.plugin_name, []).append(name)
        for impl in self.pm.hook.msgkit_checks.get_hookimpls():
            for check in self.call(impl, "msgkit_checks"):
                if not callable(check):
                    self.fail(impl.plugin_name, "msgkit_checks", f"{check!r} is not callable")
                    continue
                name = getattr(check, "__name__", None) or repr(check)
                checks.append(PluginCheck(impl.plugin_name, name, check))
                check_names.setdefault(impl.plugin_name, []).append(name)
        infos = []
        for name, (version, builtin) in self.versions.items():
            infos.append(
                PluginInfo(
                    name=name,
                    version=version,
                    builtin=builtin,
                    transports=tuple(by_plugin.get(name, ())),
                    checks=tuple(check_names.get(name, ())),
                    failures=tuple(f for f in self.failures if f.plugin == name),
                )
            )
        return Registry(self.pm, transports, tuple(checks), tuple(infos), tuple(self.failures))

    def call(self, impl: Any, hook: str) -> list[Any]:
        try:
            value = impl.function()
            if value is None:
                return []
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                raise TypeError(f"{hook}() must return a list, not {type(value).__name__}")
            return list(value)
        except Exception as error:  # the plugin's bug, reported, never fatal to the others
            self.fail(impl.plugin_name, hook, _describe(error))
            return []


def _transport_problem(cls: object) -> str | None:
    if not isinstance(cls, type):
        return f"{cls!r} is not a class"
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        return f"transport class {cls.__qualname__} has no string 'name'"
    for method in ("submit", "parse_notification"):
        if not callable(getattr(cls, method, None)):
            return f"transport {name!r} ({cls.__qualname__}) has no {method}() method"
    return None


_lock = threading.RLock()
_registry: Registry | None = None
_checks: tuple[PluginCheck, ...] | None = None
_extra: dict[str, object] = {}


def registry() -> Registry:
    """The plugins, loaded on first use and kept for the life of the process."""
    global _registry, _checks
    with _lock:
        if _registry is None:
            _registry = _Loader(_extra.items()).load()
            _checks = _registry.checks
        return _registry


def reset() -> None:
    """Forget the loaded plugins; the next use loads them again (after installs, in tests)."""
    global _registry, _checks
    with _lock:
        _registry = None
        _checks = None


def register(plugin: object, name: str) -> None:
    """Register a plugin object in this process, beside the installed ones (apps and tests)."""
    with _lock:
        _extra[name] = plugin
        reset()


def unregister(name: str) -> None:
    with _lock:
        _extra.pop(name, None)
        reset()


def plugin_checks() -> tuple[PluginCheck, ...]:
    """The checks plugins registered; a cached tuple, so the no-plugin path costs one lookup."""
    global _checks
    checks = _checks
    if checks is None:
        if not _extra and not _third_party_possible():
            # The built-ins register no checks (a test holds them to it), so with no other
            # plugin there is nothing to run, and no need to import pluggy to learn that.
            with _lock:
                _checks = ()
            return ()
        checks = registry().checks
    return checks


def run_plugin_checks(message: Message, config: Config) -> list[Diagnostic]:
    """Run every plugin check; a check that raises becomes ``error_plugin_failed``."""
    from .diagnostics import Diagnostic, Severity

    out: list[Diagnostic] = []
    for check in plugin_checks():
        try:
            for diagnostic in check.function(message, config):
                if not isinstance(diagnostic, Diagnostic):
                    raise TypeError(f"yielded {type(diagnostic).__name__}, not a Diagnostic")
                if config.wants(diagnostic.code, diagnostic.severity):
                    out.append(diagnostic)
        except Exception as error:  # a plugin's bug must not crash lint
            if config.wants("error_plugin_failed"):
                out.append(
                    Diagnostic(
                        code="error_plugin_failed",
                        severity=Severity.ERROR,
                        message=f"check {check.name} of plugin {check.plugin!r} failed: "
                        f"{_describe(error)}",
                        field="msg",
                        hint=f"fix or update the plugin, or leave it out with {ENV_VAR}",
                    )
                )
    return out


def get_transport(name: str, **options: Any) -> Transport:
    """Build the transport registered as ``name`` with ``options``.

    Raises ``PluginError`` when no plugin registered ``name`` or the transport does not take an
    option; the transport's own errors (a bad option value) pass through.
    """
    reg = registry()
    cls = reg.transports.get(name)
    if cls is None:
        known = ", ".join(sorted(reg.transports)) or "none"
        failed = [f for f in reg.failures if f.stage != "select"]
        more = f"; {len(failed)} plugin problem(s): run `msgkit plugins`" if failed else ""
        raise PluginError(f"no transport named {name!r} (installed: {known}){more}")
    import inspect  # here, not at the top: lint's start-up never needs it

    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        signature = None
    if signature is not None and not any(
        p.kind is p.VAR_KEYWORD for p in signature.parameters.values()
    ):
        accepted = [
            p.name
            for p in signature.parameters.values()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            takes = ", ".join(accepted) or "no options"
            raise PluginError(
                f"transport {name!r} does not take option(s) {', '.join(unknown)}; "
                f"it takes: {takes}"
            )
    transport: Transport = cls(**options)
    return transport
