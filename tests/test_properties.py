"""Properties that must hold for every input, checked with Hypothesis."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from msgkit import (
    CODES,
    Audio,
    Config,
    MarkupError,
    Message,
    MessageBuilder,
    Report,
    Speech,
    Text,
    parse,
    validate,
)
from msgkit.markup import line_column

# Every character XML 1.0 can carry: tab, LF, CR, and everything from U+0020 up except
# surrogates, U+FFFE and U+FFFF. Awkward ones are sampled often on purpose.
XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)]
    + ["\ufffe", "\uffff"],
)
AWKWARD = st.sampled_from(
    ["\r", "\r\n", "\n", "\t", '"', "'", "&", "<", ">", "]]>", "&amp;", "<speech>", "--", "\ufeff",
     "\u00a0", "\u2028", "😀", "你好", " ", "<![CDATA[", "?>", "&#13;"]
)  # fmt: skip
XML_TEXT = st.lists(st.one_of(st.text(XML_CHARS, max_size=8), AWKWARD), max_size=8).map("".join)

# Any character at all, lone surrogates and controls included.
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=60)

MARKUP_PIECES = st.sampled_from(
    ["<speech", "<speech>", "</speech>", "<url>", "</url>", "<url/>", ">", "<", "&", "&amp;",
     "&lt;", "&#0;", "&#x1F600;", "&bogus;", ' language="zh-HK"', ' language="zh_hk"',
     ' gender="male"', ' gender="Male"', " lang='en'", "http://a.example/b.mp3", "ftp://x/y.ogg",
     "你好", "hello", " ", "\r", "\n", "\r\n", "\x00", "\ud800", "<!--", "-->", "<?pi", "?>",
     "<![CDATA[", "]]>", "<!DOCTYPE x>", '"', "'", "<speak>", "<break/>", "😀", "\ufeff"]
)  # fmt: skip
MARKUPISH = st.lists(MARKUP_PIECES, max_size=25).map("".join)


@st.composite
def segments(draw: st.DrawFn) -> Text | Speech | Audio:
    kind = draw(st.sampled_from(["text", "speech", "url"]))
    if kind == "text":
        return Text(draw(XML_TEXT))
    if kind == "speech":
        optional = st.one_of(st.none(), XML_TEXT, st.sampled_from(["en", "zh-HK", "male"]))
        return Speech(draw(XML_TEXT), draw(optional), draw(optional))
    return Audio(draw(st.one_of(XML_TEXT, st.just("https://a.example/b.mp3"))))


@st.composite
def built_messages(draw: st.DrawFn) -> Message:
    builder = MessageBuilder()
    for segment in draw(st.lists(segments(), max_size=6)):
        if isinstance(segment, Text):
            builder.text(segment.text)
        elif isinstance(segment, Speech):
            builder.say(segment.text, segment.language, segment.gender)
        else:
            builder.play(segment.url)
    return builder.build()


@given(built_messages())
@example(MessageBuilder().text("a\r\nb]]>c").say("\r", '"', "'").play("&<>").build())
def test_builder_messages_round_trip(message: Message) -> None:
    markup = message.render()
    assert str(message) == markup
    assert parse(markup) == message
    assert parse(markup).render() == markup


@given(built_messages())
def test_rendered_messages_are_never_invalid_xml(message: Message) -> None:
    report = validate(message)
    assert "error_msg_invalid_xml" not in report.codes
    assert "error_malformed_params" not in report.codes


@given(st.lists(segments(), max_size=6))
def test_messages_are_equal_exactly_when_they_render_the_same(
    parts: list[Text | Speech | Audio],
) -> None:
    a = Message(parts)
    b = Message([Text("")] + [p for part in parts for p in _split(part)])
    assert a == b and hash(a) == hash(b)
    assert a.render() == b.render()


def _split(segment: Text | Speech | Audio) -> list[Text | Speech | Audio]:
    if isinstance(segment, Text) and len(segment.text) > 1:
        return [Text(segment.text[:1]), Text(""), Text(segment.text[1:])]
    return [segment]


def _check_report(report: Report, markup: str) -> None:
    assert isinstance(report, Report)
    positions = []
    for d in report.diagnostics:
        assert d.code in CODES
        assert d.severity is CODES[d.code].severity
        if d.line is not None:
            assert d.column is not None and d.line >= 1 and d.column >= 1
            assert d.offset is not None and 0 <= d.offset <= len(markup)
            assert (d.line, d.column) == line_column(markup, d.offset)
            positions.append((d.line, d.column))
        if d.fix is not None:
            assert 0 <= d.fix.start <= d.fix.end <= len(markup)
    assert positions == sorted(positions)


@given(ANY_TEXT)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_validate_never_raises_on_any_text(markup: str) -> None:
    _check_report(
        validate(markup, tag=markup, notify_url=markup, monitor_notify_url=markup), markup
    )


@given(MARKUPISH)
@example('<speech language="zh_hk" gender="Male">x</speech>\r\n&')
def test_validate_never_raises_on_markup_like_text(markup: str) -> None:
    _check_report(validate(markup), markup)
    _check_report(validate(markup, config=Config(strict=True, languages=("x",))), markup)


_MALFORMED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@given(st.one_of(ANY_TEXT, MARKUPISH))
def test_unreadable_characters_are_always_malformed_params(markup: str) -> None:
    # validate() looks for these only when the markup fails to parse; this checks that every
    # one of them does make it fail, wherever it stands (text, attribute, comment, CDATA, ...).
    report = validate(markup)
    if _MALFORMED.search(markup):
        assert report.codes[:1] == ("error_malformed_params",) or (
            "error_malformed_params" in report.codes
        )
    else:
        assert "error_malformed_params" not in report.codes


@given(st.one_of(MARKUPISH, XML_TEXT))
def test_parse_render_is_stable_for_valid_markup(markup: str) -> None:
    try:
        message = parse(markup)
    except MarkupError as error:
        assert error.code == "error_msg_invalid_xml"
        assert error.line >= 1 and error.column >= 1
        assert "error_msg_invalid_xml" in validate(markup).codes or (
            "error_malformed_params" in validate(markup).codes
        )
        return
    rendered = message.render()
    assert parse(rendered) == message
    assert parse(rendered).render() == rendered
    assert "error_msg_invalid_xml" not in validate(markup).codes


@given(
    st.lists(st.sampled_from(["a", " ", "你", "😀", "\r", "\n", "\r\n", "\t"]), max_size=30),
    st.data(),
)
def test_a_stray_ampersand_is_located_exactly(pieces: list[str], data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(pieces)))
    head = "".join(pieces[:at])
    markup = head + "& " + "".join(pieces[at:])
    try:
        parse(markup)
    except MarkupError as error:
        assert (error.line, error.column) == line_column(markup, len(head))
    else:
        raise AssertionError("a stray '&' must not parse")


@given(
    st.lists(st.sampled_from(["a", "你", "\r", "\n", "\r\n", "<speech>x</speech>"]), max_size=20)
)
def test_an_unknown_attribute_is_located_exactly(pieces: list[str]) -> None:
    head = "".join(pieces)
    markup = head + '<speech bogus="1">x</speech>'
    try:
        parse(markup)
    except MarkupError as error:
        assert (error.line, error.column) == line_column(markup, len(head) + len("<speech "))
    else:
        raise AssertionError("an unknown attribute must not parse")


@given(ANY_TEXT)
def test_segments_either_accept_or_refuse_cleanly(text: str) -> None:
    try:
        message = Message.of(Text(text), Speech(text, text, text), Audio(text))
    except ValueError:
        assert _MALFORMED.search(text)
        return
    assert parse(message.render()) == message
