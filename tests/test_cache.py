"""The online-check cache: reruns send nothing, revalidation, concurrent writers, damage."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_online_support import MP3_8K_MONO, file_handler, http_server, mp3_bytes

from msgkit import OnlineOptions
from msgkit.checks.cache import FILE_NAME, Cache, CacheWarning, Entry
from msgkit.checks.online import check_urls
from msgkit.diagnostics import Diagnostic, Severity

GOOD = mp3_bytes(MP3_8K_MONO, frames=100)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


def _diagnostic() -> Diagnostic:
    return Diagnostic("warning_msg_url_not_cacheable", Severity.WARNING, "m", hint="h", field="msg")


def test_round_trip(tmp_path: Path) -> None:
    key = ("audio", "https://example.com/a.mp3", "fp")
    entry = Entry(time.time(), (_diagnostic(),), '"v1"', "Tue, 01 Jan 2030 00:00:00 GMT", "u")
    with Cache.open(tmp_path) as cache:
        cache.put_many({key: entry})
    with Cache.open(tmp_path) as cache:
        assert cache.get_many([key, ("audio", "other", "fp")]) == {key: entry}
    assert entry.fresh(3600) and not entry.fresh(0)


def test_wal_mode(tmp_path: Path) -> None:
    Cache.open(tmp_path).close()
    db = sqlite3.connect(tmp_path / FILE_NAME)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_a_corrupt_file_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not SQLite at all" * 100)
    with pytest.warns(CacheWarning, match="rebuilding"):
        cache = Cache.open(tmp_path)
    assert cache.usable
    cache.put_many({("audio", "u", "fp"): Entry(time.time(), ())})
    assert len(cache.get_many([("audio", "u", "fp")])) == 1
    cache.close()


def test_a_foreign_database_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / FILE_NAME)
    db.execute("CREATE TABLE photos (id INTEGER)")
    db.commit()
    db.close()
    with pytest.warns(CacheWarning, match="not a usable msgkit cache"):
        cache = Cache.open(tmp_path)
    assert cache.usable
    cache.close()


def test_an_unwritable_place_disables_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.warns(CacheWarning, match="running without it"):
        cache = Cache.open(blocker)
    assert not cache.usable
    assert cache.get_many([("audio", "u", "fp")]) == {}
    cache.put_many({("audio", "u", "fp"): Entry(time.time(), ())})  # no error


def test_a_corrupt_cache_never_fails_a_check(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    (tmp_path / FILE_NAME).write_bytes(b"\x00garbage" * 1000)
    url = server.url_for("/a.mp3")
    with pytest.warns(CacheWarning):
        result = check_urls([("msg", url)], OnlineOptions(allow_private=True, cache_dir=tmp_path))
    assert result == {("msg", url): []}


_WRITER = """
import sys, time, warnings
warnings.simplefilter("error")
from msgkit.checks.cache import Cache, Entry
directory, name = sys.argv[1], sys.argv[2]
for round in range(20):
    cache = Cache.open(directory)
    keys = [("audio", f"{name}-{round}-{i}", "fp") for i in range(20)]
    cache.put_many({key: Entry(time.time(), ()) for key in keys})
    found = cache.get_many(keys)
    assert len(found) == 20, len(found)
    cache.close()
