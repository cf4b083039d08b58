"""``msgkit check-url``: through click's runner, and once as the real console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from test_online_support import MP3_8K_MONO, file_handler, http_server, mp3_bytes, wav_bytes

from msgkit.cli import main

GOOD = mp3_bytes(MP3_8K_MONO, frames=100)


@pytest.fixture(scope="module")
def _running() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


@pytest.fixture
def server(_running: HTTPServer) -> Iterator[HTTPServer]:
    _running.clear()
    _running.expect_request("/ok.mp3").respond_with_handler(file_handler(GOOD))
    _running.expect_request("/hifi.wav").respond_with_handler(file_handler(wav_bytes(44100, 2)))
    _running.expect_request("/gone.mp3").respond_with_data("", status=404)
    yield _running
    _running.clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check-url", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_good_url_exits_0(server: HTTPServer) -> None:
    code, out, _ = run("--allow-private", "--no-cache", server.url_for("/ok.mp3"))
    assert code == 0
    assert "All 1 URL OK." in out


def test_warnings_alone_exit_0_unless_strict(server: HTTPServer) -> None:
    url = server.url_for("/hifi.wav")
    code, out, _ = run("--allow-private", "--no-cache", url)
    assert code == 0
    assert f"{url}: warning_msg_audio_not_8khz_mono" in out
    assert "hint:" in out
    assert run("--allow-private", "--no-cache", "--strict", url)[0] == 1


def test_errors_exit_1(server: HTTPServer) -> None:
    code, out, _ = run("--allow-private", "--no-cache", server.url_for("/gone.mp3"))
    assert code == 1
    assert "error_msg_download_failed" in out
    assert "1 error" in out


def test_private_addresses_need_allow_private(server: HTTPServer) -> None:
    code, out, _ = run("--no-cache", server.url_for("/ok.mp3"))
    assert code == 1
    assert "error_url_not_public" in out
    assert server.log == []


def test_offline_problems_are_reported_without_fetching(server: HTTPServer) -> None:
    code, out, _ = run("--allow-private", "--no-cache", "ftp://example.com/a.mp3")
    assert code == 1
    assert "error_msg_invalid_url" in out
    code, out, _ = run("--allow-private", "--no-cache", server.url_for("/page.html"))
    assert "error_msg_invalid_file_format" in out
    assert server.log == []


def test_json_output(server: HTTPServer) -> None:
    ok, gone = server.url_for("/ok.mp3"), server.url_for("/gone.mp3")
    code, out, _ = run("--allow-private", "--no-cache", "--format", "json", ok, gone, ok)
    assert code == 1
    data = json.loads(out)
    assert [entry["url"] for entry in data["urls"]] == [ok, gone]
    assert data["urls"][0] == {"url": ok, "field": "msg", "ok": True, "diagnostics": []}
    assert data["urls"][1]["diagnostics"][0]["code"] == "error_msg_download_failed"
    assert data["summary"] == {"urls": 2, "errors": 1, "warnings": 0}


def test_notify_urls() -> None:
    code, out, _ = run("--notify", "--no-cache", "https://no-such-host.invalid/hook")
    assert code == 1
    assert "error_unable_to_resolve_notify_url" in out
    code, out, _ = run("--notify", "--no-cache", "not a url")
    assert code == 1
    assert "error_invalid_notify_url" in out


def test_usage_errors_exit_2() -> None:
    assert run()[0] == 2
    assert run("--timeout", "0", "http://example.invalid/a.mp3")[0] == 2
    assert run("--concurrency", "0", "http://example.invalid/a.mp3")[0] == 2
    assert run("--format", "xml", "http://example.invalid/a.mp3")[0] == 2


def test_cache_dir_is_used_and_a_corrupt_cache_only_warns(
    server: HTTPServer, tmp_path: Path
) -> None:
    from msgkit.checks.cache import FILE_NAME

    url = server.url_for("/ok.mp3")
    assert run("--allow-private", "--cache-dir", str(tmp_path), url)[0] == 0
    sent = len(server.log)
    assert run("--allow-private", "--cache-dir", str(tmp_path), url)[0] == 0
    assert len(server.log) == sent  # answered from the cache
    (tmp_path / FILE_NAME).write_bytes(b"garbage" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"{FILE_NAME}{suffix}").unlink(missing_ok=True)
    code, _, err = run("--allow-private", "--cache-dir", str(tmp_path), url)
    assert code == 0
    assert "msgkit: warning:" in err and "rebuilding" in err
    assert "Traceback" not in err


def test_the_console_script(server: HTTPServer, tmp_path: Path) -> None:
    script = shutil.which("msgkit") or str(Path(sys.executable).parent / "msgkit")
    process = subprocess.run(
        [
            script,
            "check-url",
            "--allow-private",
            "--cache-dir",
            str(tmp_path),
            "--timeout",
            "5",
            server.url_for("/ok.mp3"),
            server.url_for("/gone.mp3"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1, process.stderr
    assert "error_msg_download_failed" in process.stdout
    assert process.stderr == ""  # no progress bar, nothing else, when stderr is not a TTY


def test_the_command_imports_no_network_stack_until_it_runs() -> None:
    code = (
        "import sys, msgkit.cli.check_url, msgkit.checks.online;"
        "heavy = {'httpx', 'httpcore', 'sqlite3'} & set(sys.modules);"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    "args",
    [["--timeout", "nan"], ["--timeout", "inf"], ["--deadline", "inf"], ["--ttl", "inf"]],
)
def test_unusable_numbers_are_usage_errors(args: list[str]) -> None:
    code, _out, err = run(*args, "--no-cache", "https://example.com/a.mp3")
    assert code == 2, err


def test_a_ca_file_that_is_not_pem_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.pem"
    bad.write_bytes(b"\x00\x01 not a certificate")
    code, _out, err = run("--ca-file", str(bad), "--no-cache", "https://example.com/a.mp3")
    assert code == 2
    assert "not a readable PEM bundle" in err
