"""What ``msgkit lint`` imports on its way: only what the files in hand need (no timings here).

Each run is a real process started with ``-S``: site-packages is put on the path by hand, so
that nothing a ``.pth`` file imports at start-up hides what msgkit itself imports.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import msgkit.schemas
from msgkit.schemas import Catalogue, Limits, catalogue, limits

ROOT = Path(__file__).resolve().parent.parent

RUN = textwrap.dedent(
    """
    import sys
    sys.argv = ["msgkit", "lint", *sys.argv[2:]]
    from msgkit.cli import main
    try:
        main()
    except SystemExit:
        pass
    with open(OUT, "w") as handle:
        handle.write("\\n".join(sorted(sys.modules)))
    """
)

NEVER = {
    "httpx",
    "jsonschema",
    "pluggy",
    "importlib.metadata",
    "importlib.resources",
    "msgkit.plugins",
    "msgkit.checks.online",
    "sqlite3",
    "asyncio",
}
ONE_FILE = NEVER | {"concurrent.futures", "multiprocessing", "msgkit.parallel", "pathspec"}


def modules(cwd: Path, *args: str) -> set[str]:
    out = cwd / "modules.txt"
    path = [str(ROOT), *site.getsitepackages(), site.getusersitepackages()]
    env = {
        **{k: v for k, v in os.environ.items() if k != "MSGKIT_LOAD_PLUGINS"},
        "PYTHONPATH": os.pathsep.join(path),
    }
    code = RUN.replace("OUT", repr(str(out)))
    done = subprocess.run(
        [sys.executable, "-S", "-c", code, "-", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "All checked" in done.stdout or "Found" in done.stdout, done.stdout + done.stderr
    return set(out.read_text().split())


def test_one_msg_file(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("Thank you for calling.\n")
    loaded = modules(tmp_path, "a.msg")
    assert "msgkit.lint" in loaded  # it did lint
    unneeded = {"yaml", "json", "msgkit.model", "difflib", "logging", "msgkit.suppressions"}
    assert not loaded & (ONE_FILE | unneeded | {"msgkit.snippet"})


def test_one_file_with_findings(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text('Sales & support <speech language="english">x</speech>\n')
    assert not modules(tmp_path, "a.msg") & (ONE_FILE | {"yaml", "msgkit.model"})


def test_one_json_document(tmp_path: Path) -> None:
    (tmp_path / "a.msg.json").write_text('{"msg": "Hello.", "tag": "t"}\n')
    # msg, not segments: nothing is composed, so neither the composer nor the message model.
    unneeded = {"yaml", "msgkit.model", "msgkit.documents.compose"}
    assert not modules(tmp_path, "a.msg.json") & (ONE_FILE | unneeded)


def test_one_yaml_document(tmp_path: Path) -> None:
    (tmp_path / "a.msg.yaml").write_text("msg: Hello.\n")
    loaded = modules(tmp_path, "a.msg.yaml")
    assert "yaml" in loaded
    assert not loaded & ONE_FILE


def test_a_few_files_in_a_directory(tmp_path: Path) -> None:
    for name in ("a.msg", "b.msg", "sub/c.msg"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("Hello.\n")
    # No .gitignore and no exclude: nothing to match, so no matcher.
    assert not modules(tmp_path, ".") & ONE_FILE
    (tmp_path / ".gitignore").write_text("c.msg\n")
    loaded = modules(tmp_path, ".")
    assert "pathspec" in loaded
    assert not loaded & (ONE_FILE - {"pathspec"})


# --- the schema values made ahead of time ------------------------------------------------------


def test_the_values_made_from_the_schemas_are_current() -> None:
    from msgkit import _schema_values

    sources = {name: msgkit.schemas._text(name) for name in msgkit.schemas._SOURCES}
    fresh = {"limits": msgkit.schemas._limits(), "catalogue": msgkit.schemas._catalogue()}
    message = "the schemas changed: run `python -m msgkit.schemas` and commit the result"
    assert sources == _schema_values.SOURCES, message
    assert fresh == _schema_values.VALUES, message


def test_a_changed_schema_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from msgkit import _schema_values

    stale_values = json.loads(json.dumps(_schema_values.VALUES))
    stale_values["limits"]["tag_length"] = 1
    monkeypatch.setattr(_schema_values, "VALUES", stale_values)
    stale_sources = {**_schema_values.SOURCES, "tts": "{}"}
    for cached in (msgkit.schemas._generated_values, limits, catalogue):
        cached.cache_clear()
    try:
        monkeypatch.setattr(_schema_values, "SOURCES", stale_sources)
        assert limits() == Limits(**msgkit.schemas._limits())
        assert limits().tag_length != 1
        assert catalogue() == Catalogue(**msgkit.schemas._catalogue())
    finally:
        for cached in (msgkit.schemas._generated_values, limits, catalogue):
            cached.cache_clear()


# --- plugins, found without the plugin machinery -----------------------------------------------


def test_a_plugin_registered_after_the_first_check_still_runs() -> None:
    code = textwrap.dedent(
        """
        import sys
        import msgkit
        from msgkit.diagnostics import Diagnostic, Severity
        assert not msgkit.validate("Hello.").diagnostics
        assert "msgkit.plugins" not in sys.modules  # nothing to run, nothing imported
        from msgkit import hookimpl, plugins

        class Plugin:
            @hookimpl
            def msgkit_checks(self):
                def shout(message, config):
                    yield Diagnostic("warning_shouting", Severity.WARNING, "loud")
                return [shout]

        plugins.register(Plugin(), "loud")
        print(msgkit.validate("Hello.").codes)
        """
    )
    env = {**os.environ, "MSGKIT_LOAD_PLUGINS": ""}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "('warning_shouting',)"
