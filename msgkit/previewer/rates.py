"""How long speech lasts, from the speaking rates in the text-to-speech schema.

No synthesis: a segment's letters and digits over its language's rate, plus a pause at each
punctuation mark. Pure Python and cheap, so lint can afford it on every file.
"""

from __future__ import annotations

from functools import cache

from ..schemas import SpeakingRate, voices

__all__ = ["PAUSES", "rate_for", "speech_seconds"]

# Marks after which espeak-ng pauses: Latin ones, and the full-width ones of CJK typography
# (comma, ideographic full stop, semicolon, colon, exclamation and question marks, enumeration
# comma) and the ellipsis.
PAUSES = frozenset(",.;:!?\uff0c\u3002\uff1b\uff1a\uff01\uff1f\u3001\u2026")


@cache
def _by_lower() -> dict[str, str]:
    return {code.lower(): code for code in voices().rates}


def rate_for(language: str | None) -> SpeakingRate:
    """The rate of ``language`` (any case); the default language's for one without a rate."""
    table = voices()
    code = _by_lower().get((language or table.default_language).strip().lower())
    return table.rates[code if code is not None else table.default_language]


def speech_seconds(text: str, language: str | None = None) -> float:
    """The estimated duration of ``text`` spoken in ``language``, in seconds."""
    rate = rate_for(language)
    letters = pauses = 0
    for char in text:
        if char.isalnum():
            letters += 1
        elif char in PAUSES:
            pauses += 1
    if not letters:
        return 0.0  # nothing is said, so no pause is made either
    return letters / rate.characters_per_second + pauses * rate.pause_seconds
