"""Content sniffing: what the first bytes of a recording say it is.

Pure functions over ``bytes``, no I/O. The provider plays MP3, WAV and GSM 06.10 files of
8000 Hz, mono; these functions read just enough of a file's start to tell which format it
really is and, where the format records them, its codec, sample rate and channels.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "SNIFF_BYTES",
    "AudioFacts",
    "NeedMore",
    "expected_format",
    "format_of_content_type",
    "sniff",
    "sniff_continued",
]

#: How many bytes of a file the online checks read to sniff it.
SNIFF_BYTES = 8192

SUPPORTED = ("mp3", "wav", "gsm")

NAMES = {
    "mp3": "MP3",
    "wav": "WAV",
    "gsm": "GSM 06.10",
    "empty": "an empty file",
    "html": "an HTML page",
    "xml": "an XML document",
    "json": "a JSON document",
    "text": "plain text",
    "ogg": "Ogg audio",
    "flac": "FLAC audio",
    "mp4": "MP4/M4A",
    "aiff": "AIFF audio",
    "amr": "AMR audio",
    "gzip": "gzip-compressed data",
    "zip": "a ZIP archive",
    "pdf": "a PDF document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "unknown": "not a known format",
}


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """What the bytes are: ``format`` (a key of ``NAMES``), and for audio what is known of it.

    ``channels`` is 1 or 2 (MP3 records stereo, joint stereo and dual channel, all 2);
    ``channel_mode`` keeps MP3's own word for it. ``detail`` says why a format was not
    recognised, for the message.
    """

    format: str
    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    channel_mode: str | None = None
    detail: str | None = None

    @property
    def is_supported(self) -> bool:
        return self.format in SUPPORTED

    @property
    def name(self) -> str:
        return NAMES.get(self.format, self.format)

    def describe(self) -> str:
        """``WAV (PCM 16-bit), 44100 Hz, stereo``: what it is, as far as it is known."""
        text = self.name
        if self.codec:
            text += f" ({self.codec})"
        parts = []
        if self.sample_rate is not None:
            parts.append(f"{self.sample_rate} Hz")
        if self.channel_mode is not None:
            parts.append(self.channel_mode)
        elif self.channels is not None:
            parts.append({1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels"))
        return ", ".join([text, *parts])


@dataclass(frozen=True, slots=True)
class NeedMore:
    """The header that matters lies beyond the bytes given: read from ``offset`` on.

    ``partial`` is what is known already, the answer when those bytes cannot be had.
    """

    offset: int
    partial: AudioFacts


Sniffed = AudioFacts | NeedMore


def expected_format(path: str) -> str | None:
    """The format a file name's extension claims (``".../a.MP3"`` -> ``"mp3"``)."""
    lowered = path.lower()
    for fmt in SUPPORTED:
        if lowered.endswith("." + fmt):
            return fmt
    return None


_CONTENT_TYPES = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg": "mp3",
    "audio/x-mp3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/mpg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/vnd.wave": "wav",
    "audio/x-pn-wav": "wav",
    "audio/gsm": "gsm",
    "audio/x-gsm": "gsm",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/mp4": "mp4",
    "audio/x-m4a": "mp4",
    "audio/aac": "aac",
    "audio/aiff": "aiff",
    "audio/x-aiff": "aiff",
    "audio/amr": "amr",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "text/plain": "text",
    "application/xml": "xml",
    "text/xml": "xml",
}

# Types that say nothing about the content; they never contradict an extension.
_GENERIC = {"application/octet-stream", "binary/octet-stream", "application/binary", "audio/*"}


def format_of_content_type(value: str | None) -> str | None:
    """The format a ``Content-Type`` names, ``None`` when it names none in particular.

    Unknown ``audio/*`` types give ``None`` (no opinion); other known non-audio types give
    their kind, and any other non-audio type gives ``"other"``.
    """
    if not value:
        return None
    media = value.split(";", 1)[0].strip().lower()
    if not media or media in _GENERIC:
        return None
    known = _CONTENT_TYPES.get(media)
    if known is not None:
        return known
    if media.startswith("audio/"):
        return None
    return "other"


# --- MP3 -------------------------------------------------------------------------------------

