"""validate(): every diagnostic code, its severity, its position, and the Config that steers it."""

from __future__ import annotations

import dataclasses

import pytest

from msgkit import (
    CODES,
    Audio,
    Config,
    Diagnostic,
    Message,
    MessageBuilder,
    Report,
    Severity,
    Speech,
    Text,
    validate,
)


def only(report: Report) -> Diagnostic:
    assert len(report.diagnostics) == 1, report.diagnostics
    return report.diagnostics[0]


def codes(markup: str | Message, **kwargs: object) -> list[str]:
    return list(validate(markup, **kwargs).codes)  # type: ignore[arg-type]


# --- clean messages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "markup",
    [
        "Hello, thank you for calling.",
        '<speech language="zh-HK" gender="female">請稍等,我們正在處理您的訂單。</speech>',
        "<url>https://example.com/myrecording.mp3</url>",
        '<speech language="en" gender="male">Hi</speech><url>http://a.example/b.wav</url>',
        "<url>https://a.example/x/c.GSM?v=2#t</url>",
        '<speech language="zh-HK">Press 1 for 英文</speech>',
        "Line one\nline two\r\nline three & more".replace("&", "&amp;"),
        "<![CDATA[Tom & Jerry]]>",
    ],
)
def test_clean_messages_have_no_diagnostics(markup: str) -> None:
    report = validate(markup)
    assert report.diagnostics == ()
    assert report.ok
    assert report.errors == () and report.warnings == ()


def test_validate_a_message_checks_its_rendered_markup() -> None:
    message = MessageBuilder().text("Tom & Jerry <3").say("你好", "zh-HK").build()
    assert validate(message).ok
    assert validate(message) == validate(message.render())


def test_validate_refuses_what_is_neither_message_nor_str() -> None:
    with pytest.raises(TypeError):
        validate(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        validate(None)  # type: ignore[arg-type]


# --- error_msg_invalid_xml ------------------------------------------------------------------


def test_invalid_xml_is_an_error_with_position_hint_and_fix() -> None:
    d = only(validate("Hi\nTom & Jerry"))
    assert d.code == "error_msg_invalid_xml"
    assert d.severity is Severity.ERROR and d.severity == "error"
    assert (d.line, d.column, d.offset) == (2, 5, 7)
    assert d.hint is not None and "&amp;" in d.hint
    assert d.fix is not None and (d.fix.start, d.fix.end, d.fix.replacement) == (7, 8, "&amp;")
    assert d.field == "msg"


def test_every_structural_problem_is_reported_in_order() -> None:
    report = validate("<speak>a</speak>\n<speech voice='x'>b</speech><!--c-->")
    assert report.codes == ("error_msg_invalid_xml",) * 3
    assert [(d.line, d.column) for d in report.diagnostics] == [(1, 1), (2, 9), (2, 29)]


def test_an_invalid_tree_is_not_checked_further() -> None:
    # The language would be an error too, but the markup itself is wrong: fix that first.
    assert codes('<speech language="english" x="1">你好</speech>') == ["error_msg_invalid_xml"]


# --- length ---------------------------------------------------------------------------------


def test_length_limit_is_500_code_points_of_the_rendered_string() -> None:
    assert validate("x" * 500).ok
    d = only(validate("x" * 501))
    assert d.code == "error_msg_invalid_length"
    assert (d.line, d.column) == (1, 501)
    assert "501" in d.message and "500" in d.message
    assert d.hint is not None and "1000" in d.hint
    # Escaping counts: 101 '&' render as 505 characters.
    assert codes(Message.of("&" * 101)) == ["error_msg_invalid_length"]
    assert validate(Message.of("&" * 100)).ok
    # Code points, not bytes: 500 Han characters in a zh-HK speech are within the limit.
    speech = '<speech language="zh-HK">' + "你" * (500 - 34) + "</speech>"
    assert len(speech) == 500
    assert validate(speech).ok


def test_length_limit_is_configurable() -> None:
    assert validate("x" * 1000, config=Config(max_msg_length=1000)).ok
    assert codes("x" * 1001, config=Config(max_msg_length=1000)) == ["error_msg_invalid_length"]
    assert codes("x" * 11, config=Config(max_msg_length=10)) == ["error_msg_invalid_length"]
    with pytest.raises(ValueError):
        Config(max_msg_length=-1)


def test_utf16_length_warning() -> None:
    assert validate("😀" * 250).ok and validate("😀" * 250).diagnostics == ()
    d = only(validate("😀" * 251))
    assert d.code == "warning_msg_length_utf16"
    assert d.severity is Severity.WARNING
    assert "251" in d.message and "502" in d.message
    assert d.line is None
    # Past the code point limit it is simply too long: one error, no warning.
    assert codes("😀" * 501) == ["error_msg_invalid_length"]
    # BMP characters count once in UTF-16 too.
    assert validate("é" * 500).ok and validate("é" * 500).diagnostics == ()


# --- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "hint"),
    [
        ("english", 'did you mean language="en"?'),
        ("zh_HK", 'did you mean language="zh-HK"?'),
        ("e", 'did you mean language="en"?'),
        ("", "use a language code such as en or zh-HK"),
        ("zh-HK-x-private", None),
        ("123", None),
    ],
)
def test_malformed_language_is_an_error(language: str, hint: str | None) -> None:
    markup = f'Hi\n<speech language="{language}">x</speech>'
    d = only(validate(markup))
    assert d.code == "error_msg_invalid_language"
    assert d.severity is Severity.ERROR
    assert (d.line, d.column) == (2, 19)
    assert d.offset == markup.index(f'"{language}"') + 1
    if hint is not None:
        assert d.hint == hint


