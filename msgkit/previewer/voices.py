"""Which espeak-ng voice speaks a segment, by the mapping in the text-to-speech schema."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from ..schemas import voices

__all__ = ["VoiceChoice", "choose_voice"]


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    """The voice for a segment (``en+f3``), and why it is not the one asked for, if it is not."""

    voice: str
    problem: str | None = None


def choose_voice(language: str | None, gender: str | None, available: Set[str]) -> VoiceChoice:
    """The espeak-ng voice for ``language`` and ``gender`` (``None``: the provider's defaults).

    A documented language uses the schema's voice; any other language espeak-ng's own voice of
    that code, if it has one (``available``: espeak-ng's language codes, lowercase). Otherwise,
    and for a gender that is not documented, the default stands in, and ``problem`` says so.
    """
    table = voices()
    problems: list[str] = []
    default_base = table.languages[table.default_language]
    base = default_base
    if language is not None and language.strip():
        code = language.strip()
        documented = {c.lower(): v for c, v in table.languages.items()}
        if code.lower() in documented:
            base = documented[code.lower()]
            if available and base.lower() not in available:
                problems.append(
                    f"this espeak-ng has no {base!r} voice for language {code!r}; the "
                    f"default voice ({default_base}) speaks it"
                )
                base = default_base
        elif code.lower() in available:
            base = code.lower()
        elif code.split("-")[0].lower() in available:
            base = code.split("-")[0].lower()
        else:
            problems.append(
                f"espeak-ng has no voice for language {code!r}; the default voice "
                f"({default_base}) speaks it"
            )
    variant = table.variants[table.default_gender]
    if gender is not None and gender.strip():
        asked = gender.strip().lower()
        if asked in table.variants:
            variant = table.variants[asked]
        else:
            problems.append(
                f"gender {gender!r} is not one of {', '.join(table.variants)}; the default "
                f"({table.default_gender}) speaks it"
            )
    return VoiceChoice(f"{base}+{variant}", "; ".join(problems) or None)
