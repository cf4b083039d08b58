"""A tiny MP3 writer and frame reader, so the sandbox's recordings are real MP3 files.

No encoder ships with msgkit (and none may be downloaded), so the recording is written frame by
frame: MPEG-1 Layer III, mono, 32 kHz, 32 kbit/s. Each granule carries at most one quantised
spectral line, coded with Huffman table 1, which every decoder turns into a quiet, steady tone;
``tone=False`` gives frames of digital silence instead. The reader walks the frame headers and
side information back, so tests can check the structure without a decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FRAME_BYTES", "SAMPLE_RATE", "Frame", "frames", "recording"]

SAMPLE_RATE = 32_000
BITRATE = 32_000
SAMPLES_PER_FRAME = 1152
# 144 * bitrate / sample rate: the MPEG-1 Layer III frame length without padding.
FRAME_BYTES = 144 * BITRATE // SAMPLE_RATE
_HEADER = bytes(
    (
        0xFF,  # sync
        0xFB,  # sync, MPEG-1, Layer III, no CRC
        0x18,  # bitrate index 1 (32 kbit/s), sample rate index 2 (32 kHz), no padding
        0xC4,  # mono, original
    )
)
_SIDE_INFO_BYTES = 17  # MPEG-1 mono
_MAIN_BYTES = FRAME_BYTES - len(_HEADER) - _SIDE_INFO_BYTES

# The spectral line that carries the tone. Lines 0..9 of subband 0 are left alone by the
# decoder's alias-reduction butterflies, so one line stays one line; line 8 of 576 at 32 kHz
# is about 236 Hz.
_TONE_LINE = 8
# Quantised value 1 scaled by 2 ** ((gain - 210) / 4): 186 is 2 ** -6 of full scale, quiet.
_TONE_GAIN = 186


class _Bits:
    """An MSB-first bit writer."""

    __slots__ = ("_bits",)

    def __init__(self) -> None:
        self._bits: list[int] = []

    def put(self, value: int, width: int) -> None:
        for shift in range(width - 1, -1, -1):
            self._bits.append((value >> shift) & 1)

    def extend(self, other: _Bits) -> None:
        self._bits.extend(other._bits)

    def __len__(self) -> int:
        return len(self._bits)

    def to_bytes(self, size: int) -> bytes:
        bits = self._bits + [0] * (size * 8 - len(self._bits))
        if len(bits) > size * 8:
            raise ValueError("bit stream does not fit")
        return bytes(int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8))


def _granule_bits(tone: bool) -> _Bits:
    bits = _Bits()
    if tone:
        for _ in range(_TONE_LINE // 2):
            bits.put(0b1, 1)
        bits.put(0b01, 2)
        bits.put(0, 1)
    return bits


def _side_info(part2_3_length: int, tone: bool) -> bytes:
    bits = _Bits()
    bits.put(0, 9)  # main_data_begin: this frame's main data starts right here
    bits.put(0, 5)  # private bits
    bits.put(0, 4)  # scfsi
    for _ in range(2):  # two granules
        bits.put(part2_3_length, 12)
        bits.put(_TONE_LINE // 2 + 1 if tone else 0, 9)  # big_values (pairs)
        bits.put(_TONE_GAIN if tone else 0, 8)  # global_gain
        bits.put(0, 4)  # scalefac_compress 0: no scale factor bits
        bits.put(0, 1)  # window_switching_flag: long blocks
        for _ in range(3):
            bits.put(1 if tone else 0, 5)  # table_select of the three regions
        bits.put(0, 4)  # region0_count
        bits.put(0, 3)  # region1_count
        bits.put(0, 1)  # preflag
        bits.put(0, 1)  # scalefac_scale
        bits.put(0, 1)  # count1table_select
    return bits.to_bytes(_SIDE_INFO_BYTES)


def _frame(tone: bool) -> bytes:
    granule = _granule_bits(tone)
    main = _Bits()
    for _ in range(2):
        main.extend(granule)
    return _HEADER + _side_info(len(granule), tone) + main.to_bytes(_MAIN_BYTES)


def recording(seconds: float = 3.0, *, tone: bool = True) -> bytes:
    """An MP3 file of about ``seconds`` of a quiet tone (or of silence)."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    count = max(1, round(seconds * SAMPLE_RATE / SAMPLES_PER_FRAME))
    return _frame(tone) * count


@dataclass(frozen=True, slots=True)
class Frame:
    """What the reader found in one frame."""

    offset: int
    length: int
    version: str
    layer: int
    bitrate: int
    sample_rate: int
    channels: int
    part2_3_lengths: tuple[int, int]
    big_values: tuple[int, int]


_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44_100, 48_000, 32_000)


def _read_bits(data: bytes, start_bit: int, width: int) -> int:
    value = 0
    for i in range(start_bit, start_bit + width):
        value = (value << 1) | ((data[i // 8] >> (7 - i % 8)) & 1)
    return value


def frames(data: bytes) -> list[Frame]:
    """Parse every MPEG-1 Layer III frame of ``data``; raise ``ValueError`` on anything else."""
    out: list[Frame] = []
    offset = 0
    while offset < len(data):
        head = data[offset : offset + 4]
        if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
            raise ValueError(f"no frame sync at byte {offset}")
        if (head[1] >> 3) & 3 != 3 or (head[1] >> 1) & 3 != 1:
            raise ValueError(f"frame at byte {offset} is not MPEG-1 Layer III")
        bitrate_index, rate_index = head[2] >> 4, (head[2] >> 2) & 3
        if bitrate_index in (0, 15) or rate_index == 3:
            raise ValueError(f"frame at byte {offset} has a reserved bitrate or sample rate")
        bitrate = _BITRATES[bitrate_index] * 1000
        rate = _RATES[rate_index]
        padding = (head[2] >> 1) & 1
        length = 144 * bitrate // rate + padding
        mono = head[3] >> 6 == 3
        if offset + length > len(data):
            raise ValueError(f"frame at byte {offset} is truncated")
        side = data[offset + 4 : offset + 4 + (17 if mono else 32)]
        p23: list[int] = []
        big: list[int] = []
        channels = 1 if mono else 2
        bit = 9 + (5 if mono else 3) + 4 * channels
        for _ in range(2 * channels):
            p23.append(_read_bits(side, bit, 12))
            big.append(_read_bits(side, bit + 12, 9))
            bit += 59
        out.append(
            Frame(
                offset,
                length,
                "MPEG-1",
                3,
                bitrate,
                rate,
                channels,
                (p23[0], p23[1]),
                (big[0], big[1]),
            )
        )
        offset += length
    return out
