"""Reading a recording's structure online: further ranges within the bound, streams within the
budget, sizes declared before a failure, and never a silent pass."""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from test_online_support import (
    LAST_MODIFIED,
    MP3_8K_MONO,
    MP3_44K_STEREO,
    file_handler,
    http_server,
    mp3_bytes,
    wav_bytes,
)
from werkzeug import Request, Response

from msgkit import OnlineOptions
from msgkit.checks.online import check_urls
from msgkit.checks.sniff import MAX_READS, READ_BUDGET, SNIFF_BYTES
from msgkit.cli import main
from msgkit.diagnostics import Diagnostic

FIXTURES = Path(__file__).parent / "fixtures" / "audio"
logging.getLogger("werkzeug").setLevel(logging.ERROR)


@pytest.fixture(scope="module")
def _running() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


@pytest.fixture
def server(_running: HTTPServer) -> Iterator[HTTPServer]:
    _running.clear()
    yield _running
    _running.clear()


def check(url: str, **changes: object) -> list[Diagnostic]:
    settings: dict[str, object] = {"allow_private": True, "use_cache": False, "timeout": 5.0}
    settings.update(changes)
    return check_urls([("msg", url)], OnlineOptions(**settings))[("msg", url)]  # type: ignore[arg-type]


def codes(found: list[Diagnostic]) -> list[str]:
    return [d.code for d in found]


def gets(server: HTTPServer) -> list[str | None]:
    return [r.headers.get("Range") for r, _ in server.log if r.method == "GET"]


