"""What a message file is: its kind, the :class:`Document` read from it, and placed findings.

:meth:`Document.locate` maps a library diagnostic (positions in the msg string) back to the
file, with a safe :class:`Edit` when its fix can be written in the value's own quoting.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..diagnostics import CODES, Diagnostic, Fix, Severity
from ..markup import line_column

if TYPE_CHECKING:  # a .msg file needs neither: they are imported with JSON and YAML documents
    from .compose import _Piece
    from .trees import PathKey, _Tree

Kind = Literal["msg", "json", "yaml"]

SUFFIXES: dict[str, Kind] = {
    ".msg": "msg",
    ".msg.json": "json",
    ".msg.yaml": "yaml",
    ".msg.yml": "yaml",
}
# Explicitly named files with other names are read by their last suffix, else as raw markup.
_LOOSE: dict[str, Kind] = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}

_INVALID = "error_document_invalid"


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
    """A diagnostic placed in a file: ``line`` and ``column`` are 1-based positions in the file.

    ``end_line`` and ``end_column`` are where the problem ends (the column just after its last
    character, as SARIF counts), when that is known.
    """

    path: str
    diagnostic: Diagnostic
    line: int | None = None
    column: int | None = None
    edit: Edit | None = None
    end_line: int | None = None
    end_column: int | None = None

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
        end = self._end(diagnostic, offset, edit)
        end_line, end_column = self.position(end) if end is not None else (None, None)
        return Finding(self.path, diagnostic, line, column, edit, end_line, end_column)

    def _end(self, d: Diagnostic, start: int | None, edit: Edit | None) -> int | None:
        """The file offset where the problem ends: its span mapped like its start, or the
        characters its fix replaces."""
        if start is None:
            return None
        end: int | None = None
        if d.length and d.offset is not None:
            end, _ = self._where(
                Diagnostic(d.code, d.severity, "", field=d.field, offset=d.offset + d.length)
            )
        elif edit is not None and edit.start == start and edit.end > start:
            end = edit.end
        return end if end is not None and end > start else None

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
        if not self.pieces:
            return self.tree.key(("segments",)), None
        # The pieces are in order and abut: the one that starts last at or before the offset.
        found = bisect_right(self.pieces, offset, key=_piece_start) - 1
        piece = self.pieces[max(found, 0)]
        from .compose import _value_index

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


def _piece_start(piece: _Piece) -> int:
    return piece.start


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
