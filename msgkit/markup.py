"""Parsing ``msg`` markup with a hardened lxml parser, and mapping problems back to positions.

The markup is an XML fragment: text with ``<speech>`` and ``<url>`` elements, several at the
top level. It is parsed inside a synthetic root, so errors are shifted back to the caller's
string. Positions of elements are found only when a diagnostic needs them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from .errors import MarkupError
from .model import Audio, Message, Segment, Speech, Text

__all__ = ["Locator", "RawSegment", "Scan", "parse", "scan"]

_ROOT = "msg"
_OPEN = f"<{_ROOT}>"
_CLOSE = f"</{_ROOT}>"

ALLOWED = {"speech": ("language", "gender"), "url": ()}
_ALLOWED_TEXT = 'text, <speech language=".." gender="..">...</speech> and <url>...</url>'


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion beyond the predefined ones, no network, no huge trees:
    # hostile input (billion laughs, external entities, deep nesting) fails fast and reads nothing.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        strip_cdata=True,
        collect_ids=False,
    )


_PARSER = _parser()


@dataclass(frozen=True, slots=True)
class RawSegment:
    """A segment as found in the tree, before it becomes a model value.

    ``element`` is the document-order index of its element (``-1`` for text), used to find its
    position only when a diagnostic asks for it. ``after`` is, for text, the index of the
    element it follows (``-1`` when it opens the msg).
    """

    kind: Literal["text", "speech", "url"]
    text: str
    language: str | None = None
    gender: str | None = None
    element: int = -1
    after: int = -1


@dataclass(frozen=True, slots=True)
class Problem:
    """A structural problem: the markup parses as XML but is not a valid msg."""

    message: str
    offset: int
    hint: str | None = None


@dataclass(slots=True)
class Scan:
    source: str
    segments: list[RawSegment]
    problems: list[Problem]
    locator: Locator


_SYNTAX_POSITION = re.compile(r", line \d+, column \d+$")
_ESCAPE_HINT = (
    "escape it as {0} (msgkit lint --fix does this), or build the msg with MessageBuilder"
)

# libxml2's messages, said in the msg's own terms: (pattern, message, hint, token to point at).
_FRIENDLY: list[tuple[re.Pattern[str], str, str | None, str | None]] = [
    (
        re.compile(r"DOCTYPE|ENTITY"),
        "a msg cannot contain a DOCTYPE, DTD or entity declaration",
        "remove it; only the five predefined entities and numeric references are allowed",
        "<!",
    ),
    (
        re.compile(r"xmlParseEntityRef: no name|EntityRef: expecting ';'"),
        "'&' must be written '&amp;' in text",
        _ESCAPE_HINT.format("&amp;"),
        "&",
    ),
    (
        re.compile(r"XML declaration allowed only at the start|ParsePI|PI "),
        "XML declarations and processing instructions are not allowed in a msg",
        "remove the <?...?> part; the msg is a fragment, not a document",
        "<?",
    ),
    (
        re.compile(r"StartTag: invalid element name"),
        "'<' must be written '&lt;' in text",
        _ESCAPE_HINT.format("&lt;"),
        "<",
    ),
    (
        re.compile(r"Entity '([^']*)' not defined"),
        "unknown entity '&{0};': only &amp; &lt; &gt; &quot; &apos; and numeric references exist",
        "write the character itself, or a numeric reference such as &#233;",
        "&",
    ),
    (
        re.compile(r"Excessive depth in document"),
        "elements are nested too deeply",
        "the msg markup allows no nesting at all: " + _ALLOWED_TEXT,
        None,
    ),
    (
        re.compile(r"Opening and ending tag mismatch: " + _ROOT + r" line \d+ and (\S+)"),
        "</{0}> closes nothing",
        "remove it, or add the <{0}> it belongs to",
        "</",
    ),
    (
        re.compile(r"Opening and ending tag mismatch: (\S+) line \d+ and " + _ROOT + "$"),
        "<{0}> is never closed",
        "close it with </{0}>",
        None,
    ),
    (
        re.compile(r"Opening and ending tag mismatch: (\S+) line \d+ and (\S+)"),
        "</{1}> does not close <{0}>",
        "close <{0}> with </{0}>",
        "</",
    ),
    (
        re.compile(r"Premature end of data in tag (\S+)"),
        "<{0}> is never closed",
        "close it with </{0}>",
        None,
    ),
    (
        re.compile(r"Extra content at the end of the document"),
        "a closing tag that closes nothing",
        "remove it, or add the opening tag it belongs to",
        "</",
    ),
    (
        re.compile(r"xmlParseCharRef: invalid xmlChar value (\d+)"),
        "a character reference to character {0}, which XML does not allow",
        "remove it: control characters cannot travel in a msg",
        "&#",
    ),
]


def _syntax_problem(source: str, error: etree.XMLSyntaxError) -> Problem:
    message = _SYNTAX_POSITION.sub("", str(error.msg or error)).strip()
    line, column = error.position
    if line == 1:
        column -= len(_OPEN)
    offset = _offset_of(source, max(line, 1), max(column, 1))
    hint = None
    for pattern, friendly, friendly_hint, token in _FRIENDLY:
        found = pattern.search(message)
        if found:
            message = friendly.format(*found.groups())
            hint = friendly_hint.format(*found.groups()) if friendly_hint else None
            # libxml2 reports the column after the offending token; point at the token.
            if token is not None:
                before = source.rfind(token, 0, offset + 1)
                offset = before if before >= 0 else offset
            break
    if source.startswith("<!", offset) and not source.startswith(("<!--", "<![CDATA["), offset):
        message, hint = _FRIENDLY[0][1], _FRIENDLY[0][2]
    return Problem(message, offset, hint)


class Locator:
    """Finds offsets, lines and columns in a markup string, lazily."""

    __slots__ = ("_elements", "source")

    # Comments, CDATA sections and processing instructions can hold '<' that starts no element.
    _TOKENS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(?=[^/!?])", re.S)

    def __init__(self, source: str) -> None:
        self.source = source
        self._elements: list[int] | None = None

    def element(self, index: int) -> int:
        """Offset of the ``<`` that opens the element with document-order ``index``."""
        if self._elements is None:
            self._elements = [
                m.start() for m in self._TOKENS.finditer(self.source) if m.group() == "<"
            ]
        if 0 <= index < len(self._elements):
            return self._elements[index]
        return 0

    def attribute(self, index: int, name: str, *, value: bool = True) -> int:
        """Offset of attribute ``name`` of element ``index`` (its value, or its name)."""
        start = self.element(index)
        end = self.source.find(">", start)
        found = re.compile(rf"\s{re.escape(name)}\s*=\s*[\"']").search(
            self.source, start, end if end >= 0 else len(self.source)
        )
        if found is None:
            return start
        return found.end() if value else found.start() + 1

    def after(self, index: int) -> int:
        """Offset just after the element with document-order ``index`` ends."""
        start = self.element(index)
        tag = re.compile(r"<([^\s/>]+)").match(self.source, start)
        gt = self.source.find(">", start)
        if gt < 0 or tag is None:
            return start
        if self.source[gt - 1] == "/":
            return gt + 1
        close = self.source.find(f"</{tag.group(1)}", gt)
        if close < 0:
            return gt + 1
        return self.source.find(">", close) + 1

    def position(self, offset: int) -> tuple[int, int]:
        return line_column(self.source, offset)


def line_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``; ``\\r\\n``, ``\\r`` and ``\\n`` all end a line."""
    offset = max(0, min(offset, len(source)))
    head = source[:offset]
    newlines = head.count("\n")
    last = head.rfind("\n")
    if "\r" in head:
        newlines += head.count("\r") - head.count("\r\n")
        last = max(last, head.rfind("\r"))
    return newlines + 1, offset - last


