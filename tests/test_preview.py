"""msgkit.preview(): real espeak-ng speech, read back as a WAV, and its timeline."""

# ruff: noqa: RUF001  (Cantonese prompts are written with full-width punctuation)
from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from preview_support import needs_espeak, needs_extra, read_wav

import msgkit
from msgkit import Audio, Message, OnlineOptions, Speech, Text
from msgkit.previewer import (
    EspeakNotFoundError,
    InvalidMessageError,
    MissingExtraError,
    Preview,
    estimate_duration,
    preview,
)
from msgkit.previewer.durations import MAX_ENTRIES, known_durations, remember_durations
from msgkit.previewer.render import GAP_SECONDS
from msgkit.previewer.voices import choose_voice

MIXED = (
    "Thank you for calling. "
    '<speech language="zh-HK">多謝你嘅來電。</speech>'
    '<speech gender="male">Your order has shipped.</speech> '
    "<url>https://example.com/hold.mp3</url>"
    "Goodbye."
)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default cache directory (platformdirs) follows XDG_CACHE_HOME: never the user's.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def assert_contiguous(result: Preview) -> None:
    starts = [s.start for s in result.segments]
    assert starts[0] == 0.0
    for before, after in zip(result.segments, result.segments[1:], strict=False):
        assert after.start > before.start  # starts increase...
        assert math.isclose(after.start, before.end, abs_tol=1e-9)  # ...with no gap or overlap
    assert all(s.duration > 0 for s in result.segments)


def rms(pcm: bytes, start: float, end: float) -> float:
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    part = samples[int(start * 8000) : int(end * 8000)]
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


@needs_espeak
@needs_extra
def test_a_mixed_message_renders_to_8k_mono_16_bit_with_a_contiguous_timeline() -> None:
    result = msgkit.preview(MIXED)
    wav = read_wav(result.wav)
    assert (wav.rate, wav.channels, wav.width) == (8000, 1, 2)
    total = sum(s.duration for s in result.segments)
    assert abs(wav.seconds - total) <= 0.05 * total
    assert math.isclose(result.duration, total)
    assert_contiguous(result)
    kinds = [(s.kind, s.voice) for s in result.segments]
    assert kinds == [
        ("text", "en+f3"),
        ("speech", "yue+f3"),
        ("speech", "en+m3"),
        ("audio", None),
        ("text", "en+f3"),
    ]
    # The white space between </speech> and <url> is heard as nothing and has no place.
    gap = result.segments[3]
    assert gap.url == "https://example.com/hold.mp3" and not gap.fetched
    assert gap.duration == GAP_SECONDS and "not fetched" in (gap.problem or "")
    assert all(s.problem is None for s in result.segments if s.kind != "audio")
    # Speech is heard where the timeline says, and the stand-in for the recording is silent.
    for segment in result.segments:
        loudness = rms(wav.pcm, segment.start, segment.end)
        assert (loudness > 100) if segment.kind != "audio" else (loudness == 0)
    assert bytes(result) == result.wav


@needs_espeak
@needs_extra
def test_a_message_value_previews_like_its_markup(tmp_path: Path) -> None:
    message = Message.of("Hello. ", Speech("你好", language="zh-HK"))
    by_value = preview(message)
    by_markup = preview(message.render())
    assert by_value.wav == by_markup.wav
    written = by_value.write(tmp_path / "hello.wav")
    assert written.read_bytes() == by_value.wav


@needs_espeak
@needs_extra
@pytest.mark.parametrize(
    ("language", "gender", "voice", "problem"),
    [
        ("ZH-hk", None, "yue+f3", None),  # the provider's codes in any case
        ("en", "Male", "en+m3", None),
        ("fr", None, "fr+f3", None),  # espeak-ng's own voice for a configured language
        ("xx-YY", None, "en+f3", "espeak-ng has no voice for language 'xx-YY'"),
        (None, "robot", "en+f3", "gender 'robot' is not one of female, male"),
    ],
)
def test_the_voice_follows_the_schema_mapping_and_falls_back_with_a_warning(
    language: str | None, gender: str | None, voice: str, problem: str | None
) -> None:
    result = preview(Message.of(Speech("one two three", language=language, gender=gender)))
    (segment,) = result.segments
    assert segment.voice == voice
    if problem is None:
        assert segment.problem is None
    else:
        assert segment.problem is not None and problem in segment.problem
    assert segment.duration > 0.3


def test_a_documented_language_this_espeak_lacks_falls_back_to_the_default() -> None:
    choice = choose_voice("zh-HK", "male", {"en", "fr"})
    assert choice.voice == "en+m3"
    assert choice.problem is not None and "'yue'" in choice.problem
    assert choose_voice(None, None, set()) == choose_voice("en", "female", {"en"})


