"""The message model: immutable segments, the message that holds them, and the builder."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import overload

from .chars import NOT_XML as _NOT_XML
from .errors import InvalidSegmentError

__all__ = ["Audio", "Message", "MessageBuilder", "Segment", "Speech", "Text", "render"]


def _check_chars(kind: str, value: str) -> None:
    found = _NOT_XML.search(value)
    if found is not None:
        raise InvalidSegmentError(
            f"{kind} contains U+{ord(found.group()):04X} at index {found.start()}, "
            "a character no XML markup can carry"
        )


# Escaping tables. '\r' in text and '\t' '\n' '\r' in attributes would be normalised away by any
# XML parser, so they travel as character references to keep parse(render(m)) == m.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def escape_text(value: str) -> str:
    """Escape ``value`` for use as character data in ``msg`` markup."""
    return value.translate(_TEXT_ESCAPES)


def escape_attribute(value: str) -> str:
    """Escape ``value`` for use inside a double-quoted attribute."""
    return value.translate(_ATTR_ESCAPES)


@dataclass(frozen=True, slots=True)
class Text:
    """Plain text, spoken in the default language (English) and gender (female)."""

    text: str

    def __post_init__(self) -> None:
        _check_chars("text", self.text)

    def render(self) -> str:
        return escape_text(self.text)


@dataclass(frozen=True, slots=True)
class Speech:
    """Text spoken with a chosen ``language`` and ``gender`` (``<speech>``)."""

    text: str
    language: str | None = None
    gender: str | None = None

    def __post_init__(self) -> None:
        _check_chars("speech text", self.text)
        if self.language is not None:
            _check_chars("language", self.language)
        if self.gender is not None:
            _check_chars("gender", self.gender)

    def render(self) -> str:
        attrs = ""
        if self.language is not None:
            attrs += f' language="{escape_attribute(self.language)}"'
        if self.gender is not None:
            attrs += f' gender="{escape_attribute(self.gender)}"'
        return f"<speech{attrs}>{escape_text(self.text)}</speech>"


@dataclass(frozen=True, slots=True)
class Audio:
    """A custom recording the provider downloads and plays (``<url>``)."""

    url: str

    def __post_init__(self) -> None:
        _check_chars("url", self.url)

    def render(self) -> str:
        return f"<url>{escape_text(self.url)}</url>"


Segment = Text | Speech | Audio


def _normalise(segments: Iterable[Segment]) -> tuple[Segment, ...]:
    """Merge adjacent text and drop empty text: markup cannot tell them apart, so neither can we."""
    out: list[Segment] = []
    for segment in segments:
        if not isinstance(segment, (Text, Speech, Audio)):
            raise TypeError(f"not a segment: {segment!r}")
        if isinstance(segment, Text):
            if not segment.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + segment.text)
                continue
        out.append(segment)
    return tuple(out)


class Message:
    """An immutable, hashable sequence of segments: the model of one ``msg``.

    Adjacent ``Text`` segments are merged and empty ones dropped, so two messages are equal
    exactly when they render to the same markup.
    """

    __slots__ = ("_segments",)
    _segments: tuple[Segment, ...]

    def __init__(self, segments: Iterable[Segment] = ()) -> None:
        object.__setattr__(self, "_segments", _normalise(segments))

    @classmethod
    def of(cls, *segments: Segment | str) -> Message:
        """Build a message from segments; a plain ``str`` is a ``Text``."""
        return cls(Text(s) if isinstance(s, str) else s for s in segments)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return self._segments

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Message is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Message is immutable")

    def __iter__(self) -> Iterator[Segment]:
        return iter(self._segments)

    def __len__(self) -> int:
        return len(self._segments)

    @overload
    def __getitem__(self, index: int) -> Segment: ...
    @overload
    def __getitem__(self, index: slice) -> Message: ...
    def __getitem__(self, index: int | slice) -> Segment | Message:
        if isinstance(index, slice):
            return Message(self._segments[index])
        return self._segments[index]

    def __add__(self, other: object) -> Message:
        if isinstance(other, Message):
            return Message(self._segments + other._segments)
        if isinstance(other, (Text, Speech, Audio)):
            return Message((*self._segments, other))
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return self._segments == other._segments
        return NotImplemented

    def __lt__(self, other: Message) -> bool:
        if isinstance(other, Message):
            return self.render() < other.render()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._segments)

    def __repr__(self) -> str:
        return f"Message({list(self._segments)!r})"

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        """The ``msg`` markup, with everything the caller passed escaped."""
        return "".join(segment.render() for segment in self._segments)


def render(message: Message | Iterable[Segment]) -> str:
    """Render a message (or any iterable of segments) to ``msg`` markup."""
    if not isinstance(message, Message):
        message = Message(message)
    return message.render()


class MessageBuilder:
    """Fluent composition: ``MessageBuilder().say("Hello").play(url).build()``."""

    __slots__ = ("_segments",)

    def __init__(self) -> None:
        self._segments: list[Segment] = []

    def text(self, text: str) -> MessageBuilder:
        """Append plain text (default language and gender)."""
        self._segments.append(Text(text))
        return self

    def say(
        self, text: str, language: str | None = None, gender: str | None = None
    ) -> MessageBuilder:
        """Append a ``<speech>`` segment."""
        self._segments.append(Speech(text, language, gender))
        return self

    def play(self, url: str) -> MessageBuilder:
        """Append a ``<url>`` recording."""
        self._segments.append(Audio(url))
        return self

    def build(self) -> Message:
        return Message(self._segments)
