"""Where the characters of a string value sit in the file: JSON and YAML scalar spans.

A :class:`StringSpan` maps indexes into a decoded string value to offsets in the file text,
through the escapes of a JSON string literal or YAML's quoting styles. It is a list of pieces,
each a run of value characters written contiguously in the file, so building one costs a pass
over the escapes (not over every character) and a lookup is a binary search.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any


class StringSpan:
    """Maps indexes into a decoded string value to offsets in the file text.

    Piece ``k`` says value characters from ``breaks[k]`` on are written from file offset
    ``bases[k]`` on, one file character each, up to the next piece. The last piece starts at the
    value's length and gives the offset just past its last character.

    ``exact`` spans map every character exactly and know how to ``encode`` a replacement in the
    value's own quoting, so a fix can be written back; other spans point as close as they can.
    """

    __slots__ = ("bases", "breaks", "encode", "exact", "start")

    def __init__(
        self,
        start: int,
        breaks: list[int] | None = None,
        bases: list[int] | None = None,
        encode: Callable[[str], str | None] | None = None,
    ) -> None:
        self.start = start  # file offset of the value's first character
        self.breaks = breaks  # None: the value is written contiguously from ``start``
        self.bases = bases
        self.encode = encode
        self.exact = encode is not None

    def at(self, index: int) -> int:
        index = max(index, 0)
        breaks, bases = self.breaks, self.bases
        if breaks is None or bases is None:
            return self.start + index
        index = min(index, breaks[-1])
        k = bisect_right(breaks, index) - 1
        return bases[k] + index - breaks[k]


class _Pieces:
    """Builds the pieces of a :class:`StringSpan`: one per run of contiguous characters."""

    __slots__ = ("bases", "breaks", "index")

    def __init__(self) -> None:
        self.breaks: list[int] = []
        self.bases: list[int] = []
        self.index = 0  # value characters placed so far

    def run(self, offset: int, length: int) -> None:
        """``length`` value characters written one each from file ``offset`` on."""
        if length <= 0:
            return
        breaks, bases = self.breaks, self.bases
        if not breaks or bases[-1] + self.index - breaks[-1] != offset:
            breaks.append(self.index)
            bases.append(offset)
        self.index += length

    def one(self, offset: int) -> None:
        """One value character written as an escape that starts at file ``offset``."""
        self.breaks.append(self.index)
        self.bases.append(offset)
        self.index += 1

    def span(self, start: int, end: int, encode: Callable[[str], str | None] | None) -> StringSpan:
        """The span, with ``end`` the file offset just past the last character."""
        self.breaks.append(self.index)
        self.bases.append(end)
        return StringSpan(start, self.breaks, self.bases, encode)


class _EscapedSpan(StringSpan):
    """The span of a quoted string through its escapes, each of which is one character.

    ``escapes`` matches a run of escapes of one length, named by the group that matched (its
    length is ``lengths[group]``): a run maps with a stride, so a megabyte of ``\\n`` is one
    piece. Mapped only as far as it is asked for, in ever longer runs: the first findings of a
    string with a hundred thousand escapes cost what they cost.
    """

    __slots__ = ("_at", "_count", "_done", "_escapes", "_last", "_lengths", "_strides")

    def __init__(
        self,
        text: str,
        first: int,
        last: int,
        escapes: re.Pattern[str],
        lengths: dict[str, int],
        encode: Callable[[str], str | None],
    ) -> None:
        super().__init__(first, [], [], encode)
        self._strides: list[int] = []
        self._count = 0  # value characters mapped so far
        self._escapes = escapes.finditer(text, first, last)
        self._lengths = lengths
        self._at = first  # file offset mapped up to
        self._last = last  # file offset of the closing quote
        self._done = False

    def _piece(self, offset: int, count: int, stride: int) -> None:
        assert self.breaks is not None and self.bases is not None
        if count > 0:
            self.breaks.append(self._count)
            self.bases.append(offset)
            self._strides.append(stride)
            self._count += count

    def _extend(self, index: int) -> None:
        at, wanted = self._at, index + self._count
        for found in self._escapes:
            start, end = found.span()
            self._piece(at, start - at, 1)
            length = self._lengths[found.lastgroup or ""]
            self._piece(start, (end - start) // length, length)
            at = end
            if self._count > wanted:
                self._at = at
                return
        self._piece(at, self._last - at, 1)
        self._piece(self._last, 1, 1)  # one past the end
        self._count -= 1
        self._done = True

    def at(self, index: int) -> int:
        index = max(index, 0)
        if not self._done and index >= self._count:
            self._extend(index)
        breaks, bases = self.breaks, self.bases
        assert breaks is not None and bases is not None
        if self._done:
            index = min(index, self._count)
        k = bisect_right(breaks, index) - 1
        return bases[k] + (index - breaks[k]) * self._strides[k]


def _json_encode(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


# An escape in a JSON string literal: a surrogate pair written as two \u escapes is one
# character of the value, anything else one character per escape.
_JSON_ESCAPES = re.compile(
    r"(?P<pair>\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?P<six>(?:\\u(?![dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F])....)+)"
    r"|(?P<two>(?:\\[^u])+)",
    re.S,
)
_JSON_LENGTHS = {"pair": 12, "six": 6, "two": 2}


def _json_string(text: str, start: int) -> StringSpan:
    """The span of the JSON string literal whose opening quote is at ``start``."""
    close = _literal_end(text, start)
    return _EscapedSpan(text, start + 1, close, _JSON_ESCAPES, _JSON_LENGTHS, _json_encode)


_JSON_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.S)


def _literal_end(text: str, start: int) -> int:
    """Offset of the closing quote of the JSON string literal that opens at ``start``."""
    found = _JSON_BODY.match(text, start + 1)
    return found.end() if found is not None else len(text)


_SPACE_RUN = re.compile(r"\s+")
_ALIGN_WINDOW = 64  # how far ahead a character is looked for before giving up on it


def _align(text: str, start: int, end: int, value: str) -> StringSpan:
    """An approximate span: the runs of ``value`` found in order in ``text[start:end]``.

    White space in the value may be written differently (folded lines, indentation), so a run of
    it maps to the next white space in the text; other runs are searched for as they are.
    """
    pieces = _Pieces()
    p = start
    for found in re.finditer(r"\s+|\S+", value):
        run = found.group()
        limit = min(end, p + len(run) + _ALIGN_WINDOW)
        if run[0].isspace():
            space = _SPACE_RUN.search(text, p, limit)
            at = space.start() if space is not None else -1
            skip = space.end() if space is not None else p
        else:
            at = text.find(run, p, limit)
            skip = at + len(run)
        if at < 0:
            break
        pieces.run(at, len(run))
        p = skip
    # What could not be placed points where the search stopped.
    pieces.run(min(p, end), len(value) - pieces.index)
    return pieces.span(start, min(p, end), None)


_YAML_PLAIN_UNSAFE = re.compile(r": |\s#|[\r\n]|^\s|\s$")


def _yaml_plain_encode(value: str) -> str | None:
    return None if _YAML_PLAIN_UNSAFE.search(value) else value


def _yaml_single_encode(value: str) -> str | None:
    return None if "\n" in value or "\r" in value else value.replace("'", "''")


def _yaml_double_encode(value: str) -> str | None:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _yaml_literal_encode(value: str) -> str | None:
    return None if "\n" in value or "\r" in value else value


_YAML_DOUBLE_ESCAPE = re.compile(r"\\(?:x..|u....|U........|.)", re.S)
_YAML_SINGLE_ESCAPE = re.compile(r"''")
# Runs of escapes of one length, for _EscapedSpan.
_YAML_DOUBLE_ESCAPES = re.compile(
    r"(?P<x>(?:\\x..)+)|(?P<u>(?:\\u....)+)|(?P<U>(?:\\U........)+)|(?P<two>(?:\\[^xuU])+)",
    re.S,
)
_YAML_SINGLE_ESCAPES = re.compile(r"(?P<two>(?:'')+)")
_YAML_LENGTHS = {"x": 4, "u": 6, "U": 10, "two": 2}


def _yaml_scalar(text: str, node: Any, value: str) -> StringSpan:
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style or ""
    if style == "":
        if end - start == len(value) and text.startswith(value, start):
            return StringSpan(start, None, None, _yaml_plain_encode)
        return _align(text, start, end, value)
    if style in ("'", '"'):
        first, last = start + 1, end - 1
        if text.find("\n", first, last) >= 0 or text.find("\r", first, last) >= 0:
            return _align(text, first, last, value)  # folded lines: no exact mapping
        escape = _YAML_SINGLE_ESCAPE if style == "'" else _YAML_DOUBLE_ESCAPE
        # Every escape is one character of the value: check that, in one substitution in C.
        if len(escape.sub("_", text[first:last])) != len(value):
            return _align(text, first, last, value)
        if style == "'":
            return _EscapedSpan(
                text, first, last, _YAML_SINGLE_ESCAPES, _YAML_LENGTHS, _yaml_single_encode
            )
        return _EscapedSpan(
            text, first, last, _YAML_DOUBLE_ESCAPES, _YAML_LENGTHS, _yaml_double_encode
        )
    if style == "|":
        return _yaml_literal(text, start, end, value)
    return _align(text, start, end, value)


def _yaml_literal(text: str, start: int, end: int, value: str) -> StringSpan:
    """A literal block scalar: each line of the value is the end of one line of the file."""
    first = text.find("\n", start)
    if first < 0:
        return _align(text, start, end, value)
    pieces = _Pieces()
    line_start = first + 1
    lines = value.split("\n")
    last_offset = start
    for number, line in enumerate(lines):
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        raw_end = line_end - 1 if text.startswith("\r", line_end - 1) else line_end
        if line_start > end and line:
            return _align(text, start, end, value)
        if not text.startswith(line, raw_end - len(line)) or raw_end - len(line) < line_start:
            return _align(text, start, end, value)
        base = raw_end - len(line)
        if line:
            pieces.run(base, len(line))
            last_offset = base + len(line)
        if number < len(lines) - 1:
            pieces.one(raw_end)  # the line break itself
            last_offset = raw_end + 1
        line_start = line_end + 1
    if not pieces.breaks:
        return StringSpan(start, None, None, _yaml_literal_encode)
    return pieces.span(pieces.bases[0], last_offset, _yaml_literal_encode)
