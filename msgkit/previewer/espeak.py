"""Speech synthesis with espeak-ng, run as a program (a system package, not a Python one).

espeak-ng writes a 16-bit mono WAV at its own rate (22050 Hz) to standard output. Text goes in
on standard input as UTF-8, so no text can be mistaken for an option and no length limit of a
command line applies.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from .errors import EspeakNotFoundError, PreviewError

__all__ = ["PROGRAM", "Synthesised", "espeak_languages", "find_espeak", "synthesise"]

PROGRAM = "espeak-ng"
_TIMEOUT = 60.0  # seconds for one segment; espeak-ng needs milliseconds


@dataclass(frozen=True, slots=True)
class Synthesised:
    """What espeak-ng said: 16-bit little-endian mono samples at ``rate`` Hz."""

    pcm: bytes
    rate: int


def find_espeak(path: str | None = None) -> str:
    """The espeak-ng program on ``path`` (default: ``PATH``); raises
    :class:`EspeakNotFoundError` when there is none."""
    found = shutil.which(PROGRAM, path=path if path is not None else os.environ.get("PATH"))
    if found is None:
        raise EspeakNotFoundError()
    return found


@lru_cache(maxsize=8)
def espeak_languages(program: str) -> frozenset[str]:
    """The language codes espeak-ng has voices for (lowercase), from ``espeak-ng --voices``."""
    try:
        listing = subprocess.run(
            [program, "--voices"], capture_output=True, timeout=_TIMEOUT, check=False
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    codes: set[str] = set()
    for line in listing.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 2:
            codes.add(fields[1].lower())
        # "Other Languages" are listed as (code priority).
        codes.update(code.lower() for code in re.findall(r"\(([\w-]+) \d+\)", line))
    return frozenset(codes)


def synthesise(program: str, voice: str, text: str) -> Synthesised:
    """``text`` spoken by ``voice`` (``en+f3``). Raises :class:`PreviewError` if espeak-ng
    fails or writes something that is not the WAV it writes."""
    try:
        done = subprocess.run(
            [program, "-b", "1", "-v", voice, "--stdout"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PreviewError(f"espeak-ng did not finish within {_TIMEOUT:g} s") from None
    except OSError as error:
        raise PreviewError(f"espeak-ng could not be run: {error.strerror or error}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise PreviewError(f"espeak-ng failed with voice {voice!r}: {said}")
    return _read_wav(done.stdout)


def _read_wav(data: bytes) -> Synthesised:
    """The samples of a WAV written to a pipe: its sizes are placeholders, so the data chunk
    runs to the end of the bytes."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise PreviewError("espeak-ng wrote something that is not a WAV file")
    at = 12
    rate = None
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        if chunk == b"fmt " and size >= 16:
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, at + 8)
            if (tag, channels, bits) != (1, 1, 16):
                raise PreviewError("espeak-ng wrote a WAV that is not 16-bit mono PCM")
        elif chunk == b"data":
            if rate is None:
                break
            pcm = data[at + 8 :]
            return Synthesised(pcm[: len(pcm) // 2 * 2], rate)
        at += 8 + size + (size & 1)
    raise PreviewError("espeak-ng wrote a WAV without audio")
