"""The message model: immutable segments and messages, the builder, and safe rendering."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree

from msgkit import (
    Audio,
    InvalidSegmentError,
    Message,
    MessageBuilder,
    MsgkitError,
    Speech,
    Text,
    parse,
    render,
)


def well_formed(markup: str) -> bool:
    try:
        etree.fromstring(f"<msg>{markup}</msg>")
    except etree.XMLSyntaxError:
        return False
    return True


# --- segments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "field"),
    [
        (Text("hi"), "text"),
        (Speech("hi", "en", "male"), "language"),
        (Audio("http://a/b.mp3"), "url"),
    ],
)
def test_segments_are_frozen(segment: Text | Speech | Audio, field: str) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(segment, field, "other")


def test_segments_are_hashable_and_compare_by_value() -> None:
    assert Speech("a", "zh-HK", "female") == Speech("a", "zh-HK", "female")
    assert Speech("a", "zh-HK") != Speech("a", "zh-hk")
    assert Text("a") != Speech("a")
    assert len({Text("a"), Text("a"), Audio("http://x/y.mp3")}) == 2


def test_speech_defaults_to_no_attributes() -> None:
    speech = Speech("hello")
    assert speech.language is None
    assert speech.gender is None
    assert speech.render() == "<speech>hello</speech>"


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
)
def test_segments_refuse_characters_xml_cannot_carry(char: str) -> None:
    for make in (
        lambda: Text(f"a{char}b"),
        lambda: Speech(f"a{char}b"),
        lambda: Speech("a", language=f"en{char}"),
        lambda: Speech("a", gender=f"male{char}"),
        lambda: Audio(f"http://x/{char}.mp3"),
    ):
        with pytest.raises(InvalidSegmentError) as info:
            make()
        assert f"U+{ord(char):04X}" in str(info.value)
        assert isinstance(info.value, MsgkitError)
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\x7f", "\x85", "\u2028", "\U0001f600"])
def test_segments_accept_characters_xml_can_carry(char: str) -> None:
    message = Message.of(Text(char), Speech(char, char, char), Audio(char))
    assert parse(message.render()) == message


# --- the message ----------------------------------------------------------------------------


def test_message_is_immutable() -> None:
    message = Message.of("hi")
    with pytest.raises(AttributeError):
        message._segments = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        message.anything = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del message._segments


def test_message_is_a_sequence_of_segments() -> None:
    message = Message.of("Hi ", Speech("你好", "zh-HK"), Audio("https://a.example/b.mp3"))
    assert len(message) == 3
    assert list(message) == [Text("Hi "), Speech("你好", "zh-HK"), Audio("https://a.example/b.mp3")]
    assert message[1] == Speech("你好", "zh-HK")
    assert message[-1] == Audio("https://a.example/b.mp3")
    assert message[1:] == Message.of(Speech("你好", "zh-HK"), Audio("https://a.example/b.mp3"))
    assert isinstance(message[:1], Message)
    assert message.segments == tuple(message)


def test_message_merges_adjacent_text_and_drops_empty_text() -> None:
    message = Message([Text("a"), Text(""), Text("b"), Speech("c"), Text(""), Text("d")])
    assert message.segments == (Text("ab"), Speech("c"), Text("d"))
    assert Message([Text("")]) == Message()
    assert len(Message()) == 0
    # Empty speech and url segments are kept: they mean something (and validate warns).
    assert Message([Speech(""), Audio("")]).segments == (Speech(""), Audio(""))


def test_message_equality_and_hash_follow_rendering() -> None:
    a = Message.of("ab", Speech("c"))
    b = Message.of("a", "b", Speech("c"))
    assert a == b
    assert hash(a) == hash(b)
    assert a.render() == b.render()
    assert a != Message.of("ab", Speech("c", "en"))
    assert len({a, b, Message.of("x")}) == 2
    assert (a == "ab<speech>c</speech>") is False


def test_messages_are_ordered_by_their_markup() -> None:
    messages = [Message.of("b"), Message.of(Speech("a")), Message.of("a")]
    assert sorted(messages) == [Message.of(Speech("a")), Message.of("a"), Message.of("b")]
    with pytest.raises(TypeError):
        _ = Message.of("a") < "b"  # type: ignore[operator]


def test_message_concatenation() -> None:
    message = Message.of("a") + Message.of("b", Audio("http://x/y.mp3"))
    assert message.segments == (Text("ab"), Audio("http://x/y.mp3"))
    assert (Message.of("a") + Speech("b")).segments == (Text("a"), Speech("b"))
    with pytest.raises(TypeError):
        _ = Message.of("a") + "b"  # type: ignore[operator]


def test_message_refuses_what_is_not_a_segment() -> None:
    with pytest.raises(TypeError, match="not a segment"):
        Message(["plain str"])  # type: ignore[list-item]


def test_repr_shows_the_segments() -> None:
    assert repr(Message.of("a", Speech("b", "en"))) == (
        "Message([Text(text='a'), Speech(text='b', language='en', gender=None)])"
    )


# --- the builder ----------------------------------------------------------------------------


def test_builder_is_fluent() -> None:
    builder = MessageBuilder()
    assert builder.text("Hello. ") is builder
    message = (
        builder.say("請稍等", language="zh-HK", gender="female")
        .play("https://example.com/hold.mp3")
        .text("Bye")
        .build()
    )
    assert message.segments == (
        Text("Hello. "),
        Speech("請稍等", "zh-HK", "female"),
        Audio("https://example.com/hold.mp3"),
        Text("Bye"),
    )
    assert message.render() == (
        'Hello. <speech language="zh-HK" gender="female">請稍等</speech>'
        "<url>https://example.com/hold.mp3</url>Bye"
    )


def test_builder_keeps_building_after_build_without_changing_what_it_built() -> None:
    builder = MessageBuilder().text("a")
    first = builder.build()
    second = builder.say("b").build()
    assert first == Message.of("a")
    assert second == Message.of("a", Speech("b"))


def test_builder_say_without_attributes() -> None:
    assert MessageBuilder().say("x").build().render() == "<speech>x</speech>"
    assert MessageBuilder().say("x", gender="male").build().render() == (
        '<speech gender="male">x</speech>'
    )


# --- rendering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "markup"),
    [
        (Text("Tom & Jerry <3 > 2"), "Tom &amp; Jerry &lt;3 &gt; 2"),
        (Text("a]]>b"), "a]]&gt;b"),
        (Text("&amp;"), "&amp;amp;"),
        (Text("'quotes' \"stay\""), "'quotes' \"stay\""),
        (Text("line\r\nbreak"), "line&#13;\nbreak"),
        (Speech("x", 'a"b', "c'd"), '<speech language="a&quot;b" gender="c\'d">x</speech>'),
        (Speech("x", "a<b>&c"), '<speech language="a&lt;b&gt;&amp;c">x</speech>'),
        (Speech("x", "a\tb\nc\rd"), '<speech language="a&#9;b&#10;c&#13;d">x</speech>'),
        (Speech("<speech>"), "<speech>&lt;speech&gt;</speech>"),
        (Audio("http://x/a.mp3?a=1&b=2"), "<url>http://x/a.mp3?a=1&amp;b=2</url>"),
    ],
)
def test_render_escapes_whatever_the_caller_passed(
    segment: Text | Speech | Audio, markup: str
) -> None:
    message = Message.of(segment)
    assert message.render() == markup
    assert str(message) == markup
    assert well_formed(markup)
    assert parse(markup) == message


def test_render_function_takes_messages_and_segment_iterables() -> None:
    segments = [Text("a & b"), Speech("c", "en")]
    assert render(segments) == 'a &amp; b<speech language="en">c</speech>'
    assert render(Message(segments)) == render(segments)
    assert render(iter(segments)) == render(segments)


def test_render_preserves_text_exactly() -> None:
    text = "  leading and trailing  \n\ttabs\r\r\n & <tags> ]]> \"' \u00a0\u2028 😀 "
    message = Message.of(text, Speech(text, text, text), Audio(text))
    parsed = parse(message.render())
    assert parsed == message
    assert parsed[0] == Text(text)


def test_empty_message_renders_empty() -> None:
    assert Message().render() == ""
    assert parse("") == Message()
