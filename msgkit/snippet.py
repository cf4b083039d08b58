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

__all__ = ["MAX_WIDTH", "LineIndex", "Snippet", "snippet"]

MAX_WIDTH = 100  # cells of source shown around a problem
TAB = 4
_ELLIPSIS = "…"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


class LineIndex:
    """The lines of a file's text, split as positions are counted: ``\\r\\n``, ``\\r`` and
    ``\\n`` all end a line. Built once per file, on first use."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def line(self, number: int) -> str | None:
        """Line ``number`` (1-based) without its line break; ``None`` past the end."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _LINE_BREAK.finditer(self.text))]
        starts = self._starts
        if not 1 <= number <= len(starts):
            return None
        start = starts[number - 1]
        found = _LINE_BREAK.search(self.text, start)
        return self.text[start : found.start() if found is not None else len(self.text)]


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
    if start > reach:
        line, start, end, cut_left = line[start - reach :], reach, end - (start - reach), True
    if len(line) > end + reach:
        line, cut_right = line[: end + reach], True
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
