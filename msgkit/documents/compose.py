"""Composing a ``segments`` list into markup, and mapping composed offsets back to values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..markup import Locator
from ..model import Audio, Segment, Speech, Text, escape_attribute, escape_text
from .trees import PathKey


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
