"""A recording's duration from its first bytes and its size, without decoding it.

Pure functions, no I/O and no extra: WAV from its ``fmt `` / ``fact`` / ``data`` chunks, raw
GSM 06.10 from its fixed frame size, MP3 from the Xing/Info or VBRI header of a variable bit
rate file, or else from the first frame's bit rate (constant bit rate).
"""

from __future__ import annotations

import re
import struct

__all__ = ["HEAD_BYTES", "content_size", "seconds_from_header"]

#: How many bytes of a recording are read to find its duration.
HEAD_BYTES = 65536

_GSM_FRAME, _GSM_FRAME_SECONDS = 33, 0.02
_MP3_KBPS = {
    "1": (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    "2": (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {"1": (44100, 48000, 32000), "2": (22050, 24000, 16000), "2.5": (11025, 12000, 8000)}
_MP3_VERSIONS = {0: "2.5", 2: "2", 3: "1"}
_CONTENT_RANGE = re.compile(r"\s*bytes\s+(?:\d+-\d+|\*)/(\d+)\s*$", re.I)


def content_size(status: int, headers: dict[str, str]) -> int | None:
    """The whole file's size from a response to a ranged GET, when it says."""
    if status == 206:
        found = _CONTENT_RANGE.match(headers.get("content-range", ""))
        return int(found.group(1)) if found else None
    length = headers.get("content-length", "").strip()
    return int(length) if status == 200 and length.isdigit() else None


def seconds_from_header(data: bytes, size: int, kind: str) -> float | None:
    """The duration of a ``kind`` (``wav``, ``mp3``, ``gsm``) file of ``size`` bytes that
    starts with ``data``; ``None`` when its header does not tell."""
    if size <= 0:
        return None
    if kind == "gsm":
        return size // _GSM_FRAME * _GSM_FRAME_SECONDS
    if kind == "wav":
        return _wav(data, size)
    if kind == "mp3":
        return _mp3(data, size)
    return None


def _wav(data: bytes, size: int) -> float | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    at = 12
    rate = byte_rate = 0
    samples: int | None = None
    while at + 8 <= len(data):
        chunk, length = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        body = at + 8
        if chunk == b"fmt " and length >= 16 and body + 16 <= len(data):
            rate, byte_rate = struct.unpack_from("<II", data, body + 4)
        elif chunk == b"fact" and length >= 4 and body + 4 <= len(data):
            samples = int(struct.unpack_from("<I", data, body)[0])
        elif chunk == b"data":
            if not rate or not byte_rate:
                return None
            if samples is not None:  # compressed codecs say how many samples they hold
                return samples / int(rate)
            return min(int(length), max(size - body, 0)) / int(byte_rate)
        at = body + length + (length & 1)
    return None


def _mp3(data: bytes, size: int) -> float | None:
    at = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        tag = data[6:10]
        at = 10 + ((tag[0] << 21) | (tag[1] << 14) | (tag[2] << 7) | tag[3])
        at += 10 if data[5] & 0x10 else 0
    while at < len(data) and data[at] == 0:
        at += 1
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
    version = _MP3_VERSIONS.get((b1 >> 3) & 3)
    if version is None or (b1 >> 1) & 3 != 1:  # Layer III only: what MP3 files are
        return None
    rate_index, bitrate_index = (b2 >> 2) & 3, b2 >> 4
    if rate_index == 3 or bitrate_index in (0, 15):
        return None
    rate = _MP3_RATES[version][rate_index]
    mono = b3 >> 6 == 3
    per_frame = 1152 if version == "1" else 576
    side = (17 if mono else 32) if version == "1" else (9 if mono else 17)
    xing = at + 4 + side
    if data[xing : xing + 4] in (b"Xing", b"Info") and xing + 12 <= len(data):
        flags = int(struct.unpack_from(">I", data, xing + 4)[0])
        if flags & 1:
            samples = int(struct.unpack_from(">I", data, xing + 8)[0]) * per_frame
            return (samples - _lame_gap(data, xing, flags)) / rate
    vbri = at + 4 + 32
    if data[vbri : vbri + 4] == b"VBRI" and vbri + 18 <= len(data):
        return int(struct.unpack_from(">I", data, vbri + 14)[0]) * per_frame / rate
    kbps = _MP3_KBPS["1" if version == "1" else "2"][bitrate_index]
    return (size - at) * 8 / (kbps * 1000)


def _lame_gap(data: bytes, xing: int, flags: int) -> int:
    """The samples an encoder added (its delay and padding), from a LAME tag after the
    Xing/Info fields; 0 when there is none."""
    # The fields present: frames (4 bytes), bytes (4), table of contents (100), quality (4).
    lame = xing + 8 + sum(size for bit, size in ((1, 4), (2, 4), (4, 100), (8, 4)) if flags & bit)
    if data[lame : lame + 4] != b"LAME" or lame + 24 > len(data):
        return 0
    packed = int.from_bytes(data[lame + 21 : lame + 24], "big")
    return (packed >> 12) + (packed & 0xFFF)  # 12 bits of delay, 12 of padding