def chunk(name: bytes, payload: bytes) -> bytes:
    return name + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def wav_behind(chunks: list[bytes], rate: int = 44100, channels: int = 2) -> bytes:
    plain = wav_bytes(rate, channels, frames=1000)
    body = b"WAVE" + b"".join(chunks) + plain[12:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


def serve(server: HTTPServer, path: str, data: bytes, **options: bool) -> str:
    server.expect_request(path).respond_with_handler(file_handler(data, **options))
    return server.url_for(path)


# --- further ranged requests, within the bound --------------------------------------------------

TWO_CHUNKS = wav_behind([chunk(b"LIST", b"INFO" + b"x" * 19_996), chunk(b"iXML", b"<x/>" * 5000)])


def test_two_20k_chunks_before_fmt_do_not_hide_44k_stereo(server: HTTPServer) -> None:
    [found] = check(serve(server, "/meta.wav", TWO_CHUNKS))
    assert found.code == "warning_msg_audio_not_8khz_mono"
    assert "44100 Hz, stereo" in found.message
    assert gets(server) == ["bytes=0-8191", "bytes=20020-28211", "bytes=40028-48219"]


def test_a_700k_cover_art_tag_does_not_hide_44k_stereo(server: HTTPServer) -> None:
    data = mp3_bytes(MP3_44K_STEREO, frames=50, id3=700_000)
    [found] = check(serve(server, "/cover.mp3", data))
    assert found.code == "warning_msg_audio_not_8khz_mono"
    assert "44100 Hz" in found.message
    assert gets(server) == ["bytes=0-8191", f"bytes=700010-{700010 + SNIFF_BYTES - 1}"]


@pytest.mark.parametrize("ranges", [True, False])
def test_a_cover_art_tag_hides_nothing_with_or_without_ranges(
    server: HTTPServer, ranges: bool
) -> None:
    stereo = mp3_bytes(MP3_44K_STEREO, frames=50, id3=700_000)
    [found] = check(serve(server, "/hifi.mp3", stereo, ranges=ranges))
    assert found.code == "warning_msg_audio_not_8khz_mono"
    assert len(gets(server)) == (2 if ranges else 1)  # a stream is read once, as far as needed
    mono = mp3_bytes(MP3_8K_MONO, frames=100, id3=700_000)
    assert check(serve(server, "/ok.mp3", mono, ranges=ranges)) == []


def test_structure_beyond_the_request_bound_is_unverified_not_passed(server: HTTPServer) -> None:
    many = wav_behind([chunk(b"LIST", b"INFO" + b"x" * 19_996) for _ in range(MAX_READS + 1)])
    [found] = check(serve(server, "/deep.wav", many))
    assert found.code == "warning_msg_audio_unverified"
    assert "sample rate and channels" in found.message
    assert f"{MAX_READS} requests" in found.message
    assert len(gets(server)) == MAX_READS


def test_a_wav_whose_fmt_lies_beyond_the_byte_budget_is_unverified(server: HTTPServer) -> None:
    big = wav_behind([chunk(b"JUNK", b"\x00" * (READ_BUDGET + 10))])
    [found] = check(serve(server, "/junk.wav", big, ranges=False))
    assert found.code == "warning_msg_audio_unverified"
    assert "ignores Range" in found.message
    assert f"{READ_BUDGET:,}" in found.message


def test_a_stream_that_ignores_range_is_read_to_the_budget_and_closed(
    server: HTTPServer,
) -> None:
    sent: list[int] = []

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b"RIFF\xff\xff\xff\xffWAVE" + b"JUNK" + struct.pack("<I", 0xFFFFFF00)
            for _ in range(10_000):  # 640 MB if nobody hung up
                sent.append(65536)
                yield b"\x00" * 65536

        return Response(body(), headers={"Last-Modified": LAST_MODIFIED})

    server.expect_request("/radio.wav").respond_with_handler(endless)
    found = check(server.url_for("/radio.wav"))
    assert "warning_msg_audio_unverified" in codes(found)
    assert not any(d.is_error for d in found)
    # Read up to the budget, then hung up: the server's writes failed long before the end
    # (what it sent beyond the budget sat in the loopback's socket buffers).
    time.sleep(0.5)
    assert READ_BUDGET <= sum(sent) < 100 * READ_BUDGET


# --- failures on the way ---------------------------------------------------------------------


def test_a_failing_further_request_is_unverified_and_not_cached(
    server: HTTPServer, tmp_path: Path
) -> None:
    def first_range_only(request: Request) -> Response:
        if request.method == "GET" and request.headers.get("Range") != "bytes=0-8191":
            return Response("busy", status=503)
        return file_handler(TWO_CHUNKS)(request)

    server.expect_request("/flaky.wav").respond_with_handler(first_range_only)
    url = server.url_for("/flaky.wav")
    [found] = check(url, use_cache=True, cache_dir=tmp_path)
    assert found.code == "warning_msg_audio_unverified"
    assert "bytes 20020-28211" in found.message and "503" in found.message
    check(url, use_cache=True, cache_dir=tmp_path)
    assert gets(server).count("bytes=0-8191") == 2  # asked again: not a conclusive result


def test_a_range_answered_from_the_wrong_offset_is_not_read_as_the_header(
    server: HTTPServer,
) -> None:
    data = mp3_bytes(MP3_8K_MONO, frames=100, id3=30_000)

    def wrong_offset(request: Request) -> Response:
        if request.method != "GET" or request.headers.get("Range") == "bytes=0-8191":
            return file_handler(data)(request)
        return Response(
            data[:SNIFF_BYTES],
            status=206,
            headers={"Content-Range": f"bytes 0-8191/{len(data)}"},
        )

    server.expect_request("/odd.mp3").respond_with_handler(wrong_offset)
    [found] = check(server.url_for("/odd.mp3"))
    assert found.code == "warning_msg_audio_unverified"
    assert "format, sample rate and channels" in found.message


def _liar(status: int, headers: dict[str, str]) -> Response:
    response = Response(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 990, status=status)
    response.headers.update(headers)
    response.headers["Connection"] = "close"
    return response


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, {"Content-Length": "14000000"}),
        (206, {"Content-Range": "bytes 0-8191/14000000", "Content-Length": "8192"}),
    ],
)
def test_a_declared_size_over_the_limit_counts_even_when_the_body_fails(
    server: HTTPServer, status: int, headers: dict[str, str]
) -> None:
    server.expect_request("/big.mp3").respond_with_handler(lambda r: _liar(status, headers))
    found = check(server.url_for("/big.mp3"))
    assert sorted(codes(found)) == ["error_msg_download_failed", "error_msg_invalid_file_size"]
    assert any("14,000,000 bytes" in d.message for d in found)


