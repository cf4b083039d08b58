"""parse(): markup to Message, and MarkupError with exact 1-based positions in the markup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msgkit import Audio, MarkupError, Message, MsgkitError, Speech, Text, parse
from msgkit.markup import Locator, line_column, scan


def error_of(markup: str) -> MarkupError:
    with pytest.raises(MarkupError) as info:
        parse(markup)
    return info.value


# --- what parses ----------------------------------------------------------------------------


def test_parse_the_documented_examples() -> None:
    assert parse(
        '<speech language="zh-HK" gender="female">請稍等,我們正在處理您的訂單。</speech>'
    ) == (Message.of(Speech("請稍等,我們正在處理您的訂單。", "zh-HK", "female")))
    assert parse("<url>https://example.com/myrecording.mp3</url>") == (
        Message.of(Audio("https://example.com/myrecording.mp3"))
    )


def test_parse_a_mixed_fragment() -> None:
    message = parse(
        "Hello <speech language='en' gender=\"male\">there</speech>\n"
        "<url>http://a.example/b.wav</url> bye"
    )
    assert message.segments == (
        Text("Hello "),
        Speech("there", "en", "male"),
        Text("\n"),
        Audio("http://a.example/b.wav"),
        Text(" bye"),
    )


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("&amp;&lt;&gt;&quot;&apos;", "&<>\"'"),
        ("&#65;&#x42;&#x1F600;", "AB😀"),
        ("<![CDATA[a <b> & c]]>", "a <b> & c"),
        ("x<![CDATA[]]>y", "xy"),
        ("  spaced  \n\n", "  spaced  \n\n"),
        ("&#13;", "\r"),
        ("a\r\nb\rc", "a\nb\nc"),  # XML end-of-line handling: a literal CR is a line break
    ],
)
def test_parse_decodes_references_and_cdata(markup: str, text: str) -> None:
    assert parse(markup) == Message.of(text)


def test_parse_attribute_values_are_decoded() -> None:
    assert parse('<speech language="a&amp;b" gender="&#109;ale">x</speech>') == (
        Message.of(Speech("x", "a&b", "male"))
    )


def test_parse_empty_elements() -> None:
    assert parse("<speech/><url/>") == Message([Speech(""), Audio("")])


def test_parse_refuses_non_strings() -> None:
    with pytest.raises(TypeError):
        parse(b"<speech>x</speech>")  # type: ignore[arg-type]


# --- MarkupError ----------------------------------------------------------------------------


def test_markup_error_carries_code_message_position_and_hint() -> None:
    error = error_of("Tom & Jerry")
    assert isinstance(error, MsgkitError)
    assert isinstance(error, ValueError)
    assert error.code == "error_msg_invalid_xml"
    assert error.message == "'&' must be written '&amp;' in text"
    assert (error.line, error.column) == (1, 5)
    assert error.hint is not None and "&amp;" in error.hint
    assert str(error) == "1:5: '&' must be written '&amp;' in text"


# (markup, line, column, words the message must contain)
POSITIONS = [
    # syntax errors found by libxml2, on line 1 ...
    ("a & b", 1, 3, "'&' must be written"),
    ("a < b", 1, 3, "'<' must be written"),
    ("你好你好 & x", 1, 6, "'&'"),
    ("😀😀 & x", 1, 4, "'&'"),
    ("&foo;", 1, 1, "unknown entity '&foo;'"),
    ("ok &#0; no", 1, 4, "character 0"),
    ("</speech>", 1, 1, "</speech> closes nothing"),
    ("<speech>a", 1, 10, "<speech> is never closed"),
    ("x]]>y", 1, 2, "]]>"),
    ('<!DOCTYPE m [<!ENTITY a "b">]>&a;', 1, 1, "DOCTYPE"),
    ("<?xml version='1.0'?>hi", 1, 1, "processing instructions"),
    # ... and on later lines, with every kind of line break
    ("line1\nline2 & x", 2, 7, "'&'"),
    ("a\r\nb\r\nc & x", 3, 3, "'&'"),
    ("a\rb\rc & x", 3, 3, "'&'"),
    ("a\r\nb\rc\nd & x", 4, 3, "'&'"),
    ("a\r\nb\r\n你好 & x", 3, 4, "'&'"),
    ("a\nb\n<speech>x</url>", 3, 10, "</url> does not close <speech>"),
    ("a\nb\n<speech>x</speech></speech>", 3, 19, "</speech> closes nothing"),
    # structural problems found in the tree
    ("<speech lang='en'>x</speech>", 1, 9, "unknown attribute 'lang' on <speech>"),
    ('x\r\n<speech bogus="1">y</speech>', 2, 9, "unknown attribute 'bogus'"),
    ('a\rb\r\nc\n<speech x="1">y</speech>', 4, 9, "unknown attribute 'x'"),
    ('<url kind="mp3">http://a/b.mp3</url>', 1, 6, "unknown attribute 'kind' on <url>"),
    ("<speech\n   language='en'\n   voice='x'>y</speech>", 3, 4, "unknown attribute 'voice'"),
    ("<speech xml:lang='en'>x</speech>", 1, 9, "unknown attribute 'xml:lang'"),
    ("Hi\n  <speak>x</speak>", 2, 3, "unknown element <speak>"),
    ("<break/>", 1, 1, "unknown element <break>"),
    ("<url>a</url><url>b</url><bad/>", 1, 25, "unknown element <bad>"),
    ("<speech xmlns='urn:x'>a</speech>", 1, 1, "namespace declarations are not allowed"),
    ("a <p:speech xmlns:p='urn:x'>a</p:speech>", 1, 3, "namespace declarations are not allowed"),
    ("<speech><url>http://a/b.mp3</url></speech>", 1, 9, "<url> is nested inside <speech>"),
    ("<url>x<speech>y</speech></url>", 1, 7, "<speech> is nested inside <url>"),
    ("<speech>a<!--c--></speech>", 1, 10, "comment inside <speech>"),
    ("<!-- c -->hi", 1, 1, "comments are not allowed"),
    ("hi <?pi x?>", 1, 4, "processing instructions are not allowed"),
    ("<![CDATA[<!--]]>x<!-- real -->", 1, 18, "comments are not allowed"),
    ("<!--a--><!--b-->\n<!--c-->", 1, 1, "comments"),
    # characters XML cannot carry at all
    ("text\x00", 1, 5, "U+0000"),
    ("te\ufffe", 1, 3, "U+FFFE"),
    ("ab\x0b", 1, 3, "U+000B"),
    ("line\ntext\ud800", 2, 5, "U+D800"),
]


@pytest.mark.parametrize(("markup", "line", "column", "words"), POSITIONS)
def test_markup_error_position(markup: str, line: int, column: int, words: str) -> None:
    error = error_of(markup)
    assert (error.line, error.column) == (line, column), error.message
    assert words in error.message


def test_the_first_problem_in_the_string_is_raised() -> None:
    error = error_of("<speech bad='1'>x</speech>\n<speak/>")
    assert (error.line, error.column) == (1, 9)
    error = error_of("<speak/>\n<speech bad='1'>x</speech>")
    assert (error.line, error.column) == (1, 1)


@pytest.mark.parametrize(
    ("markup", "hint_words"),
    [
        ("<speak>x</speak>", "did you mean <speech>?"),
        ("<URL>x</URL>", "did you mean <url>?"),
        ("<break/>", "the markup allows text, <speech"),
        ("<speech lang='en'>x</speech>", "allows the attributes language and gender"),
        ("<url x='1'>y</url>", "<url> takes no attributes"),
        ("<speech><url>y</url></speech>", "tags cannot be nested"),
        ("<speech>a", "close it with </speech>"),
    ],
)
def test_errors_say_what_is_allowed(markup: str, hint_words: str) -> None:
    error = error_of(markup)
    assert error.hint is not None
    assert hint_words in error.hint


def test_every_problem_is_collected_by_scan() -> None:
    result = scan("<speak/><speech lang='en'>x</speech><!--c--><url a='1' b='2'>y</url>")
    messages = [p.message for p in result.problems]
    assert messages == [
        "unknown element <speak>",
        "unknown attribute 'lang' on <speech>",
        "comments are not allowed in a msg",
        "unknown attribute 'a' on <url>",
        "unknown attribute 'b' on <url>",
    ]
    assert [p.offset for p in result.problems] == [0, 16, 36, 49, 55]


# --- positions ------------------------------------------------------------------------------


def test_locator_attribute_positions_survive_gt_in_values() -> None:
    source = '<speech language="a>b" gender="x">t</speech> tail'
    locator = Locator(source)
    assert locator.attribute(0, "gender") == source.index('x"')
    assert locator.attribute(0, "gender", value=False) == source.index("gender")
    assert locator.attribute(0, "language") == source.index("a>b")
    assert locator.attribute(0, "missing") == 0
    assert locator.after(0) == source.index(" tail")


def test_locator_after_self_closing_and_unclosed() -> None:
    locator = Locator("<url/>x<speech a='1' />y")
    assert locator.after(0) == 6
    assert locator.after(1) == len("<url/>x<speech a='1' />")


def test_locator_skips_lookalikes_in_comments_cdata_and_pis() -> None:
    source = "<!-- <speech> --><![CDATA[<url>]]><?pi <x>?><speech>a</speech><url>b</url>"
    locator = Locator(source)
    assert locator.element(0) == source.index("<speech>a")
    assert locator.element(1) == source.index("<url>b")
    assert locator.special(0) == 0
    assert locator.special(1) == source.index("<?pi")
    assert locator.element(5) == 0  # out of range: start of the msg


@pytest.mark.parametrize(
    ("source", "offset", "expected"),
    [
        ("", 0, (1, 1)),
        ("abc", 2, (1, 3)),
        ("abc", 99, (1, 4)),
        ("abc", -5, (1, 1)),
        ("a\nb", 2, (2, 1)),
        ("a\r\nb", 3, (2, 1)),
        ("a\r\nb", 2, (2, 1)),  # on the '\n' of a CRLF: the '\r' already ended line 1
        ("a\rb", 2, (2, 1)),
        ("\n\n\n", 3, (4, 1)),
    ],
)
def test_line_column(source: str, offset: int, expected: tuple[int, int]) -> None:
    assert line_column(source, offset) == expected
    assert Locator(source).position(offset) == expected


@given(st.text(alphabet="ab\r\n", max_size=40), st.integers(-2, 45))
def test_locator_position_agrees_with_line_column(source: str, offset: int) -> None:
    assert Locator(source).position(offset) == line_column(source, offset)


@given(st.text(alphabet="ab\r\n", max_size=40), st.data())
def test_locator_offset_inverts_position(source: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(source)))
    locator = Locator(source)
    line, column = locator.position(offset)
    back = locator.offset(line, column)
    # Only offsets on the '\n' of a CRLF have no position of their own.
    if not (0 < offset < len(source) and source[offset - 1 : offset + 1] == "\r\n"):
        assert back == offset


def _line_column_reference(source: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(source)))
    head = source[:offset]
    line = 1 + head.count("\n") + head.count("\r") - head.count("\r\n")
    return line, offset - max(head.rfind("\n"), head.rfind("\r"))


def test_line_column_on_long_strings_switches_between_them() -> None:
    # Long strings use a cached line index (lint asks once per diagnostic); it must give the
    # same answers, and follow whichever string it is asked about.
    first = "ab\r\ncd\ref\n" * 400
    second = "x\n" * 3000
    for source in (first, second, first):
        assert len(source) > 2048
        for offset in [*range(0, len(source), 37), len(source), len(source) + 5, -1]:
            assert line_column(source, offset) == _line_column_reference(source, offset)


@pytest.mark.parametrize(
    "markup",
    ['<speech xmlns:a="urn:x">Hi</speech>', 'Hi <url xmlns="urn:x">https://e.com/a.mp3</url>'],
)
def test_namespace_declarations_are_refused(markup: str) -> None:
    with pytest.raises(MarkupError, match="namespace declarations are not allowed"):
        parse(markup)
