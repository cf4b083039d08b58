"""Hostile markup: validate() returns a Report for any str, reads no file, fetches no URL, and
finishes in bounded time.

The time limits here are guards against algorithmic blow-ups (a quadratic path turns these 1 MB
inputs from well under a second into minutes), deliberately generous so a busy CI machine does not
fail them. The < 1 s goal itself is measured by ``python benchmarks/bench_validate.py --hostile``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from msgkit import MarkupError, Message, Report, Text, parse, validate

GUARD_SECONDS = 10.0
MB = 1_000_000


def timed_validate(markup: str) -> tuple[Report, float]:
    start = time.perf_counter()
    report = validate(markup)
    return report, time.perf_counter() - start


def everything_said(report: Report) -> str:
    return "\n".join(f"{d.message}\n{d.hint}\n{d.fix}" for d in report.diagnostics)


# --- entities and DTDs ----------------------------------------------------------------------

BILLION_LAUGHS = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<speech>&lol9;</speech>"""


def test_billion_laughs_is_refused_without_expansion() -> None:
    report, seconds = timed_validate(BILLION_LAUGHS)
    assert "error_msg_invalid_xml" in report.codes
    assert "DOCTYPE" in report.diagnostics[0].message or "entity" in everything_said(report)
    assert "lollollol" not in everything_said(report)
    assert seconds < GUARD_SECONDS
    with pytest.raises(MarkupError) as info:
        parse(BILLION_LAUGHS)
    assert (info.value.line, info.value.column) == (1, 1)


def test_entities_in_the_body_alone_are_unknown() -> None:
    report = validate("<speech>&lol9;</speech>")
    assert report.codes == ("error_msg_invalid_xml",)
    assert "unknown entity '&lol9;'" in report.diagnostics[0].message


@pytest.fixture
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    secret = "TOP-SECRET-6f1c2e0b"
    path = tmp_path / "secret.txt"
    path.write_text(secret, encoding="utf-8")
    return path, secret


def external_entity_markups(target: str) -> list[str]:
    return [
        f'<!DOCTYPE m [<!ENTITY x SYSTEM "{target}">]><speech>&x;</speech>',
        f'<!DOCTYPE m [<!ENTITY % p SYSTEM "{target}"> %p;]><speech>x</speech>',
        f'<!DOCTYPE m SYSTEM "{target}"><speech>&x;</speech>',
        f'<!DOCTYPE m PUBLIC "-//X//EN" "{target}">x',
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{target}" parse="text"/>',
        "<speech>&x;</speech>",
    ]


def test_external_entities_read_no_file(secret_file: tuple[Path, str]) -> None:
    path, secret = secret_file
    for target in (path.as_uri(), str(path)):
        for markup in external_entity_markups(target):
            report = validate(markup)
            assert not report.ok, markup
            assert "error_msg_invalid_xml" in report.codes
            assert secret not in everything_said(report)
            with pytest.raises(MarkupError) as info:
                parse(markup)
            assert secret not in str(info.value)
            assert secret not in (info.value.hint or "")


def test_external_entities_fetch_no_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/evil").respond_with_data("FETCHED-CONTENT")
    target = httpserver.url_for("/evil")
    for markup in external_entity_markups(target):
        report = validate(markup)
        assert "error_msg_invalid_xml" in report.codes
        assert "FETCHED-CONTENT" not in everything_said(report)
        with pytest.raises(MarkupError):
            parse(markup)
    # A <url> is only checked offline: validate() never fetches the recording either.
    assert validate(f"<url>{httpserver.url_for('/a.mp3')}</url>").ok
    assert httpserver.log == []


# --- XML constructs a msg does not allow ----------------------------------------------------


def test_cdata_is_text() -> None:
    assert parse("<![CDATA[Tom & <Jerry>]]>") == Message.of("Tom & <Jerry>")
    assert parse("<url><![CDATA[http://a.example/b.mp3?x=1&y=2]]></url>").render() == (
        "<url>http://a.example/b.mp3?x=1&amp;y=2</url>"
    )
    assert validate("<![CDATA[Tom & <Jerry>]]>").ok
    assert validate("<![CDATA[unterminated").codes == ("error_msg_invalid_xml",)


@pytest.mark.parametrize(
    ("markup", "position"),
    [
        ("<?xml version='1.0' encoding='utf-8'?>Hi", (1, 1)),
        ("Hi <?php echo 1; ?>", (1, 4)),
        ("Hi\n<?pi?>", (2, 1)),
        ("<!-- note -->Hi", (1, 1)),
        ("Hi<!-- note", (1, 3)),
        ("Hi\r\n<!---->", (2, 1)),
    ],
)
def test_processing_instructions_and_comments_are_errors(
    markup: str, position: tuple[int, int]
) -> None:
    report = validate(markup)
    assert report.codes == ("error_msg_invalid_xml",)
    d = report.diagnostics[0]
    assert (d.line, d.column) == position


def test_a_bom_is_just_a_character() -> None:
    report = validate("\ufeffHello")
    assert isinstance(report, Report)
    assert report.ok
    assert parse("\ufeffHello") == Message.of(Text("\ufeffHello"))
    assert validate("\ufeff").codes == ()  # not white space to Python, so not an empty msg
    assert isinstance(validate("\ufeff<speech>x</speech"), Report)


