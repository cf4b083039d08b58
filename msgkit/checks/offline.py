"""Offline validation: everything that can be known about a request without the network.

The hot path (``msgkit lint`` runs on every commit) walks the parsed tree once and checks as it
goes; positions are computed only for the diagnostics that need them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from ..config import Config
from ..diagnostics import Diagnostic, Fix, Severity
from ..markup import Locator, RawSegment, Scan, scan
from ..schemas import catalogue, limits
from .hosts import host_problem
from .scripts import foreign_run, foreign_scripts

__all__ = ["check_msg", "check_params"]

_E, _W = Severity.ERROR, Severity.WARNING

# Characters that cannot travel as a readable parameter (the provider's error_malformed_params).
_MALFORMED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class _Rules:
    """What a Config means for the hot path, worked out once per Config."""

    max_length: int
    languages: dict[str, tuple[str, ...]]  # known code -> scripts its voice reads (() = unknown)
    by_lower: dict[str, str]  # lowercased known code -> canonical code
    names: dict[str, str]  # lowercased language name -> code, for did-you-mean
    only_listed: bool
    tag_pattern: re.Pattern[str]
    genders: tuple[str, ...]
    default_scripts: tuple[str, ...]
    audio_schemes: tuple[str, ...]
    audio_extensions: tuple[str, ...]
    tag_length: int
    notify_url_length: int


@lru_cache(maxsize=64)
def _rules(config: Config) -> _Rules:
    cat = catalogue()
    lim = limits()
    languages: dict[str, tuple[str, ...]]
    if config.languages_only:
        languages = {code: cat.languages.get(code, ()) for code in config.languages}
    else:
        languages = dict(cat.languages)
        for code in config.languages:
            languages.setdefault(code, ())
    names = {name.lower(): code for code, name in cat.language_names.items()}
    names.update({name.split(" ")[0].lower(): code for code, name in cat.language_names.items()})
    return _Rules(
        max_length=lim.msg_length if config.max_msg_length is None else config.max_msg_length,
        languages=languages,
        by_lower={code.lower(): code for code in languages},
        names=names,
        only_listed=config.languages_only,
        tag_pattern=re.compile(cat.language_pattern),
        genders=cat.genders,
        default_scripts=cat.languages.get(cat.default_language, ("Latin",)),
        audio_schemes=lim.audio_schemes,
        audio_extensions=lim.audio_extensions,
        tag_length=lim.tag_length,
        notify_url_length=lim.notify_url_length,
    )


_last_rules: tuple[Config, _Rules] | None = None


def _rules_of(config: Config) -> _Rules:
    """``_rules(config)``, skipping even the cache's hashing when the same Config comes again."""
    global _last_rules
    last = _last_rules
    if last is not None and last[0] is config:
        return last[1]
    rules = _rules(config)
    _last_rules = (config, rules)
    return rules


