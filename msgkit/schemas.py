"""The bundled JSON Schemas, and the limits and catalogues derived from them.

The schemas are the single source of every limit and catalogue; this module reads them once
and hands out plain Python values for the hot paths.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = [
    "Catalogue",
    "Limits",
    "SpeakingRate",
    "Voices",
    "catalogue",
    "limits",
    "schema",
    "schema_names",
    "validator",
    "voices",
]

_SUFFIX = ".schema.json"


def schema_names() -> list[str]:
    """Names of the bundled schemas (``message``, ``monitor-request``, ...)."""
    root = files("msgkit").joinpath("schemas")
    return sorted(p.name[: -len(_SUFFIX)] for p in root.iterdir() if p.name.endswith(_SUFFIX))


@cache
def _load(name: str) -> dict[str, Any]:
    if name.endswith(_SUFFIX):
        name = name[: -len(_SUFFIX)]
    if name not in schema_names():
        raise KeyError(f"no bundled schema named {name!r}; known: {', '.join(schema_names())}")
    text = files("msgkit").joinpath("schemas").joinpath(name + _SUFFIX).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def schema(name: str) -> dict[str, Any]:
    """A bundled schema by name, as a fresh ``dict`` the caller may change."""
    return json.loads(json.dumps(_load(name)))  # type: ignore[no-any-return]


@cache
def validator(name: str) -> Validator:
    """A compiled Draft 2020-12 validator for a bundled schema, with cross-schema refs resolved.

    jsonschema is imported here, not at module import, to keep the CLI's start-up lean.
    """
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (_load(n)["$id"], Resource.from_contents(_load(n))) for n in schema_names()
    )
    return Draft202012Validator(_load(name), registry=registry)


@dataclass(frozen=True, slots=True)
class Limits:
    msg_length: int
    msg_length_documented: int
    tag_length: int
    notify_url_length: int
    audio_schemes: tuple[str, ...]
    audio_extensions: tuple[str, ...]
    audio_max_bytes: int
    audio_sample_rate: int
    audio_channels: int


@cache
def limits() -> Limits:
    """Every numeric limit, read from the schemas."""
    request = _load("monitor-request")["properties"]
    notify = _load("monitor-request")["$defs"]["notifyUrl"]
    audio = _load("audio-file")["properties"]
    return Limits(
        msg_length=request["msg"]["maxLength"],
        msg_length_documented=request["msg"]["x-documented-maxLength"],
        tag_length=request["tag"]["maxLength"],
        notify_url_length=notify["maxLength"],
        audio_schemes=tuple(audio["scheme"]["enum"]),
        audio_extensions=tuple(audio["extension"]["enum"]),
        audio_max_bytes=audio["size"]["maximum"],
        audio_sample_rate=audio["sample_rate"]["const"],
        audio_channels=audio["channels"]["const"],
    )


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The text-to-speech catalogue: documented languages with their scripts, and genders."""

    languages: dict[str, tuple[str, ...]]  # code -> scripts its voice reads
    language_names: dict[str, str]
    default_language: str
    genders: tuple[str, ...]
    default_gender: str
    language_pattern: str


@cache
def catalogue() -> Catalogue:
    defs = _load("tts")["$defs"]
    entries = defs["language"]["oneOf"]
    return Catalogue(
        languages={e["const"]: tuple(e["x-scripts"]) for e in entries},
        language_names={e["const"]: e["title"] for e in entries},
        default_language=defs["language"]["default"],
        genders=tuple(defs["gender"]["enum"]),
        default_gender=defs["gender"]["default"],
        language_pattern=defs["languageTag"]["pattern"],
    )


@dataclass(frozen=True, slots=True)
class SpeakingRate:
    """How fast a preview voice speaks: letters and digits per second, and the pause it makes
    at a punctuation mark."""

    characters_per_second: float
    pause_seconds: float


@dataclass(frozen=True, slots=True)
class Voices:
    """The espeak-ng voices previews use: one per documented language, a variant per gender."""

    languages: dict[str, str]  # language code -> espeak-ng voice
    variants: dict[str, str]  # gender -> espeak-ng variant
    rates: dict[str, SpeakingRate]  # language code -> speaking rate
    default_language: str
    default_gender: str


@cache
def voices() -> Voices:
    """The preview voices and speaking rates, read from the text-to-speech schema."""
    defs = _load("tts")["$defs"]
    entries = defs["language"]["oneOf"]
    return Voices(
        languages={e["const"]: e["x-espeak-voice"] for e in entries},
        variants=dict(defs["gender"]["x-espeak-variants"]),
        rates={
            e["const"]: SpeakingRate(
                float(e["x-speaking-rate"]["characters-per-second"]),
                float(e["x-speaking-rate"]["pause-seconds"]),
            )
            for e in entries
        },
        default_language=defs["language"]["default"],
        default_gender=defs["gender"]["default"],
    )