@pytest.mark.parametrize("markup", ["Hi <speech>there", "a & b", "<url>x</url><b>bold</b>"])
def test_markup_that_does_not_parse_is_refused_with_its_diagnostics(markup: str) -> None:
    with pytest.raises(InvalidMessageError) as refused:
        preview(markup)
    assert [d.code for d in refused.value.report.errors] == ["error_msg_invalid_xml"]
    with pytest.raises(InvalidMessageError):
        estimate_duration(markup)
    # Even when the configuration ignores the code, the reason stays in the report.
    ignoring = msgkit.Config(ignore=("error_msg_invalid_xml",))
    with pytest.raises(InvalidMessageError) as again:
        preview(markup, config=ignoring)
    assert again.value.report.errors


def test_a_value_that_is_not_a_message_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="Message or a str"):
        preview(b"Hello")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Message or a str"):
        estimate_duration(3)  # type: ignore[arg-type]


def without_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-espeak-bin"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))


@needs_extra
def test_without_espeak_speech_cannot_be_previewed_but_durations_can_be_estimated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_espeak(tmp_path, monkeypatch)
    with pytest.raises(EspeakNotFoundError, match="apt-get install espeak-ng"):
        preview("Hello there.")
    assert estimate_duration("Hello there.") > 0.5
    # A message of recordings only needs no speech, so no espeak-ng.
    only_audio = preview("<url>https://example.com/a.mp3</url>")
    assert only_audio.duration == GAP_SECONDS


def test_without_the_extra_rendering_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "soxr", None)  # import soxr now raises ImportError
    with pytest.raises(MissingExtraError, match=r'pip install "msgkit\[preview\]"') as missing:
        preview("<url>https://example.com/a.mp3</url>")
    assert missing.value.missing == "soxr"
    assert estimate_duration("Hello.") > 0


@needs_espeak
@needs_extra
@pytest.mark.parametrize(
    "text",
    [
        "Thank you for calling. Your order has shipped and will arrive on Monday.",
        "Press one for sales, two for support, or stay on the line.",
        '<speech language="zh-HK">你嘅訂單已經寄出，預計星期一送到。</speech>',
        '<speech language="zh-HK">所有職員正忙，請稍候。</speech>',
    ],
)
def test_the_estimate_is_close_to_what_espeak_ng_says(text: str) -> None:
    real = preview(text).duration
    assert abs(estimate_duration(text) - real) <= 0.2 * real


def test_the_estimate_adds_speech_by_language_and_known_recordings(tmp_path: Path) -> None:
    english = estimate_duration("abcdefghij")
    cantonese = estimate_duration('<speech language="zh-HK">一二三四五六七八九十</speech>')
    assert cantonese > 2.5 * english  # a syllable per character is slower than a letter
    assert estimate_duration("...") == 0.0  # nothing said, no pause either
    url = "https://example.com/hold.mp3"
    assert estimate_duration(f"Hi<url>{url}</url>", options=OnlineOptions(cache_dir=tmp_path)) == (
        estimate_duration("Hi")
    )
    remember_durations({url: 12.5}, tmp_path)
    with_audio = estimate_duration(
        Message.of("Hi", Audio(url)), options=OnlineOptions(cache_dir=tmp_path)
    )
    assert with_audio == pytest.approx(estimate_duration("Hi") + 12.5)


@needs_extra
def test_offline_a_recording_is_a_gap_as_long_as_an_online_preview_found_it(
    tmp_path: Path,
) -> None:
    url = "https://example.com/hold.mp3"
    remember_durations({url: 2.5}, tmp_path)
    result = preview(f"<url>{url}</url>", options=OnlineOptions(cache_dir=tmp_path))
    (segment,) = result.segments
    assert segment.duration == 2.5 and not segment.fetched
    assert segment.problem is not None and "as long as an online preview found" in segment.problem
    assert read_wav(result.wav).seconds == 2.5
    # Without the cache, the stand-in is the short gap.
    unused = preview(
        f"<url>{url}</url>", options=OnlineOptions(cache_dir=tmp_path, use_cache=False)
    )
    assert unused.duration == GAP_SECONDS


def test_the_durations_file_is_bounded_and_a_damaged_one_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from msgkit.previewer import durations

    (tmp_path / durations.FILE_NAME).write_text("{not json")
    assert known_durations(tmp_path) == {}
    (tmp_path / durations.FILE_NAME).write_text('{"a": -1, "b": "x", "c": 1.5, "d": true}')
    assert known_durations(tmp_path) == {"c": 1.5}
    monkeypatch.setattr(durations, "MAX_ENTRIES", 3)
    for i in range(5):
        remember_durations({f"u{i}": float(i)}, tmp_path)
    assert known_durations(tmp_path) == {"u2": 2.0, "u3": 3.0, "u4": 4.0}
    remember_durations({"u2": 9.0}, tmp_path)  # refreshed: now the newest
    remember_durations({"u5": 5.0}, tmp_path)
    assert list(known_durations(tmp_path)) == ["u4", "u2", "u5"]
    assert MAX_ENTRIES >= 1000
    # A cache directory that cannot be written is not an error.
    blocked = tmp_path / "file"
    blocked.write_text("")
    remember_durations({"x": 1.0}, blocked / "sub")
    assert known_durations(blocked / "sub") == {}


