"""BLOCKS and the request schemas: the catalogue of IVR blocks as data."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import msgkit
from msgkit.blocks import block

REPO = Path(__file__).resolve().parent.parent
NAMES = ("dial", "play", "gather", "record", "monitor", "hold", "unhold", "transfer", "hangup")

ROWS = {
    "dial": ("/ivr/start/dial", "start", True),
    "play": ("/ivr/middle/play", "middle", True),
    "gather": ("/ivr/middle/gather", "middle", True),
    "record": ("/ivr/middle/record", "middle", True),
    "monitor": ("/ivr/middle/monitor", "middle", True),
    "hold": ("/ivr/middle/hold", "middle", True),
    "unhold": ("/ivr/middle/unhold", "middle", False),
    "transfer": ("/ivr/end/transfer", "end", True),
    "hangup": ("/ivr/end/hangup", "end", True),
}


def test_blocks_are_the_nine_of_the_api_in_order() -> None:
    assert tuple(msgkit.BLOCKS) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_block_row(name: str) -> None:
    row = msgkit.BLOCKS[name]
    assert isinstance(row, msgkit.Block)
    assert (row.path, row.stage, row.takes_msg) == ROWS[name]
    assert row.name == name
    assert row.schema_name == f"{name}-request"
    assert row.schema == msgkit.schema(f"{name}-request")
    assert row.required[:2] == ("app_id", "access_token")
    assert set(row.required) <= set(row.params)
    assert ("msg" in row.params) is row.takes_msg


def test_blocks_are_frozen_and_read_only() -> None:
    row = msgkit.BLOCKS["gather"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.path = "/elsewhere"  # type: ignore[misc]
    with pytest.raises(TypeError):
        msgkit.BLOCKS["x"] = row  # type: ignore[index]


def test_unknown_block_lists_the_blocks() -> None:
    with pytest.raises(ValueError, match="dial, play, gather"):
        block("gatherr")


EXPECTED_PARAMS = {
    "dial": {"dest", "caller_id", "max_duration", "msg", "tag", "notify_url"},
    "play": {"session", "msg", "tag", "notify_url"},
    "gather": {"session", "msg", "max_digits", "timeout", "attempts", "tag", "notify_url"},
    "record": {"session", "msg", "max_duration", "tag", "notify_url"},
    "monitor": {"session", "msg", "tag", "notify_url", "monitor_notify_url"},
    "hold": {"session", "msg"},
    "unhold": {"session", "tag", "notify_url"},
    "transfer": {"session", "dest", "caller_id", "on_failure", "msg", "tag", "notify_url"},
    "hangup": {"session", "force", "msg", "tag", "notify_url"},
}


@pytest.mark.parametrize("name", NAMES)
def test_each_request_schema_holds_the_blocks_parameters(name: str) -> None:
    data = msgkit.schema(f"{name}-request")
    Draft202012Validator.check_schema(data)
    assert set(data["properties"]) == {"app_id", "access_token"} | EXPECTED_PARAMS[name]
    assert data["additionalProperties"] is False


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


@pytest.mark.parametrize(
    ("name", "prop", "good", "bad"),
    [
        ("dial", "dest", ["+6591234567"], ["6591234567", "+65 9123", "+6591234567\n"]),
        ("dial", "caller_id", ["private", "+6591234567"], ["Private", "anonymous"]),
        ("gather", "max_digits", [0, 255], [-1, 256]),
        ("transfer", "dest", ["+6591234567", "room:", "room:R1234"], ["room:1234", "room:R1\n"]),
        ("transfer", "on_failure", ["hangup", "continue"], ["retry"]),
        ("hangup", "force", ["enabled"], ["yes"]),
    ],
)
def test_parameter_limits(name: str, prop: str, good: list[object], bad: list[object]) -> None:
    check = msgkit.schemas.validator(f"{name}-request")
    base = {"app_id": "a", "access_token": "t", "session": "S", "dest": "+6591234567"}
    base = {k: v for k, v in base.items() if k in msgkit.BLOCKS[name].params}
    if name == "gather":
        base["notify_url"] = "https://example.com/n"
    for value in good:
        assert check.is_valid({**base, prop: value}), value
    for value in bad:
        assert not check.is_valid({**base, prop: value}), value


def test_request_schema_patterns_anchor_the_end_without_dollar() -> None:
    for name in NAMES:
        for pattern in _patterns(msgkit.schema(f"{name}-request")):
            assert not pattern.endswith("$"), (name, pattern)
            if pattern.startswith("^"):
                assert pattern.endswith("(?![\\s\\S])"), (name, pattern)
            re.compile(pattern)


def test_monitor_request_is_unchanged() -> None:
    on_disk = json.loads((REPO / "schemas" / "monitor-request.schema.json").read_text())
    assert on_disk["required"] == ["app_id", "access_token", "session"]
    assert "x-block" not in on_disk


SAMPLES: list[object] = [
    {},
    {"app_id": "a", "access_token": "t"},
    {"app_id": "a", "access_token": "t", "session": "S", "dest": "+6591234567"},
    {"app_id": "a", "access_token": "t", "session": "S", "max_digits": 255, "timeout": 0},
    {"app_id": "a", "access_token": "t", "session": "S", "max_digits": 256, "attempts": 10},
    {"app_id": "a", "access_token": "t", "session": "S", "max_digits": -1, "max_duration": 1},
    {"app_id": "a", "access_token": "t", "session": "S", "max_digits": 4.0, "on_failure": "x"},
    {"app_id": "a", "access_token": "t", "session": "S", "max_digits": True, "force": "enabled"},
    {"app_id": "a", "access_token": "t", "session": "S x", "dest": "room:", "caller_id": "private"},
    {
        "app_id": "a",
        "access_token": "t",
        "session": "S",
        "notify_url": "https://e.com/n",
        "msg": "",
    },
    {"app_id": "", "access_token": "t", "session": "S", "tag": "x" * 257},
    [],
    "gather",
]


@pytest.mark.parametrize("name", [n for n in NAMES if n != "monitor"])
def test_the_compiled_check_agrees_with_jsonschema(name: str) -> None:
    """The request schemas compile (minimum and maximum included) to the structure checker
    validate_request uses, and it says what jsonschema says."""
    from msgkit.schemas import validator
    from msgkit.structure import compile_schema

    check = compile_schema(f"{name}-request")
    reference = validator(f"{name}-request")
    for sample in SAMPLES:
        assert check(sample) == reference.is_valid(sample), sample
    if "session" in msgkit.BLOCKS[name].params:
        part = compile_schema(f"{name}-request", "/properties/session")
        assert part("S-1") and not part("S 1")
