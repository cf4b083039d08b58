"""Online checks of <url> recordings against real servers on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_online_support import (
    LAST_MODIFIED,
    MP3_8K_MONO,
    Gate,
    file_handler,
    http_server,
    mp3_bytes,
    wav_bytes,
)
from werkzeug import Request, Response

from msgkit import CODES, OnlineOptions, validate
from msgkit.checks.online import check_urls, online_pass
from msgkit.diagnostics import Diagnostic


@pytest.fixture(scope="module")
def _running() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


@pytest.fixture
def server(_running: HTTPServer) -> Iterator[HTTPServer]:
    _running.clear()
    yield _running
    _running.clear()


def options(**changes: object) -> OnlineOptions:
    settings: dict[str, object] = {"allow_private": True, "use_cache": False, "timeout": 2.0}
    settings.update(changes)
    return OnlineOptions(**settings)  # type: ignore[arg-type]


def check(url: str, **changes: object) -> list[Diagnostic]:
    return check_urls([("msg", url)], options(**changes))[("msg", url)]


def settle(server: HTTPServer, path: str, timeout: float = 5.0) -> None:
    """Wait until a released request to ``path`` is in the log, so it cannot land in the next
    test's (the server is shared by the module and logs a request once it is answered)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not any(r.path == path for r, _ in server.log):
        time.sleep(0.01)


def codes(found: list[Diagnostic]) -> list[str]:
    return [d.code for d in found]


def requests(server: HTTPServer) -> list[tuple[str, str]]:
    return [(request.method, request.path) for request, _ in server.log]


GOOD_MP3 = mp3_bytes(MP3_8K_MONO, frames=200)


def test_a_well_served_8k_mono_mp3_is_clean_in_two_requests(server: HTTPServer) -> None:
    server.expect_request("/ok.mp3").respond_with_handler(
        file_handler(GOOD_MP3, content_type="audio/mpeg")
    )
    assert check(server.url_for("/ok.mp3")) == []
    (get, _), (head, _) = server.log
    assert (get.method, get.headers["Range"]) == ("GET", "bytes=0-8191")
    assert (head.method, head.headers["If-Modified-Since"]) == ("HEAD", LAST_MODIFIED)
    assert get.headers["User-Agent"].startswith("msgkit/")
    assert get.headers["Accept-Encoding"] == "identity"


def test_every_code_emitted_is_catalogued(server: HTTPServer) -> None:
    server.expect_request("/a.wav").respond_with_handler(
        file_handler(wav_bytes(44100, 2), content_type="text/plain", last_modified=False)
    )
    found = check(server.url_for("/a.wav"))
    assert found and all(d.code in CODES for d in found)
    assert all(d.line is None and d.field == "msg" for d in found)


def test_404_is_a_download_failure(server: HTTPServer) -> None:
    server.expect_request("/gone.mp3").respond_with_data("nope", status=404)
    [found] = check(server.url_for("/gone.mp3"))
    assert found.code == "error_msg_download_failed"
    assert "HTTP 404" in found.message


def test_500_is_a_download_failure(server: HTTPServer) -> None:
    server.expect_request("/boom.mp3").respond_with_data("err", status=503)
    assert codes(check(server.url_for("/boom.mp3"))) == ["error_msg_download_failed"]


def test_a_name_that_does_not_resolve() -> None:
    [found] = check("http://no-such-host.invalid/a.mp3")
    assert found.code == "error_msg_download_failed"
    assert "resolve" in found.message


def test_connection_refused() -> None:
    [found] = check("http://127.0.0.1:9/a.mp3")
    assert found.code == "error_msg_download_failed"
    assert "refused" in found.message


def test_a_server_that_hangs_times_out(server: HTTPServer) -> None:
    gate = Gate()
    server.expect_request("/slow.mp3").respond_with_handler(gate.handler)
    try:
        [found] = check(server.url_for("/slow.mp3"), timeout=0.5)
    finally:
        gate.release()
        settle(server, "/slow.mp3")
    assert found.code == "error_msg_download_failed"
    assert "0.5 s" in found.message


