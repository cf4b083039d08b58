"""Where the characters of a string value sit in the file: JSON and YAML scalar spans.

A :class:`StringSpan` maps indexes into a decoded string value to offsets in the file text,
through the escapes of a JSON string literal or YAML's quoting styles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any


class StringSpan:
    """Maps indexes into a decoded string value to offsets in the file text.

    ``exact`` spans map every character exactly and know how to ``encode`` a replacement in the
    value's own quoting, so a fix can be written back; other spans point as close as they can.
    """

    __slots__ = ("encode", "exact", "offsets", "start")

    def __init__(
        self,
        start: int,
        offsets: list[int] | None = None,
        encode: Callable[[str], str | None] | None = None,
    ) -> None:
        self.start = start  # file offset of the value's first character
        self.offsets = offsets  # per character, plus one past the end; None: contiguous
        self.encode = encode
        self.exact = encode is not None

    def at(self, index: int) -> int:
        if self.offsets is None:
            return self.start + max(index, 0)
        if not self.offsets:
            return self.start
        return self.offsets[max(0, min(index, len(self.offsets) - 1))]


def _json_encode(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _json_string(text: str, start: int) -> StringSpan:
    """The span of the JSON string literal whose opening quote is at ``start``."""
    offsets: list[int] = []
    i = start + 1
    end = len(text)
    while i < end and text[i] != '"':
        offsets.append(i)
        if text[i] != "\\":
            i += 1
            continue
        if text[i + 1 : i + 2] != "u":
            i += 2
            continue
        code = int(text[i + 2 : i + 6], 16)
        # A surrogate pair written as two escapes is one character in the value.
        if 0xD800 <= code < 0xDC00 and text[i + 6 : i + 8] == "\\u":
            low = int(text[i + 8 : i + 12], 16)
            if 0xDC00 <= low < 0xE000:
                i += 12
                continue
        i += 6
    offsets.append(i)
    return StringSpan(start + 1, offsets, _json_encode)


def _align(text: str, start: int, end: int, value: str) -> StringSpan:
    """An approximate span: each character of ``value`` found in order in ``text[start:end]``."""
    offsets: list[int] = []
    p = start
    for char in value:
        if char.isspace():
            found = next((i for i in range(p, min(end, p + 64)) if text[i].isspace()), -1)
        else:
            found = text.find(char, p, min(end, p + 64))
        if found >= 0:
            offsets.append(found)
            p = found + 1
        else:
            offsets.append(min(p, end))
    offsets.append(min(p, end))
    return StringSpan(start, offsets)


_YAML_PLAIN_UNSAFE = re.compile(r": |\s#|[\r\n]|^\s|\s$")


def _yaml_plain_encode(value: str) -> str | None:
    return None if _YAML_PLAIN_UNSAFE.search(value) else value


def _yaml_single_encode(value: str) -> str | None:
    return None if "\n" in value or "\r" in value else value.replace("'", "''")


def _yaml_double_encode(value: str) -> str | None:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _yaml_literal_encode(value: str) -> str | None:
    return None if "\n" in value or "\r" in value else value


_YAML_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _yaml_scalar(text: str, node: Any, value: str) -> StringSpan:
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style or ""
    raw = text[start:end]
    if style == "":
        if raw == value:
            return StringSpan(start, None, _yaml_plain_encode)
        return _align(text, start, end, value)
    if style in ("'", '"'):
        inner = raw[1:-1]
        if "\n" in inner or "\r" in inner:  # folded lines: no exact mapping
            return _align(text, start + 1, end - 1, value)
        offsets: list[int] = []
        i, last = start + 1, end - 1
        while i < last:
            offsets.append(i)
            if style == "'":
                i += 2 if text[i] == "'" else 1
            elif text[i] == "\\":
                i += _YAML_ESCAPE_LENGTH.get(text[i + 1 : i + 2], 2)
            else:
                i += 1
        offsets.append(last)
        if len(offsets) - 1 != len(value):
            return _align(text, start + 1, last, value)
        encode = _yaml_single_encode if style == "'" else _yaml_double_encode
        return StringSpan(start + 1, offsets, encode)
    if style == "|":
        return _yaml_literal(text, start, end, value)
    return _align(text, start, end, value)


def _yaml_literal(text: str, start: int, end: int, value: str) -> StringSpan:
    """A literal block scalar: each line of the value is the end of one line of the file."""
    first = text.find("\n", start)
    if first < 0:
        return _align(text, start, end, value)
    offsets: list[int] = []
    line_start = first + 1
    lines = value.split("\n")
    for number, line in enumerate(lines):
        line_end = text.find("\n", line_start)
        if line_end < 0:
            line_end = len(text)
        raw_line = text[line_start:line_end].removesuffix("\r")
        if line_start > end and line:
            return _align(text, start, end, value)
        if not raw_line.endswith(line):
            return _align(text, start, end, value)
        base = line_start + len(raw_line) - len(line)
        offsets.extend(range(base, base + len(line)))
        if number < len(lines) - 1:
            offsets.append(line_start + len(raw_line))  # the line break itself
        line_start = line_end + 1
    offsets.append(offsets[-1] + 1 if offsets else start)
    return StringSpan(offsets[0] if offsets else start, offsets, _yaml_literal_encode)
