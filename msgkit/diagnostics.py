"""Diagnostics: one vocabulary for every problem msgkit reports, and the report that holds them."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["CODES", "DOCS_URL", "Code", "Diagnostic", "Fix", "Report", "Severity", "docs_url"]

# Where the user's guide is published (mkdocs.yml's site_url); each code has a page below it.
DOCS_URL = "https://msgkit.github.io/msgkit/"


def docs_url(code: str) -> str | None:
    """The address of ``code``'s page in the published guide; ``None`` for a code that has none
    (a plugin's)."""
    return f"{DOCS_URL}diagnostics/{code}/" if code in CODES else None


class Severity(str, enum.Enum):
    """How bad a diagnostic is. A ``str`` enum, so ``"error"`` and ``"warning"`` work as well."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe edit of the ``msg`` string: replace ``msg[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str
    description: str


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem, named with the provider's own status where it has one.

    ``line`` and ``column`` are 1-based positions within the ``msg`` (``None`` where the problem
    has no position, as for ``tag``); ``offset`` is the 0-based character offset they stand for.
    ``field`` names the request parameter the problem is in. ``length`` is how many characters
    from ``offset`` the problem spans, where that is known (the value of an attribute, say).
    """

    code: str
    severity: Severity
    message: str
    line: int | None = None
    column: int | None = None
    hint: str | None = None
    field: str = "msg"
    offset: int | None = None
    fix: Fix | None = None
    # Where a problem ends is a detail of its display: two diagnostics that differ only in it
    # are the same problem.
    length: int | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):
            object.__setattr__(self, "severity", Severity(self.severity))

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line is not None else ""
        return f"{where}{self.code} {self.message}"


