"""Content sniffing: pure functions over bytes, fixtures generated here."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from test_online_support import (
    MP3_8K_MONO,
    MP3_44K_STEREO,
    gsm_bytes,
    mp3_bytes,
    wav_bytes,
    wav_with_chunk_before_fmt,
)

from msgkit.checks.sniff import (
    SNIFF_BYTES,
    AudioFacts,
    NeedMore,
    expected_format,
    format_of_content_type,
    sniff,
    sniff_continued,
)


def facts(data: bytes) -> AudioFacts:
    found = sniff(data[:SNIFF_BYTES])
    assert isinstance(found, AudioFacts), found
    return found


def test_wav_8k_mono_pcm() -> None:
    found = facts(wav_bytes())
    assert (found.format, found.sample_rate, found.channels) == ("wav", 8000, 1)
    assert found.codec == "PCM 16-bit"
    assert found.describe() == "WAV (PCM 16-bit), 8000 Hz, mono"


def test_wav_44k_stereo() -> None:
    found = facts(wav_bytes(rate=44100, channels=2))
    assert (found.sample_rate, found.channels) == (44100, 2)
    assert "44100 Hz, stereo" in found.describe()


def test_wav_fmt_beyond_the_first_bytes_needs_more() -> None:
    data = wav_with_chunk_before_fmt(20_000)
    found = sniff(data[:SNIFF_BYTES])
    assert isinstance(found, NeedMore)
    assert found.partial.format == "wav"
    rest = sniff_continued(found, data[found.offset : found.offset + SNIFF_BYTES])
    assert (rest.format, rest.sample_rate, rest.channels) == ("wav", 8000, 1)


def test_mp3_frame_header_8k_mono() -> None:
    found = facts(mp3_bytes())
    assert (found.format, found.sample_rate, found.channels) == ("mp3", 8000, 1)
    assert found.codec == "MPEG-2.5 Layer III"


def test_mp3_44k_joint_stereo() -> None:
    found = facts(mp3_bytes(MP3_44K_STEREO))
    assert (found.sample_rate, found.channels, found.channel_mode) == (44100, 2, "joint stereo")


def test_mp3_after_id3v2_tag() -> None:
    found = facts(mp3_bytes(MP3_44K_STEREO, id3=1000))
    assert (found.format, found.sample_rate) == ("mp3", 44100)


def test_mp3_long_id3_tag_needs_more() -> None:
    data = mp3_bytes(MP3_8K_MONO, id3=50_000)
    found = sniff(data[:SNIFF_BYTES])
    assert isinstance(found, NeedMore)
    assert found.offset == 10 + 50_000
    rest = sniff_continued(found, data[found.offset : found.offset + SNIFF_BYTES])
    assert (rest.sample_rate, rest.channels) == (8000, 1)


def test_mp3_with_junk_before_the_first_frame_is_confirmed_by_the_next() -> None:
    found = facts(b"\x01\x02junk" + mp3_bytes(frames=5))
    assert (found.format, found.sample_rate) == ("mp3", 8000)


def test_gsm_frames() -> None:
    found = facts(gsm_bytes())
    assert (found.format, found.sample_rate, found.channels) == ("gsm", 8000, 1)


def test_gsm_signature_must_hold_in_every_frame() -> None:
    data = bytearray(gsm_bytes())
    data[33 * 3] = 0x00
    assert facts(bytes(data)).format != "gsm"


def test_wrong_magic_bytes() -> None:
    assert facts(b"<!DOCTYPE html><html><body>Sign in</body></html>").format == "html"
    assert facts(b"OggS\x00\x02" + b"\x00" * 40).format == "ogg"
    assert facts(b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 40).format == "mp4"
    assert facts(b"fLaC\x00\x00").format == "flac"
    unknown = facts(b"\x00\x01\x02\x03\x04\x05\x06\x07")
    assert unknown.format == "unknown" and not unknown.is_supported
    assert "00 01 02 03" in (unknown.detail or "")


def test_empty() -> None:
    assert facts(b"").format == "empty"


def test_expected_format_and_content_types() -> None:
    assert expected_format("/a/B.MP3") == "mp3"
    assert expected_format("/a/b.wav") == "wav"
    assert expected_format("/a/b.txt") is None
    assert format_of_content_type("audio/mpeg") == "mp3"
    assert format_of_content_type("audio/x-wav; charset=binary") == "wav"
    assert format_of_content_type("application/octet-stream") is None
    assert format_of_content_type("audio/x-something") is None
    assert format_of_content_type("text/html; charset=utf-8") == "html"
    assert format_of_content_type("image/png") == "other"
    assert format_of_content_type(None) is None


@given(st.binary(max_size=2048))
def test_sniff_never_raises(data: bytes) -> None:
    found = sniff(data)
    if isinstance(found, NeedMore):
        assert found.offset > 0
        sniff_continued(found, data)


@given(st.binary(min_size=4, max_size=64))
def test_sniff_handles_truncated_headers(tail: bytes) -> None:
    for prefix in (
        b"RIFF\xff\xff\xff\xffWAVEfmt ",
        b"ID3\x04\x00\x00\x00\x00\x00\x05",
        b"\xff\xfb",
    ):
        found = sniff(prefix + tail)
        assert isinstance(found, AudioFacts | NeedMore)
