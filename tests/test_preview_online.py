"""Online previews: real recordings made by sox and lame, served on 127.0.0.1, decoded and
resampled to 8 kHz mono."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from preview_support import dominant_frequency, make_audio, needs_espeak, needs_extra, read_wav
from pytest_httpserver import HTTPServer
from test_online_support import file_handler, http_server

from msgkit import OnlineOptions
from msgkit.cli import main
from msgkit.previewer import estimate_duration, preview
from msgkit.previewer.durations import known_durations
from msgkit.previewer.render import GAP_SECONDS

pytestmark = needs_extra


@pytest.fixture(scope="module")
def _running() -> Iterator[HTTPServer]:
    with http_server() as running:
        yield running


@pytest.fixture
def server(_running: HTTPServer) -> Iterator[HTTPServer]:
    _running.clear()
    yield _running
    _running.clear()


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    directory = tmp_path_factory.mktemp("recordings")
    return {
        kind: make_audio(directory, kind)
        for kind in ("wav-pcm", "wav-ulaw", "wav-alaw", "wav-gsm", "gsm", "mp3")
    }


def options(tmp_path: Path, **changes: object) -> OnlineOptions:
    values: dict[str, object] = {"allow_private": True, "timeout": 5.0, "cache_dir": tmp_path}
    values.update(changes)
    return OnlineOptions(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "name", "described"),
    [
        ("wav-pcm", "tone.wav", "WAV (PCM 16-bit), 44100 Hz, stereo"),
        ("wav-ulaw", "tone.wav", "8000 Hz, mono"),
        ("wav-alaw", "tone.wav", "8000 Hz, mono"),
        ("wav-gsm", "tone.wav", "8000 Hz, mono"),
        ("gsm", "tone.gsm", "GSM 06.10"),
        ("mp3", "tone.mp3", "MP3"),
    ],
)
def test_each_format_the_provider_plays_is_decoded_and_resampled_to_8k_mono(
    server: HTTPServer,
    recordings: dict[str, bytes],
    tmp_path: Path,
    kind: str,
    name: str,
    described: str,
) -> None:
    server.expect_request(f"/{name}").respond_with_handler(file_handler(recordings[kind]))
    url = server.url_for(f"/{name}")
    result = preview(f"<url>{url}</url>", online=True, options=options(tmp_path))
    (segment,) = result.segments
    assert segment.fetched and segment.problem is None, segment.problem
    assert segment.format is not None and described in segment.format
    # MP3 encoders pad the start; everything else is exact to a frame.
    assert segment.duration == pytest.approx(1.5, abs=0.08 if kind == "mp3" else 0.021)
    wav = read_wav(result.wav)
    assert (wav.rate, wav.channels, wav.width) == (8000, 1, 2)
    assert dominant_frequency(wav.pcm, wav.rate) == pytest.approx(440, abs=5)
    # The duration is remembered for offline previews and estimates.
    assert known_durations(tmp_path)[url] == pytest.approx(segment.duration, abs=0.01)
    offline = preview(f"<url>{url}</url>", options=options(tmp_path))
    assert offline.duration == pytest.approx(segment.duration, abs=0.001)


@needs_espeak
def test_speech_and_recordings_make_one_contiguous_timeline(
    server: HTTPServer, recordings: dict[str, bytes], tmp_path: Path
) -> None:
    server.expect_request("/hold.mp3").respond_with_handler(file_handler(recordings["mp3"]))
    server.expect_request("/beep.gsm").respond_with_handler(file_handler(recordings["gsm"]))
    markup = (
        f"Please hold.<url>{server.url_for('/hold.mp3')}</url>"
        f'<speech language="zh-HK">請稍候。</speech><url>{server.url_for("/beep.gsm")}</url>'
    )
    result = preview(markup, online=True, options=options(tmp_path))
    assert [s.kind for s in result.segments] == ["text", "audio", "speech", "audio"]
    wav = read_wav(result.wav)
    total = sum(s.duration for s in result.segments)
    assert abs(wav.seconds - total) <= 0.05 * total
    for before, after in zip(result.segments, result.segments[1:], strict=False):
        assert after.start > before.start and after.start == pytest.approx(before.end)


def test_a_recording_that_cannot_be_had_is_a_marked_gap(server: HTTPServer, tmp_path: Path) -> None:
    server.expect_request("/missing.mp3").respond_with_data("gone", status=404)
    server.expect_request("/page.mp3").respond_with_data(
        "<html><body>login</body></html>", content_type="text/html"
    )
    server.expect_request("/broken.wav").respond_with_data(b"RIFF\x00\x00\x00\x00WAVEjunk")
    markup = "".join(
        f"<url>{server.url_for(p)}</url>" for p in ("/missing.mp3", "/page.mp3", "/broken.wav")
    )
    result = preview(markup, online=True, options=options(tmp_path))
    missing, page, broken = result.segments
    assert missing.problem is not None and "HTTP 404" in missing.problem
    assert page.problem is not None and "HTML page" in page.problem
    assert broken.problem is not None
    for segment in result.segments:
        assert segment.duration == GAP_SECONDS and "gap stands in" in (segment.problem or "")
    assert known_durations(tmp_path) == {}


def test_the_address_policy_of_the_online_checks_applies(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/tone.wav").respond_with_data(b"never asked for")
    url = server.url_for("/tone.wav")
    result = preview(
        f"<url>{url}</url>", online=True, options=options(tmp_path, allow_private=False)
    )
    (segment,) = result.segments
    assert not segment.fetched and segment.problem is not None
    assert "cannot be downloaded" in segment.problem and "127.0.0.1" in segment.problem
    assert server.log == []  # refused before a byte was sent
    ftp = preview("<url>ftp://example.com/a.mp3</url>", online=True, options=options(tmp_path))
    assert ftp.segments[0].problem is not None and "not fetched" in ftp.segments[0].problem


def test_the_command_line_plays_recordings_with_online(
    server: HTTPServer,
    recordings: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    server.expect_request("/tone.wav").respond_with_handler(file_handler(recordings["wav-ulaw"]))
    (tmp_path / "hold.msg").write_text(f"<url>{server.url_for('/tone.wav')}</url>")
    args = ["preview", "hold.msg", "--format", "json", "--cache-dir", str(tmp_path / "c")]
    runner = CliRunner()
    offline = runner.invoke(main, args, catch_exceptions=False)
    assert json.loads(offline.stdout)["segments"][0]["fetched"] is False
    online = runner.invoke(main, [*args, "--online", "--allow-private"], catch_exceptions=False)
    assert online.exit_code == 0, online.output
    (segment,) = json.loads(online.stdout)["segments"]
    assert segment["fetched"] is True and segment["duration"] == pytest.approx(1.5, abs=0.02)
    assert read_wav((tmp_path / "hold.wav").read_bytes()).rate == 8000
    asked = len(server.log)
    refused = runner.invoke(main, [*args, "--online"], catch_exceptions=False)
    assert refused.exit_code == 0
    (segment,) = json.loads(refused.stdout)["segments"]
    assert segment["fetched"] is False and "127.0.0.1" in segment["problem"]
    assert len(server.log) == asked  # loopback is refused without --allow-private


@pytest.mark.parametrize(
    "kind", ["wav-pcm", "wav-ulaw", "wav-alaw", "wav-gsm", "gsm", "mp3", "mp3-vbr", "mp3-mono-8k"]
)
def test_an_online_estimate_times_recordings_from_their_headers(
    server: HTTPServer, tmp_path: Path, kind: str
) -> None:
    data = make_audio(tmp_path, kind, seconds=3.0)
    server.expect_request("/r").respond_with_handler(file_handler(data))
    url = server.url_for("/r")
    markup = f"<url>{url}</url>"
    assert estimate_duration(markup, options=options(tmp_path)) == 0.0  # not known offline
    estimate = estimate_duration(markup, online=True, options=options(tmp_path))
    from msgkit.previewer.audio import decode

    # What the preview would play: the decoded file, an MP3 encoder's padding included.
    played = decode(data, kind.split("-")[0], 60).seconds
    assert estimate == pytest.approx(played, rel=0.02)
    assert estimate == pytest.approx(3.0, rel=0.1)
    # Only the head of the file was asked for.
    (request, _response) = server.log[-1]
    assert request.headers["Range"] == "bytes=0-65535"
    # And it is remembered, for offline estimates and lint.
    assert estimate_duration(markup, options=options(tmp_path)) == pytest.approx(estimate)
    server.clear()


def test_an_online_estimate_of_what_cannot_be_timed_counts_nothing(
    server: HTTPServer, tmp_path: Path
) -> None:
    server.expect_request("/gone.mp3").respond_with_data("gone", status=404)
    server.expect_request("/page.wav").respond_with_data("<html></html>", content_type="text/html")
    markup = "".join(f"<url>{server.url_for(p)}</url>" for p in ("/gone.mp3", "/page.wav"))
    assert estimate_duration(markup, online=True, options=options(tmp_path)) == 0.0
    assert known_durations(tmp_path) == {}
