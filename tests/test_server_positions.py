"""Positions, edits and options of ``msgkit server``, in process."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msgkit.markup import line_column
from msgkit.server.analysis import analyze
from msgkit.server.positions import LineIndex, units

TEXT = "ab\U0001f600c\r\né\rx\n\u2028\U0001f600z"


def test_line_breaks_are_the_protocols_three() -> None:
    index = LineIndex(TEXT)
    assert index.lines == 4
    assert [index.line_text(n) for n in range(4)] == [
        "ab\U0001f600c",
        "é",
        "x",
        "\u2028\U0001f600z",
    ]


@pytest.mark.parametrize(("encoding", "after_emoji"), [("utf-16", 4), ("utf-8", 6), ("utf-32", 3)])
def test_units_after_an_astral_character(encoding: str, after_emoji: int) -> None:
    index = LineIndex(TEXT)
    offset = TEXT.index("c")
    assert index.position(offset, encoding) == (0, after_emoji)  # type: ignore[arg-type]
    assert index.offset(0, after_emoji, encoding) == offset  # type: ignore[arg-type]


def test_positions_inside_a_character_or_past_a_line_are_clamped() -> None:
    index = LineIndex(TEXT)
    # The second UTF-16 unit of the emoji is inside it: the position covers the character.
    assert index.offset(0, 3, "utf-16") == TEXT.index("c")
    assert index.offset(0, 99, "utf-16") == TEXT.index("\r")  # end of its line
    assert index.offset(99, 0, "utf-16") == len(TEXT)
    assert index.position(TEXT.index("\n"), "utf-16") == (0, 5)  # between \r and \n: its end


@given(st.text(alphabet=st.sampled_from("a\r\n\U0001f600é\u2028"), max_size=40), st.data())
def test_msgkit_positions_map_to_the_same_place(text: str, data: st.DataObject) -> None:
    index = LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return  # inside a line break: no character is there
    line, column = line_column(text, offset)
    assert index.msgkit_offset(line, column) == offset
    for encoding in ("utf-8", "utf-16", "utf-32"):
        lsp_line, character = index.from_msgkit(line, column, encoding)  # type: ignore[arg-type]
        assert lsp_line == line - 1
        assert index.offset(lsp_line, character, encoding) == offset  # type: ignore[arg-type]
        head = index.line_text(lsp_line)[: column - 1]
        assert character == units(head, encoding)  # type: ignore[arg-type]


def test_minimal_edit_keeps_head_and_tail() -> None:
    from msgkit.server.convert import minimal_edit

    assert minimal_edit("a & b & c", "a &amp; b &amp; c") == (3, 7, "amp; b &amp;")
    assert minimal_edit("same", "same") == (4, 4, "")
    start, end, text = minimal_edit("x\r\ny", "x\ny")
    assert "x\r\ny"[:start] + text + "x\r\ny"[end:] == "x\ny"
    assert start == 1  # not between \r and \n


def test_a_byte_order_mark_counts_in_the_buffer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "m.msg")
    plain = analyze("a & b", "msg", path).problems
    marked = analyze("\ufeffa & b", "msg", path).problems
    assert [p.code for p in plain] == [p.code for p in marked] == ["error_msg_invalid_xml"]
    assert (plain[0].line, plain[0].column) == (marked[0].line, marked[0].column)
    assert marked[0].start == plain[0].start + 1
    assert marked[0].edit is not None and plain[0].edit is not None
    assert marked[0].edit.start == plain[0].edit.start + 1


def test_initialization_options() -> None:
    from msgkit.server.options import ServerOptions

    assert ServerOptions.parse(None) == (ServerOptions(), [])
    options, problems = ServerOptions.parse(
        {"online": True, "allowPrivate": True, "timeout": 2, "debounce": 0.05}
    )
    assert problems == []
    assert (options.online, options.allow_private, options.timeout, options.debounce) == (
        True,
        True,
        2,
        0.05,
    )
    options, problems = ServerOptions.parse(
        {"online": "yes", "timeout": 0, "debounce": float("nan"), "colour": 1}
    )
    assert options == ServerOptions()
    assert len(problems) == 4
    assert ServerOptions.parse([1])[1] == ["initializationOptions must be an object"]