class _Collector:
    """Builds diagnostics with positions, honouring select/ignore.

    With a ``limit``, diagnostics of a code past the first ``limit`` are counted, not built:
    :meth:`summaries` then says how many more there were, where the first of them is.
    """

    __slots__ = ("config", "counts", "first_hidden", "items", "limit", "locator", "scan")

    def __init__(self, config: Config, locator: Locator | None, limit: int = 0) -> None:
        self.config = config
        self.locator = locator
        self.scan: Scan | None = None  # a locator comes from here when one is first needed
        self.items: list[Diagnostic] = []
        self.limit = limit
        self.counts: dict[str, int] = {}
        # code -> where the first diagnostic not built is: (offset, field, line, column)
        self.first_hidden: dict[str, tuple[int | None, str, int | None, int | None]] = {}

    def counted(self, code: str) -> bool:
        """Count one more diagnostic of ``code`` if the limit is already passed (the checks then
        skip working out its place and words); ``False`` if it is to be built and added."""
        if self.limit and code in self.first_hidden:
            self.counts[code] += 1
            return True
        return False

    def count(self, code: str, more: int) -> None:
        """``more`` diagnostics of ``code`` past the limit, found without being built."""
        if more and self.config.wants(code):
            self.counts[code] = self.counts.get(code, 0) + more

    def summaries(self) -> list[Diagnostic]:
        """One ``warning_findings_truncated`` per code that had more than ``limit``."""
        if not self.first_hidden:
            return []
        from ..capping import TRUNCATED, truncated

        found = []
        for code, (offset, field, line, column) in self.first_hidden.items():
            summary = truncated(self.config, code, self.counts[code] - self.limit, self.limit)
            if summary is not None:
                message, hint = summary
                found.append(Diagnostic(TRUNCATED, _W, message, line, column, hint, field, offset))
        return found

    def current(self) -> Locator | None:
        """The locator for positions, made from the scan on first use (clean markup needs none)."""
        if self.locator is None and self.scan is not None:
            self.locator = self.scan.locator
        return self.locator

    def element(self, index: int) -> int:
        """Offset of the element with document-order ``index``."""
        locator = self.current()
        assert locator is not None
        return locator.element(index)

    def add(
        self,
        code: str,
        severity: Severity,
        message: str,
        *,
        offset: int | None = None,
        hint: str | None = None,
        field: str = "msg",
        fix: Fix | None = None,
        length: int | None = None,
    ) -> None:
        if not self.config.wants(code, severity):
            return
        if self.limit:
            seen = self.counts[code] = self.counts.get(code, 0) + 1
            if seen > self.limit and code in self.first_hidden:
                return
        line = column = None
        if offset is not None:
            locator = self.current()
            if locator is not None:
                line, column = locator.position(offset)
        if self.limit and self.counts[code] > self.limit:
            self.first_hidden[code] = (offset, field, line, column)
            return
        if length is None and fix is not None and fix.start == offset:
            length = fix.end - fix.start
        self.items.append(
            Diagnostic(code, severity, message, line, column, hint, field, offset, fix, length)
        )


def url_problem(url: str, schemes: tuple[str, ...]) -> str | None:
    """Why ``url`` is not an absolute URL with one of ``schemes``; ``None`` when it is."""
    if not url.strip():
        return "the URL is empty"
    space = _SPACE.search(url)  # \s is exactly str.isspace()
    if space is not None:
        return f"the URL contains white space at character {space.start() + 1}"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"the URL cannot be parsed: {error}"
    scheme = parts.scheme.lower()
    if not scheme:
        return "the URL is not absolute: it has no scheme"
    if scheme not in schemes:
        return f"the scheme {parts.scheme!r} is not supported; only {' and '.join(schemes)}"
    if not parts.hostname:
        return "the URL has no host"
    host = host_problem(parts.hostname)
    if host is not None:
        return f"the URL's host is invalid: {host}"
    if parts.username is not None or parts.password is not None:
        return "the URL carries credentials (user:password@), which must not be shared"
    if port == 0:
        return "the URL's port is 0"
    return None


def _language_guess(language: str, rules: _Rules) -> tuple[str | None, bool]:
    """The catalogue's code ``language`` most likely means, and whether that is unambiguous.

    Unambiguous: the same code in another case or with ``_`` for ``-`` (``zh_hk`` is
    ``zh-HK``), or what BCP 47 lookup falls back to by dropping subtags (``en_US`` is ``en``,
    RFC 4647 section 3.4). A language name (``english``) or a near miss is only a guess.
    """
    normal = language.replace("_", "-").lower()
    found = rules.by_lower.get(normal)
    if found is not None:
        return found, True
    subtags = normal.split("-")
    for end in range(len(subtags) - 1, 0, -1):
        found = rules.by_lower.get("-".join(subtags[:end]))
        if found is not None:
            return found, True
    found = rules.names.get(language.lower())
    if found is not None:
        return found, False
    import difflib  # here: a known code (the usual case) never gets this far

    close = difflib.get_close_matches(normal, list(rules.by_lower), n=1)
    return (rules.by_lower[close[0]], False) if close else (None, False)