@needs_extra
def test_the_phone_filter_keeps_the_voice_band_and_removes_the_rest() -> None:
    import numpy as np

    from msgkit.previewer.phone import band_limit

    t = np.arange(8000 * 2) / 8000

    def gain_db(frequency: float) -> float:
        tone = (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
        out = band_limit(tone, 8000)
        middle = slice(4000, 12000)  # away from the edges
        return float(20 * np.log10(np.std(out[middle]) / np.std(tone[middle])))

    for kept in (400, 1000, 3000):
        assert abs(gain_db(kept)) < 0.5
    for removed in (50, 150, 3600, 3900):
        assert gain_db(removed) < -40
    assert len(band_limit(np.zeros(0, dtype=np.float32), 8000)) == 0


@needs_espeak
@needs_extra
def test_a_phone_preview_is_band_limited_and_keeps_its_timeline() -> None:
    import numpy as np

    plain = preview("Hello, this is a test of the phone line.")
    phone = preview("Hello, this is a test of the phone line.", phone=True)
    assert phone.phone and [s.duration for s in phone.segments] == [
        s.duration for s in plain.segments
    ]
    wav = read_wav(phone.wav)
    assert (wav.rate, wav.channels, wav.width, wav.frames) == (
        8000,
        1,
        2,
        read_wav(plain.wav).frames,
    )
    samples = np.frombuffer(wav.pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / 8000)
    low = spectrum[freqs < 200].sum() / spectrum.sum()
    assert low < 1e-4


def test_import_msgkit_loads_no_preview_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, msgkit\n"
        "msgkit.validate('Hello')\n"
        "print(sorted(m for m in sys.modules if m.startswith('msgkit.previewer') "
        "or m in ('numpy', 'soundfile', 'soxr')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.strip() == "[]"
    assert callable(msgkit.preview) and callable(msgkit.estimate_duration)
    assert msgkit.Preview is Preview


@needs_espeak
@needs_extra
def test_a_preview_is_bounded_in_length_and_says_where_it_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from msgkit.previewer import render

    monkeypatch.setattr(render, "MAX_SECONDS", 3.0)
    long_text = "Thank you for calling, please hold. " * 200
    result = preview(Message.of(Text(long_text), Speech("never said")))
    (segment,) = result.segments  # what follows the limit is left out
    assert segment.duration == 3.0 and read_wav(result.wav).seconds == 3.0
    assert segment.problem is not None and "the preview stops at 3 s" in segment.problem
    assert "only its first" in segment.problem  # espeak-ng was not given all of it


def espeak_shim(tmp_path: Path, body: str) -> str:
    """A directory holding an ``espeak-ng`` that behaves as ``body`` says, before the real one
    (a broken or partial install)."""
    import shutil
    import stat

    real = shutil.which("espeak-ng")
    directory = tmp_path / "shim"
    directory.mkdir()
    script = directory / "espeak-ng"
    script.write_text(f"#!/bin/sh\nREAL={real}\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return f"{directory}{os.pathsep}{os.environ['PATH']}"


@needs_espeak
@needs_extra
def test_a_voice_espeak_ng_lists_but_cannot_load_falls_back_to_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (
        'case " $* " in *" fr+f3 "*) echo "Error: voice not loadable" >&2; exit 1;; esac\n'
        'exec "$REAL" "$@"'
    )
    monkeypatch.setenv("PATH", espeak_shim(tmp_path, body))
    result = preview(Message.of(Speech("bonjour", language="fr")))
    (segment,) = result.segments
    assert segment.voice == "en+f3" and segment.duration > 0.2
    assert segment.problem is not None
    assert "'fr+f3'" in segment.problem and "the default voice (en+f3) speaks it" in segment.problem


@needs_espeak
@needs_extra
def test_an_espeak_ng_that_fails_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from msgkit.cli import main
    from msgkit.previewer import PreviewError

    monkeypatch.setenv("PATH", espeak_shim(tmp_path, 'echo "broken" >&2; exit 3'))
    with pytest.raises(PreviewError, match="espeak-ng failed with voice 'en\\+f3'"):
        preview("Hello")
    (tmp_path / "g.msg").write_text("Hello")
    result = CliRunner().invoke(main, ["preview", str(tmp_path / "g.msg")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "espeak-ng failed" in result.stderr and not (tmp_path / "g.wav").exists()


@needs_extra
@pytest.mark.parametrize("rate", [4_000_000_000, 2**31 - 1])
def test_a_recording_with_an_impossible_sample_rate_is_a_gap(rate: int) -> None:
    import struct

    from msgkit.previewer.fetching import Download
    from msgkit.previewer.render import _recording

    data = b"\x01\x00" * 1000
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2 & 0xFFFFFFFF, 2, 16)
    wav = (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    url = "https://example.com/odd.wav"
    found: dict[str, float] = {}
    samples, segment = _recording(url, True, {url: Download(url, wav)}, {}, found, 600)
    assert segment.duration == 0.0 and len(samples) == GAP_SECONDS * 8000  # placed later
    assert segment.problem is not None and "gap stands in" in segment.problem
    assert "BytesIO" not in segment.problem and found == {}
