"""Decoding and resampling, with the ``preview`` extra: soundfile (libsndfile) and soxr.

libsndfile decodes every format the provider plays: WAV (PCM, µ-law, A-law, GSM 06.10 inside
WAV), MP3 and raw GSM 06.10; soxr resamples to the telephone's 8000 Hz. Both are imported only
here, so nothing else in msgkit needs them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import MissingExtraError, PreviewError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Samples = npt.NDArray[np.float32]

__all__ = ["RATE", "Decoded", "decode", "load_extra", "pcm16", "resample", "silence"]

RATE = 8000  # the telephone's sample rate, and the preview's


def load_extra() -> None:
    """Import the extra's libraries, or raise :class:`MissingExtraError` naming the missing one."""
    for name in ("numpy", "soxr", "soundfile"):
        try:
            __import__(name)
        except ImportError:
            raise MissingExtraError(name) from None
        except OSError:  # soundfile without a loadable libsndfile
            raise MissingExtraError(f"{name}'s libsndfile") from None


def silence(seconds: float) -> Samples:
    import numpy as np

    return np.zeros(round(seconds * RATE), dtype=np.float32)


def pcm16(data: bytes) -> Samples:
    """16-bit little-endian samples as floats in [-1, 1)."""
    import numpy as np

    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def resample(samples: Samples, rate: int) -> Samples:
    """Mono ``samples`` at ``rate`` Hz, resampled to :data:`RATE`."""
    import numpy as np
    import soxr  # type: ignore[import-untyped, unused-ignore]

    if rate == RATE or not len(samples):
        return samples.astype(np.float32, copy=False)
    out: Samples = soxr.resample(samples, rate, RATE, quality="HQ").astype(np.float32, copy=False)
    return out


@dataclass(frozen=True, slots=True)
class Decoded:
    """A recording at :data:`RATE`, mono; ``cut`` when it was longer than allowed."""

    samples: Any  # Samples; Any here keeps numpy out of the dataclass's annotations at runtime
    seconds: float  # the whole recording's duration, cut or not
    cut: bool = False


def decode(data: bytes, kind: str, max_seconds: float) -> Decoded:
    """Decode a recording's bytes (``kind``: ``wav``, ``mp3`` or ``gsm``, as sniffed) to
    :data:`RATE` mono, keeping at most ``max_seconds`` of it. Raises :class:`PreviewError`
    for bytes libsndfile cannot decode."""
    import numpy as np
    import soundfile  # type: ignore[import-untyped, unused-ignore]

    try:
        if kind == "gsm":  # raw GSM 06.10 has no header to say what it is
            handle = soundfile.SoundFile(
                io.BytesIO(data), format="RAW", subtype="GSM610", samplerate=RATE, channels=1
            )
        else:
            handle = soundfile.SoundFile(io.BytesIO(data))
        with handle:
            rate = handle.samplerate
            limit = int(max_seconds * rate)
            blocks: list[Any] = []
            read = 0
            # Block by block: a file that claims no length (or a false one) is still bounded.
            while read <= limit:
                block = handle.read(
                    frames=min(65536, limit + 1 - read), dtype="float32", always_2d=True
                )
                if not len(block):
                    break
                blocks.append(block.mean(axis=1, dtype=np.float32))
                read += len(block)
    except (RuntimeError, ValueError, TypeError, EOFError) as error:  # LibsndfileError is one
        said = str(error)
        if said.startswith("Error opening <"):  # soundfile names the BytesIO object: drop it
            said = said.split(">: ", 1)[-1]
        raise PreviewError(f"cannot decode it: {said}") from None
    samples = np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)
    cut = len(samples) > limit
    if cut:
        samples = samples[:limit]
    try:
        resampled = resample(samples, rate)
    except (RuntimeError, ValueError, MemoryError) as error:  # a sample rate no one records at
        raise PreviewError(f"cannot resample it from {rate} Hz: {error}") from None
    return Decoded(resampled, len(samples) / rate, cut)
