"""Message files: reading ``.msg``, ``.msg.json`` and ``.msg.yaml`` with positions in the file.

A :class:`Document` is what one file says: the markup it composes, the request parameters that
travel with it, and the problems found while reading it (bad encoding, bad syntax, a schema
violation, a committed secret). Library diagnostics about the markup are mapped back to the
file by :meth:`Document.locate`: through the escapes of a JSON string literal, through YAML's
quoting styles, and from a composed ``segments`` list back to the segment that produced it.
Positions are worked out only when a diagnostic needs one.
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .diagnostics import CODES, Diagnostic, Fix, Severity
from .errors import InvalidSegmentError
from .markup import Locator, line_column
from .model import Audio, Segment, Speech, Text, escape_attribute, escape_text
from .schemas import schema
from .structure import is_valid

if TYPE_CHECKING:
    from jsonschema import ValidationError

__all__ = [
    "MAX_FILE_BYTES",
    "SUFFIXES",
    "Document",
    "Edit",
    "Finding",
    "Kind",
    "kind_of",
    "read_bytes",
    "read_path",
    "read_text",
    "strip_final_newline",
]

Kind = Literal["msg", "json", "yaml"]

# A msg is at most 1000 characters even on the generous reading; a message file a thousand
# times that is not a message file, and is reported without being read whole.
MAX_FILE_BYTES = 1 << 20

SUFFIXES: dict[str, Kind] = {
    ".msg": "msg",
    ".msg.json": "json",
    ".msg.yaml": "yaml",
    ".msg.yml": "yaml",
}
# Explicitly named files with other names are read by their last suffix, else as raw markup.
_LOOSE: dict[str, Kind] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}

_INVALID = "error_document_invalid"
_SECRET = "error_access_token_in_file"

PathKey = tuple[str | int, ...]


def kind_of(name: str, *, strict: bool = True) -> Kind | None:
    """The kind of message file ``name`` is by its suffix; ``None`` when it is not one.

    With ``strict=False`` (a file named explicitly) any ``.json`` / ``.yaml`` file is a
    document and anything else raw markup.
    """
    lowered = name.lower()
    for suffix, kind in SUFFIXES.items():
        if lowered.endswith(suffix):
            return kind
    if strict:
        return None
    for suffix, kind in _LOOSE.items():
        if lowered.endswith(suffix):
            return kind
    return "msg"


def strip_final_newline(text: str) -> str:
    """The markup a ``.msg`` file holds: its text without one final line break."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


