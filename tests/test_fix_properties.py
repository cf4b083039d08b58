"""``--fix`` is right and ends: properties over generated markup in all three document kinds.

Each generated piece of markup comes with the text it must read after fixing: a stray ``&`` or
``<`` escaped (exactly that character: ``a && b`` is ``a &amp;&amp; b``), a language or gender
in the wrong case corrected, an unquoted attribute value quoted; well-formed references, tags
and problems no fix mends stay as they are. So the fixed file is known before fixing, in every
kind and quoting it is written in, and:

* fixing gives that file (the edit lands on the offending character, and nothing else moves);
* fixing is idempotent, and leaves no finding a fix could still mend;
* fixing never adds a finding: on markup that parses, the findings after are a subset of those
  before; on markup that does not, they are those of the expected text (libxml2 stops at the
  first syntax error, so what it hid can only be seen once it is mended).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from msgkit.config import Config
from msgkit.documents import Kind, read_text
from msgkit.fixes import fix_document
from msgkit.lint import check_document

CONFIG = Config(max_findings_per_code=0)
SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])

Piece = tuple[str, str]  # (as written, as it must read after --fix)

WORD = st.text(st.sampled_from([*"abcXYZ019 .,!?-'\">éü你好", "\t"]), min_size=1, max_size=6).map(
    lambda s: (s, s)
)
REFERENCE = st.sampled_from(["&amp;", "&lt;", "&gt;", "&quot;", "&#65;", "&#x4F60;"]).map(
    lambda s: (s, s)
)
# Each ends in a character no name continues with, so the next piece cannot complete it.
STRAY = st.sampled_from(
    [
        ("& ", "&amp; "),
        ("&& ", "&amp;&amp; "),
        ("a && b ", "a &amp;&amp; b "),
        ("R&&D ", "R&amp;&amp;D "),
        ("AT&T ", "AT&amp;T "),
        ("&;", "&amp;;"),
        ("&&&!", "&amp;&amp;&amp;!"),
        ("< ", "&lt; "),
        ("<< ", "&lt;&lt; "),
        ("a<1 ", "a&lt;1 "),
        ("<= ", "&lt;= "),
        ("&< ", "&amp;&lt; "),
        ("<& ", "&lt;&amp; "),
    ]
)
TEXT = st.one_of(WORD, REFERENCE, STRAY)


@st.composite
def elements(draw: st.DrawFn) -> Piece:
    inner = draw(st.lists(TEXT, min_size=1, max_size=4))
    body = ("".join(r for r, _ in inner), "".join(f for _, f in inner))
    attributes = draw(
        st.sampled_from(
            [
                ("", ""),
                (' language="en"', ' language="en"'),
                (' language="ZH-hk"', ' language="zh-HK"'),  # wrong case
                (' language="zh_hk"', ' language="zh-HK"'),  # a typo with one answer
                (" language=en", ' language="en"'),  # unquoted
                (' gender="Male"', ' gender="male"'),
                (" gender=Male", ' gender="male"'),  # unquoted, then the case
                (' language="en" gender="female"', ' language="en" gender="female"'),
                (' language="fr"', ' language="fr"'),  # not in the catalogue: no fix
                (' gender="a&b"', ' gender="a&amp;b"'),  # stray in an attribute value
                (' language="a<b"', ' language="a&lt;b"'),
            ]
        )
    )
    # (No unknown elements or attributes here: with one, the markup's structure is wrong, and
    # the checks of languages and genders, with their fixes, wait until it is mended.)
    tag = draw(st.sampled_from(["speech", "speech", "url"]))
    if tag == "url":
        return ("<url>http://a.example/b.mp3</url>", "<url>http://a.example/b.mp3</url>")
    raw = f"<{tag}{attributes[0]}>{body[0]}</{tag}>"
    return raw, f"<{tag}{attributes[1]}>{body[1]}</{tag}>"


MARKUP = st.lists(st.one_of(TEXT, elements()), min_size=1, max_size=8).map(
    lambda pieces: ("".join(r for r, _ in pieces), "".join(f for _, f in pieces))
)
NEWLINES = st.sampled_from(["", "\n", "\r\n"])


def encode(kind: str, style: str, markup: str) -> str:
    """The message file of ``kind`` that holds ``markup``, written in ``style``."""
    if kind == "msg":
        return markup + "\n"
    if kind == "json":
        return json.dumps({"msg": markup}, ensure_ascii=False) + "\n"
    if style == "single":
        return "msg: '" + markup.replace("'", "''") + "'\n"
    return "msg: " + json.dumps(markup, ensure_ascii=False) + "\n"  # YAML's double quotes


def findings(text: str, kind: Kind) -> Counter[tuple[str, str]]:
    checked = check_document(read_text(text, kind, "a"), CONFIG)
    return Counter((f.code, f.message) for f in checked.findings)


def parses(markup: str) -> bool:
    try:
        etree.fromstring(f"<msg>{markup}</msg>", etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return False
    return True


KINDS = st.sampled_from([("msg", ""), ("json", ""), ("yaml", "double"), ("yaml", "single")])


@SETTINGS
@given(MARKUP, KINDS)
@example(("a && b", "a &amp;&amp; b"), ("msg", ""))
@example(("R&&D", "R&amp;&amp;D"), ("json", ""))
@example(("x &&amp; y", "x &amp;&amp; y"), ("yaml", "double"))
def test_fixing_gives_the_expected_file(markup: tuple[str, str], kind_style: Any) -> None:
    (raw, expected), (kind, style) = markup, kind_style
    if style == "single" and ("\n" in raw or "\r" in raw):
        style = "double"
    text, wanted = encode(kind, style, raw), encode(kind, style, expected)
    outcome = fix_document(read_text(text, kind, "a"), CONFIG)
    assert outcome.text == wanted
    # Idempotent, and nothing fixable is left.
    again = fix_document(read_text(wanted, kind, "a"), CONFIG)
    assert again.text == wanted and not again.applied
    assert not [f for f in outcome.checked.findings if f.edit is not None]
    # Never adds a finding.
    after = Counter((f.code, f.message) for f in outcome.checked.findings)
    assert after == findings(wanted, kind)
    if parses(raw):
        assert not after - findings(text, kind)


MESSY = st.lists(
    st.sampled_from(
        ["&", "<", ">", "&amp;", "&bogus;", "&#", ";", " ", "a", "R", "D", "\n", '"', "'", "=",
         "<speech", "<speech>", "</speech>", " language=", "en", "ZH-hk", "zh_hk", " gender=",
         "Male", "<url>", "</url>", "<!--", "-->", "<?", "?>", "你", "&&", "<<", "/>"]
    ),
    max_size=20,
).map("".join)  # fmt: skip


@SETTINGS
@given(MESSY, st.sampled_from(["msg", "json", "yaml-double", "yaml-single", "yaml-plain"]))
@example("msg: &amp", "yaml-plain")
@example("< b", "yaml-plain")
def test_fixing_ends_and_is_idempotent_on_any_markup(markup: str, where: str) -> None:
    kind, _, style = where.partition("-")
    if style == "plain":
        text = f"msg: {markup}\n"  # often not YAML at all: then there is nothing to fix
    elif style == "single" and ("\n" in markup or "\r" in markup):
        return
    else:
        text = encode(kind, style, markup)
    before = findings(text, kind)  # type: ignore[arg-type]
    outcome = fix_document(read_text(text, kind, "a"), CONFIG)  # type: ignore[arg-type]
    assert outcome.text is not None
    again = fix_document(read_text(outcome.text, kind, "a"), CONFIG)  # type: ignore[arg-type]
    assert again.text == outcome.text and not again.applied
    after = findings(outcome.text, kind)  # type: ignore[arg-type]
    if parses(markup) and style != "plain":
        assert not after - before
    # What a fix mends is never reported again in the fixed text.
    mended = {e.description for e in outcome.applied}
    left = {f.edit.description for f in again.checked.findings if f.edit is not None}
    assert not (mended & left) or outcome.text == text


SEGMENT = st.sampled_from(
    [
        ({"text": "Hello & welcome"}, {"text": "Hello & welcome"}),
        ({"say": "x", "language": "ZH-hk"}, {"say": "x", "language": "zh-HK"}),
        ({"say": "x", "language": "en_us"}, {"say": "x", "language": "en"}),
        ({"say": "x", "gender": "Female"}, {"say": "x", "gender": "female"}),
        ({"say": "a < b", "language": "en"}, {"say": "a < b", "language": "en"}),
        ({"say": "x", "language": "fr"}, {"say": "x", "language": "fr"}),
        ({"play": "http://a.example/b.mp3"}, {"play": "http://a.example/b.mp3"}),
    ]
)


@SETTINGS
@given(st.lists(SEGMENT, min_size=1, max_size=6), st.sampled_from(["json", "yaml"]))
def test_fixing_segments_gives_the_expected_file(segments: list[Any], kind: Kind) -> None:
    raw = {"segments": [r for r, _ in segments]}
    expected = {"segments": [f for _, f in segments]}

    def dump(value: Any) -> str:
        if kind == "json":
            return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
        lines = ["segments:"]
        for item in value["segments"]:
            for i, (key, text) in enumerate(item.items()):
                lines.append(("  - " if i == 0 else "    ") + f"{key}: {json.dumps(text)}")
        return "\n".join(lines) + "\n"

    outcome = fix_document(read_text(dump(raw), kind, "a"), CONFIG)
    assert outcome.text == dump(expected)
    again = fix_document(read_text(dump(expected), kind, "a"), CONFIG)
    assert again.text == dump(expected) and not again.applied
    after = Counter((f.code, f.message) for f in outcome.checked.findings)
    assert not after - findings(dump(raw), kind)
