"""Any file name works in every output format: names that are not UTF-8 reach Python as lone
surrogates (``os.fsdecode``), which a strict UTF-8 stream refuses to print."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgkit.cli import main

NAME = b"caf\xe9 \xff.msg"  # Latin-1 bytes: not UTF-8
FORMATS = ["text", "concise", "json", "github", "sarif"]

pytestmark = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes"
)


def _msgkit() -> str:
    beside = Path(sys.executable).parent / "msgkit"
    return str(beside) if beside.exists() else (shutil.which("msgkit") or "msgkit")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    with open(os.path.join(os.fsencode(tmp_path), NAME), "wb") as handle:
        handle.write(b"Sales & support\n")
    return tmp_path


def _check(fmt: str, stdout: bytes) -> None:
    if fmt == "json":
        [record] = json.loads(stdout)  # valid UTF-8 JSON...
        assert os.fsencode(record["path"]) == NAME  # ...naming the very file
    elif fmt == "sarif":
        log = json.loads(stdout)
        [result] = log["runs"][0]["results"]
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == "caf%E9%20%FF.msg"  # the bytes, percent-encoded
    else:
        assert b"caf" in stdout and b"error_msg_invalid_xml" in stdout


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_as_a_process(folder: Path, fmt: str, errors: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": f"utf-8:{errors}", "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [_msgkit(), "lint", "--no-respect-gitignore", "--format", fmt, "."],
        cwd=folder,
        capture_output=True,
        env=env,
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode == 1
    _check(fmt, done.stdout)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_through_cli_runner(
    folder: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(
        main, ["lint", "--no-respect-gitignore", "--format", fmt, "."], env={"NO_COLOR": "1"}
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1
    _check(fmt, result.stdout_bytes)


def test_fix_says_what_it_fixed_by_a_printable_name(folder: Path) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}
    done = subprocess.run(
        [_msgkit(), "lint", "--fix", "--no-respect-gitignore", "."],
        cwd=folder,
        capture_output=True,
        env=env,
    )
    assert b"Traceback" not in done.stderr
    assert done.returncode == 0
    assert b"Fixed caf\\xe9 \\xff.msg: escaped '&' as '&amp;'" in done.stdout
    with open(os.path.join(os.fsencode(folder), NAME), "rb") as handle:
        assert handle.read() == b"Sales &amp; support\n"
