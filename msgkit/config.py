"""Validation settings, and the selectors that pick diagnostics by code or by severity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_MAX_FINDINGS_PER_CODE",
    "SEVERITY_SELECTOR",
    "Config",
    "matches",
    "selector_problem",
]

# A selector is a code, a code prefix, or "severity:error" / "severity:warning". A prefix
# matches the code's name, which is stable: error_msg_cannot_convert_text keeps the provider's
# status as its name although it is reported as a warning, so "warning_" does not select it and
# "severity:warning" does.
SEVERITY_SELECTOR = "severity:"
# Findings of one code shown per file; a hostile file can hold a hundred thousand.
DEFAULT_MAX_FINDINGS_PER_CODE = 50
_SEVERITIES = ("error", "warning")


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` cannot select anything; ``None`` when it is well formed."""
    if not isinstance(selector, str) or not selector.strip():
        return "an empty selector selects every code; name a code, a prefix or a severity"
    if selector.startswith(SEVERITY_SELECTOR):
        severity = selector[len(SEVERITY_SELECTOR) :]
        if severity not in _SEVERITIES:
            return f"{selector!r} names no severity; use " + " or ".join(
                SEVERITY_SELECTOR + s for s in _SEVERITIES
            )
    return None


def _split(selectors: Iterable[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    prefixes: list[str] = []
    severities: set[str] = set()
    for selector in selectors:
        if selector.startswith(SEVERITY_SELECTOR):
            severities.add(selector[len(SEVERITY_SELECTOR) :])
        else:
            prefixes.append(selector)
    return tuple(prefixes), frozenset(severities)


def _severity_of(code: str) -> str | None:
    from .diagnostics import CODES

    known = CODES.get(code)
    return known.severity.value if known is not None else None


def matches(selectors: Iterable[str], code: str, severity: str | None = None) -> bool:
    """Whether any of ``selectors`` picks a diagnostic with ``code`` and ``severity``.

    ``severity`` (``"error"``, ``"warning"`` or a :class:`~msgkit.diagnostics.Severity`) defaults
    to the catalogued severity of ``code``.
    """
    prefixes, severities = _split(selectors)
    return _matches(prefixes, severities, code, severity)


def _matches(
    prefixes: tuple[str, ...], severities: frozenset[str], code: str, severity: str | None
) -> bool:
    if prefixes and code.startswith(prefixes):
        return True
    if not severities:
        return False
    if severity is None:
        severity = _severity_of(code)
    return str(severity) in severities


@dataclass(frozen=True, slots=True)
class Config:
    """What ``validate`` checks, and how strictly.

    ``max_msg_length``: ``None`` takes the schema's limit (500, the safe reading; the newer
    parameter table says 1000). ``languages`` extends the documented catalogue; with
    ``languages_only`` it *is* the list, and anything else is ``error_msg_invalid_language``.
    ``select`` and ``ignore`` are selectors: codes, code prefixes (``"warning_"``) or severities
    (``"severity:warning"``). ``strict`` makes warnings count as errors.
    ``max_findings_per_code``: linting reports at most this many findings of one code per file,
    then one ``warning_findings_truncated`` saying how many more there were (0: no limit);
    ``validate`` itself reports every diagnostic.
    ``max_prompt_seconds`` turns on ``warning_msg_prompt_too_long``: a msg whose estimated
    duration exceeds it (``None``, the default: not checked).
    """

    max_msg_length: int | None = None
    languages: tuple[str, ...] = ()
    languages_only: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    max_findings_per_code: int = DEFAULT_MAX_FINDINGS_PER_CODE
    max_prompt_seconds: float | None = None
    # select and ignore split once into prefixes and severities: wants() is on the hot path.
    _select: tuple[tuple[str, ...], frozenset[str]] = field(
        init=False, repr=False, compare=False, default=((), frozenset())
    )
    _ignore: tuple[tuple[str, ...], frozenset[str]] = field(
        init=False, repr=False, compare=False, default=((), frozenset())
    )

    def __post_init__(self) -> None:
        for name in ("languages", "select", "ignore"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(value))
        if self.max_msg_length is not None and self.max_msg_length < 0:
            raise ValueError("max_msg_length must not be negative")
        if self.max_findings_per_code < 0:
            raise ValueError("max_findings_per_code must not be negative (0 means no limit)")
        if self.max_prompt_seconds is not None and not (
            isinstance(self.max_prompt_seconds, int | float)
            and not isinstance(self.max_prompt_seconds, bool)
            and 0 < self.max_prompt_seconds < float("inf")
        ):
            raise ValueError("max_prompt_seconds must be a positive number of seconds")
        for name in ("select", "ignore"):
            for selector in getattr(self, name):
                problem = selector_problem(selector)
                if problem is not None:
                    raise ValueError(f"{name}: {problem}")
        object.__setattr__(self, "_select", _split(self.select))
        object.__setattr__(self, "_ignore", _split(self.ignore))

    def wants(self, code: str, severity: str | None = None) -> bool:
        """Whether diagnostics with ``code`` (and ``severity``, by default the catalogue's) are
        reported under ``select`` / ``ignore``."""
        if self.select and not _matches(*self._select, code, severity):
            return False
        return not (self.ignore and _matches(*self._ignore, code, severity))