def test_language_casing_is_a_warning_with_a_fix() -> None:
    markup = '<speech language="zh-hk">你好</speech>'
    d = only(validate(markup))
    assert d.code == "warning_msg_language_unverified"
    assert d.severity is Severity.WARNING
    assert (d.line, d.column) == (1, 19)
    assert d.hint == 'write language="zh-HK"'
    assert d.fix is not None
    fixed = markup[: d.fix.start] + d.fix.replacement + markup[d.fix.end :]
    assert fixed == '<speech language="zh-HK">你好</speech>'
    assert validate(fixed).diagnostics == ()


def test_uncatalogued_language_is_a_warning() -> None:
    d = only(validate('<speech language="fr">Bonjour</speech>'))
    assert d.code == "warning_msg_language_unverified"
    assert "fr" in d.message
    assert validate('<speech language="fr">Bonjour</speech>').ok


def test_configured_languages_extend_the_catalogue() -> None:
    config = Config(languages=("fr", "cmn-Hans-CN"))
    assert validate('<speech language="fr">Bonjour</speech>', config=config).diagnostics == ()
    assert validate('<speech language="cmn-Hans-CN">x</speech>', config=config).diagnostics == ()


def test_an_authoritative_language_list_makes_others_errors() -> None:
    config = Config(languages=("en",), languages_only=True)
    d = only(validate('<speech language="zh-HK">你好</speech>', config=config))
    assert d.code == "error_msg_invalid_language"
    assert "configured list" in d.message
    assert validate('<speech language="en">Hi</speech>', config=config).ok
    d = only(validate('<speech language="EN">Hi</speech>', config=config))
    assert d.code == "error_msg_invalid_language"
    assert d.hint == 'did you mean language="en"?'


# --- gender ---------------------------------------------------------------------------------


def test_invalid_gender() -> None:
    markup = 'Hi <speech gender="Male">x</speech>'
    d = only(validate(markup))
    assert d.code == "error_msg_invalid_gender"
    assert (d.line, d.column) == (1, 20)
    assert d.hint == 'write gender="male"'
    assert d.fix is not None and d.fix.replacement == "male"
    d = only(validate('<speech gender="robot">x</speech>'))
    assert d.hint == "use female or male"
    assert d.fix is None


def test_attribute_positions_are_right_when_a_value_holds_gt() -> None:
    markup = '<speech language="zh-HK" title="a>b" gender="M">x</speech>'
    report = validate(markup)
    assert report.codes == ("error_msg_invalid_xml",)
    markup = '<speech language="a>b" gender="M">x</speech>'
    report = validate(markup)
    assert report.codes == ("error_msg_invalid_language", "error_msg_invalid_gender")
    assert [d.offset for d in report.diagnostics] == [18, 31]


# --- script ---------------------------------------------------------------------------------


def test_han_in_default_language_is_a_cannot_convert_warning() -> None:
    markup = "Hi <url>http://a.example/b.mp3</url> 你好"
    d = only(validate(markup))
    assert d.code == "error_msg_cannot_convert_text"
    assert d.severity is Severity.WARNING
    assert validate(markup).ok
    assert (d.offset, d.length) == (markup.index("你好"), 2)  # the letters, not the segment
    assert d.hint == 'wrap it in <speech language="zh-HK">...</speech>'


def test_han_in_english_speech_warns_latin_in_cantonese_does_not() -> None:
    d = only(validate('<speech language="en">你好</speech>'))
    assert d.code == "error_msg_cannot_convert_text"
    assert (d.line, d.column, d.length) == (1, 23, 2)
    assert validate('<speech language="zh-HK">Press 1 for 英文 service</speech>').diagnostics == ()
    assert codes("<speech>你好</speech>") == ["error_msg_cannot_convert_text"]
    assert codes("Привет") == ["error_msg_cannot_convert_text"]