def _position_key(d: Diagnostic) -> tuple[int, int, int]:
    if d.line is None:
        return (1, 0, 0)
    return (0, d.line, d.column or 0)


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of validation: diagnostics ordered by position, then the position-less ones."""

    diagnostics: tuple[Diagnostic, ...] = ()
    strict: bool = field(default=False, compare=False)

    @classmethod
    def of(cls, diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> Report:
        items = tuple(sorted(diagnostics, key=_position_key)) if diagnostics else ()
        if not items and cls is Report:
            return _CLEAN_STRICT if strict else _CLEAN  # immutable, so one of each will do
        return cls(items, strict)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """No errors (and, under ``strict``, no warnings either)."""
        if self.strict:
            return not self.diagnostics
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnostics)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.diagnostics)

    def __len__(self) -> int:
        return len(self.diagnostics)


_CLEAN = Report((), False)
_CLEAN_STRICT = Report((), True)


@dataclass(frozen=True, slots=True)
class Code:
    """A documented diagnostic code: its severity, what it means, and whether ``--fix`` mends it."""

    severity: Severity
    summary: str
    fixable: bool = False
    api: bool = True  # the provider answers this status; False for msgkit's own advisories


_E, _W = Severity.ERROR, Severity.WARNING

CODES: dict[str, Code] = {
    "error_msg_invalid_xml": Code(
        _E,
        "The msg markup is not well-formed, or uses elements, "
        "attributes or nesting the markup does not allow.",
        fixable=True,
    ),
    "error_msg_invalid_length": Code(_E, "The rendered msg is longer than the limit."),
    "warning_msg_length_utf16": Code(
        _W,
        "The msg fits the limit in code points but not in "
        "UTF-16 units, as a Java-based server may count it.",
        api=False,
    ),
    "error_msg_invalid_language": Code(
        _E,
        "A speech language that is not a well-formed language code, or not on the configured list.",
        fixable=True,
    ),
    "warning_msg_language_unverified": Code(
        _W,
        "A well-formed language code the documented catalogue does not list.",
        fixable=True,
        api=False,
    ),
    "error_msg_invalid_gender": Code(
        _E, "A speech gender other than male or female.", fixable=True
    ),
    "error_msg_cannot_convert_text": Code(
        _W, "Speech text in a script its language's voice cannot read."
    ),
    "error_msg_invalid_url": Code(_E, "A <url> that is not an absolute http or https URL."),
    "error_msg_invalid_file_format": Code(
        _E,
        "A <url> whose file is not .mp3, .wav or .gsm, or (online) whose bytes are not the "
        "format its extension names, or whose header is broken or cut off.",
    ),
    # Online checks (msgkit.checks.online): reported only with --online / online=True.
    "error_msg_download_failed": Code(
        _E,
        "A <url> the provider could not download: unreachable, HTTP error, timeout, TLS "
        "failure or redirect loop.",
    ),
    "error_msg_invalid_file_size": Code(_E, "A <url> file larger than 10,000,000 bytes."),
    "warning_msg_audio_not_8khz_mono": Code(
        _W, "A <url> recording that is not 8000 Hz mono.", api=False
    ),
    "warning_msg_audio_size_unknown": Code(
        _W, "A <url> whose server does not tell the file's size.", api=False
    ),
    "warning_msg_audio_unverified": Code(
        _W,
        "A <url> whose format, sample rate or channels could not be read within the bytes the "
        "online checks read.",
        api=False,
    ),
    "warning_msg_url_content_type": Code(
        _W, "A <url> served with a Content-Type that contradicts its extension.", api=False
    ),
    "warning_msg_url_not_cacheable": Code(
        _W, "A <url> served without Last-Modified: the provider cannot cache it.", api=False
    ),
    "warning_msg_url_ignores_if_modified_since": Code(
        _W,
        "A <url> whose server does not answer If-Modified-Since with 304 Not Modified.",
        api=False,
    ),
    "error_unable_to_resolve_notify_url": Code(_E, "notify_url's host does not resolve."),
    "error_unable_to_resolve_monitor_notify_url": Code(
        _E, "monitor_notify_url's host does not resolve."
    ),
    "error_unable_to_complete_ssl_handshake_notify_url": Code(
        _E,
        "No verified TLS handshake with an https notify_url or monitor_notify_url (often an "
        "incomplete certificate chain).",
    ),
    "error_url_not_public": Code(
        _E,
        "A URL whose host is, or resolves to, a loopback, private, link-local, multicast or "
        "reserved address the provider cannot reach.",
        api=False,
    ),
    "warning_url_not_checked": Code(
        _W, "A URL the online checks could not finish checking (the run's deadline).", api=False
    ),
    "error_malformed_params": Code(_E, "Characters that cannot travel as a readable parameter."),
    "error_tag_invalid_length": Code(_E, "The tag is longer than 256 characters."),
    "error_invalid_notify_url": Code(
        _E, "notify_url is not a fully-qualified http or https URL of at most 4000 characters."
    ),
    "error_invalid_monitor_notify_url": Code(
        _E,
        "monitor_notify_url is not a fully-qualified http or https URL of at most 4000 characters.",
    ),
    "warning_msg_prompt_too_long": Code(
        _W,
        "The msg's estimated spoken duration exceeds max_prompt_seconds (opt-in).",
        api=False,
    ),
    "warning_msg_empty": Code(_W, "The msg, or one of its segments, is empty.", api=False),
    "warning_msg_ssml_in_text": Code(
        _W,
        "SSML tags (<break>, <prosody>, <say-as>, ...) in spoken text: the markup has no SSML, "
        "so they would be read out.",
        api=False,
    ),
    "error_unknown_param": Code(
        _E,
        "A request parameter the block does not take (a misspelling, or another block's).",
        api=False,
    ),
    "error_session_param_missing": Code(_E, "The block needs session and none is given."),
    "error_dest_param_missing": Code(_E, "Dial or Transfer needs dest and none is given."),
    "error_msg_param_missing": Code(_E, "Play needs a msg and none is given."),
    "error_notify_url_param_missing": Code(
        _E, "Gather needs notify_url (the digits come back in its notification)."
    ),
    "error_invalid_session": Code(_E, "session is not a session ID (empty, or with spaces)."),
    "error_dest_invalid": Code(
        _E, "dest is not an E.164 number (or, for Transfer, a conference room)."
    ),
    "error_invalid_room": Code(_E, "Transfer's dest names a room that is not room:R<digits>."),
    "error_caller_id_invalid": Code(_E, "caller_id is neither an E.164 number nor private."),
    "error_invalid_max_digits": Code(_E, "Gather's max_digits is not an integer from 0 to 255."),
    "error_invalid_timeout": Code(_E, "Gather's timeout is not a whole number of seconds."),
    "error_invalid_attempts": Code(_E, "Gather's attempts is not a small whole number."),
    "error_invalid_max_duration": Code(
        _E, "max_duration (Dial, Record) is not a whole number of seconds."
    ),
    "error_on_failure_invalid": Code(_E, "Transfer's on_failure is neither hangup nor continue."),
    "error_force_invalid": Code(_E, "Hangup's force is anything but enabled.", api=False),
    "error_force_with_msg": Code(
        _E, "A forced hangup (force=enabled) with a msg, which it cannot speak.", api=False
    ),
    "error_document_invalid": Code(
        _E,
        "A message file that cannot be read, or is not a valid message document "
        "(syntax, unknown keys, wrong types, encoding, size).",
        api=False,
    ),
    "error_access_token_in_file": Code(
        _E, "A message file that carries an access token or another secret.", api=False
    ),
    "warning_no_notify_url": Code(
        _W,
        "A request with neither notify_url nor monitor_notify_url: the recording's URL "
        "would never reach you.",
        api=False,
    ),
    "error_plugin_failed": Code(
        _E, "A lint check from a plugin raised instead of returning diagnostics.", api=False
    ),
    "warning_unused_ignore": Code(
        _W,
        "A '# msgkit: ignore' comment that suppresses nothing (with --report-unused-ignores).",
        api=False,
    ),
    "warning_findings_truncated": Code(
        _W,
        "More findings of one code in one file than --max-findings-per-code shows: how many "
        "more there were.",
        api=False,
    ),
}