@dataclass(frozen=True, slots=True)
class Edit:
    """A safe rewrite of the file text: replace ``text[start:end]`` with ``replacement``.

    ``target`` is the key path of the string it changes (``()`` for a ``.msg`` file's markup)
    and ``value`` that string as it must read after the edit, so the rewrite can be proven to
    change nothing else.
    """

    start: int
    end: int
    replacement: str
    description: str
    target: PathKey
    value: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A diagnostic placed in a file: ``line`` and ``column`` are 1-based positions in the file."""

    path: str
    diagnostic: Diagnostic
    line: int | None = None
    column: int | None = None
    edit: Edit | None = None

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def hint(self) -> str | None:
        return self.diagnostic.hint

    @property
    def is_error(self) -> bool:
        return self.diagnostic.is_error


# --- where the characters of a string value sit in the file -------------------------------


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


# --- finding keys and values in the file -----------------------------------------------------


class _Tree:
    """Positions of keys and values in a JSON or YAML document."""

    def key(self, path: PathKey) -> int | None:
        """Offset of the key that holds ``path`` (its value's offset for list items)."""
        raise NotImplementedError

    def value(self, path: PathKey) -> int | None:
        raise NotImplementedError

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        raise NotImplementedError


_WS = re.compile(r"[ \t\n\r]*")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|[^\s\[\]{}",:]+|[,:]', re.S)


class _JsonTree(_Tree):
    """Finds positions in text already known to be valid JSON, scanning only along a path."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _ws(self, pos: int) -> int:
        found = _WS.match(self.text, pos)
        return found.end() if found else pos

    def _skip(self, pos: int) -> int:
        depth = 0
        for token in _JSON_TOKEN.finditer(self.text, pos):
            first = token.group()[0]
            if first in "[{" and len(token.group()) == 1:
                depth += 1
            elif first in "]}":
                depth -= 1
            if depth == 0:
                return token.end()
        return len(self.text)

    def _walk(self, path: PathKey) -> tuple[int, int] | None:
        text = self.text
        pos = self._ws(0)
        key_pos = pos
        for step in path:
            if pos >= len(text):
                return None
            found: tuple[int, int] | None = None
            if text[pos] == "{" and isinstance(step, str):
                p = self._ws(pos + 1)
                while p < len(text) and text[p] == '"':
                    literal = _JSON_STRING.match(text, p)
                    if literal is None:
                        return None
                    name = json.loads(literal.group())
                    p = self._ws(self._ws(literal.end()) + 1)
                    if name == step:  # the last duplicate wins, as in json.loads
                        found = (literal.start(), p)
                    p = self._ws(self._skip(p))
                    if p < len(text) and text[p] == ",":
                        p = self._ws(p + 1)
            elif text[pos] == "[" and isinstance(step, int):
                p = self._ws(pos + 1)
                index = 0
                while p < len(text) and text[p] != "]":
                    if index == step:
                        found = (p, p)
                        break
                    p = self._ws(self._skip(p))
                    if p < len(text) and text[p] == ",":
                        p = self._ws(p + 1)
                    index += 1
            if found is None:
                return None
            key_pos, pos = found
        return key_pos, pos

    def key(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return walked[0] if walked else None

    def value(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return walked[1] if walked else None

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        walked = self._walk(path)
        if walked is None or not self.text.startswith('"', walked[1]):
            return None
        return _json_string(self.text, walked[1])


class _YamlTree(_Tree):
    def __init__(self, text: str, root: Any) -> None:
        self.text = text
        self.root = root

    def _walk(self, path: PathKey) -> tuple[Any, Any] | None:
        key_node, node = self.root, self.root
        for step in path:
            found = None
            if isinstance(step, str) and node.id == "mapping":
                for k, v in node.value:
                    if k.id == "scalar" and k.value == step:
                        found = (k, v)
            elif isinstance(step, int) and node.id == "sequence" and step < len(node.value):
                found = (node.value[step], node.value[step])
            if found is None:
                return None
            key_node, node = found
        return key_node, node

    def key(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return int(walked[0].start_mark.index) if walked else None

    def value(self, path: PathKey) -> int | None:
        walked = self._walk(path)
        return int(walked[1].start_mark.index) if walked else None

    def string(self, path: PathKey, value: str) -> StringSpan | None:
        walked = self._walk(path)
        if walked is None or walked[1].id != "scalar":
            return None
        return _yaml_scalar(self.text, walked[1], value)


# --- composing segments, and mapping the composed markup back --------------------------------


@dataclass(frozen=True, slots=True)
class _Region:
    """Where an escaped value sits in the composed markup, and the path of that value."""

    start: int
    end: int
    path: PathKey
    value: str
    escape: Callable[[str], str]


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    item: PathKey
    regions: tuple[_Region, ...]


def _compose(items: list[dict[str, Any]]) -> tuple[list[Segment], list[_Piece], str]:
    """Segments from a ``segments`` list, and where each one's values went in the markup."""
    segments: list[Segment] = []
    pieces: list[_Piece] = []
    parts: list[str] = []
    at = 0
    for index, item in enumerate(items):
        item_path: PathKey = ("segments", index)
        regions: list[_Region] = []
        segment: Segment
        if "say" in item:
            segment = Speech(item["say"], item.get("language"), item.get("gender"))
            rendered = segment.render()
            locator = Locator(rendered)
            for name in ("language", "gender"):
                if item.get(name) is not None:
                    begin = locator.attribute(0, name)
                    escaped = escape_attribute(item[name])
                    regions.append(
                        _Region(
                            at + begin,
                            at + begin + len(escaped),
                            (*item_path, name),
                            item[name],
                            escape_attribute,
                        )
                    )
            key, value = "say", item["say"]
        elif "play" in item:
            segment = Audio(item["play"])
            rendered = segment.render()
            key, value = "play", item["play"]
        else:
            segment = Text(item["text"])
            rendered = segment.render()
            key, value = "text", item["text"]
        escaped_text = escape_text(value)
        begin = rendered.find(">") + 1 if key != "text" else 0
        regions.append(
            _Region(
                at + begin, at + begin + len(escaped_text), (*item_path, key), value, escape_text
            )
        )
        segments.append(segment)
        pieces.append(_Piece(at, at + len(rendered), item_path, tuple(regions)))
        parts.append(rendered)
        at += len(rendered)
    return segments, pieces, "".join(parts)


def _value_index(region: _Region, offset: int) -> tuple[int, bool]:
    """The value index an offset in the escaped region stands for, and whether it is exact."""
    rel = offset - region.start
    done = 0
    for index, char in enumerate(region.value):
        if done >= rel:
            return index, done == rel
        done += len(region.escape(char))
    return len(region.value), done == rel


# --- the document -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """One message file: what it composes, its parameters, and the problems found reading it.

    ``markup`` is ``None`` when the file says no usable msg (unreadable, invalid, or no msg).
    ``problems`` are already placed in the file. ``data`` is the parsed JSON/YAML value.
    """

    path: str
    kind: Kind
    text: str | None = None
    data: Any = None
    markup: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[Finding, ...] = ()
    bom: bool = False
    tree: _Tree | None = None
    pieces: tuple[_Piece, ...] | None = None

    @property
    def readable(self) -> bool:
        return self.text is not None

    def position(self, offset: int | None) -> tuple[int | None, int | None]:
        if offset is None or self.text is None:
            return None, None
        return line_column(self.text, offset)

    def locate(self, diagnostic: Diagnostic) -> Finding:
        """Place a library diagnostic (positions in the msg string) in this file."""
        offset, edit = self._where(diagnostic)
        line, column = self.position(offset)
        return Finding(self.path, diagnostic, line, column, edit)

    def _where(self, d: Diagnostic) -> tuple[int | None, Edit | None]:
        if self.text is None:
            return None, None
        if self.kind == "msg":
            if d.field != "msg":
                return None, None
            offset = 0 if d.offset is None else d.offset
            return offset, self._msg_edit(d.fix)
        tree = self.tree
        if tree is None:
            return None, None
        if d.field != "msg":
            path: PathKey = (d.field,)
            value = self.params.get(d.field)
            if value is not None and d.offset is not None:
                span = tree.string(path, value)
                if span is not None:
                    return span.at(d.offset), None
            return tree.value(path), None
        if self.pieces is None:
            return self._string_where(("msg",), self.data.get("msg"), d.offset, d.fix)
        return self._segments_where(d.offset, d.fix)

    def _msg_edit(self, fix: Fix | None) -> Edit | None:
        if fix is None or self.markup is None:
            return None
        value = self.markup[: fix.start] + fix.replacement + self.markup[fix.end :]
        return Edit(fix.start, fix.end, fix.replacement, fix.description, (), value)

    def _string_where(
        self, path: PathKey, value: object, offset: int | None, fix: Fix | None
    ) -> tuple[int | None, Edit | None]:
        assert self.tree is not None
        if not isinstance(value, str):
            return self.tree.value(path), None
        span = self.tree.string(path, value)
        if span is None:
            return self.tree.value(path), None
        at = span.at(0 if offset is None else offset)
        edit = None
        if fix is not None and span.encode is not None:
            encoded = span.encode(fix.replacement)
            if encoded is not None:
                new = value[: fix.start] + fix.replacement + value[fix.end :]
                start, end = span.at(fix.start), span.at(fix.end)
                edit = Edit(start, end, encoded, fix.description, path, new)
        return at, edit

    def _segments_where(
        self, offset: int | None, fix: Fix | None
    ) -> tuple[int | None, Edit | None]:
        assert self.tree is not None and self.pieces is not None
        if offset is None:
            return self.tree.key(("segments",)), None
        piece = next((p for p in self.pieces if p.start <= offset < p.end), None)
        if piece is None:
            piece = self.pieces[-1] if self.pieces else None
        if piece is None:
            return self.tree.key(("segments",)), None
        for region in piece.regions:
            if region.start <= offset <= region.end:
                index, _ = _value_index(region, offset)
                value_fix = None
                if fix is not None and region.start <= fix.end <= region.end:
                    start, exact_start = _value_index(region, fix.start)
                    end, exact_end = _value_index(region, fix.end)
                    if (
                        exact_start
                        and exact_end
                        and region.escape(fix.replacement) == fix.replacement
                    ):
                        value_fix = Fix(start, end, fix.replacement, fix.description)
                return self._string_where(region.path, region.value, index, value_fix)
        return self.tree.value(piece.item), None


# --- reading ---------------------------------------------------------------------------------


def _problem(
    path: str,
    text: str | None,
    message: str,
    *,
    offset: int | None = None,
    line: int | None = None,
    column: int | None = None,
    hint: str | None = None,
    code: str = _INVALID,
    field_name: str = "document",
) -> Finding:
    if offset is not None and text is not None:
        line, column = line_column(text, offset)
    diagnostic = Diagnostic(
        code, CODES[code].severity, message, line, column, hint, field_name, offset
    )
    return Finding(path, diagnostic, line, column)


def _unreadable(path: str, kind: Kind, message: str, hint: str | None = None) -> Document:
    return Document(path, kind, problems=(_problem(path, None, message, hint=hint),))


_OS_REASONS = {
    errno.ELOOP: "it is a symlink loop",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "it is a broken symlink",
    errno.ENOTDIR: "a part of its path is not a directory",
    errno.ENAMETOOLONG: "its name is too long",
}


def _os_reason(error: OSError) -> str:
    return _OS_REASONS.get(error.errno or 0, error.strerror or str(error))


def read_path(path: str, *, display: str | None = None, kind: Kind | None = None) -> Document:
    """Read a message file. Never raises for a bad file: problems are in the document."""
    shown = display or path
    kind = kind or kind_of(path, strict=False) or "msg"
    try:
        # Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        if error.errno == errno.EISDIR:
            return _unreadable(shown, kind, "cannot read the file: it is a directory")
        return _unreadable(shown, kind, f"cannot read the file: {_os_reason(error)}")
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return _unreadable(shown, kind, "cannot read the file: it is a directory")
        if not stat.S_ISREG(info.st_mode):
            what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            return _unreadable(shown, kind, f"cannot read the file: it is {what}")
        if info.st_size > MAX_FILE_BYTES:
            return _too_big(shown, kind, info.st_size)
        # Sized by the file, not the limit: a 1 MiB buffer per small file is what costs.
        chunks = [os.read(fd, info.st_size + 1)]
        while chunks[-1] and sum(map(len, chunks)) <= MAX_FILE_BYTES:
            chunks.append(os.read(fd, MAX_FILE_BYTES + 1 - sum(map(len, chunks))))
        data = b"".join(chunks)
    except OSError as error:
        return _unreadable(shown, kind, f"cannot read the file: {_os_reason(error)}")
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        return _too_big(shown, kind, len(data))
    return read_bytes(data, kind, shown)


def _too_big(path: str, kind: Kind, size: int) -> Document:
    return _unreadable(
        path,
        kind,
        f"the file is {size:,} bytes; message files are read up to {MAX_FILE_BYTES:,} bytes",
        "a msg is at most 1000 characters: is this really a message file?",
    )


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def read_bytes(data: bytes, kind: Kind, path: str) -> Document:
    """Decode and parse the bytes of a message file (UTF-8, with or without a BOM)."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return _unreadable(
                path,
                kind,
                f"the file is {name} encoded (it starts with a {name} byte-order mark)",
                "save it as UTF-8",
            )
    if b"\x00" in data:
        return _unreadable(
            path, kind, "the file is binary (it contains NUL bytes)", "lint text files only"
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        head = data[: error.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        problem = _problem(
            path,
            None,
            f"the file is not valid UTF-8: byte 0x{data[error.start]:02x} cannot start or "
            "continue a character",
            line=line,
            column=column,
            hint="save it as UTF-8",
        )
        return Document(path, kind, problems=(problem,))
    return read_text(text, kind, path, bom=bom)


def read_text(text: str, kind: Kind, path: str, *, bom: bool = False) -> Document:
    """Parse the text of a message file."""
    if kind == "msg":
        return Document(path, kind, text, markup=strip_final_newline(text), bom=bom)
    if kind == "json":
        return _read_json(text, path, bom)
    return _read_yaml(text, path, bom)


def _read_json(text: str, path: str, bom: bool) -> Document:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append(key)
                seen.add(key)
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        problem = _problem(
            path, text, f"invalid JSON: {error.msg}", offset=error.pos, hint=_JSON_HINT
        )
        return Document(path, "json", text, problems=(problem,), bom=bom)
    except RecursionError:
        return Document(path, "json", text, problems=(_nested(path, text),), bom=bom)
    tree = _JsonTree(text)
    extra = [_duplicate(path, text, name, _json_duplicate(text, name)) for name in duplicates]
    return _inspect(path, "json", text, data, tree, bom, extra)


_JSON_HINT = 'fix the JSON syntax; a message document looks like {"msg": "..."}'


def _json_duplicate(text: str, name: str) -> int | None:
    """Offset of the second occurrence of key ``name`` in any object."""
    literal = json.dumps(name)
    found = list(re.finditer(re.escape(literal) + r"\s*:", text))
    return found[1].start() if len(found) > 1 else None


def _duplicate(path: str, text: str, name: str, offset: int | None) -> Finding:
    return _problem(
        path,
        text,
        f"the key {name!r} appears more than once; only the last one would count",
        offset=offset,
        hint="keep one of them",
    )


def _nested(path: str, text: str) -> Finding:
    return _problem(
        path, text, "the document is nested too deeply", offset=0, hint="a message document is flat"
    )


def _read_yaml(text: str, path: str, bom: bool) -> Document:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problem = _problem(
                path, text, "the document is empty", offset=0, hint="give it a msg or segments"
            )
            return Document(path, "yaml", text, problems=(problem,), bom=bom)
        alias = _yaml_alias(node)
        if alias is not None:
            problem = _problem(
                path,
                text,
                "YAML anchors and aliases are not allowed in a message document",
                offset=alias,
                hint="write the value out in full",
            )
            return Document(path, "yaml", text, problems=(problem,), bom=bom)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(str(part) for part in (error.context, error.problem) if part)
        problem = _problem(
            path,
            text,
            f"invalid YAML: {what or 'syntax error'}",
            offset=int(mark.index) if mark is not None else 0,
            hint="fix the YAML syntax; a message document looks like 'msg: ...'",
        )
        return Document(path, "yaml", text, problems=(problem,), bom=bom)
    except yaml.YAMLError as error:
        problem = _problem(path, text, f"invalid YAML: {error}", offset=0)
        return Document(path, "yaml", text, problems=(problem,), bom=bom)
    except RecursionError:
        return Document(path, "yaml", text, problems=(_nested(path, text),), bom=bom)
    finally:
        loader.dispose()
    tree = _YamlTree(text, node)
    extra = [_duplicate(path, text, n, off) for n, off in _yaml_duplicates(node)]
    if isinstance(data, dict) and isinstance(data.get("msg"), str):
        msg_node = tree._walk(("msg",))
        if msg_node is not None and msg_node[1].style in ("|", ">"):
            # A block scalar's final line break is the file's, as in a .msg file.
            data = {**data, "msg": strip_final_newline(data["msg"])}
    return _inspect(path, "yaml", text, data, tree, bom, extra)


def _yaml_nodes(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current.id == "mapping":
            for k, v in current.value:
                stack.extend((k, v))
        elif current.id == "sequence":
            stack.extend(current.value)


def _yaml_alias(root: Any) -> int | None:
    """Offset of the first node reached twice: an alias (which could also expand exponentially)."""
    seen: set[int] = set()
    for node in _yaml_nodes(root):
        if id(node) in seen:
            return int(node.start_mark.index)
        seen.add(id(node))
    return None


def _yaml_duplicates(root: Any) -> Iterator[tuple[str, int]]:
    for node in _yaml_nodes(root):
        if node.id == "mapping":
            seen: set[str] = set()
            for k, _ in node.value:
                if k.id == "scalar":
                    if k.value in seen:
                        yield k.value, int(k.start_mark.index)
                    seen.add(k.value)


# --- what a parsed document says -----------------------------------------------------------

_SECRET_KEY = re.compile(
    r"(?i)(access|auth|api|app|client)[-_ ]?(token|key|secret)|^(token|secret|password|passwd)$"
)
_SECRET_WORDS = re.compile(r"(?i)token|key|secret|passw")
_SECRET_VALUE = re.compile(r"(?i)[?&;]?(access[-_]?token|auth[-_]?token)=[^&\s]+")


def _secrets(data: Any) -> Iterator[tuple[PathKey, bool]]:
    """Paths that carry a secret: (path, is_key)."""
    stack: list[tuple[PathKey, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _SECRET_KEY.search(key):
                    yield (*path, key), True
                else:
                    stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and _SECRET_VALUE.search(value):
            yield path, False


def _display(path: PathKey) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "the document"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


_PARAMS = tuple(k for k in schema("message")["properties"] if k not in ("msg", "segments"))


def _inspect(
    path: str,
    kind: Kind,
    text: str,
    data: Any,
    tree: _Tree,
    bom: bool,
    extra: list[Finding],
) -> Document:
    problems = list(extra)

    def add(
        message: str, offset: int | None, hint: str | None = None, code: str = _INVALID
    ) -> None:
        problems.append(_problem(path, text, message, offset=offset, hint=hint, code=code))

    if not isinstance(data, dict):
        add(
            f"a message document is a mapping with msg or segments, not a {_type_name(data)}",
            tree.value(()),
            'write it as {"msg": "..."} (JSON) or msg: ... (YAML)',
        )
        return Document(path, kind, text, data, problems=tuple(problems), bom=bom, tree=tree)

    secret_paths: set[PathKey] = set()
    # A word search of the text first: walking the data is only worth it when one is there.
    for secret, is_key in _secrets(data) if _SECRET_WORDS.search(text) else ():
        secret_paths.add(secret)
        what = f"the key {secret[-1]!r}" if is_key else f"an access_token in {_display(secret)}"
        add(
            f"the document carries a secret ({what}); secrets must never be committed",
            tree.key(secret) if is_key else tree.value(secret),
            "remove it, rotate the token, and pass it at run time from the environment",
            _SECRET,
        )

    segments_ok = True
    if not is_valid("message", data):
        for error in _schema_errors(data):
            if tuple(error.absolute_path)[:1] == ("segments",):
                segments_ok = False
            for message, offset, hint in _describe(error, tree, secret_paths):
                add(message, offset, hint)

    markup: str | None = None
    pieces: tuple[_Piece, ...] | None = None
    if isinstance(data.get("msg"), str) and "segments" not in data:
        markup = data["msg"]
    elif isinstance(data.get("segments"), list) and segments_ok and "msg" not in data:
        try:
            _, composed, markup = _compose(data["segments"])
            pieces = tuple(composed)
        except InvalidSegmentError as error:
            add(f"a segment cannot be composed: {error}", tree.key(("segments",)))
            problems[-1] = _as_code(problems[-1], "error_malformed_params")
    params = {k: data[k] for k in _PARAMS if isinstance(data.get(k), str)}
    return Document(path, kind, text, data, markup, params, tuple(problems), bom, tree, pieces)


def _as_code(finding: Finding, code: str) -> Finding:
    d = finding.diagnostic
    diagnostic = Diagnostic(
        code, CODES[code].severity, d.message, d.line, d.column, d.hint, d.field, d.offset
    )
    return Finding(finding.path, diagnostic, finding.line, finding.column)


def _schema_errors(data: Any) -> list[ValidationError]:
    from .schemas import validator

    try:
        errors = list(validator("message").iter_errors(data))
    except RecursionError:
        return []
    return sorted(errors, key=lambda e: [str(step) for step in e.absolute_path])


def _describe(
    error: ValidationError, tree: _Tree, secrets: set[PathKey]
) -> Iterator[tuple[str, int | None, str | None]]:
    """Say a jsonschema error in the document's terms: (message, offset, hint)."""
    path: PathKey = tuple(error.absolute_path)
    keyword: Any = error.validator
    instance: Any = error.instance
    subschema: Any = error.schema
    value: Any = error.validator_value
    name = _display(path)
    hint: str | None
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list(subschema.get("properties", {}))
        for key in instance:
            if key in allowed or (*path, key) in secrets:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            where = f" in {name}" if path else ""
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            yield f"unknown key {key!r}{where}", tree.key((*path, key)), hint
        return
    if keyword == "oneOf" and not path and isinstance(instance, dict):
        branches = [tuple(b.get("required", ())) for b in value]
        present = [b for b in branches if b and all(k in instance for k in b)]
        keys = " or ".join(repr(b[0]) for b in branches if b)
        if present:
            yield (
                f"the document has both {' and '.join(repr(b[0]) for b in present)}; "
                "it needs exactly one",
                tree.key((present[-1][0],)),
                "keep msg for markup, or segments for a list msgkit renders and escapes",
            )
        else:
            yield f"the document needs {keys}", tree.value(()), "add msg: <markup>"
        return
    if keyword == "oneOf" and isinstance(value, list):
        branches = [tuple(b.get("required", ())) for b in value]
        if not isinstance(instance, dict):
            yield (
                f"{name} must be a mapping such as {{{branches[0][0]}: ...}}, "
                f"not a {_type_name(instance)}",
                tree.value(path),
                None,
            )
            return
        matching = [i for i, b in enumerate(branches) if b and all(k in instance for k in b)]
        names = [b[0] for b in branches if b]
        if not matching:
            unknown = [k for k in instance if k not in names]
            close = difflib.get_close_matches(str(unknown[0]), names, 1, 0.6) if unknown else []
            hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(names)}"
            yield f"{name} needs one of {', '.join(names)}", tree.value(path), hint
            return
        if len(matching) > 1:
            both = " and ".join(repr(branches[i][0]) for i in matching)
            yield (
                f"{name} has both {both}; a segment is one of {', '.join(names)}",
                tree.value(path),
                "give each its own item",
            )
            return
        for sub in error.context or ():
            if sub.relative_schema_path and sub.relative_schema_path[0] == matching[0]:
                yield from _describe(sub, tree, secrets)
        return
    if keyword == "type":
        expected = value
        hint = (
            "put it in quotes" if expected == "string" and not isinstance(instance, str) else None
        )
        yield f"{name} must be a {expected}, not a {_type_name(instance)}", tree.value(path), hint
        return
    if keyword in ("maxLength", "pattern") and len(path) == 1 and path[0] in _PARAMS:
        return  # the offline checks report these with the provider's own status names
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    yield f"{name}: {message}", tree.value(path), None