def test_mixed_newlines_keep_positions() -> None:
    markup = "one\r\ntwo\rthree\nfour &"
    d = validate(markup).diagnostics[0]
    assert (d.code, d.line, d.column) == ("error_msg_invalid_xml", 4, 6)
    assert parse("a\r\nb\rc\nd") == Message.of("a\nb\nc\nd")


@pytest.mark.parametrize("value", [None, b"x", 42, ["<speech>"], Text("x")])
def test_non_strings_are_a_type_error_not_a_crash(value: object) -> None:
    with pytest.raises(TypeError):
        validate(value)  # type: ignore[arg-type]


# --- size and depth -------------------------------------------------------------------------


def _deep(tag: str, depth: int) -> str:
    return f"<{tag}>" * depth + "x" + f"</{tag}>" * depth


HUGE: dict[str, Callable[[], str]] = {
    "100k deep speech": lambda: _deep("speech", 100_000),
    "100k deep unknown": lambda: _deep("a", 100_000),
    "100k deep unclosed": lambda: "<speech>" * 100_000,
    "text": lambda: "hello world " * (MB // 12),
    "stray ampersands": lambda: "a & b " * (MB // 6),
    "stray lt": lambda: "<" * MB,
    "newlines then error": lambda: "\n" * MB + "&",
    "crlf then error": lambda: "\r\n" * (MB // 2) + "&",
    "cr then error": lambda: "\r" * MB + "&",
    "valid speech": lambda: '<speech language="zh-HK">你好</speech>' * (MB // 36),
    "unknown attributes": lambda: '<speech bad="1">x</speech>' * (MB // 26),
    "80k attributes on one tag": lambda: (
        "<speech " + " ".join(f'a{i}="1"' for i in range(80_000)) + ">x</speech>"
    ),
    "unknown elements": lambda: "<speak>x</speak>" * (MB // 16),
    "bad languages": lambda: '<speech language="xx_YY">x</speech>' * (MB // 35),
    "uncatalogued languages": lambda: '<speech language="fr">x</speech>' * (MB // 32),
    "bad genders": lambda: '<speech gender="M">x</speech>' * (MB // 29),
    "bad urls": lambda: "<url>ftp://x/y.mp3</url>" * (MB // 24),
    "bad formats": lambda: "<url>http://x/y.ogg</url>" * (MB // 25),
    "distinct bad urls": lambda: "".join(f"<url>http://x/{i}.ogg</url>" for i in range(MB // 30)),
    "han": lambda: "你" * MB,
    "han after every element": lambda: "<url>http://x/y.mp3</url>你" * (MB // 26),
    "comments": lambda: "<!--x-->" * (MB // 8),
    "processing instructions": lambda: "<?x y?>" * (MB // 7),
    "nested": lambda: "<speech><url>x</url></speech>" * (MB // 29),
    "unknown entities": lambda: "&foo;" * (MB // 5),
    "character references": lambda: "&#65;" * (MB // 5),
    "one huge attribute": lambda: '<speech language="' + "a" * MB + '">x</speech>',
    "control characters": lambda: "\x01" * MB,
    "lone surrogates": lambda: "\ud800" * MB,
    "cdata": lambda: "<![CDATA[" + "x" * MB + "]]>",
    "unterminated comment": lambda: "<!--" * (MB // 4),
    "emoji": lambda: "😀" * MB,
    "white space": lambda: " \t\n" * (MB // 3),
}


@pytest.mark.parametrize("name", list(HUGE))
def test_huge_and_deep_inputs_get_a_report_in_bounded_time(name: str) -> None:
    markup = HUGE[name]()
    report, seconds = timed_validate(markup)
    assert isinstance(report, Report)
    assert report.diagnostics  # every one of them is too long, at least
    assert not report.ok or report.codes == ("warning_msg_empty",)
    assert seconds < GUARD_SECONDS, f"{name}: {seconds:.2f} s"
    start = time.perf_counter()
    with contextlib.suppress(MarkupError):
        parse(markup)
    assert time.perf_counter() - start < GUARD_SECONDS


def test_deep_nesting_is_reported_as_nesting() -> None:
    report = validate(_deep("speech", 100_000))
    assert "error_msg_invalid_xml" in report.codes
    messages = [d.message for d in report.diagnostics]
    assert any("nested too deeply" in m for m in messages)
    with pytest.raises(MarkupError, match="nested too deeply"):
        parse(_deep("speech", 100_000))


def test_many_problems_each_get_their_own_position() -> None:
    markup = "<!--x-->\n" * 1000 + '<speech gender="M">x</speech>\r\n' * 1000
    report = validate(markup)
    comments = [d for d in report.diagnostics if d.code == "error_msg_invalid_xml"]
    assert [(d.line, d.column) for d in comments] == [(i, 1) for i in range(1, 1001)]
    assert "error_msg_invalid_gender" not in report.codes  # structure first
    markup = '<speech gender="M">x</speech>\r\n' * 1000
    genders = [d for d in validate(markup).diagnostics if d.code == "error_msg_invalid_gender"]
    assert [(d.line, d.column) for d in genders] == [(i, 17) for i in range(1, 1001)]
