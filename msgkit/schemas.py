"""The bundled JSON Schemas, and the limits and catalogues derived from them.

The schemas are the single source of every limit and catalogue; this module reads them once
and hands out plain Python values for the hot paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.abc import Traversable

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


@cache
def _directory() -> Traversable:
    """Where the schemas are: beside this module, or (installed in a zip) as a resource.

    ``importlib.resources`` costs ``msgkit lint`` more start-up time than reading the schemas,
    so it is imported only where the files are not plain files.
    """
    beside = os.path.join(os.path.dirname(__file__), "schemas")
    if os.path.isdir(beside):
        from pathlib import Path

        return Path(beside)
    from importlib.resources import files

    return files("msgkit").joinpath("schemas")


def schema_names() -> list[str]:
    """Names of the bundled schemas (``message``, ``monitor-request``, ...)."""
    root = _directory()
    return sorted(p.name[: -len(_SUFFIX)] for p in root.iterdir() if p.name.endswith(_SUFFIX))


@cache
def _load(name: str) -> dict[str, Any]:
    if name.endswith(_SUFFIX):
        name = name[: -len(_SUFFIX)]
    if name not in schema_names():
        raise KeyError(f"no bundled schema named {name!r}; known: {', '.join(schema_names())}")
    import json  # here: msgkit lint of a .msg file reads no schema (see _generated)

    data: dict[str, Any] = json.loads(_text(name))
    return data


def _text(name: str) -> str:
    return _directory().joinpath(name + _SUFFIX).read_text(encoding="utf-8")


def schema(name: str) -> dict[str, Any]:
    """A bundled schema by name, as a fresh ``dict`` the caller may change."""
    import json

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
    """The numeric limits of a request and of an audio file, as the schemas give them."""

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
    return Limits(**(_generated("limits") or _limits()))


def _limits() -> dict[str, Any]:
    request = _load("monitor-request")["properties"]
    notify = _load("monitor-request")["$defs"]["notifyUrl"]
    audio = _load("audio-file")["properties"]
    return dict(
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
    """The text-to-speech catalogue, read from the schemas."""
    return Catalogue(**(_generated("catalogue") or _catalogue()))


def _catalogue() -> dict[str, Any]:
    defs = _load("tts")["$defs"]
    entries = defs["language"]["oneOf"]
    return dict(
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


# --- limits() and catalogue(), worked out ahead of time -----------------------------------------
# Parsing JSON means importing json, which costs a one-file lint more than all of its checking;
# msgkit/_schema_values.py keeps limits() and catalogue() as Python literals, with the text of
# the schemas they come from. Where a schema has changed since, the values are worked out from
# it as above (and tests/test_startup.py fails until the module is made again).

_SOURCES = ("audio-file", "monitor-request", "tts")


@cache
def _generated_values() -> dict[str, dict[str, Any]] | None:
    from . import _schema_values as made

    if {name: _text(name) for name in _SOURCES} != made.SOURCES:
        return None
    return made.VALUES


def _generated(name: str) -> dict[str, Any] | None:
    values = _generated_values()
    return None if values is None else values[name]


def generated_module() -> str:
    """The text of msgkit/_schema_values.py for the schemas as they are now."""
    from pprint import pformat

    sources = {name: _text(name) for name in _SOURCES}
    values = {"limits": _limits(), "catalogue": _catalogue()}
    return (
        '"""limits() and catalogue() of msgkit.schemas, worked out from the schemas below.\n\n'
        "Made by ``python -m msgkit.schemas``: do not edit.\n"
        '"""\n\n'
        "from typing import Any\n\n"
        f"SOURCES: dict[str, str] = {pformat(sources, width=96)}\n\n"
        f"VALUES: dict[str, dict[str, Any]] = {pformat(values, width=96)}\n"
    )


if __name__ == "__main__":
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_schema_values.py")
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(generated_module())
    print(f"wrote {target}; now run: ruff format {target}")
