"""Content sniffing: pure functions over bytes, fixtures generated here."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
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
        assert found.offset >= 0
        sniff_continued(found, data[found.offset :])


@given(st.binary(min_size=4, max_size=64))
def test_sniff_handles_truncated_headers(tail: bytes) -> None:
    for prefix in (
        b"RIFF\xff\xff\xff\xffWAVEfmt ",
        b"ID3\x04\x00\x00\x00\x00\x00\x05",
        b"\xff\xfb",
    ):
        found = sniff(prefix + tail)
        assert isinstance(found, AudioFacts | NeedMore)


# --- broken headers, named formats, and never a silent pass -----------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "audio"


def whole(data: bytes) -> AudioFacts:
    """Sniff a whole file (its size known), following NeedMore as the online checks do."""
    found = sniff(data[:SNIFF_BYTES], len(data))
    while isinstance(found, NeedMore):
        more = sniff_continued(found, data[found.offset : found.offset + SNIFF_BYTES], len(data))
        if isinstance(more, NeedMore) and more.offset <= found.offset:
            pytest.fail(f"no progress at {found.offset}")
        found = more
    return found


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("truncated_fmt_30.wav", ["ends inside its fmt chunk", "10 of 16 bytes"]),
        ("id3_696k_in_5000.mp3", ["declares 696,010 bytes", "5,000 bytes"]),
        ("odd_chunk_no_pad.wav", ["byte 34", "odd-sized 'LIST' chunk", "pad byte"]),
        ("data_before_fmt.wav", ["data chunk", "before the fmt chunk"]),
        ("fmt_12_bytes.wav", ["12 bytes"]),
        ("id3_then_no_audio.mp3", ["no MPEG audio frame", "ID3v2 tag of 31 bytes"]),
    ],
)
def test_broken_headers_say_what_is_wrong(name: str, words: list[str]) -> None:
    data = (FIXTURES / name).read_bytes()
    found = whole(data)
    assert found.broken is not None, found
    assert found.unknown == ()
    for word in words:
        assert word in found.broken


def test_a_truncated_header_is_broken_only_where_the_file_ends() -> None:
    """The same 30 bytes: cut off when they are the whole file, unread when more follows."""
    data = (FIXTURES / "truncated_fmt_30.wav").read_bytes()
    assert sniff(data, len(data)).broken is not None  # type: ignore[union-attr]
    more = sniff(data, 50_000)
    assert isinstance(more, NeedMore) and more.partial.unknown == ("sample rate", "channels")
    assert isinstance(sniff(data), NeedMore)  # size unknown: never called broken


def test_metadata_chunks_before_fmt_are_walked() -> None:
    data = (FIXTURES / "chunks_2x20k_before_fmt.wav").read_bytes()
    found = sniff(data[:SNIFF_BYTES], len(data))
    assert isinstance(found, NeedMore) and found.offset == 12 + 8 + 20_000
    first = found.offset
    found = sniff_continued(found, data[found.offset : found.offset + SNIFF_BYTES], len(data))
    assert isinstance(found, NeedMore) and found.offset > first + SNIFF_BYTES
    assert (whole(data).sample_rate, whole(data).channels) == (44100, 2)


def test_a_chunk_declared_past_the_end_of_the_file_is_broken() -> None:
    data = b"RIFF\x00\x01\x00\x00WAVE" + b"LIST" + (500_000).to_bytes(4, "little") + b"x" * 100
    found = whole(data)
    assert found.broken is not None and "beyond the end of the 120-byte file" in found.broken


@pytest.mark.parametrize(
    ("data", "fmt", "words"),
    [
        (FIXTURES / "mpeg1_layer1.mp3", "mp1", ["MPEG-1 Layer I", "44100 Hz"]),
        ((bytes([0xFF, 0xF5, 0x80, 0xC4]) + b"\x00" * 413) * 4, "mp2", ["MPEG-2 Layer II"]),
        (
            (bytes([0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC]) + b"\x00" * 9) * 4,
            "aac",
            ["44100 Hz", "stereo"],
        ),
        (
            b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x1e" + b"\x01vorbis" + b"\x00" * 30,
            "ogg",
            ["Vorbis"],
        ),
        (
            b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13" + b"OpusHead" + b"\x00" * 30,
            "ogg",
            ["Opus"],
        ),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + b"\x00" * 40, "mp4", ["M4A"]),
        (b".snd\x00\x00\x00\x18" + b"\x00" * 40, "au", []),
        (b"FORM\x00\x00\x10\x00AIFFCOMM" + b"\x00" * 40, "aiff", []),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9" + b"\x00" * 40, "wma", []),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81" + b"\x00" * 40, "matroska", []),
        (b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 40, "riff", ["'AVI '"]),
        (b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\x00" * 16 + b"fLaC\x00\x00\x00\x22", "flac", []),
    ],
)
def test_formats_the_provider_does_not_play_are_named(
    data: bytes | Path, fmt: str, words: list[str]
) -> None:
    raw = data.read_bytes() if isinstance(data, Path) else data
    found = whole(raw)
    assert found.format == fmt and not found.is_supported
    text = found.describe() + " " + (found.detail or "")
    for word in words:
        assert word in text


def test_two_id3_tags_in_a_row_are_both_skipped() -> None:
    second = b"ID3\x03\x00\x00\x00\x00\x08\x00" + b"\x00" * 1024
    found = whole(
        mp3_bytes(MP3_8K_MONO, frames=20, id3=2000)[:10]
        + b"\x00" * 2000
        + second
        + mp3_bytes(MP3_8K_MONO, frames=20)
    )
    assert (found.format, found.sample_rate, found.channels) == ("mp3", 8000, 1)


def test_a_tag_alone_is_unknown_not_fine() -> None:
    """An ID3v2 tag says "probably MP3" and nothing else: never a pass on its own."""
    data = mp3_bytes(MP3_8K_MONO, frames=20, id3=900_000)
    found = sniff(data[:SNIFF_BYTES], len(data))
    assert isinstance(found, NeedMore)
    assert found.partial.unknown == ("format", "sample rate", "channels")
    assert found.partial.detail == "an ID3v2 tag of 900,010 bytes"


def test_junk_after_a_tag_is_searched_no_further_than_decoders_resynchronise() -> None:
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    found = whole(tag + b"\x01" * 70_000 + mp3_bytes(MP3_8K_MONO, frames=20))
    assert found.broken is not None and "65,536 bytes after its ID3v2 tag" in found.broken
    near = whole(tag + b"\x01" * 500 + mp3_bytes(MP3_8K_MONO, frames=20))
    assert (near.format, near.sample_rate) == ("mp3", 8000)


@pytest.mark.parametrize(
    "junk",
    [
        b"\xff" * (1 << 20),
        b"\xff\xfb" * (1 << 19),
        b"\xff\xfb\x90\x40\x00" * ((1 << 20) // 5),
        b"\xff\xf1\x50" * ((1 << 20) // 3),
    ],
    ids=["ff", "fffb", "near-frames", "near-adts"],
)
def test_a_megabyte_of_sync_lookalikes_is_sniffed_in_linear_time(junk: bytes) -> None:
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    started = time.perf_counter()
    for data in (junk, tag + junk, b"\x01" + junk):
        found = sniff(data, len(data))
        assert isinstance(found, AudioFacts)
    assert time.perf_counter() - started < 1.0  # a generous guard; it takes milliseconds


def test_what_is_unknown_is_named() -> None:
    assert AudioFacts("wav").unknown == ("sample rate", "channels")
    assert AudioFacts("mp3", tentative=True).unknown == ("format", "sample rate", "channels")
    assert AudioFacts("wav", sample_rate=8000, channels=1).unknown == ()
    assert AudioFacts("wav", broken="cut off").unknown == ()
    assert AudioFacts("ogg").unknown == ()