def test_the_run_deadline_reports_what_it_could_not_check(server: HTTPServer) -> None:
    gate = Gate()
    server.expect_request("/slow.mp3").respond_with_handler(gate.handler)
    try:
        [found] = check(server.url_for("/slow.mp3"), timeout=5.0, deadline=0.5)
    finally:
        gate.release()
        settle(server, "/slow.mp3")
    assert found.code == "warning_url_not_checked"
    assert "deadline" in found.message


def test_a_redirect_loop(server: HTTPServer) -> None:
    server.expect_request("/a.mp3").respond_with_data(
        "", status=302, headers={"Location": "/b.mp3"}
    )
    server.expect_request("/b.mp3").respond_with_data(
        "", status=301, headers={"Location": "/a.mp3"}
    )
    [found] = check(server.url_for("/a.mp3"))
    assert found.code == "error_msg_download_failed"
    assert "redirect loop" in found.message
    assert len(server.log) == 2


def test_at_most_five_redirects_are_followed(server: HTTPServer) -> None:
    for hop in range(8):
        server.expect_request(f"/r{hop}.mp3").respond_with_data(
            "", status=307, headers={"Location": f"/r{hop + 1}.mp3"}
        )
    [found] = check(server.url_for("/r0.mp3"))
    assert "more than 5 redirects" in found.message
    assert len(server.log) == 6


def test_redirects_are_followed_and_the_file_checked_where_they_end(server: HTTPServer) -> None:
    server.expect_request("/old.mp3").respond_with_data(
        "", status=301, headers={"Location": "/new.mp3"}
    )
    server.expect_request("/new.mp3").respond_with_handler(file_handler(GOOD_MP3))
    assert check(server.url_for("/old.mp3")) == []
    assert requests(server)[-1] == ("HEAD", "/new.mp3")


def test_wrong_magic_bytes(server: HTTPServer) -> None:
    server.expect_request("/login.mp3").respond_with_handler(
        file_handler(b"<!doctype html><html><body>Sign in</body></html>", content_type="text/html")
    )
    [found] = check(server.url_for("/login.mp3"))
    assert found.code == "error_msg_invalid_file_format"
    assert "HTML page" in found.message


def test_a_wav_renamed_to_mp3_has_the_wrong_extension(server: HTTPServer) -> None:
    server.expect_request("/renamed.mp3").respond_with_handler(file_handler(wav_bytes()))
    [found] = check(server.url_for("/renamed.mp3"))
    assert found.code == "error_msg_invalid_file_format"
    assert "wrong filename extension" in found.message
    assert found.hint is not None and ".wav" in found.hint


def test_a_44k_stereo_wav(server: HTTPServer) -> None:
    server.expect_request("/hifi.wav").respond_with_handler(
        file_handler(wav_bytes(44100, 2), content_type="audio/wav")
    )
    [found] = check(server.url_for("/hifi.wav"))
    assert found.code == "warning_msg_audio_not_8khz_mono"
    assert "44100 Hz, stereo" in found.message


def test_a_content_type_that_contradicts_the_extension(server: HTTPServer) -> None:
    server.expect_request("/a.mp3").respond_with_handler(
        file_handler(GOOD_MP3, content_type="audio/wav")
    )
    assert codes(check(server.url_for("/a.mp3"))) == ["warning_msg_url_content_type"]


def test_a_server_without_last_modified(server: HTTPServer) -> None:
    server.expect_request("/a.mp3").respond_with_handler(
        file_handler(GOOD_MP3, last_modified=False)
    )
    assert codes(check(server.url_for("/a.mp3"))) == ["warning_msg_url_not_cacheable"]


def test_a_server_that_ignores_if_modified_since(server: HTTPServer) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD_MP3, conditional=False))
    [found] = check(server.url_for("/a.mp3"))
    assert found.code == "warning_msg_url_ignores_if_modified_since"
    assert "HTTP 200" in found.message


def test_a_server_that_refuses_head_still_gets_checked(server: HTTPServer) -> None:
    server.expect_request("/a.mp3").respond_with_handler(
        file_handler(GOOD_MP3, head=False, ranges=False)
    )
    assert check(server.url_for("/a.mp3")) == []
    assert requests(server) == [("GET", "/a.mp3"), ("HEAD", "/a.mp3"), ("GET", "/a.mp3")]


