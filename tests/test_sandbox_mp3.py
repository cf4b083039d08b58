"""The sandbox's generated recording is a structurally valid MPEG-1 Layer III stream.

No MP3 decoder is available to the test suite, so the frames are checked with msgkit's own
reader plus a decode of the Huffman-coded spectrum of the first granule.
"""

from __future__ import annotations

import pytest

from msgkit.download import looks_like_mp3
from msgkit.sandbox import mp3

# Huffman table 1 of ISO/IEC 11172-3: code -> (x, y).
_TABLE_1 = {"1": (0, 0), "001": (0, 1), "01": (1, 0), "000": (1, 1)}


def _bits(data: bytes) -> str:
    return "".join(f"{byte:08b}" for byte in data)


def _spectrum(frame: bytes, big_values: int, length: int) -> list[int]:
    """The quantised lines of granule 0, decoded from the frame's main data."""
    stream = _bits(frame[4 + 17 :])[:length]
    lines: list[int] = []
    position = 0
    for _ in range(big_values):
        code = ""
        while code not in _TABLE_1:
            code += stream[position]
            position += 1
        for value in _TABLE_1[code]:
            if value:
                value = -value if stream[position] == "1" else value
                position += 1
            lines.append(value)
    assert position == length  # part2_3_length covers exactly the coded pairs
    return lines


def test_recording_is_a_stream_of_mpeg1_layer3_frames() -> None:
    data = mp3.recording(3.0)
    assert looks_like_mp3(data[:4])
    found = mp3.frames(data)
    assert len(data) == len(found) * mp3.FRAME_BYTES == sum(f.length for f in found)
    seconds = len(found) * 1152 / mp3.SAMPLE_RATE
    assert 2.9 < seconds < 3.1
    first = found[0]
    assert (first.version, first.layer, first.bitrate, first.sample_rate, first.channels) == (
        "MPEG-1",
        3,
        32_000,
        32_000,
        1,
    )


def test_the_tone_is_one_spectral_line() -> None:
    data = mp3.recording(0.5)
    frame = mp3.frames(data)[0]
    assert frame.part2_3_lengths[0] == frame.part2_3_lengths[1] > 0
    lines = _spectrum(data[: frame.length], frame.big_values[0], frame.part2_3_lengths[0])
    assert [i for i, v in enumerate(lines) if v] == [8]
    assert lines[8] == 1


def test_silence_has_no_main_data() -> None:
    data = mp3.recording(1.0, tone=False)
    for frame in mp3.frames(data):
        assert frame.part2_3_lengths == (0, 0) and frame.big_values == (0, 0)
    assert set(data[4 + 17 : mp3.FRAME_BYTES]) == {0}


def test_reader_refuses_what_is_not_mp3() -> None:
    with pytest.raises(ValueError, match="sync"):
        mp3.frames(b"RIFF....WAVEfmt ")
    with pytest.raises(ValueError, match="truncated"):
        mp3.frames(mp3.recording(0.1)[:100])
    with pytest.raises(ValueError):
        mp3.recording(0)