def test_no_script_check_for_a_language_of_unknown_scripts() -> None:
    assert codes('<speech language="ja">こんにちは</speech>') == ["warning_msg_language_unverified"]


# --- url ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://files.example.com/a.mp3", "scheme 'ftp'"),
        ("/relative/a.mp3", "not absolute"),
        ("a.mp3", "not absolute"),
        ("", "empty"),
        ("   ", "empty"),
        ("http://a b/c.mp3", "white space at character 9"),
        ("http://user:pw@example.com/a.mp3", "credentials"),
        ("http://user@example.com/a.mp3", "credentials"),
        ("http:///a.mp3", "no host"),
        ("http://[::1/a.mp3", "cannot be parsed"),
        ("http://example.com:0/a.mp3", "port is 0"),
        ("file:///etc/a.mp3", "scheme 'file'"),
    ],
)
def test_invalid_url(url: str, words: str) -> None:
    markup = f"Hi\n<url>{url}</url>"
    d = only(validate(markup))
    assert d.code == "error_msg_invalid_url"
    # White space is pointed at (after "<url>"); other problems at the element.
    column = 6 + url.index(" ") if url.strip() and " " in url else 1
    assert (d.line, d.column) == (2, column)
    assert words in d.message


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example/b.ogg",
        "https://a.example/b.mp3.txt",
        "https://a.example/b.ogg?f=x.mp3",
        "https://a.example/b.ogg#x.wav",
        "https://a.example/",
        "https://a.example",
    ],
)
def test_invalid_file_format(url: str) -> None:
    d = only(validate(f"<url>{url}</url>"))
    assert d.code == "error_msg_invalid_file_format"
    assert (d.line, d.column) == (1, 1)


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example/b.mp3",
        "HTTPS://A.EXAMPLE/B.MP3",
        "https://a.example/b.Wav?token=abc&amp;x=1",
        "https://a.example/b.gsm#t=3",
        "https://a.example:8443/dir/b.mp3?x=.ogg",
    ],
)
def test_valid_urls(url: str) -> None:
    assert validate(f"<url>{url}</url>").diagnostics == ()


def test_the_url_cache_does_not_leak_between_configs_or_lengths() -> None:
    long_url = "https://a.example/" + "x" * 5000 + ".ogg"
    assert codes(f"<url>{long_url}</url>", config=Config(max_msg_length=10**6)) == [
        "error_msg_invalid_file_format"
    ]
    assert validate(Message.of(Audio("https://a.example/b.mp3"))).ok


# --- malformed parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "char", "column"),
    [
        ("a\x00b", "U+0000", 2),
        ("ab\x1f", "U+001F", 3),
        ("\x0b", "U+000B", 1),
        ("x\ud800", "U+D800", 2),
        ("x\udfff y", "U+DFFF", 2),
        ("<speech>\ufffe</speech>", "U+FFFE", 9),
        ("a\uffff", "U+FFFF", 2),
        ('<speech language="e\x01n">x</speech>', "U+0001", 20),
        ("<!--\x02-->", "U+0002", 5),
    ],
)
def test_malformed_params(markup: str, char: str, column: int) -> None:
    d = only(validate(markup))
    assert d.code == "error_malformed_params"
    assert char in d.message
    assert (d.line, d.column) == (1, column)


def test_tab_and_newlines_are_fine() -> None:
    assert validate("a\tb\nc\r\nd\re").ok


# --- empty ----------------------------------------------------------------------------------


@pytest.mark.parametrize("markup", ["", " ", "\n\r\n\t"])
def test_empty_msg_warns(markup: str) -> None:
    d = only(validate(markup))
    assert d.code == "warning_msg_empty"
    assert d.severity is Severity.WARNING
    assert validate(markup).ok


@pytest.mark.parametrize(
    "markup", ["<speech></speech>", '<speech language="zh-HK"> \n </speech>', "x<speech/>"]
)
def test_empty_speech_segment_warns(markup: str) -> None:
    d = only(validate(markup))
    assert d.code == "warning_msg_empty"
    assert d.offset == markup.index("<speech")


# --- tag and notify URLs --------------------------------------------------------------------


def test_tag_length() -> None:
    assert validate("x", tag="t" * 256).ok
    d = only(validate("x", tag="t" * 257))
    assert d.code == "error_tag_invalid_length"
    assert d.field == "tag"
    assert (d.line, d.column, d.offset) == (None, None, None)
    assert codes("x", tag="bad\x00tag") == ["error_malformed_params"]


