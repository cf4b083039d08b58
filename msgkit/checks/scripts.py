"""Which Unicode script a letter belongs to: just enough to tell a voice's scripts apart."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

__all__ = ["foreign_run", "foreign_scripts"]

# (first, last, script) for the letters of scripts a text-to-speech voice may or may not read.
# Characters in no range (digits, punctuation, symbols, marks) belong to every language.
_RANGES: list[tuple[int, int, str]] = sorted(
    [
        (0x0041, 0x005A, "Latin"),
        (0x0061, 0x007A, "Latin"),
        (0x00C0, 0x024F, "Latin"),
        (0x1E00, 0x1EFF, "Latin"),
        (0xFF21, 0xFF3A, "Latin"),
        (0xFF41, 0xFF5A, "Latin"),
        (0x0370, 0x03FF, "Greek"),
        (0x0400, 0x052F, "Cyrillic"),
        (0x0590, 0x05FF, "Hebrew"),
        (0x0600, 0x06FF, "Arabic"),
        (0x0900, 0x097F, "Devanagari"),
        (0x0E00, 0x0E7F, "Thai"),
        (0x1100, 0x11FF, "Hangul"),
        (0x3130, 0x318F, "Hangul"),
        (0xAC00, 0xD7AF, "Hangul"),
        (0x3040, 0x309F, "Hiragana"),
        (0x30A0, 0x30FF, "Katakana"),
        (0x2E80, 0x2FDF, "Han"),
        (0x3005, 0x3007, "Han"),
        (0x3021, 0x3029, "Han"),
        (0x3400, 0x4DBF, "Han"),
        (0x4E00, 0x9FFF, "Han"),
        (0xF900, 0xFAFF, "Han"),
        (0x20000, 0x323AF, "Han"),
    ]
)
_STARTS = [r[0] for r in _RANGES]


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    code = ord(char)
    i = bisect_right(_STARTS, code) - 1
    if i >= 0 and code <= _RANGES[i][1]:
        return _RANGES[i][2]
    return None


@lru_cache(maxsize=64)
def _foreign(readable: tuple[str, ...]) -> re.Pattern[str] | None:
    """One character class of every letter a voice reading ``readable`` cannot read."""
    ranges = "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b, s in _RANGES if s not in readable)
    return re.compile(f"[{ranges}]") if ranges else None


def foreign_scripts(text: str, readable: tuple[str, ...]) -> list[str]:
    """Scripts of letters in ``text`` that a voice reading only ``readable`` scripts cannot read."""
    if text.isascii():
        return [] if "Latin" in readable else (["Latin"] if any(c.isalpha() for c in text) else [])
    pattern = _foreign(readable)
    if pattern is None or pattern.search(text) is None:  # the common case, in one C-level scan
        return []
    found: list[str] = []
    for char in set(text):
        script = _script(char)
        if script is not None and script not in readable and script not in found:
            found.append(script)
    return sorted(found)


def foreign_run(text: str, readable: tuple[str, ...]) -> tuple[int, int] | None:
    """``(start, end)`` of the first run of letters in ``text`` a voice reading only
    ``readable`` scripts cannot read; ``None`` when there is none."""
    if text.isascii():
        if "Latin" in readable:
            return None
        found = re.search("[A-Za-z]+", text)
    else:
        pattern = _foreign(readable)
        if pattern is None:
            return None
        found = re.compile(pattern.pattern + "+").search(text)
    return (found.start(), found.end()) if found is not None else None
