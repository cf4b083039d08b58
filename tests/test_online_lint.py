"""The online checks as an extra pass of ``msgkit.lint.lint``: every file, each URL once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_online_support import MP3_8K_MONO, file_handler, http_server, mp3_bytes

from msgkit import OnlineOptions
from msgkit.checks.online import lint_pass
from msgkit.lint import lint


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with http_server() as running:
        running.expect_request("/ok.mp3").respond_with_handler(
            file_handler(mp3_bytes(MP3_8K_MONO, frames=100))
        )
        running.expect_request("/gone.mp3").respond_with_data("", status=404)
        yield running


def test_findings_are_placed_in_each_file(server: HTTPServer, tmp_path: Path) -> None:
    ok, gone = server.url_for("/ok.mp3"), server.url_for("/gone.mp3")
    (tmp_path / "a.msg").write_text(f"Hello.\n<url>{gone}</url> <url>{ok}</url>\n")
    (tmp_path / "b.msg").write_text(f"<url>{gone}</url>\n")
    (tmp_path / "c.msg.json").write_text(
        json.dumps(
            {"msg": f"<url>{ok}</url>", "notify_url": "https://no-such-host.invalid/hook"},
            indent=2,
        )
    )
    options = OnlineOptions(allow_private=True, use_cache=False, timeout=3)
    result = lint([str(tmp_path)], passes=[lint_pass(options)])
    found = sorted((Path(f.path).name, f.line, f.column, f.code) for f in result.findings)
    assert found == [
        ("a.msg", 2, 1, "error_msg_download_failed"),
        ("b.msg", 1, 1, "error_msg_download_failed"),
        ("c.msg.json", 3, 17, "error_unable_to_resolve_notify_url"),
    ]
    # /gone.mp3 is used twice and fetched once; /ok.mp3 twice, fetched once (GET + HEAD).
    paths = [request.path for request, _ in server.log]
    assert paths.count("/gone.mp3") == 1
    assert paths.count("/ok.mp3") == 2


def test_msgkit_lint_online_on_the_command_line(server: HTTPServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from msgkit.cli import main

    ok, gone = server.url_for("/ok.mp3"), server.url_for("/gone.mp3")
    (tmp_path / "a.msg").write_text(f"Hello.\n<url>{gone}</url> <url>{ok}</url>\n")
    runner = CliRunner()
    offline = runner.invoke(main, ["lint", str(tmp_path)])
    assert offline.exit_code == 0, offline.output
    assert server.log == []  # nothing is fetched without --online

    cache = tmp_path / "cache"
    args = ["lint", "--online", "--allow-private", "--cache-dir", str(cache), str(tmp_path)]
    online = runner.invoke(main, args)
    assert online.exit_code == 1, online.output
    assert "a.msg:2:1: error_msg_download_failed" in online.output
    assert ":2:" in online.output and "404" in online.output

    # Without --allow-private the loopback server is never contacted.
    before = len(server.log)
    refused = runner.invoke(main, ["lint", "--online", "--no-cache", str(tmp_path)])
    assert refused.exit_code == 1
    assert "error_url_not_public" in refused.output
    assert len(server.log) == before