def _offset_of(source: str, line: int, column: int) -> int:
    """Inverse of :func:`line_column`, clamped to the string."""
    start = 0
    for _ in range(line - 1):
        nl = _next_line_break(source, start)
        if nl < 0:
            return len(source)
        start = nl
    return min(start + column - 1, len(source))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _next_line_break(source: str, start: int) -> int:
    found = _LINE_BREAK.search(source, start)
    return found.end() if found else -1


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), list(ALLOWED), n=1, cutoff=0.5)
    if close:
        return f"did you mean <{close[0]}>? The markup allows {_ALLOWED_TEXT}"
    return f"the markup allows {_ALLOWED_TEXT}"


def scan(source: str) -> Scan:
    """Parse ``source`` and collect its segments and structural problems (never raises)."""
    locator = Locator(source)
    segments: list[RawSegment] = []
    problems: list[Problem] = []
    scan_ = Scan(source, segments, problems, locator)
    try:
        root = etree.fromstring(_OPEN + source + _CLOSE, _PARSER)
    except etree.XMLSyntaxError as error:
        problems.append(_syntax_problem(source, error))
        return scan_
    except (ValueError, MemoryError) as error:  # e.g. characters lxml refuses outright
        problems.append(Problem(f"the markup cannot be parsed: {error}", 0))
        return scan_

    if root.text:
        segments.append(RawSegment("text", root.text))
    index = -1  # document-order index of elements in the caller's string
    for node in root:
        tag = node.tag
        if isinstance(tag, str):
            index += 1
            mine = index
            attrib = node.attrib
            allowed = ALLOWED.get(tag)
            if allowed is None:
                problems.append(
                    Problem(f"unknown element <{tag}>", locator.element(mine), _suggest(tag))
                )
            else:
                for name in attrib:
                    if name not in allowed:
                        what = (
                            f"<{tag}> allows the attributes {' and '.join(allowed)}"
                            if allowed
                            else f"<{tag}> takes no attributes"
                        )
                        problems.append(
                            Problem(
                                f"unknown attribute {name!r} on <{tag}>",
                                locator.attribute(mine, str(name), value=False),
                                what,
                            )
                        )
            if len(node):
                # Anything nested: one problem, then skip the nested elements' indices.
                nested = list(node.iter())[1:]
                first = next((n for n in nested if isinstance(n.tag, str)), None)
                if first is not None:
                    problems.append(
                        Problem(
                            f"<{first.tag}> is nested inside <{tag}>",
                            locator.element(mine + 1),
                            f"tags cannot be nested; close <{tag}> first: {_ALLOWED_TEXT}",
                        )
                    )
                else:
                    problems.append(
                        Problem(
                            f"a comment or processing instruction inside <{tag}>",
                            locator.element(mine),
                            "remove it",
                        )
                    )
                index += sum(1 for n in nested if isinstance(n.tag, str))
                text = "".join(str(t) for t in node.itertext())
            else:
                text = node.text or ""
            if tag == "speech":
                segments.append(
                    RawSegment("speech", text, attrib.get("language"), attrib.get("gender"), mine)
                )
            elif tag == "url":
                segments.append(RawSegment("url", text, element=mine))
        else:
            what = "comments" if isinstance(node, etree._Comment) else "processing instructions"
            problems.append(
                Problem(f"{what} are not allowed in a msg", _nth_special(source, node), "remove it")
            )
            mine = index
        if node.tail:
            segments.append(RawSegment("text", node.tail, after=mine))
    return scan_


def _nth_special(source: str, node: etree._Element) -> int:
    marker = "<!--" if isinstance(node, etree._Comment) else "<?"
    found = source.find(marker)
    return max(found, 0)


def _to_segment(raw: RawSegment) -> Segment:
    if raw.kind == "text":
        return Text(raw.text)
    if raw.kind == "speech":
        return Speech(raw.text, raw.language, raw.gender)
    return Audio(raw.text)


def parse(markup: str) -> Message:
    """Parse ``msg`` markup into a :class:`Message`.

    Raises :class:`MarkupError` (``code == "error_msg_invalid_xml"``) with the 1-based line and
    column of the first problem in ``markup``.
    """
    if not isinstance(markup, str):
        raise TypeError(f"parse() takes a str, not {type(markup).__name__}")
    result = scan(markup)
    if result.problems:
        first = min(result.problems, key=lambda p: p.offset)
        line, column = result.locator.position(first.offset)
        raise MarkupError(first.message, line=line, column=column, hint=first.hint)
    return Message(_to_segment(raw) for raw in result.segments)