def _check_language(c: _Collector, rules: _Rules, raw: RawSegment) -> tuple[str, ...] | None:
    """Check a speech language; return the scripts its voice reads, or None when unknown."""
    language = raw.language
    if language is None:
        return rules.default_scripts
    known = rules.languages.get(language)
    if known is not None:
        return known or None
    malformed = rules.only_listed or not rules.tag_pattern.match(language)
    if c.counted("error_msg_invalid_language" if malformed else "warning_msg_language_unverified"):
        # Past the cap: what the full check would return, without its place and its guess.
        canonical = None if malformed else rules.by_lower.get(language.lower())
        return (rules.languages.get(canonical) or None) if canonical is not None else None
    locator = c.current()
    offset = locator.attribute(raw.element, "language") if locator else None
    guess, sure = _language_guess(language, rules)
    fix = None
    if guess is not None and sure and offset is not None:
        fix = Fix(offset, offset + len(language), guess, f"{language} -> {guess}")
    length = len(language)
    if not rules.tag_pattern.match(language):
        hint = (
            f'did you mean language="{guess}"?'
            if guess
            else "use a language code such as en or zh-HK"
        )
        c.add(
            "error_msg_invalid_language",
            _E,
            f"language {language!r} is not a language code",
            offset=offset,
            hint=hint,
            fix=fix,
            length=length,
        )
        return None
    listed = ", ".join(rules.languages)
    if rules.only_listed:
        hint = f'did you mean language="{guess}"?' if sure else f"configured: {listed}"
        c.add(
            "error_msg_invalid_language",
            _E,
            f"language {language!r} is not on the configured list",
            offset=offset,
            hint=hint,
            fix=fix,
            length=length,
        )
        return None
    if sure and guess is not None and guess.lower() == language.lower():
        c.add(
            "warning_msg_language_unverified",
            _W,
            f"language {language!r} is written in the wrong case",
            offset=offset,
            hint=f'write language="{guess}"',
            fix=fix,
            length=length,
        )
        return rules.languages.get(guess) or None
    add_it = f"add it with --language {language} (or languages in [tool.msgkit])"
    if sure:  # a well-formed code whose lookup falls back to the catalogue: en-us is en
        hint = f'did you mean language="{guess}"? If the provider reads {language}, {add_it}'
    else:
        hint = f"check the provider supports it, then {add_it}"
    c.add(
        "warning_msg_language_unverified",
        _W,
        f"language {language!r} is not in the documented catalogue ({listed})",
        offset=offset,
        hint=hint,
        fix=fix,
        length=length,
    )
    return None


def _check_gender(c: _Collector, rules: _Rules, raw: RawSegment) -> None:
    gender = raw.gender
    if gender is None or gender in rules.genders or c.counted("error_msg_invalid_gender"):
        return
    locator = c.current()
    offset = locator.attribute(raw.element, "gender") if locator else None
    lowered = gender.strip().lower()
    fix = None
    if lowered in rules.genders:
        hint = f'write gender="{lowered}"'
        if offset is not None:
            fix = Fix(offset, offset + len(gender), lowered, f"{gender} -> {lowered}")
    else:
        hint = f"use {' or '.join(rules.genders)}"
    c.add(
        "error_msg_invalid_gender",
        _E,
        f"gender {gender!r} is not supported",
        offset=offset,
        hint=hint,
        fix=fix,
        length=len(gender),
    )


def _segment_offset(c: _Collector, raw: RawSegment) -> int:
    locator = c.current()
    assert locator is not None
    if raw.kind != "text":
        return locator.element(raw.element)
    return 0 if raw.after < 0 else locator.after(raw.after)


_CACHED_URL_LENGTH = 2048  # recordings recur across a lint run; don't keep huge strings


