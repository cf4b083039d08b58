"""Positions in the editor's terms: 0-based lines and characters counted in the negotiated unit.

msgkit places findings at 1-based lines and columns counted in code points, with ``\\r\\n``,
``\\r`` and ``\\n`` ending a line (:func:`msgkit.markup.line_column`). The Language Server
Protocol counts lines from 0 with the same three line endings, and characters in UTF-16 code
units unless the client negotiated UTF-8 or UTF-32: a character outside the Basic Multilingual
Plane is two UTF-16 units, one code point, and up to four UTF-8 bytes. Nothing here uses
``str.splitlines``, which would also break lines at form feeds, U+2028 and others.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate, repeat
from operator import add
from typing import Literal

__all__ = ["Encoding", "LineIndex", "units"]

Encoding = Literal["utf-8", "utf-16", "utf-32"]

_BREAK = re.compile(r"\r\n|\r|\n")
_WIDE = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each
_NOT_ASCII = re.compile("[^\x00-\x7f]")


def units(text: str, encoding: Encoding) -> int:
    """How many ``encoding`` units ``text`` takes."""
    if encoding == "utf-32" or not _NOT_ASCII.search(text):
        return len(text)
    if encoding == "utf-16":
        return len(text) + len(_WIDE.findall(text))
    return len(text.encode("utf-8", "surrogatepass"))


def _code_points(line: str, count: int, encoding: Encoding) -> int:
    """How many code points of ``line`` the first ``count`` units cover (a count that falls
    inside a character covers it; one past the line is clamped to its end)."""
    if encoding == "utf-32" or not _NOT_ASCII.search(line):
        return min(count, len(line))
    used = 0
    for index, char in enumerate(line):
        if used >= count:
            return index
        code = ord(char)
        if encoding == "utf-16":
            used += 2 if code > 0xFFFF else 1
        else:
            used += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return len(line)


# Units are counted from the start of the text at every _STEP-th code point, so that the units
# before any offset cost at most _STEP characters to count: a position is then cheap however
# long its line (a one-line megabyte with thirty thousand findings must not be quadratic).
_STEP = 256


class LineIndex:
    """Where each line of ``text`` starts, for converting between offsets and positions."""

    __slots__ = ("_ends", "_prefix", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._prefix: dict[str, list[int] | None] = {}
        # Built with C-level splits and sums: a megabyte of empty lines must not take long.
        if "\r" in text:
            lengths = list(map(len, _BREAK.split(text)))
            breaks: Iterator[int] = map(len, _BREAK.findall(text))
        else:
            lengths = list(map(len, text.split("\n")))
            breaks = repeat(1)
        self.starts: list[int] = [0, *accumulate(map(add, lengths[:-1], breaks))]
        # Where each line's content ends (before its line break).
        self._ends: list[int] = list(map(add, self.starts, lengths))

    @property
    def lines(self) -> int:
        return len(self.starts)

    def line_text(self, line: int) -> str:
        """The content of 0-based ``line`` without its line break ('' past the end)."""
        if not 0 <= line < len(self.starts):
            return ""
        return self.text[self.starts[line] : self._ends[line]]

    def offset(self, line: int, character: int, encoding: Encoding) -> int:
        """The code-point offset of an LSP position; positions past a line's end (or past the
        last line) are clamped, as the protocol asks."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        return start + _code_points(self.line_text(line), max(character, 0), encoding)

    def _checkpoints(self, encoding: Encoding) -> list[int] | None:
        """Units before every _STEP-th code point; ``None`` when units are code points."""
        if encoding not in self._prefix:
            text = self.text
            same = encoding == "utf-32" or not (
                _WIDE.search(text) if encoding == "utf-16" else _NOT_ASCII.search(text)
            )
            found: list[int] | None = None
            if not same:
                found = [0]
                for at in range(0, len(text), _STEP):
                    found.append(found[-1] + units(text[at : at + _STEP], encoding))
            self._prefix[encoding] = found
        return self._prefix[encoding]

    def _units_before(self, offset: int, encoding: Encoding) -> int:
        checkpoints = self._checkpoints(encoding)
        if checkpoints is None:
            return offset
        block = offset // _STEP
        return checkpoints[block] + units(self.text[block * _STEP : offset], encoding)

    def position(self, offset: int, encoding: Encoding) -> tuple[int, int]:
        """The LSP (line, character) of a code-point offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        # An offset between \r and \n belongs to the line the pair ends.
        start = self.starts[line]
        end = min(offset, self._ends[line])
        return line, self._units_before(end, encoding) - self._units_before(start, encoding)

    def from_msgkit(self, line: int, column: int, encoding: Encoding) -> tuple[int, int]:
        """The LSP position of msgkit's 1-based ``line`` and ``column`` (code points)."""
        index = min(max(line - 1, 0), len(self.starts) - 1)
        start = self.starts[index]
        return self.position(min(start + max(column - 1, 0), self._ends[index]), encoding)

    def msgkit_offset(self, line: int, column: int) -> int:
        """The code-point offset of msgkit's 1-based ``line`` and ``column``."""
        index = min(max(line - 1, 0), len(self.starts) - 1)
        return min(self.starts[index] + max(column - 1, 0), self._ends[index])