def test_size_over_the_limit_from_content_range(server: HTTPServer) -> None:
    def huge(request: Request) -> Response:
        return Response(
            GOOD_MP3[:8192],
            status=206,
            headers={"Content-Range": "bytes 0-8191/14000000", "Last-Modified": LAST_MODIFIED},
            content_type="audio/mpeg",
        )

    server.expect_request("/huge.mp3", method="GET").respond_with_handler(huge)
    server.expect_request("/huge.mp3", method="HEAD").respond_with_data("", status=304)
    [found] = check(server.url_for("/huge.mp3"))
    assert found.code == "error_msg_invalid_file_size"
    assert "14,000,000 bytes" in found.message and "10,000,000 bytes" in found.message


def test_size_over_the_limit_from_content_length_where_ranges_are_ignored(
    server: HTTPServer,
) -> None:
    big = GOOD_MP3 * 600  # 8.6 MB... and a bit more below
    big += b"\x00" * (10_000_001 - len(big))
    server.expect_request("/big.mp3").respond_with_handler(file_handler(big, ranges=False))
    assert codes(check(server.url_for("/big.mp3"))) == ["error_msg_invalid_file_size"]


def test_exactly_the_limit_passes(server: HTTPServer) -> None:
    data = GOOD_MP3 + b"\x00" * (10_000_000 - len(GOOD_MP3))
    server.expect_request("/edge.mp3").respond_with_handler(file_handler(data))
    assert check(server.url_for("/edge.mp3")) == []


def test_no_content_length_means_unknown_size(server: HTTPServer) -> None:
    def chunked(request: Request) -> Response:
        return Response(iter([GOOD_MP3[:5000], GOOD_MP3[5000:]]), headers={"Last-Modified": "x"})

    server.expect_request("/a.mp3").respond_with_handler(chunked)
    found = check(server.url_for("/a.mp3"))
    assert "warning_msg_audio_size_unknown" in codes(found)
    assert not any(d.is_error for d in found)


def test_a_server_that_ignores_range_and_streams_forever(server: HTTPServer) -> None:
    def endless(request: Request) -> Response:
        def frames() -> Iterator[bytes]:
            while True:
                yield GOOD_MP3

        return Response(frames(), content_type="audio/mpeg")

    server.expect_request("/radio.mp3").respond_with_handler(endless)
    found = check(server.url_for("/radio.mp3"))
    assert codes(found) == ["warning_msg_url_not_cacheable", "warning_msg_audio_size_unknown"]


def test_a_lying_content_length_is_a_download_failure(server: HTTPServer) -> None:
    def liar(request: Request) -> Response:
        response = Response(GOOD_MP3[:1000])
        response.headers["Content-Length"] = "5000"
        response.headers["Connection"] = "close"
        return response

    server.expect_request("/liar.mp3").respond_with_handler(liar)
    [found] = check(server.url_for("/liar.mp3"))
    assert found.code == "error_msg_download_failed"
    assert "Content-Length" in found.message


def test_a_long_id3_tag_costs_one_more_ranged_get(server: HTTPServer) -> None:
    data = mp3_bytes(MP3_8K_MONO, frames=100, id3=30_000)
    server.expect_request("/tagged.mp3").respond_with_handler(file_handler(data))
    assert check(server.url_for("/tagged.mp3")) == []
    ranges = [r.headers.get("Range") for r, _ in server.log if r.method == "GET"]
    assert ranges == ["bytes=0-8191", "bytes=30010-38201"]


def test_cookies_are_never_sent_back(server: HTTPServer) -> None:
    def cookie(request: Request) -> Response:
        response = file_handler(GOOD_MP3)(request)
        response.set_cookie("session", "s3cret")
        return response

    server.expect_request("/a.mp3").respond_with_handler(cookie)
    server.expect_request("/b.mp3").respond_with_handler(cookie)
    check_urls([("msg", server.url_for("/a.mp3")), ("msg", server.url_for("/b.mp3"))], options())
    assert len(server.log) == 4
    assert all("Cookie" not in request.headers for request, _ in server.log)