_VERSIONS = {0: "2.5", 2: "2", 3: "1"}  # bits 4-3 of byte 1; 1 is reserved
_LAYERS = {1: 3, 2: 2, 3: 1}  # bits 2-1 of byte 1; 0 is reserved
_RATES = {"1": (44100, 48000, 32000), "2": (22050, 24000, 16000), "2.5": (11025, 12000, 8000)}
_BITRATES = {
    ("1", 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    ("1", 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    ("1", 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    ("2", 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    ("2", 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    ("2", 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MODES = ("stereo", "joint stereo", "dual channel", "mono")


@dataclass(frozen=True, slots=True)
class _Frame:
    version: str
    layer: int
    sample_rate: int
    mode: str
    length: int | None  # None for free-format bit rates


def _frame(data: bytes, at: int) -> _Frame | None:
    """The MPEG audio frame header at ``at``, or ``None`` when there is none."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    b1, b2, b3 = data[at + 1], data[at + 2], data[at + 3]
    version = _VERSIONS.get((b1 >> 3) & 3)
    layer = _LAYERS.get((b1 >> 1) & 3)
    rate_index, bitrate_index = (b2 >> 2) & 3, b2 >> 4
    if version is None or layer is None or rate_index == 3 or bitrate_index == 15:
        return None
    if b3 & 3 == 2:  # reserved emphasis
        return None
    rate = _RATES[version][rate_index]
    kbps = _BITRATES[("1" if version == "1" else "2", layer)][bitrate_index]
    padding = (b2 >> 1) & 1
    length: int | None = None
    if kbps:
        if layer == 1:
            length = (12 * kbps * 1000 // rate + padding) * 4
        elif layer == 3 and version != "1":
            length = 72 * kbps * 1000 // rate + padding
        else:
            length = 144 * kbps * 1000 // rate + padding
    return _Frame(version, layer, rate, _MODES[b3 >> 6], length)


def _mp3_facts(frame: _Frame) -> AudioFacts:
    return AudioFacts(
        "mp3",
        codec=f"MPEG-{frame.version} Layer {'I' * frame.layer}",
        sample_rate=frame.sample_rate,
        channels=1 if frame.mode == "mono" else 2,
        channel_mode=frame.mode,
    )


def _confirmed(data: bytes, at: int, frame: _Frame) -> bool:
    """Whether the frame at ``at`` is followed by a like frame (or by the end of the bytes)."""
    if frame.length is None:
        return False
    following = at + frame.length
    if following + 4 > len(data):
        return True
    nxt = _frame(data, following)
    return nxt is not None and (nxt.version, nxt.layer, nxt.sample_rate) == (
        frame.version,
        frame.layer,
        frame.sample_rate,
    )


def _mp3_from(data: bytes, start: int, *, tagged: bool) -> AudioFacts | None:
    """MP3 facts from the first frame at or after ``start`` (past an ID3v2 tag's padding)."""
    at = start
    while at < len(data) and data[at] == 0:
        at += 1
    frame = _frame(data, at)
    if frame is not None and (tagged or at == 0 or _confirmed(data, at, frame)):
        return _mp3_facts(frame)
    # Junk before the first frame: accept only a frame that the next one confirms.
    at = data.find(b"\xff", at)
    while 0 <= at < len(data) - 3:
        frame = _frame(data, at)
        fits = frame is not None and frame.length and at + frame.length + 4 <= len(data)
        if fits and frame is not None and _confirmed(data, at, frame):
            return _mp3_facts(frame)
        at = data.find(b"\xff", at + 1)
    if tagged:
        return AudioFacts("mp3", detail="an ID3v2 tag, but no MPEG audio frame after it")
    return None


def _syncsafe(raw: bytes) -> int:
    return (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]


def _sniff_mp3(data: bytes) -> Sniffed | None:
    if data[:3] == b"ID3" and len(data) >= 10:
        end = 10 + _syncsafe(data[6:10]) + (10 if data[5] & 0x10 else 0)
        if end + 4 > len(data):
            partial = AudioFacts("mp3", detail="an ID3v2 tag longer than the bytes read")
            return NeedMore(end, partial)
        return _mp3_from(data, end, tagged=True)
    frame = _frame(data, 0)
    if frame is not None:
        return _mp3_facts(frame)
    return None


# --- WAV -------------------------------------------------------------------------------------

_WAV_CODECS = {
    0x0001: "PCM",
    0x0002: "Microsoft ADPCM",
    0x0003: "IEEE float",
    0x0006: "A-law",
    0x0007: "µ-law",
    0x0011: "IMA ADPCM",
    0x0031: "GSM 6.10",
    0x0055: "MPEG Layer III",
}


def _wav_fmt(chunk: bytes) -> AudioFacts:
    tag, channels, rate = struct.unpack_from("<HHI", chunk, 0)
    bits = struct.unpack_from("<H", chunk, 14)[0]
    if tag == 0xFFFE and len(chunk) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag follows
        tag = struct.unpack_from("<H", chunk, 24)[0]
    codec = _WAV_CODECS.get(tag, f"format 0x{tag:04X}")
    if tag in (0x0001, 0x0003) and bits:
        codec += f" {bits}-bit"
    return AudioFacts("wav", codec=codec, sample_rate=rate, channels=channels)


def _wav_chunks(data: bytes, at: int, base: int) -> Sniffed:
    """Walk RIFF chunks from ``at`` to the ``fmt `` chunk; offsets are relative to ``base``."""
    while at + 8 <= len(data):
        chunk_id = data[at : at + 4]
        size = struct.unpack_from("<I", data, at + 4)[0]
        if chunk_id == b"fmt ":
            if size < 16:
                return AudioFacts("wav", detail=f"a fmt chunk of {size} bytes, too short")
            if at + 8 + 16 > len(data):
                break
            return _wav_fmt(data[at + 8 : at + 8 + min(size, 40)])
        if chunk_id == b"data":
            return AudioFacts("wav", detail="a data chunk before any fmt chunk")
        at += 8 + size + (size & 1)
    return NeedMore(base + at, AudioFacts("wav", detail="no fmt chunk in the bytes read"))


def _sniff_wav(data: bytes) -> Sniffed | None:
    if data[:4] in (b"RIFF", b"RF64") and data[8:12] == b"WAVE":
        return _wav_chunks(data, 12, 0)
    return None


# --- GSM 06.10 -------------------------------------------------------------------------------

_GSM_FRAME = 33


def _sniff_gsm(data: bytes) -> AudioFacts | None:
    """Raw GSM 06.10: 33-byte frames, each starting with the 0xD signature nibble."""
    frames = len(data) // _GSM_FRAME
    if frames < 1:
        return None
    if all(data[i * _GSM_FRAME] >> 4 == 0xD for i in range(min(frames, 256))):
        return AudioFacts("gsm", codec="full rate", sample_rate=8000, channels=1)
    return None


# --- everything else -------------------------------------------------------------------------

_MAGIC = (
    (b"OggS", "ogg"),
    (b"fLaC", "flac"),
    (b"#!AMR", "amr"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)


def _other(data: bytes) -> AudioFacts:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return AudioFacts(kind)
    if data[4:8] == b"ftyp":
        return AudioFacts("mp4")
    if data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return AudioFacts("aiff")
    text = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in text:
        return AudioFacts("html")
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return AudioFacts("xml")
    if text.startswith((b"{", b"[")):
        return AudioFacts("json")
    head = data[:16]
    if head.isascii() and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return AudioFacts("text", detail=f"it starts with {data[:24]!r}")
    return AudioFacts("unknown", detail="it starts with bytes " + data[:8].hex(" ").upper())


def sniff(data: bytes) -> Sniffed:
    """What ``data``, the first bytes of a file, are.

    Returns :class:`AudioFacts`, or :class:`NeedMore` when the audio header lies beyond
    ``data`` (a long ID3v2 tag, WAV chunks before ``fmt ``); then call
    :func:`sniff_continued` with the bytes from ``NeedMore.offset``.
    """
    if not data:
        return AudioFacts("empty")
    for probe in (_sniff_wav, _sniff_mp3):
        found = probe(data)
        if found is not None:
            return found
    other = _other(data)
    if other.format not in ("unknown", "text"):
        return other
    gsm = _sniff_gsm(data)
    if gsm is not None:
        return gsm
    mp3 = _mp3_from(data, 0, tagged=False)
    return mp3 if mp3 is not None else other


def sniff_continued(need: NeedMore, data: bytes) -> AudioFacts:
    """Finish a :class:`NeedMore`: ``data`` are the file's bytes from ``need.offset`` on."""
    fmt = need.partial.format
    if fmt == "mp3":
        return _mp3_from(data, 0, tagged=True) or need.partial
    if fmt == "wav":
        found = _wav_chunks(data, 0, need.offset)
        return found if isinstance(found, AudioFacts) else need.partial
    return need.partial
