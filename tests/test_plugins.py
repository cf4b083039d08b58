"""Plugin loading: real entry points (dist-info directories on sys.path), failures isolated."""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import msgkit
from msgkit import Config, hookspecs, plugins
from msgkit.cli import main

ROOT = Path(__file__).resolve().parent.parent

MakePlugin = Callable[..., None]


@pytest.fixture
def make_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakePlugin]:
    """Install a plugin the way pip would: a module plus a dist-info with entry_points.txt."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv(plugins.ENV_VAR, raising=False)

    def make(name: str, code: str, *, version: str = "1.2.3", module: str | None = None) -> None:
        module = module or f"msgkit_test_{name.replace('-', '_')}"
        (site / f"{module}.py").write_text(textwrap.dedent(code), encoding="utf-8")
        dist = site / f"{module}-{version}.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module}\nVersion: {version}\n", encoding="utf-8"
        )
        (dist / "entry_points.txt").write_text(f"[msgkit]\n{name} = {module}\n", encoding="utf-8")
        plugins.reset()

    plugins.reset()
    yield make
    plugins.reset()


GOOD = """
    from typing import ClassVar
    from msgkit import MonitorResult, hookimpl, parse_notification

    class Pigeon:
        name: ClassVar[str] = "pigeon"
        def __init__(self, *, loft: str = "home") -> None:
            self.loft = loft
        def submit(self, request):
            return MonitorResult(status="success_ok", raw={"status": "success_ok"})
        def parse_notification(self, body, content_type, query=""):
            return parse_notification(body, content_type, query)

    @hookimpl
    def msgkit_transports():
        return [Pigeon]
"""

CHECKS = """
    from msgkit import Diagnostic, Text, hookimpl

    def no_shouting(message, config):
        for segment in message:
            if isinstance(segment, Text) and segment.text.isupper():
                yield Diagnostic(code="warning_shouting", severity="warning",
                                 message="do not shout", hint="write in sentence case")

    @hookimpl
    def msgkit_checks():
        return [no_shouting]
