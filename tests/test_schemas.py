"""The bundled JSON Schemas: valid draft 2020-12, shipped in the package, the source of limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

import msgkit
from msgkit.schemas import catalogue, limits, validator

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILES = sorted((REPO / "schemas").glob("*.schema.json"))
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def test_there_are_schemas() -> None:
    names = {p.name for p in SCHEMA_FILES}
    assert {
        "audio-file.schema.json",
        "message.schema.json",
        "monitor-request.schema.json",
        "tts.schema.json",
    } <= names


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_each_schema_file_is_valid_against_the_2020_12_metaschema(path: Path) -> None:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert data["$schema"] == DRAFT_2020_12
    Draft202012Validator.check_schema(data)  # raises SchemaError if not
    # Every $id is unique and names the file, so cross-schema $refs resolve.
    assert data["$id"].endswith("/" + path.name)


def test_schema_ids_are_unique() -> None:
    ids = [json.loads(p.read_text(encoding="utf-8"))["$id"] for p in SCHEMA_FILES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_msgkit_schema_returns_the_bundled_file(path: Path) -> None:
    name = path.name.removesuffix(".schema.json")
    assert name in msgkit.schema_names()
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert msgkit.schema(name) == on_disk
    assert msgkit.schema(path.name) == on_disk  # the file name works too


def test_schema_names_match_the_files() -> None:
    assert msgkit.schema_names() == sorted(
        p.name.removesuffix(".schema.json") for p in SCHEMA_FILES
    )


def test_schema_hands_out_a_copy() -> None:
    first = msgkit.schema("tts")
    first["$defs"]["gender"]["enum"].append("robot")
    first["title"] = "changed"
    assert msgkit.schema("tts")["$defs"]["gender"]["enum"] == ["female", "male"]
    assert catalogue().genders == ("female", "male")


def test_unknown_schema_name() -> None:
    with pytest.raises(KeyError, match="no bundled schema named 'nope'"):
        msgkit.schema("nope")


def test_the_package_ships_the_same_schemas() -> None:
    from importlib.resources import files

    packaged = files("msgkit").joinpath("schemas")
    for path in SCHEMA_FILES:
        assert packaged.joinpath(path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        )


def test_limits_come_from_the_schemas() -> None:
    lim = limits()
    request = msgkit.schema("monitor-request")
    assert lim.msg_length == request["properties"]["msg"]["maxLength"] == 500
    assert lim.msg_length_documented == 1000
    assert lim.tag_length == 256
    assert lim.notify_url_length == 4000
    assert lim.audio_schemes == ("http", "https")
    assert lim.audio_extensions == (".mp3", ".wav", ".gsm")
    assert lim.audio_max_bytes == 10_000_000
    assert (lim.audio_sample_rate, lim.audio_channels) == (8000, 1)


def test_catalogue_comes_from_the_tts_schema() -> None:
    cat = catalogue()
    assert cat.languages == {"en": ("Latin",), "zh-HK": ("Han", "Latin")}
    assert cat.default_language == "en"
    assert cat.default_gender == "female"
    assert cat.genders == ("female", "male")


def test_validation_follows_the_schema_limits() -> None:
    # What validate() enforces is what the schemas say, not a second copy of the numbers.
    assert msgkit.validate("x" * limits().msg_length).ok
    assert not msgkit.validate("x" * (limits().msg_length + 1)).ok
    assert not msgkit.validate("x", tag="t" * (limits().tag_length + 1)).ok


@pytest.mark.parametrize(
    "document",
    [
        {"msg": 'Hi <speech language="zh-HK">你好</speech>'},
        {
            "segments": [
                {"text": "Hi "},
                {"say": "你好", "language": "zh-HK"},
                {"play": "https://a/b.mp3"},
            ]
        },
        {"msg": "x", "tag": "ref-1", "notify_url": "https://example.com/n"},
    ],
)
def test_message_schema_accepts_documents(document: dict[str, Any]) -> None:
    validator("message").validate(document)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"msg": "x", "segments": []},
        {"msg": 1},
        {"msg": "x", "extra": True},
        {"msg": "x", "tag": "t" * 257},
        {"msg": "x", "notify_url": "ftp://example.com/n"},
        {"segments": [{"say": "x", "voice": "y"}]},
    ],
)
def test_message_schema_refuses_documents(document: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validator("message").validate(document)


def test_monitor_request_schema() -> None:
    check = validator("monitor-request")
    check.validate({"app_id": "a", "access_token": "t", "session": "s", "msg": "x" * 500})
    with pytest.raises(ValidationError):
        check.validate({"app_id": "a", "access_token": "t", "session": "s", "msg": "x" * 501})
    with pytest.raises(ValidationError):
        check.validate({"app_id": "a", "access_token": "t"})


def test_preview_voices_and_speaking_rates_come_from_the_tts_schema() -> None:
    from msgkit.schemas import voices

    table = voices()
    tts = msgkit.schema("tts")["$defs"]
    assert table.languages == {"en": "en", "zh-HK": "yue"}
    assert table.variants == {"female": "f3", "male": "m3"}
    assert (table.default_language, table.default_gender) == ("en", "female")
    # Every documented language and gender has a voice and a rate: none can be forgotten.
    assert set(table.languages) == set(table.rates) == set(catalogue().languages)
    assert set(table.variants) == set(tts["gender"]["enum"])
    for rate in table.rates.values():
        assert rate.characters_per_second > 0 and rate.pause_seconds >= 0