def test_a_url_in_many_files_is_fetched_once(server: HTTPServer) -> None:
    server.expect_request("/shared.mp3").respond_with_handler(file_handler(GOOD_MP3))
    server.expect_request("/gone.mp3").respond_with_data("", status=404)
    shared, gone = server.url_for("/shared.mp3"), server.url_for("/gone.mp3")
    items = [(("file", i), "msg", shared) for i in range(30)] + [(("bad", 0), "msg", gone)]
    found = online_pass(items, options())
    assert list(found) == [("bad", 0)]
    assert codes(found[("bad", 0)]) == ["error_msg_download_failed"]
    assert requests(server).count(("GET", "/shared.mp3")) == 1


def test_urls_that_fail_offline_checks_are_not_fetched(server: HTTPServer) -> None:
    result = check_urls(
        [("msg", server.url_for("/a.txt")), ("msg", "ftp://example.com/a.mp3")], options()
    )
    assert all(found == [] for found in result.values())
    assert server.log == []


def test_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        check_urls([("tag", "http://example.invalid/")], options())


def test_validate_online_places_diagnostics_at_each_url(server: HTTPServer) -> None:
    server.expect_request("/gone.mp3").respond_with_data("", status=404)
    url = server.url_for("/gone.mp3")
    markup = f"Hello\n<url>{url}</url> and again <url>{url}</url>"
    report = validate(markup, online=True, online_options=options())
    found = [d for d in report if d.code == "error_msg_download_failed"]
    assert [(d.line, d.column) for d in found] == [(2, 1), (2, len(url) + 23)]
    assert len(server.log) == 1
    assert validate(markup).ok  # offline, nothing is fetched or reported
    assert len(server.log) == 1


def test_validate_online_honours_ignore(server: HTTPServer) -> None:
    from msgkit import Config

    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD_MP3, etag=True))
    markup = f"<url>{server.url_for('/a.mp3')}</url>"
    config = Config(ignore=("warning_msg_url",))
    report = validate(markup, config=config, online=True, online_options=options())
    assert report.diagnostics == ()


def test_validate_online_works_inside_a_running_event_loop(server: HTTPServer) -> None:
    import asyncio

    server.expect_request("/gone.mp3").respond_with_data("", status=404)
    markup = f"<url>{server.url_for('/gone.mp3')}</url>"

    async def inside() -> list[str]:
        return list(validate(markup, online=True, online_options=options()).codes)

    assert asyncio.run(inside()) == ["error_msg_download_failed"]


def test_many_urls_are_checked_concurrently(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.2)
        return file_handler(GOOD_MP3)(request)

    urls = [server.url_for(f"/f{i}.mp3") for i in range(20)]
    for i in range(20):
        server.expect_request(f"/f{i}.mp3").respond_with_handler(slow)
    started = time.monotonic()
    result = check_urls([("msg", u) for u in urls], options(concurrency=20))
    elapsed = time.monotonic() - started
    assert all(found == [] for found in result.values())
    # Not a timing assertion on speed, only on shape: 40 requests of 0.2 s took far less than
    # their sum (8 s), so they overlapped.
    assert elapsed < 4.0


def test_cache_dir_defaults_and_no_traceback_on_unwritable_dir(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/a.mp3").respond_with_handler(file_handler(GOOD_MP3))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.warns(UserWarning, match="running without it"):
        found = check(server.url_for("/a.mp3"), use_cache=True, cache_dir=blocker / "cache")
    assert found == []


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.written: list[str] = []

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_the_progress_bar_draws_only_on_a_terminal() -> None:
    from msgkit.checks.progress import Progress

    terminal = _Terminal(tty=True)
    bar = Progress(3, terminal)  # type: ignore[arg-type]
    for _ in range(3):
        bar.advance()
    bar.close()
    assert any("3/3" in text for text in terminal.written)
    assert terminal.written[-1] == "\r\x1b[K"

    pipe = _Terminal(tty=False)
    bar = Progress(3, pipe)  # type: ignore[arg-type]
    for _ in range(3):
        bar.advance()
    bar.close()
    assert pipe.written == []


def test_check_urls_async(server: HTTPServer) -> None:
    import asyncio

    from msgkit.checks.online import check_urls_async

    server.expect_request("/gone.mp3").respond_with_data("", status=404)
    url = server.url_for("/gone.mp3")

    async def inside() -> dict[tuple[str, str], list[Diagnostic]]:
        return await check_urls_async([("msg", url)], options())

    assert codes(asyncio.run(inside())[("msg", url)]) == ["error_msg_download_failed"]
