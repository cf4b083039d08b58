"""Parsing ``msg`` markup with a hardened lxml parser, and mapping problems back to positions.

The markup is an XML fragment: text with ``<speech>`` and ``<url>`` elements, several at the
top level. It is parsed inside a synthetic root, so errors are shifted back to the caller's
string. Positions of elements are found only when a diagnostic needs them.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from itertools import accumulate
from typing import TYPE_CHECKING, Literal, NamedTuple

from lxml import etree

from .chars import NOT_XML as _NOT_XML
from .errors import MarkupError

if TYPE_CHECKING:
    from .model import Message, Segment

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


class RawSegment(NamedTuple):
    """A segment as found in the tree, before it becomes a model value.

    ``element`` is the document-order index of its element (``-1`` for text), used to find its
    position only when a diagnostic asks for it. ``after`` is, for text, the index of the
    element it follows (``-1`` when it opens the msg). (A named tuple: immutable, and several
    times cheaper to make than a frozen dataclass on the hot path.)
    """

    kind: Literal["text", "speech", "url"]
    text: str
    language: str | None = None
    gender: str | None = None
    element: int = -1
    after: int = -1


class Problem(NamedTuple):
    """A problem with the markup: not well-formed XML, or XML that is not a valid msg."""

    message: str
    offset: int
    hint: str | None = None


class Scan:
    """What :func:`scan` found: the segments, the problems, and a locator for positions.

    The locator is made on first use: clean markup never needs one. ``more`` counts the
    problems found past the ``limit`` of :func:`scan`, which are not in ``problems``.
    """

    __slots__ = ("_locator", "more", "problems", "segments", "source")

    def __init__(
        self,
        source: str,
        segments: list[RawSegment],
        problems: list[Problem],
        locator: Locator | None = None,
    ) -> None:
        self.source = source
        self.segments = segments
        self.problems = problems
        self._locator = locator
        self.more = 0

    @property
    def locator(self) -> Locator:
        if self._locator is None:
            self._locator = Locator(self.source)
        return self._locator


_SYNTAX_POSITION = r", line \d+, column \d+$"
_ESCAPE_HINT = (
    "escape it as {0} (msgkit lint --fix does this), or build the msg with MessageBuilder"
)

# libxml2's messages, said in the msg's own terms: (pattern, message, hint, token to point at).
# The patterns are compiled (and cached by re) the first time a msg does not parse.
_FRIENDLY: list[tuple[str, str, str | None, str | None]] = [
    (
        r"DOCTYPE|ENTITY",
        "a msg cannot contain a DOCTYPE, DTD or entity declaration",
        "remove it; only the five predefined entities and numeric references are allowed",
        "<!",
    ),
    (
        r"xmlParseEntityRef: no name|EntityRef: expecting ';'",
        "'&' must be written '&amp;' in text",
        _ESCAPE_HINT.format("&amp;"),
        "&",
    ),
    (
        r"XML declaration allowed only at the start|ParsePI|PI ",
        "XML declarations and processing instructions are not allowed in a msg",
        "remove the <?...?> part; the msg is a fragment, not a document",
        "<?",
    ),
    (
        r"Comment not terminated|Double hyphen within comment",
        "comments are not allowed in a msg",
        "remove it",
        "<!--",
    ),
    (
        r"CData section not finished",
        "a CDATA section that is never closed",
        "close it with ]]>, or drop the CDATA section and escape the text",
        "<![CDATA[",
    ),
    (
        r"Attribute (\S+) redefined",
        "the attribute {0} is given twice",
        "keep only one {0}",
        None,
    ),
    (
        r"Specification mandates value for attribute (\S+)",
        "the attribute {0} has no value",
        'give it a quoted value: {0}=".."',
        None,
    ),
    (
        r"AttValue: \" or ' expected",
        "attribute values must be quoted",
        'write it as language="zh-HK", with the quotes',
        None,
    ),
    (
        r"Unescaped '<' not allowed in attributes? values?",
        "'<' must be written '&lt;' in an attribute value",
        _ESCAPE_HINT.format("&lt;"),
        None,  # libxml2 points at the '<' itself
    ),
    (
        r"StartTag: invalid element name",
        "'<' must be written '&lt;' in text",
        _ESCAPE_HINT.format("&lt;"),
        "<",
    ),
    (
        r"Entity '([^']*)' not defined",
        "unknown entity '&{0};': only &amp; &lt; &gt; &quot; &apos; and numeric references exist",
        "write the character itself, or a numeric reference such as &#233;",
        "&",
    ),
    (
        r"Excessive depth in document",
        "elements are nested too deeply",
        "the msg markup allows no nesting at all: " + _ALLOWED_TEXT,
        None,
    ),
    (
        r"Opening and ending tag mismatch: " + _ROOT + r" line \d+ and (\S+)",
        "</{0}> closes nothing",
        "remove it, or add the <{0}> it belongs to",
        "</",
    ),
    (
        r"Opening and ending tag mismatch: (\S+) line \d+ and " + _ROOT + "$",
        "<{0}> is never closed",
        "close it with </{0}>",
        None,
    ),
    (
        r"Opening and ending tag mismatch: (\S+) line \d+ and (\S+)",
        "</{1}> does not close <{0}>",
        "close <{0}> with </{0}>",
        "</",
    ),
    (
        r"Premature end of data in tag (\S+)",
        "<{0}> is never closed",
        "close it with </{0}>",
        None,
    ),
    (
        r"Extra content at the end of the document",
        "a closing tag that closes nothing",
        "remove it, or add the opening tag it belongs to",
        "</",
    ),
    (
        r"xmlParseCharRef: invalid xmlChar value (\d+)",
        "a character reference to character {0}, which XML does not allow",
        "remove it: control characters cannot travel in a msg",
        "&#",
    ),
]


def _unreadable_char(source: str, found: re.Match[str]) -> Problem:
    return Problem(
        f"U+{ord(found.group()):04X} cannot appear in a msg",
        found.start(),
        "remove it: control characters, lone surrogates, U+FFFE and U+FFFF cannot travel "
        "in XML markup",
    )


def _libxml2_offset(source: str, line: int, column: int) -> int:
    """The offset libxml2 means by ``line`` and ``column``, clamped to the string.

    libxml2 counts lines by '\\n' alone (a lone '\\r' is just a character on the line), and
    columns in characters, so this is not the inverse of :func:`line_column`.
    """
    start = 0
    if line > 1:
        # Counted a block at a time (no list of a million lines for an error on the last one).
        need, at, size = line - 1, 0, 4096
        while (found := source.count("\n", at, at + size)) < need:
            if at + size >= len(source):
                return len(source)
            need -= found
            at += size
        start = at - 1
        for _ in range(need):
            start = source.find("\n", start + 1)
        start += 1
    return min(start + column - 1, len(source))


@lru_cache(maxsize=256)
def _friendly(message: str) -> tuple[str, str | None, str | None]:
    """libxml2's ``message`` said in the msg's own terms: (message, hint, token to point at)."""
    for pattern, friendly, friendly_hint, token in _FRIENDLY:
        found = re.search(pattern, message)
        if found:
            groups = found.groups()
            hint = friendly_hint.format(*groups) if friendly_hint else None
            return friendly.format(*groups), hint, token
    return message, None, None


def _syntax_problem(locator: Locator, error: etree.XMLSyntaxError) -> Problem:
    source = locator.source
    message = re.sub(_SYNTAX_POSITION, "", str(error.msg or error)).strip()
    # libxml2 sometimes quotes the input after a line break, which may include the synthetic
    # root's closing tag: keep the first line only.
    message = message.partition("\n")[0].strip()
    line, column = error.position
    if line == 1:
        column -= len(_OPEN)
    offset = _libxml2_offset(source, max(line, 1), max(column, 1))
    # A character XML cannot carry at all: libxml2 words it variously (and cannot place a lone
    # surrogate), so name the character and point at it.
    bad = _NOT_XML.search(source)
    if bad is not None and (bad.start() <= offset or "encoding" in message):
        return _unreadable_char(source, bad)
    message, hint, token = _friendly(message)
    if token in _STRAY:
        offset, hint = _stray(source, offset, token, hint)
    elif token is not None:
        # libxml2 reports the column after the offending token; point at the token.
        before = source.rfind(token, 0, offset + 1)
        offset = before if before >= 0 else offset
    if source.startswith("<!", offset) and not source.startswith(("<!--", "<![CDATA["), offset):
        message, hint = _FRIENDLY[0][1], _FRIENDLY[0][2]
    return Problem(message, offset, hint)


# A stray '&' or '<' is reported where libxml2 gave up reading the reference or tag it began:
# after the character, and after the name an '&' was followed by (``&b&``, ``&amp b``). What lies
# between cannot hold another '&' or '<', nor end a reference or tag.
# (Compiled, and cached by re, the first time a msg has a stray character.)
_STRAY = {"&": r"[^\s&<>\"';]*;?", "<": r"[^\s&<>\"']*"}
_REFERENCE = r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[^\s&<>\"';#][^\s&<>\"';]*);"


def _stray(source: str, offset: int, token: str, hint: str | None) -> tuple[int, str | None]:
    """The offset of the stray ``token`` libxml2 stopped after, and the hint that fits it.

    The character is found by what lies between it and where libxml2 stopped, never by being
    the nearest one: in ``a && b`` libxml2 stops at the second '&' because of the first. The
    escape hint (and with it ``--fix``) is kept only when the character is certainly stray.
    """
    at = source.rfind(token, 0, offset)
    if at < 0:
        return offset, None
    between = re.compile(_STRAY[token]).fullmatch(source, at + 1, offset)
    if between is None or (token == "&" and re.compile(_REFERENCE).match(source, at)):
        return at, None
    return at, hint


class Locator:
    """Finds offsets, lines and columns in a markup string, lazily.

    Each index (element starts, comments and processing instructions, line starts, attributes
    of a start tag) is built once, on first use, so a msg with thousands of diagnostics costs
    one pass over the string, not one pass per diagnostic. Element and comment starts are
    indexed only as far as asked for: the first few of a hundred thousand cost what they cost.
    """

    __slots__ = (
        "_asked",
        "_done",
        "_elements",
        "_lines",
        "_specials",
        "_tags",
        "_tokens",
        "source",
    )

    # Comments, CDATA sections and processing instructions can hold '<' that starts no element.
    _TOKENS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<(?=[^/!?])", re.S)
    _TAG = re.compile(r"<([^\s/>]+)")
    _ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")
    _TAG_END = re.compile(r"\s*(/?)>")

    def __init__(self, source: str) -> None:
        self.source = source
        self._elements: list[int] = []
        self._specials: list[int] = []
        self._tokens: Iterator[re.Match[str]] | None = None  # where indexing goes on from
        self._done = False  # every element and comment start is indexed
        self._asked = 0  # positions worked out without the line index
        self._lines: list[int] | None = None
        self._tags: dict[int, tuple[dict[str, int], int, bool]] | None = None

    def _index(self, found: list[int], index: int) -> None:
        """Index element and comment starts until ``found`` (one of the two) has ``index``,
        and as many again (asked one by one, they are indexed in ever longer runs)."""
        if self._done:
            return
        index += len(found)
        tokens = self._tokens
        if tokens is None:
            tokens = self._tokens = self._TOKENS.finditer(self.source)
        elements, specials, source = self._elements, self._specials, self.source
        for m in tokens:
            start = m.start()
            if m.end() - start == 1:
                elements.append(start)
            elif not source.startswith("<![", start):
                specials.append(start)
            if len(found) > index:
                return
        self._done = True
        self._tokens = None

    def element(self, index: int) -> int:
        """Offset of the ``<`` that opens the element with document-order ``index``."""
        elements = self._elements
        if index >= len(elements):
            self._index(elements, index)
        if 0 <= index < len(elements):
            return elements[index]
        return 0

    def special(self, index: int) -> int:
        """Offset of the comment or processing instruction with document-order ``index``."""
        specials = self._specials
        if index >= len(specials):
            self._index(specials, index)
        if 0 <= index < len(specials):
            return specials[index]
        return 0

    def _start_tag(self, index: int) -> tuple[dict[str, int], int, bool]:
        """Attribute name offsets, end offset and self-closing flag of a start tag.

        Only used on markup that parsed, so the start tag is well-formed; its attribute values
        may still hold '>' (XML allows that), which is why they are tokenised, not searched.
        """
        start = self.element(index)
        if self._tags is None:
            self._tags = {}
        cached = self._tags.get(start)
        if cached is not None:
            return cached
        source = self.source
        tag = self._TAG.match(source, start)
        names: dict[str, int] = {}
        pos = tag.end() if tag is not None else start + 1
        while True:
            found = self._ATTRIBUTE.match(source, pos)
            if found is None:
                break
            names.setdefault(found.group(1), found.start(1))
            pos = found.end()
        end = self._TAG_END.match(source, pos)
        if end is not None:
            result = (names, end.end(), bool(end.group(1)))
        else:
            gt = source.find(">", pos)
            result = (names, len(source) if gt < 0 else gt + 1, False)
        self._tags[start] = result
        return result

    def attributes(self, index: int) -> dict[str, int]:
        """The offset of each attribute name of the start tag of element ``index``."""
        return self._start_tag(index)[0]

    def attribute(self, index: int, name: str, *, value: bool = True) -> int:
        """Offset of attribute ``name`` of element ``index`` (its value, or its name).

        ``name`` is as written in the markup (``xml:lang``, not lxml's ``{...}lang``).
        """
        names = self._start_tag(index)[0]
        at = names.get(name)
        if at is None:
            return self.element(index)
        if not value:
            return at
        quote = re.compile(r"\s*=\s*[\"']").match(self.source, at + len(name))
        return quote.end() if quote is not None else at

    def after(self, index: int) -> int:
        """Offset just after the element with document-order ``index`` ends."""
        start = self.element(index)
        tag = self._TAG.match(self.source, start)
        if tag is None:
            return start
        _, end, self_closing = self._start_tag(index)
        if self_closing:
            return end
        close = self.source.find(f"</{tag.group(1)}", end)
        if close < 0:
            return end
        gt = self.source.find(">", close)
        return len(self.source) if gt < 0 else gt + 1

    def _line_starts(self) -> list[int]:
        if self._lines is None:
            source = self.source
            if "\r" in source:  # same length, every line break now ends in one '\n'
                source = source.replace("\r\n", " \n").replace("\r", "\n")
            if "\n" in source:
                parts = source.split("\n")
                parts.pop()
                self._lines = list(accumulate(map(_PLUS_ONE, map(len, parts)), initial=0))
            else:
                self._lines = [0]
        return self._lines

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``, exactly as :func:`line_column` counts them."""
        source = self.source
        if offset < 0:
            offset = 0
        elif offset > len(source):
            offset = len(source)
        starts = self._lines
        if starts is None:
            if self._asked < _COUNTED:  # a few positions: counting is cheaper than an index
                self._asked += 1
                return _counted(source, offset)
            starts = self._line_starts()
        if len(starts) == 1:  # a single line: no search, no CRLF
            return 1, offset + 1
        i = bisect_right(starts, offset) - 1
        if 0 < offset < len(source) and source[offset] == "\n" and source[offset - 1] == "\r":
            return i + 2, 1  # on the '\n' of a '\r\n': line_column counts the '\r' already
        return i + 1, offset - starts[i] + 1

    def offset(self, line: int, column: int) -> int:
        """Inverse of :meth:`position`, clamped to the string."""
        starts = self._line_starts()
        if line - 1 >= len(starts):
            return len(self.source)
        return min(starts[max(line, 1) - 1] + max(column, 1) - 1, len(self.source))


_PLUS_ONE = (1).__add__
# Positions in a string worked out by counting, before its line index is built: a megabyte of
# short lines with one problem at the end needs no list of a million line starts.
_COUNTED = 8


def _counted(source: str, offset: int) -> tuple[int, int]:
    """:func:`line_column` by counting line breaks before ``offset`` (which is in range)."""
    newlines = source.count("\n", 0, offset)
    last = source.rfind("\n", 0, offset)
    if source.find("\r", 0, offset) >= 0:
        newlines += source.count("\r", 0, offset) - source.count("\r\n", 0, offset)
        last = max(last, source.rfind("\r", 0, offset))
    return newlines + 1, offset - last


_last_long: Locator | None = None  # the Locator of the last long string line_column() saw


def line_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``; ``\\r\\n``, ``\\r`` and ``\\n`` all end a line.

    Callers ask once per diagnostic; for a long string that would be quadratic, so the line
    index of the last long string is kept (matched by identity, so no hashing).
    """
    global _last_long
    if len(source) > 2048:
        locator = _last_long
        if locator is None or locator.source is not source:
            locator = _last_long = Locator(source)
        return locator.position(offset)
    return _counted(source, max(0, min(offset, len(source))))


@lru_cache(maxsize=256)
def _suggest(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name.lower(), list(ALLOWED), n=1, cutoff=0.5)
    if close:
        return f"did you mean <{close[0]}>? The markup allows {_ALLOWED_TEXT}"
    return f"the markup allows {_ALLOWED_TEXT}"


_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def _written(node: etree._Element, name: str) -> str:
    """An element or attribute name as the markup wrote it: ``a:b`` rather than ``{uri}b``."""
    if not name.startswith("{"):
        return name
    uri, _, local = name[1:].partition("}")
    if uri == _XML_NAMESPACE:
        return f"xml:{local}"
    prefix = next((p for p, u in node.nsmap.items() if u == uri and p), None)
    return f"{prefix}:{local}" if prefix else local


def _attribute_problems(
    node: etree._Element, tag: str, allowed: tuple[str, ...], mine: int, scan_: Scan, room: int
) -> list[Problem]:
    """The unknown attributes of ``node``: at most ``room`` of them."""
    found: list[Problem] = []
    if room <= 0:
        return found
    what = (
        f"<{tag}> allows the attributes {' and '.join(allowed)}"
        if allowed
        else f"<{tag}> takes no attributes"
    )
    locator = scan_.locator
    places = locator.attributes(mine)  # looked up once: a start tag can hold 80,000
    start = locator.element(mine)
    for name in node.keys():  # noqa: SIM118 (iterating an element yields children)
        if len(found) >= room:
            break
        if name not in allowed:
            written = _written(node, str(name))
            found.append(
                _problem(
                    (f"unknown attribute {written!r} on <{tag}>", places.get(written, start), what)
                )
            )
    return found


def _unknown_element(node: etree._Element, tag: str, offset: int) -> Problem:
    written = _written(node, tag)
    if tag.startswith("{"):
        uri = tag[1:].partition("}")[0]
        return Problem(
            f"unknown element <{written}> in namespace {uri!r}",
            offset,
            f"the markup uses no namespaces; it allows {_ALLOWED_TEXT}",
        )
    return Problem(f"unknown element <{tag}>", offset, _suggest(tag))


# RawSegment from a complete 6-tuple: a C call, twice as fast as the named tuple's __new__.
_raw: Callable[[tuple[str, str, str | None, str | None, int, int]], RawSegment] = partial(
    tuple.__new__, RawSegment
)
_SPEECH_ALLOWED = ALLOWED["speech"]
_LANGUAGE_GENDER = ["language", "gender"]
_LANGUAGE = ["language"]
_URL_ALLOWED = ALLOWED["url"]


def scan(source: str, limit: int = 0) -> Scan:
    """Parse ``source`` and collect its segments and structural problems (never raises).

    With a ``limit``, problems past the first ``limit + 1`` are counted in ``Scan.more``
    instead of being described (the one past the limit says where the rest begin).
    """
    segments: list[RawSegment] = []
    problems: list[Problem] = []
    scan_ = Scan(source, segments, problems)
    keep = limit + 1 if limit > 0 else sys.maxsize  # problems described before counting
    more = 0
    try:
        root = etree.fromstring(_OPEN + source + _CLOSE, _PARSER)
    except etree.XMLSyntaxError as error:
        problems.append(_syntax_problem(scan_.locator, error))
        return scan_
    except (ValueError, MemoryError) as error:  # e.g. characters lxml refuses outright
        bad = _NOT_XML.search(source)
        if bad is not None:
            problems.append(_unreadable_char(source, bad))
        else:
            problems.append(Problem(f"the markup cannot be parsed: {error}", 0))
        return scan_

    append = segments.append
    if root.text:
        append(_raw(("text", root.text, None, None, -1, -1)))
    index = -1  # document-order index of elements in the caller's string
    special = -1  # document-order index of comments and processing instructions
    # lxml does not list xmlns declarations as attributes; look for them only when one may exist.
    declares = "xmlns" in source
    for node in root:
        tag = node.tag
        if isinstance(tag, str):
            index += 1
            mine = index
            if declares and node.nsmap and len(problems) >= keep:
                more += 1
            elif declares and node.nsmap:
                problems.append(
                    Problem(
                        f"namespace declarations are not allowed in a msg "
                        f"({', '.join(f'xmlns:{p}' if p else 'xmlns' for p in node.nsmap)})",
                        scan_.locator.element(mine),
                        "remove the xmlns attribute: the msg markup has no namespaces",
                    )
                )
            if len(node):
                if len(problems) >= keep:
                    more += 1
                    text = "".join(str(t) for t in node.itertext())
                else:
                    text = _nested(node, tag, mine, special, scan_.locator, problems)
                for inner in node.iterdescendants():
                    if isinstance(inner.tag, str):
                        index += 1
                    else:
                        special += 1
            else:
                text = node.text or ""
            if tag == "speech":
                # lxml's items() and values() are quadratic in the number of attributes (a
                # hostile start tag can carry tens of thousands), get() is slow-ish: use
                # values() only for a handful of attributes.
                language: str | None = None
                gender: str | None = None
                names = node.keys()
                # The usual forms first, without a loop. (Attribute values are always str;
                # lxml-stubs say str | bytes.)
                if names == _LANGUAGE_GENDER:
                    language, gender = node.values()  # type: ignore[assignment]
                elif names == _LANGUAGE:
                    language = node.values()[0]  # type: ignore[assignment]
                elif names:
                    if len(names) <= 2:
                        for name, value in zip(names, node.values(), strict=True):
                            if name == "language":
                                language = value
                            elif name == "gender":
                                gender = value
                    else:
                        language = node.get("language")
                        gender = node.get("gender")
                    unknown = len(names) - (language is not None) - (gender is not None)
                    if unknown:
                        found = _attribute_problems(
                            node, tag, _SPEECH_ALLOWED, mine, scan_, keep - len(problems)
                        )
                        problems.extend(found)
                        more += unknown - len(found)
                append(_raw(("speech", text, language, gender, mine, -1)))
            elif tag == "url":
                unknown = len(node.keys())
                if unknown:
                    found = _attribute_problems(
                        node, tag, _URL_ALLOWED, mine, scan_, keep - len(problems)
                    )
                    problems.extend(found)
                    more += unknown - len(found)
                append(_raw(("url", text, None, None, mine, -1)))
            elif len(problems) >= keep:
                more += 1
            else:
                problems.append(_unknown_element(node, tag, scan_.locator.element(mine)))
        else:
            special += 1
            if len(problems) >= keep:
                more += 1
            else:
                problems.append(
                    _problem(
                        (
                            _COMMENTS if isinstance(node, etree._Comment) else _INSTRUCTIONS,
                            scan_.locator.special(special),
                            "remove it",
                        )
                    )
                )
            mine = index
        tail = node.tail
        if tail:
            append(_raw(("text", tail, None, None, -1, mine)))
    scan_.more = more
    return scan_


_COMMENTS = "comments are not allowed in a msg"
_INSTRUCTIONS = "processing instructions are not allowed in a msg"
# Problem from a complete 3-tuple, as _raw makes a RawSegment.
_problem: Callable[[tuple[str, int, str | None]], Problem] = partial(tuple.__new__, Problem)


def _nested(
    node: etree._Element,
    tag: str,
    mine: int,
    special: int,
    locator: Locator,
    problems: list[Problem],
) -> str:
    """Report what is nested inside ``node`` (one problem), and return all its text."""
    for inner in node.iterdescendants():
        if isinstance(inner.tag, str):
            problems.append(
                Problem(
                    f"<{_written(inner, inner.tag)}> is nested inside <{_written(node, tag)}>",
                    locator.element(mine + 1),
                    f"tags cannot be nested; close <{tag}> first: {_ALLOWED_TEXT}",
                )
            )
        else:
            what = "a comment" if isinstance(inner, etree._Comment) else "a processing instruction"
            problems.append(
                Problem(f"{what} inside <{tag}>", locator.special(special + 1), "remove it")
            )
        break
    return "".join(str(t) for t in node.itertext())


def _to_segment(raw: RawSegment) -> Segment:
    from .model import Audio, Speech, Text  # here: checking markup builds no Message

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
    from .model import Message

    return Message(_to_segment(raw) for raw in result.segments)