"""


def test_builtins_register_through_the_hook() -> None:
    plugins.reset()
    reg = plugins.registry()
    assert {"hoiio", "dry-run"} <= set(reg.transports)
    builtin = next(p for p in reg.plugins if p.name == "msgkit")
    assert builtin.builtin and builtin.version == msgkit.__version__
    assert builtin.transports == ("hoiio", "dry-run")


def test_a_third_party_transport_is_found_and_built(make_plugin: MakePlugin) -> None:
    make_plugin("pigeon", GOOD, version="0.4.2")
    transport = msgkit.get_transport("pigeon", loft="roof")
    assert transport.name == "pigeon"
    info = next(p for p in plugins.registry().plugins if p.name == "pigeon")
    assert (info.version, info.transports, info.builtin) == ("0.4.2", ("pigeon",), False)


def test_unknown_transport_and_unknown_option_are_clear(make_plugin: MakePlugin) -> None:
    make_plugin("pigeon", GOOD)
    with pytest.raises(plugins.PluginError, match=r"no transport named 'owl' \(installed: "):
        msgkit.get_transport("owl")
    with pytest.raises(plugins.PluginError, match=r"does not take option\(s\) wings; it takes"):
        msgkit.get_transport("pigeon", wings="2")


def test_a_plugin_that_fails_to_import_does_not_take_down_the_others(
    make_plugin: MakePlugin, caplog: pytest.LogCaptureFixture
) -> None:
    make_plugin("broken", "import no_such_module_anywhere\n")
    make_plugin("pigeon", GOOD)
    reg = plugins.registry()
    assert "pigeon" in reg.transports
    (failure,) = reg.failures
    assert (failure.plugin, failure.stage) == ("broken", "import")
    assert "no_such_module_anywhere" in failure.error
    assert "plugin 'broken': import: ModuleNotFoundError" in caplog.text


def test_duplicate_transport_names_are_refused(make_plugin: MakePlugin) -> None:
    make_plugin(
        "impostor",
        """
        from typing import ClassVar
        from msgkit import hookimpl
        class Fake:
            name: ClassVar[str] = "hoiio"
            def submit(self, request): raise AssertionError
            def parse_notification(self, body, content_type, query=""): raise AssertionError
        @hookimpl
        def msgkit_transports():
            return [Fake]
        """,
    )
    reg = plugins.registry()
    assert reg.transports["hoiio"].__module__ == "msgkit.transports.hoiio"
    (failure,) = reg.failures
    assert failure.plugin == "impostor"
    assert "'hoiio' is already registered by plugin 'msgkit'" in failure.error


def test_a_hook_that_raises_is_reported_and_the_rest_load(make_plugin: MakePlugin) -> None:
    make_plugin(
        "raiser",
        """
        from msgkit import hookimpl
        @hookimpl
        def msgkit_transports():
            raise RuntimeError("database unreachable")
        """,
    )
    make_plugin("pigeon", GOOD)
    reg = plugins.registry()
    assert "pigeon" in reg.transports
    (failure,) = reg.failures
    assert failure.plugin == "raiser" and failure.stage == "msgkit_transports"
    assert "RuntimeError: database unreachable" in failure.error


def test_a_misspelled_hook_is_caught_when_plugins_load(make_plugin: MakePlugin) -> None:
    make_plugin(
        "typo",
        """
        from msgkit import hookimpl
        @hookimpl
        def msgkit_transport():
            return []
        """,
    )
    make_plugin("pigeon", GOOD)
    reg = plugins.registry()
    (failure,) = reg.failures
    assert failure.plugin == "typo" and failure.stage == "register"
    assert "msgkit_transport" in failure.error
    assert "typo" not in {p.name for p in reg.plugins}
    assert "pigeon" in reg.transports


def test_a_hook_with_a_wrong_signature_is_refused(make_plugin: MakePlugin) -> None:
    make_plugin(
        "wrongargs",
        """
        from msgkit import hookimpl
        @hookimpl
        def msgkit_checks(config):
            return []
        """,
    )
    (failure,) = plugins.registry().failures
    assert failure.plugin == "wrongargs" and failure.stage == "register"


@pytest.mark.parametrize(
    ("value", "loaded"),
    [
        (None, {"pigeon", "checker"}),
        ("", set()),
        ("pigeon", {"pigeon"}),
        (" checker ,", {"checker"}),
    ],
)
def test_msgkit_load_plugins_chooses(
    make_plugin: MakePlugin,
    monkeypatch: pytest.MonkeyPatch,
    value: str | None,
    loaded: set[str],
) -> None:
    make_plugin("pigeon", GOOD)
    make_plugin("checker", CHECKS)
    if value is not None:
        monkeypatch.setenv(plugins.ENV_VAR, value)
    plugins.reset()
    reg = plugins.registry()
    assert {p.name for p in reg.plugins} == {"msgkit", *loaded}
    assert "hoiio" in reg.transports  # the built-ins always load
    assert not reg.failures


def test_msgkit_load_plugins_naming_a_missing_plugin_says_so(
    make_plugin: MakePlugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_plugin("pigeon", GOOD)
    monkeypatch.setenv(plugins.ENV_VAR, "pigeon,pigeonn")
    plugins.reset()
    (failure,) = plugins.registry().failures
    assert failure.plugin == "pigeonn" and "no such plugin is installed" in failure.error


def test_plugin_checks_run_in_validate(make_plugin: MakePlugin) -> None:
    make_plugin("checker", CHECKS)
    report = msgkit.validate("HELLO THERE")
    assert report.codes == ("warning_shouting",)
    assert report.diagnostics[0].severity is msgkit.Severity.WARNING
    assert msgkit.validate("Hello there").codes == ()
    assert msgkit.validate("HI", config=Config(ignore=("warning_shout",))).codes == ()
    assert msgkit.validate("HI", config=Config(select=("error_",))).codes == ()
    # A plugin's code is selected by the severity it reports with, as built-in codes are.
    assert msgkit.validate("HI", config=Config(ignore=("severity:warning",))).codes == ()
    only = Config(select=("severity:warning",))
    assert msgkit.validate("HI", config=only).codes == ("warning_shouting",)
    # A msg that does not parse gets the built-in diagnostics only.
    assert msgkit.validate("HELLO <speech>").codes == ("error_msg_invalid_xml",)
    # A Message is checked as is.
    assert msgkit.validate(msgkit.Message.of("LOUD")).codes == ("warning_shouting",)


def test_a_check_that_raises_is_a_diagnostic_not_a_crash(make_plugin: MakePlugin) -> None:
    make_plugin(
        "flaky",
        """
        from msgkit import hookimpl
        def grumpy(message, config):
            raise ZeroDivisionError("no")
        def wrong(message, config):
            return ["not a diagnostic"]
        @hookimpl
        def msgkit_checks():
            return [grumpy, wrong]
        """,
    )
    report = msgkit.validate("Hello")
    assert report.codes == ("error_plugin_failed", "error_plugin_failed")
    first, second = report.diagnostics
    assert "check grumpy of plugin 'flaky' failed: ZeroDivisionError: no" in first.message
    assert "not a Diagnostic" in second.message
    assert not report.ok
    ignored = msgkit.validate("Hello", config=Config(ignore=("error_plugin_failed",)))
    assert ignored.ok


def test_register_in_process(make_plugin: MakePlugin) -> None:
    class Local:
        @msgkit.hookimpl
        def msgkit_checks(self) -> list[hookspecs.Check]:
            return [lambda message, config: [msgkit.Diagnostic("warning_local", "warning", "x")]]

    plugins.register(Local(), name="local")
    try:
        assert msgkit.validate("Hi").codes == ("warning_local",)
    finally:
        plugins.unregister("local")
    assert msgkit.validate("Hi").codes == ()


def test_msgkit_plugins_lists_everything(make_plugin: MakePlugin) -> None:
    make_plugin("pigeon", GOOD, version="0.4.2")
    make_plugin("checker", CHECKS, version="2.0")
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0, result.output
    assert "msgkit " + msgkit.__version__ + " (built-in)" in result.output
    assert "  transports: hoiio, dry-run" in result.output
    assert "pigeon 0.4.2\n  transports: pigeon\n  checks: -" in result.output
    assert "checker 2.0\n  transports: -\n  checks: no_shouting" in result.output


def test_msgkit_plugins_reports_failures(make_plugin: MakePlugin) -> None:
    make_plugin("broken", "raise ImportError('half installed')\n")
    make_plugin(
        "typo", "from msgkit import hookimpl\n@hookimpl\ndef msgkit_check():\n    return []\n"
    )
    result = CliRunner().invoke(main, ["plugins", "--format", "json"])
    assert result.exit_code == 1
    import json

    payload = json.loads(result.stdout)
    failed = {f["name"]: f for f in payload["failed"]}
    assert failed["broken"]["stage"] == "import" and "half installed" in failed["broken"]["error"]
    assert failed["typo"]["stage"] == "register"
    text = CliRunner().invoke(main, ["plugins"])
    assert "broken (not loaded)\n  failed: import: ImportError: half installed" in text.output


# The docs: every hookspec has an entry with its exact signature --------------------------


def _hookspecs() -> list[tuple[str, str]]:
    found = []
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if hasattr(function, "msgkit_spec"):
            signature = str(inspect.signature(function)).replace("'", "")
            found.append((name, f"{name}{signature}"))
    return found


def test_every_hookspec_is_documented_with_its_signature() -> None:
    specs = _hookspecs()
    assert {name for name, _ in specs} == {"msgkit_transports", "msgkit_checks"}
    docs = (ROOT / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")
    for name, signature in specs:
        assert f"`{signature}`" in docs, f"docs/plugins/hooks.md lacks `{signature}`"
        function = getattr(hookspecs, name)
        assert function.__doc__ and function.__doc__.strip(), f"{name} has no docstring"
    documented = set(re.findall(r"^## `(msgkit_\w+)\(", docs, re.M))
    assert documented == {name for name, _ in specs}, "hooks.md documents hooks that do not exist"


# The quick look for entry points agrees with importlib.metadata ----------------------------


def test_quick_scan_agrees_with_importlib_metadata(make_plugin: MakePlugin) -> None:
    from importlib.metadata import entry_points

    assert plugins._may_have_plugins() == bool(entry_points(group="msgkit"))
    make_plugin("pigeon", GOOD)
    assert plugins._may_have_plugins() and [e.name for e in plugins._entry_points()] == ["pigeon"]


def test_quick_scan_defers_to_the_real_scan_for_zips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))
    monkeypatch.syspath_prepend(str(archive))
    assert plugins._may_have_plugins()


def test_the_builtins_register_no_checks() -> None:
    # plugin_checks() skips loading plugins when only the built-ins are installed: valid only
    # while the built-ins register no checks.
    plugins.reset()
    assert plugins.registry().checks == ()
    builtin = next(p for p in plugins.registry().plugins if p.name == "msgkit")
    assert builtin.checks == ()


def test_no_third_party_plugin_means_no_pluggy_for_lint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(plugins.ENV_VAR, "")
    plugins.reset()
    loaded: list[bool] = []
    monkeypatch.setattr(plugins, "registry", lambda: loaded.append(True))
    assert plugins.plugin_checks() == () and not loaded
    plugins.reset()