print("ok")
"""


def test_concurrent_processes_do_not_corrupt_it(tmp_path: Path) -> None:
    """As pre-commit runs hooks: several processes open, read and write one cache at once."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path), f"p{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        assert out.strip() == "ok"
    db = sqlite3.connect(tmp_path / FILE_NAME)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 4 * 20 * 20
    db.close()


def _options(tmp_path: Path, **changes: object) -> OnlineOptions:
    return OnlineOptions(allow_private=True, cache_dir=tmp_path, **changes)  # type: ignore[arg-type]


def test_a_rerun_within_the_ttl_sends_nothing(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.wav").respond_with_handler(file_handler(b"RIFF", last_modified=False))
    url = server.url_for("/a.wav")
    first = check_urls([("msg", url)], _options(tmp_path))
    sent = len(server.log)
    assert sent == 1  # no Last-Modified: nothing to revalidate, size from Content-Range
    second = check_urls([("msg", url)], _options(tmp_path))
    assert second == first and first[("msg", url)]
    assert len(server.log) == sent


def test_after_the_ttl_a_conditional_request_revalidates(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD, etag=True))
    url = server.url_for("/a.mp3")
    check_urls([("msg", url)], _options(tmp_path))
    before = len(server.log)
    assert check_urls([("msg", url)], _options(tmp_path, ttl=0)) == {("msg", url): []}
    [(request, response)] = server.log[before:]
    assert request.method == "HEAD"
    assert request.headers["If-None-Match"] == '"v1"'
    assert "If-Modified-Since" in request.headers
    assert response.status_code == 304


def test_a_changed_file_is_checked_again(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD, etag=True))
    url = server.url_for("/a.mp3")
    assert check_urls([("msg", url)], _options(tmp_path))[("msg", url)] == []
    server.clear()
    server.expect_request("/a.mp3").respond_with_handler(
        file_handler(b"<html>moved</html>", last_modified=False)
    )
    found = check_urls([("msg", url)], _options(tmp_path, ttl=0))[("msg", url)]
    assert "error_msg_invalid_file_format" in [d.code for d in found]


