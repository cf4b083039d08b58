"""Shared by the preview tests: skips for what the machine lacks, reading WAVs back, tones."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import pytest

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng; .ci/run installs it)",
)


def _has(module: str) -> bool:
    try:
        __import__(module)
    except (ImportError, OSError):
        return False
    return True


needs_extra = pytest.mark.skipif(
    not all(_has(m) for m in ("numpy", "soundfile", "soxr")),
    reason='the preview extra is not installed (pip install "msgkit[preview]")',
)


@dataclass(frozen=True)
class Wav:
    rate: int
    channels: int
    width: int
    frames: int
    pcm: bytes

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def read_wav(data: bytes) -> Wav:
    """A WAV read back with the standard library, as any player would."""
    with wave.open(io.BytesIO(data), "rb") as file:
        frames = file.getnframes()
        return Wav(
            file.getframerate(),
            file.getnchannels(),
            file.getsampwidth(),
            frames,
            file.readframes(frames),
        )


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (apt-get install {name})")
    return found


def make_audio(directory: Path, kind: str, seconds: float = 1.5, frequency: int = 440) -> bytes:
    """A real recording of a sine tone, made by sox (and lame for MP3).

    ``kind``: ``wav-pcm`` (44.1 kHz stereo 16-bit), ``wav-ulaw``, ``wav-alaw``, ``wav-gsm``
    (8 kHz mono), ``gsm`` (raw GSM 06.10), ``mp3`` (44.1 kHz stereo, by lame), ``mp3-vbr``
    (variable bit rate), ``mp3-mono-8k`` (8 kHz mono, 16 kbit/s).
    """
    sox = tool("sox")
    source = directory / f"tone-{kind}-source.wav"
    subprocess.run(
        [
            sox,
            "-n",
            "-r",
            "44100",
            "-c",
            "2",
            "-b",
            "16",
            str(source),
            "synth",
            str(seconds),
            "sine",
            str(frequency),
            "vol",
            "0.5",
        ],
        check=True,
    )
    target = directory / f"tone-{kind}"
    if kind == "wav-pcm":
        return source.read_bytes()
    if kind in ("mp3", "mp3-vbr", "mp3-mono-8k"):
        lame = tool("lame")
        options = {
            "mp3": [],
            "mp3-vbr": ["-V", "4"],
            "mp3-mono-8k": ["-m", "m", "--resample", "8", "-b", "16"],
        }[kind]
        out = Path(str(target) + ".mp3")
        subprocess.run([lame, "--quiet", *options, str(source), str(out)], check=True)
        return out.read_bytes()
    encodings = {"wav-ulaw": "u-law", "wav-alaw": "a-law", "wav-gsm": "gsm-full-rate"}
    if kind in encodings:
        out = Path(str(target) + ".wav")
        subprocess.run(
            [sox, str(source), "-r", "8000", "-c", "1", "-e", encodings[kind], str(out)],
            check=True,
        )
        return out.read_bytes()
    if kind == "gsm":
        out = Path(str(target) + ".gsm")
        subprocess.run([sox, str(source), "-r", "8000", "-c", "1", str(out)], check=True)
        return out.read_bytes()
    raise ValueError(kind)


def dominant_frequency(pcm: bytes, rate: int) -> float:
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])
