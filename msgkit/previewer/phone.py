"""What a phone line lets through: 300-3400 Hz, the voice band of a telephone channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["HIGH", "LOW", "band_limit"]

LOW = 300.0
HIGH = 3400.0
_EDGE = 50.0  # width of the raised-cosine skirts, Hz: a brick wall would ring audibly


def band_limit(
    samples: npt.NDArray[np.float32], rate: int, low: float = LOW, high: float = HIGH
) -> npt.NDArray[np.float32]:
    """``samples`` with what lies outside ``low``-``high`` Hz removed.

    One FFT over the whole signal (n log n), zero-padded so the filter's ringing does not wrap
    around onto the start; the gain falls along a raised cosine over :data:`_EDGE` Hz outside
    each edge.
    """
    import numpy as np

    count = len(samples)
    if not count:
        return samples
    size = 1 << int(count + rate // 10 - 1).bit_length()  # >= 100 ms of padding
    spectrum = np.fft.rfft(samples.astype(np.float64), n=size)
    freqs = np.fft.rfftfreq(size, d=1.0 / rate)
    gain = np.zeros_like(freqs)
    gain[(freqs >= low) & (freqs <= high)] = 1.0
    below = (freqs > low - _EDGE) & (freqs < low)
    gain[below] = 0.5 - 0.5 * np.cos(np.pi * (freqs[below] - (low - _EDGE)) / _EDGE)
    above = (freqs > high) & (freqs < high + _EDGE)
    gain[above] = 0.5 + 0.5 * np.cos(np.pi * (freqs[above] - high) / _EDGE)
    out = np.fft.irfft(spectrum * gain, n=size)[:count]
    return out.astype(np.float32)