def test_failures_are_not_cached(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.mp3").respond_with_data("", status=404)
    url = server.url_for("/a.mp3")
    check_urls([("msg", url)], _options(tmp_path))
    check_urls([("msg", url)], _options(tmp_path))
    assert len(server.log) == 2


def test_no_cache_neither_reads_nor_writes(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    url = server.url_for("/a.mp3")
    check_urls([("msg", url)], _options(tmp_path, use_cache=False))
    assert not (tmp_path / FILE_NAME).exists()


def test_options_that_change_results_do_not_share_entries(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    url = server.url_for("/a.mp3")
    assert check_urls([("msg", url)], _options(tmp_path))[("msg", url)] == []
    strict = OnlineOptions(allow_private=False, cache_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [found] = check_urls([("msg", url)], strict)[("msg", url)]
    assert found.code == "error_url_not_public"


# --- damaged rows: a miss, never a failure ----------------------------------------------------

_LOOSE_SCHEMA = """
CREATE TABLE results (
    kind, url, fingerprint, checked_at, etag, last_modified, final_url, diagnostics,
    PRIMARY KEY (kind, url, fingerprint)
)
"""

_GOOD_DIAGNOSTICS = (
    '[{"code": "warning_msg_url_not_cacheable", "severity": "warning", "message": "m"}]'
)


@pytest.mark.parametrize(
    ("checked_at", "etag", "final_url", "diagnostics"),
    [
        ("abc", None, None, _GOOD_DIAGNOSTICS),
        (None, None, None, _GOOD_DIAGNOSTICS),
        (b"\x00\x01", None, None, _GOOD_DIAGNOSTICS),
        (1e308, None, None, _GOOD_DIAGNOSTICS),
        (float("inf"), None, None, _GOOD_DIAGNOSTICS),
        (float("-inf"), None, None, _GOOD_DIAGNOSTICS),
        (2**62, None, None, _GOOD_DIAGNOSTICS),
        ("now", 5, None, _GOOD_DIAGNOSTICS),
        ("now", None, 7, _GOOD_DIAGNOSTICS),
        ("now", None, None, "not json"),
        ("now", None, None, None),
        ("now", None, None, 42),
        ("now", None, None, "{}"),
        ("now", None, None, "[1]"),
        ("now", None, None, '[{"code": 1, "severity": "warning", "message": "m"}]'),
        ("now", None, None, '[{"code": "x", "severity": "fatal", "message": "m"}]'),
        ("now", None, None, '[{"code": "x", "severity": "error"}]'),
        ("now", None, None, "[" * 100_000 + "]" * 100_000),
    ],
    ids=lambda value: repr(value)[:24],
)
def test_a_damaged_row_is_a_miss_never_a_failure(
    server: HTTPServer,
    tmp_path: Path,
    checked_at: object,
    etag: object,
    final_url: object,
    diagnostics: object,
) -> None:
    """A row msgkit did not write as it writes rows (a hand-edited or hostile file) is checked
    again; the check neither fails nor returns what the row said."""
    from msgkit.checks import online

    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    url = server.url_for("/a.mp3")
    options = _options(tmp_path)
    db = sqlite3.connect(tmp_path / FILE_NAME)
    db.execute(_LOOSE_SCHEMA)
    db.execute("PRAGMA application_id = 0x6D73676B")
    db.execute("PRAGMA user_version = 1")
    stamp = time.time() if checked_at == "now" else checked_at
    db.execute(
        "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ("audio", url, online._fingerprint(options), stamp, etag, None, final_url, diagnostics),
    )
    db.commit()
    db.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_urls([("msg", url)], options) == {("msg", url): []}
    assert [r.method for r, _ in server.log] == ["GET", "HEAD"]
    # The row was rewritten: the next run is served from the cache.
    assert check_urls([("msg", url)], options) == {("msg", url): []}
    assert len(server.log) == 2


def test_an_entry_from_the_future_is_not_fresh() -> None:
    assert not Entry(time.time() + 10**9, ()).fresh(3600)
    assert Entry(time.time() + 1, ()).fresh(3600)


# --- symlinks: never followed -----------------------------------------------------------------


def _one_check(server: HTTPServer, cache_dir: Path) -> list[warnings.WarningMessage]:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    url = server.url_for("/a.mp3")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert check_urls([("msg", url)], _options(cache_dir)) == {("msg", url): []}
    return caught


@pytest.mark.parametrize("content", [b"", b"my notes\n"])
def test_a_symlinked_cache_file_is_not_followed(
    server: HTTPServer, tmp_path: Path, content: bytes
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(content)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / FILE_NAME).symlink_to(victim)
    [warning] = _one_check(server, cache_dir)
    assert issubclass(warning.category, CacheWarning)
    assert "symbolic link" in str(warning.message) and "running without it" in str(warning.message)
    assert victim.read_bytes() == content
    assert (cache_dir / FILE_NAME).is_symlink()
    assert sorted(p.name for p in cache_dir.iterdir()) == [FILE_NAME]


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_symlinked_companion_file_is_not_followed(
    server: HTTPServer, tmp_path: Path, suffix: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me")
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / f"{FILE_NAME}{suffix}").symlink_to(victim)
    [warning] = _one_check(server, cache_dir)
    assert "symbolic link" in str(warning.message)
    assert victim.read_bytes() == b"keep me"
    assert not (cache_dir / FILE_NAME).exists()


def test_a_symlinked_cache_dir_is_not_followed(server: HTTPServer, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "cache").symlink_to(elsewhere)
    [warning] = _one_check(server, tmp_path / "cache")
    assert "symbolic link" in str(warning.message)
    assert list(elsewhere.iterdir()) == []


def test_a_symlink_on_the_way_to_a_relative_cache_dir_is_not_followed(
    server: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a cloned repository could arrange it for ``--cache-dir .cache/msgkit`` in its hooks."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".cache").symlink_to(elsewhere)
    monkeypatch.chdir(repo)
    [warning] = _one_check(server, Path(".cache/msgkit"))
    assert "symbolic link" in str(warning.message)
    assert list(elsewhere.iterdir()) == []


def test_a_cache_file_that_is_not_a_regular_file_is_not_opened(
    server: HTTPServer, tmp_path: Path
) -> None:
    os = pytest.importorskip("os")
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    os.mkfifo(tmp_path / FILE_NAME)  # opening it would block forever
    [warning] = _one_check(server, tmp_path)
    assert "not a regular file" in str(warning.message)


def test_a_hard_linked_cache_file_is_not_opened(server: HTTPServer, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"")
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / FILE_NAME).hardlink_to(victim)
    [warning] = _one_check(server, cache_dir)
    assert "hard links" in str(warning.message)
    assert victim.read_bytes() == b""


def test_the_cli_warns_once_and_checks_without_the_cache(
    server: HTTPServer, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / FILE_NAME).symlink_to(victim)
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD))
    server.expect_request("/b.mp3").respond_with_handler(file_handler(GOOD))
    done = subprocess.run(
        [
            shutil.which("msgkit") or str(Path(sys.executable).parent / "msgkit"),
            "check-url",
            "--allow-private",
            "--cache-dir",
            str(tmp_path / "cache"),
            server.url_for("/a.mp3"),
            server.url_for("/b.mp3"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("symbolic link") == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert victim.read_bytes() == b""