@pytest.mark.parametrize("name", ["notify_url", "monitor_notify_url"])
@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/notify",
        "/relative/notify",
        "example.com/notify",
        "http://",
        "",
        "https://exa mple.com/",
        "https://user:pw@example.com/notify",
        "https://example.com/" + "x" * (4001 - len("https://example.com/")),
    ],
)
def test_invalid_notify_urls(name: str, url: str) -> None:
    d = only(validate("x", **{name: url}))  # type: ignore[arg-type]
    assert d.code == f"error_invalid_{name}"
    assert d.field == name
    assert d.severity is Severity.ERROR


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/hoiio/notify",
        "http://example.com:8080/n?app_state=1&x=2",
        "https://example.com/" + "x" * (4000 - len("https://example.com/")),
    ],
)
def test_valid_notify_urls(url: str) -> None:
    assert validate("x", notify_url=url, monitor_notify_url=url).diagnostics == ()


# --- the report and the config --------------------------------------------------------------


def test_report_orders_by_position_then_positionless() -> None:
    markup = '<speech language="zh_HK" gender="x">你好</speech>\n<url>ftp://a/b.mp3</url>\n你好'
    report = validate(markup, tag="t" * 300, notify_url="nope")
    assert report.codes == (
        "error_msg_invalid_language",
        "error_msg_invalid_gender",
        "error_msg_invalid_url",
        "error_msg_cannot_convert_text",
        "error_tag_invalid_length",
        "error_invalid_notify_url",
    )
    positions = [(d.line, d.column) for d in report.diagnostics if d.line is not None]
    assert positions == sorted(positions)
    assert [d.code for d in report.errors] == [
        "error_msg_invalid_language",
        "error_msg_invalid_gender",
        "error_msg_invalid_url",
        "error_tag_invalid_length",
        "error_invalid_notify_url",
    ]
    assert [d.code for d in report.warnings] == ["error_msg_cannot_convert_text"]
    assert not report.ok
    assert len(report) == 6
    assert list(report) == list(report.diagnostics)


def test_strict_counts_warnings() -> None:
    assert validate("你好").ok
    assert not validate("你好", config=Config(strict=True)).ok
    assert validate("Hello", config=Config(strict=True)).ok


def test_select_and_ignore_are_prefixes() -> None:
    markup = '<speech language="zh-hk" gender="x">你好</speech><url>ftp://a/b.mp3</url>'
    assert codes(markup) == [
        "warning_msg_language_unverified",
        "error_msg_invalid_gender",
        "error_msg_invalid_url",
    ]
    assert codes(markup, config=Config(ignore=("warning",))) == [
        "error_msg_invalid_gender",
        "error_msg_invalid_url",
    ]
    assert codes(markup, config=Config(select=("error_msg_invalid_url",))) == [
        "error_msg_invalid_url"
    ]
    assert codes(
        markup, config=Config(select=("error_msg_invalid",), ignore=("error_msg_invalid_g",))
    ) == ["error_msg_invalid_url"]
    assert validate(markup, config=Config(ignore=("error_", "warning_"))).ok
    assert codes(markup, config=Config(ignore="warning_")) == codes(
        markup, config=Config(ignore=("warning_",))
    )


def test_config_and_diagnostic_are_frozen() -> None:
    config = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.strict = True  # type: ignore[misc]
    d = only(validate("&"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.code = "other"  # type: ignore[misc]
    assert str(d).startswith("1:1: error_msg_invalid_xml ")


def test_diagnostic_severity_accepts_strings() -> None:
    d = Diagnostic("warning_msg_empty", "warning", "msg is empty")  # type: ignore[arg-type]
    assert d.severity is Severity.WARNING
    with pytest.raises(ValueError):
        Diagnostic("x", "fatal", "no such severity")  # type: ignore[arg-type]


SAMPLES = [
    "&",
    "x" * 600,
    "😀" * 300,
    '<speech language="english">x</speech>',
    '<speech language="fr">x</speech>',
    '<speech gender="M">x</speech>',
    "你好",
    "<url>ftp://a/b.mp3</url>",
    "<url>http://a/b.ogg</url>",
    "\x00",
    "",
    "<speech></speech>",
]


@pytest.mark.parametrize("markup", SAMPLES)
def test_every_code_is_catalogued_with_its_severity(markup: str) -> None:
    report = validate(markup, tag="t" * 300, notify_url="x", monitor_notify_url="y")
    assert report.diagnostics
    for d in report.diagnostics:
        assert d.code in CODES
        assert d.severity is CODES[d.code].severity
        assert d.message
        if d.line is not None:
            assert d.column is not None and d.line >= 1 and d.column >= 1


def test_segments_made_in_code_validate_like_their_markup() -> None:
    message = Message.of(Text("Hi "), Speech("你好", "zh-hk"), Audio("http://a/b.ogg"))
    assert validate(message).codes == (
        "warning_msg_language_unverified",
        "error_msg_invalid_file_format",
    )
