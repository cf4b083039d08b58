"""Content sniffing: what the bytes of a recording say it is.

Pure functions over ``bytes``, no I/O. The provider plays MP3, WAV and GSM 06.10 files of
8000 Hz, mono; these functions read a file's structure (RIFF chunks, ID3v2 tags, MPEG frame
headers) to tell which format it really is and, where the format records them, its codec,
sample rate and channels.

Three outcomes, kept apart so that nothing passes unless something was established:

* :class:`AudioFacts` with the facts (or with ``broken`` set: a header that is cut off or
  malformed, which no player can decode);
* :class:`NeedMore`: the structure points past the bytes given (a long ID3v2 tag, big chunks
  before ``fmt ``); the caller reads from ``NeedMore.offset`` and calls
  :func:`sniff_continued`, or gives up and reports ``NeedMore.partial``, whose
  :attr:`AudioFacts.unknown` names what could not be checked.

Every function is given ``size``, the file's total length when it is known, so that bytes
ending where the file ends (a truncated header) are told from bytes that were merely not read.

MPEG audio Layer I and II (``.mp2``) are reported as their own formats, not as MP3: MP3 is
MPEG audio Layer III, the provider documents MP3 only, and a Layer III decoder cannot decode
the other layers. Whether the provider's player happens to handle them is not established, and
the checks never pass what they could not establish.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, replace

__all__ = [
    "MAX_READS",
    "READ_BUDGET",
    "SNIFF_BYTES",
    "AudioFacts",
    "NeedMore",
    "expected_format",
    "format_of_content_type",
    "sniff",
    "sniff_continued",
]

#: How many bytes each request of the online checks asks for (the first, and each further one).
SNIFF_BYTES = 8192
#: At most this many GETs are made per URL to read a file's structure...
MAX_READS = 4
#: ...and at most this many bytes of body are read in all (also from a server ignoring Range).
READ_BUDGET = 1 << 20

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
    "mp2": "MP2",
    "mp1": "MP1",
    "aac": "AAC audio (ADTS)",
    "ogg": "Ogg audio",
    "flac": "FLAC audio",
    "mp4": "MP4/M4A",
    "aiff": "AIFF audio",
    "au": "Sun/NeXT AU audio",
    "amr": "AMR audio",
    "wma": "ASF/WMA",
    "matroska": "Matroska/WebM",
    "caf": "Core Audio (CAF)",
    "midi": "MIDI",
    "riff": "a RIFF file that is not WAVE",
    "gzip": "gzip-compressed data",
    "zip": "a ZIP archive",
    "pdf": "a PDF document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "unknown": "not a known format",
}

# Formats that are audio, for which "what it is" includes rate and channels.
AUDIO = frozenset({*SUPPORTED, "mp2", "mp1", "aac", "ogg", "flac", "mp4", "aiff", "au", "amr"})


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """What the bytes are: ``format`` (a key of ``NAMES``), and for audio what is known of it.

    ``channels`` is 1 or 2 (MP3 records stereo, joint stereo and dual channel, all 2);
    ``channel_mode`` keeps MP3's own word for it. ``detail`` adds what the bytes showed (the
    brand of an MP4, why a format was not recognised, where a header lies). ``broken`` says
    what is wrong with a header the format cannot do without: such a file cannot be played.
    ``tentative`` marks a format inferred from a wrapper only (an ID3v2 tag says "probably
    MP3" but not what follows it).
    """

    format: str
    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    channel_mode: str | None = None
    detail: str | None = None
    broken: str | None = None
    tentative: bool = False

    @property
    def is_supported(self) -> bool:
        return self.format in SUPPORTED

    @property
    def name(self) -> str:
        return NAMES.get(self.format, self.format)

    @property
    def unknown(self) -> tuple[str, ...]:
        """What was not established about a supported, unbroken file (``()``: all of it was)."""
        if not self.is_supported or self.broken is not None:
            return ()
        missing = ["format"] if self.tentative else []
        if self.sample_rate is None:
            missing.append("sample rate")
        if self.channels is None:
            missing.append("channels")
        return tuple(missing)

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
    """The structure continues beyond the bytes given: read from ``offset`` on.

    ``partial`` is what is known already, the answer when those bytes cannot be had.
    ``after_odd`` is the RIFF walk's memory of the chunk before ``offset`` when its size was odd;
    ``audio_at`` the MPEG search's memory of where the audio after the ID3v2 tags should start.
    """

    offset: int
    partial: AudioFacts
    after_odd: str | None = None
    audio_at: int | None = None


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


def _ends(base: int, data: bytes, size: int | None) -> bool:
    """Whether ``data``, found at ``base``, runs to the end of the file."""
    return size is not None and base + len(data) >= size


# --- MPEG audio (MP3, MP2, MP1) and AAC in ADTS -------------------------------------------------

_VERSIONS = {0: "2.5", 2: "2", 3: "1"}  # bits 4-3 of byte 1; 1 is reserved
_LAYERS = {1: 3, 2: 2, 3: 1}  # bits 2-1 of byte 1; 0 is reserved (and is ADTS's)
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
_LAYER_FORMAT = {3: "mp3", 2: "mp2", 1: "mp1"}
# Three bytes that may start an MPEG audio or ADTS header: 11 sync bits, a version and layer
# that exist (or ADTS's layer 0), a bit rate index that is not 15. Found by the regex engine,
# so a megabyte of anything else (0xFF runs included) is passed over at C speed.
_SYNC = re.compile(rb"\xff[\xe2-\xe7\xf0-\xff][\x00-\xef]")
# The longest MPEG audio frame (MPEG-2.5 Layer II, 160 kbps, 8 kHz, padded) is 2,881 bytes: a
# frame that starts further than this from the end of the bytes could be confirmed already.
_LONGEST_FRAME = 2881
_RESYNC_LIMIT = 65536
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


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


def _mpeg_facts(frame: _Frame) -> AudioFacts:
    return AudioFacts(
        _LAYER_FORMAT[frame.layer],
        codec=f"MPEG-{frame.version} Layer {'I' * frame.layer}",
        sample_rate=frame.sample_rate,
        channels=1 if frame.mode == "mono" else 2,
        channel_mode=frame.mode,
    )


def _confirmed(data: bytes, at: int, frame: _Frame) -> bool | None:
    """Whether a like frame follows the one at ``at``; ``None`` when the bytes end first."""
    if frame.length is None:
        return False
    following = at + frame.length
    if following + 4 > len(data):
        return None
    nxt = _frame(data, following)
    return nxt is not None and (nxt.version, nxt.layer, nxt.sample_rate) == (
        frame.version,
        frame.layer,
        frame.sample_rate,
    )


def _adts(data: bytes, at: int) -> tuple[int, int, int] | None:
    """``(sample rate, channels, frame length)`` of an ADTS header at ``at``, or ``None``."""
    if at + 7 > len(data) or data[at] != 0xFF or data[at + 1] & 0xF6 != 0xF0:
        return None
    rate_index = (data[at + 2] >> 2) & 0xF
    length = ((data[at + 3] & 3) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
    if rate_index >= len(_ADTS_RATES) or length < 7:
        return None
    channels = ((data[at + 2] & 1) << 2) | (data[at + 3] >> 6)
    return _ADTS_RATES[rate_index], channels, length


def _aac_facts(data: bytes, at: int) -> AudioFacts | None:
    header = _adts(data, at)
    if header is None:
        return None
    rate, channels, length = header
    following = at + length
    if following + 7 <= len(data) and _adts(data, following) is None:
        return None
    return AudioFacts("aac", sample_rate=rate, channels=channels or None)


def _scan(data: bytes, start: int, stop: int) -> tuple[AudioFacts | None, int]:
    """The first confirmed MPEG frame that starts in ``data[start:stop]``.

    Returns the facts, or ``None`` and the offset where a later look must resume: frames near
    the end of ``data`` cannot be confirmed yet.
    """
    resume = max(start, min(stop, len(data) - _LONGEST_FRAME - 4))
    for match in _SYNC.finditer(data, start, min(stop + 2, len(data))):
        at = match.start()
        frame = _frame(data, at)
        if frame is not None:
            confirmed = _confirmed(data, at, frame)
            if confirmed:
                return _mpeg_facts(frame), at
            if confirmed is None:
                return None, min(at, resume)
    return None, resume


_ID3_WHAT = "an ID3v2 tag"


def _tag_end(data: bytes, at: int, base: int, size: int | None) -> int | AudioFacts | None:
    """Where the ID3v2 tag at ``at`` ends (relative to ``data``); ``None`` when its header is
    not all in ``data``, facts when it is broken."""
    if at + 10 > len(data):
        if _ends(base, data, size):
            return _broken("mp3", "the file ends inside an ID3v2 tag header")
        return None
    version, raw = data[at + 3], data[at + 6 : at + 10]
    if version not in (2, 3, 4) or data[at + 4] == 0xFF or any(b & 0x80 for b in raw):
        shown = data[at : at + 10].hex(" ").upper()
        return _broken("mp3", f"the ID3v2 tag header at byte {base + at:,} is invalid ({shown})")
    length = (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]
    end = at + 10 + length + (10 if version == 4 and data[at + 5] & 0x10 else 0)
    if size is not None and base + end >= size:
        return _broken(
            "mp3",
            f"its ID3v2 tag declares {base + end:,} bytes but the whole file is {size:,} "
            "bytes: no audio follows the tag",
        )
    return end


def _after_tag(
    data: bytes, base: int, size: int | None, partial: AudioFacts, audio_at: int | None = None
) -> Sniffed:
    """An ID3v2-tagged stream: ``data`` are the file's bytes from ``base`` on, where a tag (a
    further one, when files are tagged twice) or the audio after the tags begins; or, when
    ``audio_at`` is given, where the search for the first frame after the tags goes on."""
    at = 0
    if audio_at is None:
        while data.startswith(b"ID3", at):
            end = _tag_end(data, at, base, size)
            if isinstance(end, AudioFacts):
                return end
            if end is not None and partial.detail == _ID3_WHAT:
                partial = replace(partial, detail=f"an ID3v2 tag of {base + end:,} bytes")
            if end is None or end >= len(data):
                return NeedMore(base + (at if end is None else end), partial)
            at = end
        at = len(data) - len(data[at:].lstrip(b"\x00"))  # padding, zeros by the standard
        audio_at = base + at
        if at < len(data):
            if data.startswith(b"fLaC", at):
                return AudioFacts("flac", detail="behind an ID3v2 tag")
            frame = _frame(data, at)
            if frame is not None:
                return _mpeg_facts(frame)
            aac = _aac_facts(data, at)
            if aac is not None:
                return aac
    # Junk before the first frame: decoders resynchronise over a little (mpg123 over 1 KiB
    # by default), never over tens of kilobytes; so neither does the search.
    stop = audio_at + _RESYNC_LIMIT - base
    found, resume = _scan(data, at, stop)
    if found is not None:
        return found
    tag = (partial.detail or _ID3_WHAT).removeprefix("an ")
    if resume >= stop:
        why = f"no MPEG audio frame in the {_RESYNC_LIMIT:,} bytes after its {tag}"
        return _broken("mp3", why)
    if _ends(base, data, size):
        return _broken("mp3", f"no MPEG audio frame follows its {tag}")
    return NeedMore(base + resume, partial, audio_at=audio_at)


def _sniff_mpeg(data: bytes, size: int | None) -> Sniffed | None:
    if data[:3] == b"ID3":
        return _after_tag(data, 0, size, AudioFacts("mp3", tentative=True, detail=_ID3_WHAT))
    frame = _frame(data, 0)
    if frame is not None:
        return _mpeg_facts(frame)
    return _aac_facts(data, 0)


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
# WAVEFORMAT (tag, channels, rate, byte rate, block align) is 14 bytes; PCMWAVEFORMAT adds the
# bits per sample. Fewer than 14 bytes is no format at all.
_FMT_MIN = 14
_FMT_READ = 40  # WAVE_FORMAT_EXTENSIBLE keeps the real tag at 24..26
_WAV_FORMS = (b"RIFF", b"RF64", b"BW64")


def _wav_fmt(chunk: bytes) -> AudioFacts:
    tag, channels, rate = struct.unpack_from("<HHI", chunk, 0)
    bits = struct.unpack_from("<H", chunk, 14)[0] if len(chunk) >= 16 else 0
    if tag == 0xFFFE and len(chunk) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag follows
        tag = struct.unpack_from("<H", chunk, 24)[0]
    codec = _WAV_CODECS.get(tag, f"format 0x{tag:04X}")
    if tag in (0x0001, 0x0003) and bits:
        codec += f" {bits}-bit"
    if not channels or not rate:
        return _broken("wav", f"its fmt chunk says {channels} channels at {rate} Hz")
    return AudioFacts("wav", codec=codec, sample_rate=rate, channels=channels)


def _chunk_id(raw: bytes) -> bool:
    """RIFF chunk ids are four printable ASCII characters."""
    return all(0x20 <= b <= 0x7E for b in raw)


def _wav_walk(data: bytes, base: int, size: int | None, after_odd: str | None = None) -> Sniffed:
    """Walk RIFF chunks in ``data`` (the file's bytes from ``base`` on) to the ``fmt `` chunk."""
    ends = _ends(base, data, size)
    at = 0
    while True:
        where = base + at
        if at + 8 > len(data):
            if ends:
                return _broken(
                    "wav", f"the file ends at byte {base + len(data):,}, before any fmt chunk"
                )
            detail = f"no fmt chunk in its first {where:,} bytes"
            return NeedMore(where, AudioFacts("wav", detail=detail), after_odd)
        chunk_id, length = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        if not _chunk_id(chunk_id):
            shown = chunk_id.hex(" ").upper()
            why = f"there is no valid RIFF chunk at byte {where:,} (bytes {shown})"
            if after_odd is not None:
                why += f": the odd-sized {after_odd!r} chunk before it lacks its pad byte"
            return _broken("wav", why)
        name = chunk_id.decode("ascii").strip()
        if chunk_id == b"fmt ":
            if length < _FMT_MIN:
                return _broken("wav", f"its fmt chunk is {length} bytes, shorter than 14")
            wanted = min(length, _FMT_READ)
            if at + 8 + wanted > len(data):
                if ends:
                    have = len(data) - at - 8
                    return _broken(
                        "wav", f"the file ends inside its fmt chunk, after {have} of {length} bytes"
                    )
                detail = f"its fmt chunk at byte {where:,} is not all in the bytes read"
                return NeedMore(where, AudioFacts("wav", detail=detail), after_odd)
            return _wav_fmt(data[at + 8 : at + 8 + wanted])
        if chunk_id == b"data":
            return _broken(
                "wav",
                f"its data chunk (at byte {where:,}) comes before the fmt chunk, which the "
                "WAVE format requires first: a player that reads in order cannot decode it",
            )
        following = at + 8 + length + (length & 1)
        if size is not None and base + at + 8 + length > size:
            return _broken(
                "wav",
                f"its {name!r} chunk at byte {where:,} declares {length:,} bytes, beyond the "
                f"end of the {size:,}-byte file",
            )
        after_odd = name if length & 1 else None
        if following > len(data):
            detail = f"no fmt chunk in its first {base + following:,} bytes"
            return NeedMore(base + following, AudioFacts("wav", detail=detail), after_odd)
        at = following


def _sniff_wav(data: bytes, size: int | None) -> Sniffed | None:
    if data[:4] not in _WAV_FORMS:
        return None
    if len(data) < 12:
        if _ends(0, data, size):
            return _broken("wav", f"the file ends inside its RIFF header, after {len(data)} bytes")
        return NeedMore(0, AudioFacts("wav", tentative=True))
    if data[8:12] != b"WAVE":
        form = data[8:12].decode("latin-1")
        return AudioFacts("riff", detail=f"RIFF form {form!r}")
    return _wav_walk(data[12:], 12, size)


def _broken(fmt: str, why: str) -> AudioFacts:
    return AudioFacts(fmt, broken=why)


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
    (b"fLaC", "flac"),
    (b"#!AMR", "amr"),
    (b".snd", "au"),
    (b"caff", "caf"),
    (b"MThd", "midi"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "wma"),
    (b"\x1a\x45\xdf\xa3", "matroska"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)
_OGG_CODECS = (
    (b"\x01vorbis", "Vorbis"),
    (b"OpusHead", "Opus"),
    (b"\x7fFLAC", "FLAC"),
    (b"Speex   ", "Speex"),
)


def _ogg(data: bytes) -> AudioFacts:
    # The first page's first packet names the codec: 27-byte header, segment table, packet.
    if len(data) > 27:
        packet = 27 + data[26]
        for magic, codec in _OGG_CODECS:
            if data.startswith(magic, packet):
                return AudioFacts("ogg", codec=codec)
    return AudioFacts("ogg")


def _other(data: bytes) -> AudioFacts:
    if data.startswith(b"OggS"):
        return _ogg(data)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return AudioFacts(kind)
    if data[4:8] == b"ftyp":
        brand = data[8:12].decode("latin-1").strip()
        return AudioFacts("mp4", detail=f"brand {brand!r}" if brand.isprintable() else None)
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


def sniff(data: bytes, size: int | None = None) -> Sniffed:
    """What ``data``, the first bytes of a file of ``size`` bytes (when known), are.

    Returns :class:`AudioFacts`, or :class:`NeedMore` when the structure continues beyond
    ``data``; then call :func:`sniff_continued` with the bytes from ``NeedMore.offset``.
    """
    if not data:
        return AudioFacts("empty")
    for probe in (_sniff_wav, _sniff_mpeg):
        found = probe(data, size)
        if found is not None:
            return found
    other = _other(data)
    if other.format not in ("unknown", "text"):
        return other
    gsm = _sniff_gsm(data)
    if gsm is not None:
        return gsm
    # Junk before the first frame: only a frame that the next one confirms counts.
    mpeg, _resume = _scan(data, 0, _RESYNC_LIMIT)
    return mpeg if mpeg is not None else other


def sniff_continued(need: NeedMore, data: bytes, size: int | None = None) -> Sniffed:
    """Go on from a :class:`NeedMore`: ``data`` are the file's bytes from ``need.offset`` on.

    Returns :class:`NeedMore` again when the structure points further still (its ``offset``
    is then beyond ``need.offset``, or equal to it when ``data`` were too few to tell).
    """
    partial = need.partial
    if need.offset == 0:
        return sniff(data, size)
    if not data:
        if _ends(need.offset, data, size):
            return _broken(partial.format, f"the file ends at byte {need.offset:,}")
        return need
    if partial.format == "wav":
        return _wav_walk(data, need.offset, size, need.after_odd)
    if partial.format == "mp3" and partial.tentative:
        return _after_tag(data, need.offset, size, partial, need.audio_at)
    return partial