def test_a_declared_size_over_the_limit_counts_when_the_body_is_too_slow(
    server: HTTPServer,
) -> None:
    def trickle(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            yield b"ID3"
            time.sleep(3)
            yield b"\x00" * 10

        return Response(body(), headers={"Content-Length": "20000000"})

    server.expect_request("/slow.mp3").respond_with_handler(trickle)
    found = check(server.url_for("/slow.mp3"), timeout=1.0)
    assert sorted(codes(found)) == ["error_msg_download_failed", "error_msg_invalid_file_size"]


# --- what a file is -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated_fmt_30.wav", ["not a playable WAV", "fmt chunk", "10 of 16 bytes"]),
        ("id3_696k_in_5000.mp3", ["not a playable MP3", "696,010 bytes", "5,000 bytes"]),
        ("odd_chunk_no_pad.wav", ["not a playable WAV", "'LIST'", "pad byte"]),
        ("data_before_fmt.wav", ["not a playable WAV", "data chunk", "before the fmt chunk"]),
        ("fmt_12_bytes.wav", ["not a playable WAV", "12 bytes"]),
        ("id3_then_no_audio.mp3", ["not a playable MP3", "no MPEG audio frame"]),
        ("mpeg1_layer1.mp3", ["MP1", "not MP3 audio", "Layer III"]),
    ],
)
@pytest.mark.parametrize("ranges", [True, False])
def test_broken_and_wrong_files_say_what_is_wrong(
    server: HTTPServer, name: str, words: list[str], ranges: bool
) -> None:
    data = (FIXTURES / name).read_bytes()
    [found] = check(serve(server, f"/{name}", data, ranges=ranges))
    assert found.code == "error_msg_invalid_file_format"
    for word in words:
        assert word in found.message


@pytest.mark.parametrize(
    ("header", "length", "words"),
    [
        # MPEG-2 Layer II, 64 kbps, 22050 Hz, mono: 417-byte frames.
        (bytes([0xFF, 0xF5, 0x80, 0xC4]), 417, ["MP2", "MPEG-2 Layer II", "22050 Hz", "mono"]),
        # MPEG-1 Layer II, 160 kbps, 48000 Hz, stereo: 480-byte frames.
        (bytes([0xFF, 0xFD, 0x94, 0x04]), 480, ["MP2", "MPEG-1 Layer II", "48000 Hz", "stereo"]),
    ],
)
def test_mpeg_layer_ii_in_a_mp3_is_not_mp3(
    server: HTTPServer, header: bytes, length: int, words: list[str]
) -> None:
    """The provider plays MP3 (MPEG audio Layer III): Layer II is another codec, an error."""
    data = (header + b"\x00" * (length - 4)) * 30
    [found] = check(serve(server, "/speech.mp3", data))
    assert found.code == "error_msg_invalid_file_format"
    for word in [*words, "not MP3 audio"]:
        assert word in found.message


def test_a_supported_format_with_nothing_established_is_never_silent(server: HTTPServer) -> None:
    """A RIFF/WAVE whose fmt lies past the end of what a 206 gives, on a server that answers
    further ranges with 200: the file is not passed."""

    def only_first(request: Request) -> Response:
        if request.method != "GET" or request.headers.get("Range") == "bytes=0-8191":
            return file_handler(TWO_CHUNKS)(request)
        return Response(TWO_CHUNKS, headers={"Last-Modified": LAST_MODIFIED})

    server.expect_request("/half.wav").respond_with_handler(only_first)
    [found] = check(server.url_for("/half.wav"))
    assert found.code == "warning_msg_audio_unverified"
    assert "sample rate and channels" in found.message


# --- through the command line --------------------------------------------------------------------


def test_check_url_reports_unverified_and_broken_files(server: HTTPServer) -> None:
    tagged = serve(server, "/tagged.mp3", mp3_bytes(MP3_8K_MONO, id3=1_500_000), ranges=False)
    cut = serve(server, "/cut.wav", (FIXTURES / "truncated_fmt_30.wav").read_bytes())
    args = ["check-url", "--allow-private", "--no-cache", "--format", "json", tagged, cut]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "warning_msg_audio_unverified" in result.output
    assert "error_msg_invalid_file_format" in result.output


def test_the_console_script_with_a_loopback_spelling(server: HTTPServer) -> None:
    script = shutil.which("msgkit") or str(Path(sys.executable).parent / "msgkit")
    good = serve(server, "/ok.mp3", mp3_bytes(MP3_8K_MONO, frames=100))
    spelled = good.replace("127.0.0.1", "0177.0.0.1")
    done = subprocess.run(
        [script, "check-url", "--no-cache", "--timeout", "5", spelled],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "error_url_not_public" in done.stdout and "read as 127.0.0.1" in done.stdout
    assert "warning_url_not_checked" not in done.stdout and "Traceback" not in done.stderr
    assert server.log == []
