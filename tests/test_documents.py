"""Reading message files: positions in the file, the trailing-newline rule, bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msgkit.config import Config
from msgkit.documents import (
    MAX_FILE_BYTES,
    Document,
    kind_of,
    read_bytes,
    read_stdin,
    read_text,
    stdin_bytes,
    stdin_kind,
    strip_final_newline,
)
from msgkit.lint import check_document
from msgkit.schemas import validator
from msgkit.structure import compile_schema


def findings(document: Document, config: Config | None = None) -> list[tuple[str, int, int]]:
    checked = check_document(document, config or Config())
    return [(f.code, f.line or 0, f.column or 0) for f in checked.findings]


def test_kind_of() -> None:
    assert kind_of("a.msg") == "msg"
    assert kind_of("a.MSG.JSON") == "json"
    assert kind_of("dir/a.msg.yml") == "yaml"
    assert kind_of("a.json") is None
    assert kind_of("a.json", strict=False) == "json"
    assert kind_of("notes.txt", strict=False) == "msg"


@pytest.mark.parametrize(
    ("text", "markup"),
    [("hi\n", "hi"), ("hi\r\n", "hi"), ("hi\n\n", "hi\n"), ("hi", "hi"), ("", "")],
)
def test_one_final_newline_is_not_part_of_a_msg_file(text: str, markup: str) -> None:
    assert strip_final_newline(text) == markup
    assert read_text(text, "msg", "a.msg").markup == markup


def test_msg_file_positions_are_the_file_positions() -> None:
    document = read_text('Line one.\nPress 1 & 2 <speech gender="Male">x</speech>\n', "msg", "a")
    assert findings(document) == [("error_msg_invalid_xml", 2, 9)]


def test_json_positions_map_through_escapes() -> None:
    # \u00e9 is six characters in the file and one in the msg; \" is two and one.
    text = '{\n  "tag": "t",\n  "msg": "caf\\u00e9 \\"x\\" & more"\n}\n'
    document = read_text(text, "json", "a.msg.json")
    assert json.loads(text)["msg"] == 'café "x" & more'
    [(code, line, column)] = findings(document)
    assert (code, line) == ("error_msg_invalid_xml", 3)
    assert text.splitlines()[2][column - 1] == "&"


def test_json_surrogate_pair_escape_is_one_character() -> None:
    text = '{"msg": "\\ud83d\\ude00 <speech gender=\\"Male\\">x</speech>"}'
    [(code, _, column)] = findings(read_text(text, "json", "a"))
    assert code == "error_msg_invalid_gender"
    assert text[column - 1 : column + 3] == "Male"


def test_json_syntax_error_is_a_diagnostic_with_position() -> None:
    document = read_text('{\n  "msg": "x",\n}\n', "json", "a.msg.json")
    assert findings(document) == [("error_document_invalid", 3, 1)]
    assert "invalid JSON" in document.problems[0].message


def test_unknown_key_did_you_mean_at_key() -> None:
    document = read_text('{"msg": "x",\n "tga": "y"}', "json", "a")
    [finding] = document.problems
    assert (finding.code, finding.line, finding.column) == ("error_document_invalid", 2, 2)
    assert finding.hint == "did you mean 'tag'?"


def test_both_msg_and_segments() -> None:
    document = read_text('{"msg": "x", "segments": [{"text": "y"}]}', "json", "a")
    assert [f.code for f in document.problems] == ["error_document_invalid"]
    assert "both" in document.problems[0].message
    assert document.markup is None


def test_segment_unknown_key_in_branch() -> None:
    text = "segments:\n  - say: hi\n    languag: en\n"
    document = read_text(text, "yaml", "a.msg.yaml")
    [finding] = document.problems
    assert (finding.line, finding.column) == (3, 5)
    assert "languag" in finding.message and finding.hint == "did you mean 'language'?"


def test_wrong_type_points_at_value() -> None:
    document = read_text("msg: hi\ntag: 2024-01-01\n", "yaml", "a.msg.yaml")
    [finding] = document.problems
    assert (finding.line, finding.column) == (2, 6)
    assert "tag must be a string" in finding.message and finding.hint == "put it in quotes"


def test_duplicate_keys() -> None:
    json_doc = read_text('{"msg": "a",\n "msg": "b"}', "json", "a")
    assert [(f.code, f.line) for f in json_doc.problems] == [("error_document_invalid", 2)]
    yaml_doc = read_text("msg: a\nmsg: b\n", "yaml", "a")
    assert [(f.code, f.line) for f in yaml_doc.problems] == [("error_document_invalid", 2)]


@pytest.mark.parametrize(
    "text",
    [
        '{"msg": "x", "access_token": "s3cret-value"}',
        '{"msg": "x", "segments_extra": {"apiKey": "s3cret-value"}}',
        '{"msg": "x", "notify_url": "https://e.com/n?access_token=s3cret-value"}',
    ],
)
def test_secrets_are_errors_and_never_printed(text: str) -> None:
    document = read_text(text, "json", "a.msg.json")
    codes = [f.code for f in check_document(document, Config()).findings]
    assert "error_access_token_in_file" in codes
    for finding in check_document(document, Config()).findings:
        assert "s3cret" not in finding.message and "s3cret" not in (finding.hint or "")


def test_yaml_is_read_safely() -> None:
    document = read_text("msg: !!python/object/apply:os.system ['true']\n", "yaml", "a")
    assert [f.code for f in document.problems] == ["error_document_invalid"]


def test_yaml_aliases_refused() -> None:
    text = "a: &a [x, x]\nb: &b [*a, *a]\nmsg: hi\n"
    document = read_text(text, "yaml", "a")
    assert [f.code for f in document.problems] == ["error_document_invalid"]
    assert "aliases" in document.problems[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain, single-quoted, double-quoted with escapes, literal block
        ("msg: a & b\n", (1, 8)),
        ("msg: 'it''s a & b'\n", (1, 15)),
        ('msg: "\\u00e9 \\" & b"\n', (1, 17)),
        ("msg: |\n  line one\n  a & b\n", (3, 5)),
    ],
)
def test_yaml_positions_inside_strings(text: str, expected: tuple[int, int]) -> None:
    [(code, line, column)] = findings(read_text(text, "yaml", "a.msg.yaml"))
    assert code == "error_msg_invalid_xml"
    assert (line, column) == expected
    assert text.splitlines()[line - 1][column - 1] == "&"


def test_yaml_block_scalar_final_newline_is_not_part_of_the_msg() -> None:
    assert read_text("msg: |\n  hello\n", "yaml", "a").markup == "hello"
    assert read_text("msg: >\n  hello\n  there\n", "yaml", "a").markup == "hello there"
    assert read_text('msg: "hello\\n"\n', "yaml", "a").markup == "hello\n"


def test_segments_compose_and_map_back() -> None:
    text = (
        "segments:\n"
        "  - say: Thanks & bye\n"
        "  - say: hi\n"
        "    gender: Male\n"
        "  - play: ftp://example.com/a.mp3\n"
    )
    document = read_text(text, "yaml", "a.msg.yaml")
    assert document.markup == (
        '<speech>Thanks &amp; bye</speech><speech gender="Male">hi</speech>'
        "<url>ftp://example.com/a.mp3</url>"
    )
    result = findings(document)
    assert ("error_msg_invalid_gender", 4, 13) in result
    assert ("error_msg_invalid_url", 5, 5) in result


def test_binary_utf16_and_invalid_utf8() -> None:
    binary = read_bytes(b"\x00\x01\x02msg", "msg", "a.msg")
    assert "binary" in binary.problems[0].message
    utf16 = read_bytes("hello".encode("utf-16"), "msg", "a.msg")
    assert "UTF-16" in utf16.problems[0].message
    bad = read_bytes(b"line one\nab\xffcd", "msg", "a.msg")
    problem = bad.problems[0]
    assert "not valid UTF-8" in problem.message and (problem.line, problem.column) == (2, 3)
    bom = read_bytes(b"\xef\xbb\xbfhello", "msg", "a.msg")
    assert bom.bom and bom.markup == "hello" and not bom.problems


def test_deep_nesting_is_a_diagnostic() -> None:
    document = read_text("[" * 100_000 + "]" * 100_000, "json", "a")
    assert [f.code for f in document.problems] == ["error_document_invalid"]


# --- the fast path agrees with jsonschema ----------------------------------------------------

_text = st.text(max_size=8) | st.sampled_from(["https://example.com/n", "http://x", "t" * 257])
_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text
_keys = st.sampled_from(
    [
        "msg",
        "segments",
        "tag",
        "notify_url",
        "monitor_notify_url",
        "say",
        "text",
        "play",
        "language",
        "gender",
        "mgs",
        "access_token",
    ]
)
_segment = st.dictionaries(_keys, _scalar, max_size=3) | _scalar
_document: st.SearchStrategy[Any] = (
    st.dictionaries(_keys, _scalar | st.lists(_segment, max_size=3), max_size=4)
    | _scalar
    | st.lists(_scalar, max_size=2)
)


@settings(max_examples=600, deadline=None)
@given(_document)
def test_fast_path_accepts_exactly_what_jsonschema_accepts(document: Any) -> None:
    fast = compile_schema("message")
    assert fast(document) is validator("message").is_valid(document)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "segments": st.lists(
                st.fixed_dictionaries({"say": _text}, optional={"language": _text, "gender": _text})
                | st.fixed_dictionaries({"play": _text}),
                max_size=4,
            )
        },
        optional={"tag": _text, "notify_url": _text, "monitor_notify_url": _text},
    )
)
def test_fast_path_on_mostly_valid_documents(document: Any) -> None:
    assert compile_schema("message")(document) is validator("message").is_valid(document)


# --- hostile documents: findings, never tracebacks, crashes or quadratic time ---------------


def test_json_integer_too_long_to_convert_is_a_finding() -> None:
    text = '{"msg": "x",\n "tag": -' + "9" * 5000 + "}"
    [problem] = read_text(text, "json", "a").problems
    assert problem.code == "error_document_invalid" and "too many digits" in problem.message
    assert (problem.line, problem.column) == (2, 9)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2001-13-01", "timestamp (month must be in 1..12)"),
        ("!!int abc", "int"),
        ("!!float abc", "float"),
        ("9" * 5000, "too long for a number"),
        ("0b" + "1" * 20_000, "too long for a number"),
        ("0x" + "f" * 4000, "too long for a number"),
    ],
    ids=["timestamp", "int", "float", "digits", "binary", "hex"],
)
def test_yaml_value_its_tag_cannot_hold_is_a_finding(value: str, words: str) -> None:
    [problem] = read_text(f"msg: x\ntag: {value}\n", "yaml", "a").problems
    assert problem.code == "error_document_invalid" and words in problem.message
    assert (problem.line, problem.column) == (2, 6)


def test_deep_yaml_is_a_diagnostic_not_a_crash() -> None:
    # Composing YAML in C recurses on the C stack: this used to crash the interpreter (or, less
    # deep, pass silently because jsonschema could not describe it). Run apart, in case.
    code = (
        "from msgkit.documents import read_text\n"
        "for depth in (3_000, 100_000):\n"
        "    d = read_text('msg: ' + '[' * depth + ']' * depth, 'yaml', 'a')\n"
        "    print([f.message for f in d.problems])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "['the document is nested too deeply']\n" * 2
    block = "\n".join(" " * i + f"k{i}:" for i in range(150)) + " x\n"
    assert [f.message for f in read_text(block, "yaml", "a").problems] == [
        "the document is nested too deeply"
    ]


def test_a_yaml_library_nesting_limit_is_worded_by_msgkit(monkeypatch: pytest.MonkeyPatch) -> None:
    # PyYAML 6.0.4's libyaml stops at a nesting limit of its own, in its own words, before
    # msgkit's check could see the depth. Whatever the library's limit and wording, msgkit says
    # it in its own: here a loader that gives up, in made-up words, past 400 characters.
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class GivesUp(base):  # type: ignore[misc, valid-type]
        # Like libyaml's scanner, which reads ahead: it fails before the first event.
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.too_long = len(stream) > 400

        def _give_up(self) -> None:
            mark = yaml.Mark("<text>", 400, 0, 400, None, None)
            raise yaml.scanner.ScannerError("zz context", None, "qq problem", mark)

        def get_event(self) -> Any:
            if self.too_long:
                self._give_up()
            return super().get_event()

        def get_single_node(self) -> Any:
            if self.too_long:
                self._give_up()
            return super().get_single_node()

    monkeypatch.setattr(yaml, "CSafeLoader", GivesUp, raising=False)
    monkeypatch.setattr(yaml, "SafeLoader", GivesUp)
    document = read_text("msg: " + "[" * 300 + "]" * 300, "yaml", "a")
    assert [f.message for f in document.problems] == ["the document is nested too deeply"]


def test_data_too_deep_for_jsonschema_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    import msgkit.documents.inspect as inspect_module

    monkeypatch.setattr(inspect_module, "_schema_errors", lambda data: None)
    document = read_text('{"msg": [[[]]]}', "json", "a")
    assert [f.message for f in document.problems] == ["the document is nested too deeply"]


def test_many_duplicate_keys_one_diagnostic_per_name_in_linear_time() -> None:
    import time

    for kind, item, join, wrap in (
        ("json", '"msg": "a", "tag": "t"', ",\n", "{{{}}}"),
        ("yaml", "msg: a\ntag: t", "\n", "{}"),
    ):
        text = wrap.format(join.join([item] * 4_000))  # 16,000 keys and values: under the limit
        started = time.perf_counter()
        document = read_text(text, kind, "a")  # type: ignore[arg-type]
        assert time.perf_counter() - started < 5
        found = [(f.message.split("'")[1], f.line) for f in document.problems]
        assert found == [("msg", 2 if kind == "json" else 3), ("tag", 2 if kind == "json" else 4)]


def test_raw_markup_secrets_are_errors_at_their_place() -> None:
    text = "Hi.\n<url>https://e.com/a.mp3?x=1&amp;Access_Token=s3cret-value</url>\n"
    document = read_text(text, "msg", "a.msg")
    [finding] = [f for f in check_document(document, Config()).findings]
    assert finding.code == "error_access_token_in_file"
    assert (finding.line, finding.column) == (2, 34)
    assert "s3cret" not in finding.message and "s3cret" not in (finding.hint or "")
    assert not read_text("the token is in the environment\n", "msg", "a").problems


class _Endless(io.RawIOBase):
    """``yes``: a stream that never ends."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        buffer[:] = b"y" * len(buffer)
        return len(buffer)


def test_stdin_is_read_up_to_the_file_limit() -> None:
    document = read_stdin(stream=io.BufferedReader(_Endless()))
    [problem] = document.problems
    assert problem.code == "error_document_invalid"
    assert f"more than {MAX_FILE_BYTES:,} bytes" in problem.message
    assert len(stdin_bytes(io.BufferedReader(_Endless()))) == MAX_FILE_BYTES + 1
    assert read_stdin(b"y" * MAX_FILE_BYTES).markup == "y" * MAX_FILE_BYTES


def test_what_stdin_is() -> None:
    assert stdin_kind(b' \n\xef\xbb\xbf{"msg": "x"}') == "msg"
    assert stdin_kind(b'\xef\xbb\xbf \n{"msg": "x"}') == "json"
    assert stdin_kind(b"Hello {name}") == "msg"
    assert stdin_kind(b"{x}", "msg") == "msg"
    assert read_stdin(b'{"msg": "a & b"}').markup == "a & b"
    assert read_stdin(b"msg: hi", kind="yaml").markup == "hi"