@lru_cache(maxsize=1024)
def _audio_problem(
    url: str, schemes: tuple[str, ...], extensions: tuple[str, ...]
) -> tuple[str, str, str, int | None] | None:
    """``(code, message, hint, index)`` for a ``<url>`` the provider would refuse (``index``:
    the character of the URL the problem is at, when it is one); ``None`` if fine."""
    problem = url_problem(url, schemes)
    if problem is not None:
        space = _SPACE.search(url) if url.strip() else None
        return (
            "error_msg_invalid_url",
            f"<url>: {problem}",
            "give an absolute http:// or https:// URL of the recording"
            + (", with spaces written %20" if space is not None else ""),
            space.start() if space is not None else None,
        )
    path = urlsplit(url).path.lower()
    if not path.endswith(extensions):
        return (
            "error_msg_invalid_file_format",
            f"<url>: {url!r} does not end in {', '.join(extensions)}",
            "convert the recording to 8000 Hz mono .wav, .mp3 or .gsm and link to the file itself",
            None,
        )
    return None


def _content_start(source: str, element: int) -> int:
    """Offset just after the start tag that opens at ``element`` (quoted values may hold >)."""
    quote = ""
    for i in range(element, len(source)):
        char = source[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ">":
            return i + 1
    return len(source)


def _content_offset(source: str, start: int, index: int) -> int:
    """Offset in ``source`` of character ``index`` of the text that starts at ``start``:
    references such as ``&amp;`` are one character, CDATA markers none, CR LF one."""
    pos, count, end = start, 0, len(source)
    cdata = False
    while pos < end:
        if cdata:
            if source.startswith("]]>", pos):
                cdata = False
                pos += 3
                continue
        elif source.startswith("<![CDATA[", pos):
            cdata = True
            pos += 9
            continue
        elif source[pos] == "<":
            break
        if count == index:
            break
        if not cdata and source[pos] == "&":
            semicolon = source.find(";", pos, pos + 12)
            pos = semicolon + 1 if semicolon > 0 else pos + 1
        elif source.startswith("\r\n", pos):
            pos += 2
        else:
            pos += 1
        count += 1
    return pos


def _check_segments(c: _Collector, rules: _Rules, segments: list[RawSegment]) -> None:
    where = c.element
    languages = rules.languages
    genders = rules.genders
    default_scripts = rules.default_scripts
    for raw in segments:
        kind = raw.kind
        if kind == "url":
            url = raw.text
            if len(url) <= _CACHED_URL_LENGTH:
                found = _audio_problem(url, rules.audio_schemes, rules.audio_extensions)
            else:
                found = _audio_problem.__wrapped__(url, rules.audio_schemes, rules.audio_extensions)
            if found is not None:
                code, message, hint, index = found
                offset = where(raw.element)
                length = None
                locator = c.current()
                if index is not None and locator is not None:
                    source = locator.source
                    content = _content_start(source, offset)
                    offset = _content_offset(source, content, index)
                    length = _content_offset(source, content, index + 1) - offset
                c.add(code, _E, message, offset=offset, hint=hint, length=length)
            continue
        if kind == "speech":
            # Inline fast paths for the usual case: a catalogued language, a valid gender.
            language = raw.language
            if language is None:
                scripts: tuple[str, ...] | None = default_scripts
            else:
                scripts = languages.get(language)
                if scripts is None:
                    scripts = _check_language(c, rules, raw)
                elif not scripts:
                    scripts = None
            gender = raw.gender
            if gender is not None and gender not in genders:
                _check_gender(c, rules, raw)
            if not raw.text.strip():
                c.add(
                    "warning_msg_empty",
                    _W,
                    "empty <speech> segment",
                    offset=where(raw.element),
                    hint="remove it or give it text",
                )
                continue
        else:
            scripts = default_scripts
        if "<" in raw.text:  # spoken text with a '<' in it: escaped in the markup, so said
            _check_ssml(c, raw)
        if scripts and not raw.text.isascii():
            foreign = foreign_scripts(raw.text, scripts)
            if foreign and not c.counted("error_msg_cannot_convert_text"):
                what = "plain text" if kind == "text" else "<speech>"
                at, span = _foreign_place(c, raw, scripts)
                c.add(
                    "error_msg_cannot_convert_text",
                    _W,
                    f"{'/'.join(foreign)} text in {what} read by a voice for "
                    f"{'/'.join(scripts)} only",
                    offset=at,
                    hint=_script_hint(foreign),
                    length=span,
                )


# SSML elements, as people used to other voice platforms write them.
_SSML_NAMES = (
    "speak",
    "break",
    "prosody",
    "say-as",
    "emphasis",
    "phoneme",
    "sub",
    "audio",
    "voice",
    "lang",
    "mark",
    "p",
    "s",
    "w",
)
_SSML_ELEMENTS = frozenset(_SSML_NAMES)
_SSML = re.compile(
    r"<\s*/?\s*(" + "|".join(map(re.escape, _SSML_NAMES)) + r"|(?:amazon|mstts|google):[\w-]+)"
    r"(?=[\s/>])[^<>]{0,200}>",
    re.IGNORECASE,
)


def _check_ssml(c: _Collector, raw: RawSegment) -> None:
    found = _SSML.search(raw.text)
    if found is None:
        return
    name = found.group(1).lower()
    shown = found.group()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    what = "plain text" if raw.kind == "text" else "<speech>"
    others = len(_SSML.findall(raw.text)) - 1
    more = f" (and {others} more SSML tag{'s' if others > 1 else ''})" if others else ""
    if name == "break":
        hint = "remove it: the markup has no pauses; end a sentence where a pause is wanted"
    else:
        hint = "remove the tags and keep the words: the markup has no SSML"
    offset = length = None
    locator = c.current()
    if locator is not None:
        start = _text_start(locator, raw)
        offset = _content_offset(locator.source, start, found.start())
        length = _content_offset(locator.source, start, found.end()) - offset
    c.add(
        "warning_msg_ssml_in_text",
        _W,
        f"{shown} in {what} is SSML, which the msg markup does not have: it would be read "
        f"out as text{more}",
        offset=offset,
        hint=hint,
        length=length,
    )


def _text_start(locator: Locator, raw: RawSegment) -> int:
    """Offset where the text of a text or speech segment starts in the markup."""
    if raw.kind == "speech":
        return _content_start(locator.source, locator.element(raw.element))
    return 0 if raw.after < 0 else locator.after(raw.after)


def _foreign_place(
    c: _Collector, raw: RawSegment, scripts: tuple[str, ...]
) -> tuple[int | None, int | None]:
    """Offset and length of the first letters the voice cannot read (the segment, if lost)."""
    locator = c.current()
    run = foreign_run(raw.text, scripts)
    if locator is None or run is None:
        return (_segment_offset(c, raw) if locator is not None else None), None
    start = _text_start(locator, raw)
    offset = _content_offset(locator.source, start, run[0])
    return offset, _content_offset(locator.source, start, run[1]) - offset


def _script_hint(foreign: list[str]) -> str:
    cat = catalogue()
    for code, scripts in cat.languages.items():
        if all(s in scripts for s in foreign):
            return f'wrap it in <speech language="{code}">...</speech>'
    return 'wrap it in <speech language=".."> with a language whose voice reads that script'


def check_msg(markup: str, config: Config, c: _Collector | None = None) -> list[Diagnostic]:
    """Diagnostics for a ``msg`` markup string. Never raises on a ``str``."""
    rules = _rules_of(config)
    if c is None:
        c = _Collector(config, None)
    result = scan(markup, c.limit)
    c.locator = None
    c.scan = result  # its locator (made only if a diagnostic needs a position) is shared
    length = len(markup)
    limit = rules.max_length
    if length > limit:
        c.add(
            "error_msg_invalid_length",
            _E,
            f"msg is {length} characters long; the limit is {limit}",
            offset=limit,
            hint="shorten it, or split it over several blocks"
            + (
                ""
                if limit >= limits().msg_length_documented
                else f"; if your account accepts {limits().msg_length_documented} characters, "
                f"set max_msg_length = {limits().msg_length_documented}"
            ),
        )
    elif 2 * length > limit and not markup.isascii():
        # What Java's String.length() says; encoding is ~2x faster than counting astral chars.
        utf16 = len(markup.encode("utf-16-le", "surrogatepass")) // 2
        if utf16 > limit:
            c.add(
                "warning_msg_length_utf16",
                _W,
                f"msg is {length} characters but {utf16} UTF-16 units; the limit is {limit}",
                offset=None,
                hint="characters outside the Basic Multilingual Plane (emoji) "
                "may count twice on the server; shorten the msg",
            )
    # Every character _MALFORMED matches is one XML cannot carry, so markup that parsed has none:
    # look for them only when it did not (this keeps a whole-string scan off the hot path).
    bad = _MALFORMED.search(markup) if result.problems else None
    if bad is not None:
        c.add(
            "error_malformed_params",
            _E,
            f"msg contains U+{ord(bad.group()):04X}, which cannot travel as a readable parameter",
            offset=bad.start(),
            hint="remove control characters and lone surrogates; check the file's encoding",
        )
        return c.items
    if not markup or markup.isspace():  # as `not markup.strip()`, without the copy
        c.add(
            "warning_msg_empty",
            _W,
            "msg is empty",
            offset=0,
            hint="give the msg some text, or leave the parameter out",
        )
        return c.items
    for problem in result.problems:
        hint = problem.hint
        fix = _escape_fix(markup, problem.offset, hint)
        if problem.message == _UNQUOTED_MESSAGE:
            hint, fix = _quote_fix(markup, problem.offset, hint)
        elif problem.message.startswith(_UNKNOWN_ELEMENT):
            name = problem.message[len(_UNKNOWN_ELEMENT) : -1]
            if name.lower() in _SSML_ELEMENTS:
                hint = f"<{name}> is SSML, which the msg markup does not have: " + (
                    "remove it; the markup has no pauses"
                    if name.lower() == "break"
                    else "remove the tags and keep the words"
                )
        c.add(
            "error_msg_invalid_xml",
            _E,
            problem.message,
            offset=problem.offset,
            hint=hint,
            fix=fix,
            # an escape fix runs on past the stray character, which is what is pointed at
            length=1 if fix is not None and fix.replacement[:1] == "&" else None,
        )
    c.count("error_msg_invalid_xml", result.more)
    if not result.problems:
        _check_segments(c, rules, result.segments)
    return c.items


_UNQUOTED_MESSAGE = "attribute values must be quoted"
_UNKNOWN_ELEMENT = "unknown element <"
_ATTRIBUTE_NAME = re.compile(r"([^\s=<>\"'/]+)\s*=\s*\Z")
_BARE_VALUE = re.compile(r"(?:[^\s\"'<>=&/`]|/(?!>))+")


def _quote_fix(markup: str, offset: int, hint: str | None) -> tuple[str | None, Fix | None]:
    """The hint and fix for an unquoted attribute value at ``offset``: ``language=en`` is
    ``language="en"``, said with what the markup wrote."""
    name = _ATTRIBUTE_NAME.search(markup, max(0, offset - 100), offset)
    if name is None:
        return hint, None
    unfixed = f'put the value of {name.group(1)} in quotes: {name.group(1)}=".."'
    value = _BARE_VALUE.match(markup, offset)
    if value is None:
        return unfixed, None
    after = markup[value.end() : value.end() + 2]
    if after and not (after[0].isspace() or after.startswith((">", "/>"))):
        return unfixed, None  # the value runs into something quotes alone would not mend
    written = f'{name.group(1)}="{value.group()}"'
    fix = Fix(offset, value.end(), f'"{value.group()}"', f"quoted {written}")
    return f"write it as {written}, with the quotes (msgkit lint --fix does this)", fix


# Outside markup: an '&' that starts no reference, and a '<' that can start no tag, comment,
# CDATA section or processing instruction, are certainly stray.
_STRAY_IN_TEXT = re.compile(
    r"&(?!(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][^\s&<>\"';]*);)|<(?![A-Za-z_:/!?\u00c0-\uffff])"
)
# A '<' that may start markup, and the markup that is stepped over unchanged when it is whole.
_MARKUP_START = re.compile(r"<(?=[A-Za-z_:/!?\u00c0-\uffff])")
_WHOLE_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|</?[^\s<>!?/][^<>]*>", re.S)


def _escape_fix(markup: str, offset: int, hint: str | None) -> Fix | None:
    """The safe fix for a stray ``&`` or ``<``: escape it, and with it every certainly stray
    ``&`` and ``<`` after it in the text, in one edit.

    libxml2 reports one problem at a time; escaping them all at once keeps ``--fix`` to a
    round or two (and linear) however many stray characters a msg holds. Whole tags, comments,
    CDATA sections and processing instructions are stepped over unchanged; the edit ends before
    the first ``<`` that may start markup but does not.
    """
    if not hint or not hint.startswith("escape it as") or offset >= len(markup):
        return None
    char = markup[offset]
    if char not in "&<":
        return None
    parts = ["&amp;" if char == "&" else "&lt;"]
    count = 1
    at = offset + 1
    while True:
        found = _MARKUP_START.search(markup, at)
        stop = found.start() if found is not None else len(markup)
        text, more = _STRAY_IN_TEXT.subn(
            lambda m: "&amp;" if m.group() == "&" else "&lt;", markup[at:stop]
        )
        parts.append(text)
        count += more
        whole = _WHOLE_MARKUP.match(markup, stop) if found is not None else None
        if whole is None:
            break
        parts.append(whole.group())
        at = whole.end()
    replacement = "".join(parts)
    # What follows the last escaped character is left as it is, out of the edit.
    same = 0
    while same < stop - offset - 1 and markup[stop - 1 - same] == replacement[-1 - same]:
        same += 1
    name = "'&' as '&amp;'" if char == "&" else "'<' as '&lt;'"
    description = f"escaped {name}" if count == 1 else f"escaped {count} stray '&' and '<'"
    return Fix(offset, stop - same, replacement[: len(replacement) - same], description)


def check_params(
    *,
    tag: str | None = None,
    notify_url: str | None = None,
    monitor_notify_url: str | None = None,
    config: Config,
    c: _Collector | None = None,
) -> list[Diagnostic]:
    """Diagnostics for the request parameters that travel with a msg."""
    rules = _rules_of(config)
    if c is None:
        c = _Collector(config, None)
    c.locator = None
    c.scan = None
    if tag is not None:
        if len(tag) > rules.tag_length:
            c.add(
                "error_tag_invalid_length",
                _E,
                f"tag is {len(tag)} characters long; the limit is {rules.tag_length}",
                field="tag",
                hint="keep only your reference ID in the tag",
            )
        bad = _MALFORMED.search(tag)
        if bad is not None:
            c.add(
                "error_malformed_params",
                _E,
                f"tag contains U+{ord(bad.group()):04X}, which cannot travel as a readable "
                "parameter",
                field="tag",
                hint="remove control characters",
            )
    for name, value in (("notify_url", notify_url), ("monitor_notify_url", monitor_notify_url)):
        if value is None:
            continue
        code = f"error_invalid_{name}"
        if len(value) > rules.notify_url_length:
            c.add(
                code,
                _E,
                f"{name} is {len(value)} characters long; the limit is {rules.notify_url_length}",
                field=name,
                hint="shorten the query string you pass through",
            )
            continue
        bad = _MALFORMED.search(value)
        if bad is not None:
            c.add(
                "error_malformed_params",
                _E,
                f"{name} contains U+{ord(bad.group()):04X}, which cannot travel as a readable "
                "parameter",
                field=name,
                hint="remove control characters and lone surrogates; check the file's encoding",
            )
            continue
        problem = url_problem(value, ("http", "https"))
        if problem is not None:
            c.add(
                code,
                _E,
                f"{name}: {problem}",
                field=name,
                hint="give a fully-qualified URL such as https://example.com/hoiio/notify",
            )
    return c.items
