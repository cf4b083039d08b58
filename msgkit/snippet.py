"""The source line a problem is on, as the text output shows it: with carets under the problem.

Columns are counted in characters (code points); the display is counted in terminal cells:
tabs expand to the next multiple of four, East Asian wide characters take two cells, combining
marks none, and characters a terminal would act on instead of showing (controls, bidi
overrides, line separators) are shown as visible stand-ins. A long line is cut around the
problem, with ``…`` where it was cut.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

__all__ = ["MAX_WIDTH", "LineIndex", "Snippet", "snippet"]

MAX_WIDTH = 100  # cells of source shown around a problem
TAB = 4
_ELLIPSIS = "…"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


class LineIndex:
    """The lines of a file's text, split as positions are counted: ``\\r\\n``, ``\\r`` and
    ``\\n`` all end a line. Built once per file, on first use."""

    __slots__ = ("_last", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None
        self._last: tuple[int, str] | None = None  # a long line with many problems: one copy

    def line(self, number: int) -> str | None:
        """Line ``number`` (1-based) without its line break; ``None`` past the end."""
        if self._starts is None:
            self._starts = _line_starts(self.text)
        starts = self._starts
        if not 1 <= number <= len(starts):
            return None
        if self._last is not None and self._last[0] == number:
            return self._last[1]
        start = starts[number - 1]
        # Up to the next line's start (not a search for the break: the last line can be long).
        line = self.text[start : starts[number] if number < len(starts) else len(self.text)]
        if line.endswith("\r\n"):
            line = line[:-2]
        elif line.endswith(("\n", "\r")):
            line = line[:-1]
        self._last = (number, line)
        return line


def _line_starts(text: str) -> list[int]:
    """Where each line starts: split and summed in C (a megabyte of short lines is a million)."""
    if "\r" in text:  # the same length, with every line break one '\n' at its end
        text = text.replace("\r\n", " \n").replace("\r", "\n")
    parts = text.split("\n")
    parts.pop()
    return list(accumulate(map((1).__add__, map(len, parts)), initial=0))


def _cell(char: str, at: int) -> tuple[str, int]:
    """How ``char`` is shown at display column ``at``: (text, cells)."""
    if char == "\t":
        width = TAB - at % TAB
        return " " * width, width
    if char.isascii():
        if " " <= char <= "~":
            return char, 1
        return chr(0x2400 + ord(char)) if char != "\x7f" else "\u2421", 1
    category = unicodedata.category(char)
    if category in _HIDDEN:
        return "\ufffd", 1
    if category in ("Mn", "Me"):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


@dataclass(frozen=True, slots=True)
class Snippet:
    """A source line as shown, and where its carets go (in cells)."""

    text: str
    caret: int
    width: int


def snippet(
    line: str, column: int, end_column: int | None = None, max_width: int = MAX_WIDTH
) -> Snippet:
    """Show ``line`` with the problem at ``column`` (1-based) up to ``end_column`` (exclusive;
    one character when not known), cut to about ``max_width`` cells around it."""
    start = min(max(column - 1, 0), len(line))
    end = start + 1 if end_column is None or end_column <= column else end_column - 1
    cut_left = cut_right = False
    # Only the neighbourhood of the problem is measured: a megabyte-long line costs no more.
    reach = 2 * max_width
    stop = end + reach
    if start > reach or len(line) > stop:  # one slice: each would copy the rest of the line
        begin = max(start - reach, 0)
        cut_left, cut_right = begin > 0, len(line) > stop
        line, start, end = line[begin:stop], start - begin, end - begin
    if line.isascii() and line.isprintable():  # one cell each: no need to measure them
        return _plain(line, start, end, max_width, cut_left, cut_right)
    cells: list[tuple[str, int]] = []
    at = 0
    starts: list[int] = []
    for char in line:
        shown, width = _cell(char, at)
        cells.append((shown, width))
        starts.append(at)
        at += width
    total = at
    caret = starts[start] if start < len(starts) else total
    if end > start and end - 1 < len(starts):
        caret_end = starts[end - 1] + cells[end - 1][1]
    else:
        caret_end = caret + 1
    caret_end = max(caret_end, caret + 1)
    first, last = 0, total
    if total > max_width or cut_left or cut_right:
        first = max(0, caret - max_width // 3) if total > max_width else 0
        last = min(total, first + max_width)
        first = max(0, min(first, last - max_width))
    cut_left = cut_left or first > 0
    cut_right = cut_right or last < total
    parts = [_ELLIPSIS] if cut_left else []
    for (shown, width), begin in zip(cells, starts, strict=True):
        if begin >= first and begin + width <= last:
            parts.append(shown)
    if cut_right:
        parts.append(_ELLIPSIS)
    shift = (1 if cut_left else 0) - first
    caret_end = min(caret_end, last)
    return Snippet("".join(parts), max(caret + shift, 0), max(caret_end - caret, 1))


def _plain(
    line: str, start: int, end: int, max_width: int, cut_left: bool, cut_right: bool
) -> Snippet:
    """:func:`snippet` of a line of printable ASCII, where a character is a cell."""
    total = len(line)
    caret = min(start, total)
    caret_end = end if start < end <= total else caret + 1
    caret_end = max(caret_end, caret + 1)
    first, last = 0, total
    if total > max_width or cut_left or cut_right:
        first = max(0, caret - max_width // 3) if total > max_width else 0
        last = min(total, first + max_width)
        first = max(0, min(first, last - max_width))
    cut_left = cut_left or first > 0
    cut_right = cut_right or last < total
    shown = (_ELLIPSIS if cut_left else "") + line[first:last] + (_ELLIPSIS if cut_right else "")
    shift = (1 if cut_left else 0) - first
    caret_end = min(caret_end, last)
    return Snippet(shown, max(caret + shift, 0), max(caret_end - caret, 1))
