"""Durations from the first bytes of a recording: real files, truncated and hostile heads."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from preview_support import make_audio, needs_extra

from msgkit.previewer.headers import HEAD_BYTES, content_size, seconds_from_header


@pytest.mark.parametrize(
    ("kind", "format_"),
    [
        ("wav-pcm", "wav"),
        ("wav-ulaw", "wav"),
        ("wav-gsm", "wav"),
        ("gsm", "gsm"),
        ("mp3", "mp3"),
        ("mp3-vbr", "mp3"),
        ("mp3-mono-8k", "mp3"),
    ],
)
@needs_extra
def test_real_files_are_timed_from_their_head(tmp_path: Path, kind: str, format_: str) -> None:
    from msgkit.previewer.audio import decode

    data = make_audio(tmp_path, kind, seconds=2.0)
    seconds = seconds_from_header(data[:HEAD_BYTES], len(data), format_)
    # What a decoder makes of the whole file, encoder padding included.
    assert seconds == pytest.approx(decode(data, format_, 60).seconds, rel=0.02)
    assert seconds == pytest.approx(2.0, rel=0.1)


def test_an_id3_tag_is_skipped(tmp_path: Path) -> None:
    data = make_audio(tmp_path, "mp3", seconds=2.0)
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0x10, 0]) + b"\x00" * 0x800  # a 2048-byte tag
    seconds = seconds_from_header((tag + data)[:HEAD_BYTES], len(tag + data), "mp3")
    assert seconds == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"", "wav"),
        (b"RIFF\x00\x00\x00\x00WAVE", "wav"),  # no chunk at all
        (b"RIFF\x00\x00\x00\x00WAVEdata\x10\x00\x00\x00", "wav"),  # data before fmt
        (b"RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff", "wav"),  # a chunk past the end
        (b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x00" * 16 + b"data", "wav"),
        (b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f", "mp3"),  # a tag longer than the head
        (b"\xff\xfb\xf0\x00", "mp3"),  # a reserved bit rate
        (b"\xff\xfd\x90\x00", "mp3"),  # Layer II
        (b"OggS", "ogg"),
    ],
)
def test_a_head_that_does_not_tell_gives_none(head: bytes, kind: str) -> None:
    assert seconds_from_header(head, 100_000, kind) is None


def test_sizes_come_from_content_range_or_length() -> None:
    assert content_size(206, {"content-range": "bytes 0-65535/123456"}) == 123456
    assert content_size(206, {"content-range": "bytes 0-65535/*"}) is None
    assert content_size(200, {"content-length": "999"}) == 999
    assert content_size(200, {}) is None
    assert seconds_from_header(b"", 0, "gsm") is None
    assert seconds_from_header(b"", 33 * 50, "gsm") == pytest.approx(1.0)
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    wav = b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + fmt + b"data\xff\xff\xff\xff"
    # A data size larger than the file (a streamed WAV) counts what the file holds.
    assert seconds_from_header(wav, len(wav) + 16000, "wav") == pytest.approx(1.0)
