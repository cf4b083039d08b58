"""The IVR blocks as data: one row per block, its parameters read from its request schema.

A new block is a row here plus ``schemas/<name>-request.schema.json``; validation, requests,
transports and the reference pages all read these two and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from .schemas import _load

__all__ = ["BLOCKS", "Block", "Stage", "block", "block_names"]

Stage = Literal["start", "middle", "end"]

# The parameters every request carries and which are credentials, not the block's own.
CREDENTIALS = ("app_id", "access_token")


@dataclass(frozen=True, slots=True)
class Block:
    """One IVR block: where it is sent, when in a call it may run, and what it takes."""

    name: str
    path: str  # below the API's base URL, e.g. "/ivr/middle/gather"
    stage: Stage
    takes_msg: bool
    description: str = ""
    answer_fields: tuple[str, ...] = ()  # what a successful answer carries besides status
    notification_fields: tuple[str, ...] = ()  # what its notification adds to the shared ones

    @property
    def schema_name(self) -> str:
        """The name of its request schema, for ``msgkit.schema``."""
        return f"{self.name}-request"

    @property
    def schema(self) -> dict[str, Any]:
        """Its request schema (a fresh copy)."""
        from .schemas import schema

        return schema(self.schema_name)

    @property
    def params(self) -> tuple[str, ...]:
        """Every parameter it takes, credentials first, in the schema's order."""
        return _params(self.name)[0]

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters it cannot go without, credentials included."""
        return _params(self.name)[1]

    @property
    def ends_session(self) -> bool:
        return self.stage == "end"


@cache
def _params(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = _load(f"{name}-request")
    return tuple(data["properties"]), tuple(data.get("required", ()))


_ROWS = (
    Block(
        "dial",
        "/ivr/start/dial",
        "start",
        True,
        "Calls a number and starts an IVR session with it.",
        answer_fields=("session", "txn_ref"),
        notification_fields=("dial_status",),
    ),
    Block("play", "/ivr/middle/play", "middle", True, "Speaks or plays a msg to the caller."),
    Block(
        "gather",
        "/ivr/middle/gather",
        "middle",
        True,
        "Speaks a msg and collects the caller's keypad digits.",
        notification_fields=("digits",),
    ),
    Block(
        "record",
        "/ivr/middle/record",
        "middle",
        True,
        "Speaks a msg, then records the caller.",
        notification_fields=("record_url",),
    ),
    Block(
        "monitor",
        "/ivr/middle/monitor",
        "middle",
        True,
        "Records the rest of the call, delivered as an MP3 after it ends.",
        notification_fields=("monitor_status", "monitor_url"),
    ),
    Block("hold", "/ivr/middle/hold", "middle", True, "Puts the caller on hold until unhold."),
    Block("unhold", "/ivr/middle/unhold", "middle", False, "Takes the caller off hold."),
    Block(
        "transfer",
        "/ivr/end/transfer",
        "end",
        True,
        "Connects the caller to a number or a conference room; ends the IVR session.",
        answer_fields=("room",),
        notification_fields=("transfer_status", "room"),
    ),
    Block("hangup", "/ivr/end/hangup", "end", True, "Hangs up; ends the IVR session."),
)


class _Blocks(Mapping[str, Block]):
    """A read-only mapping of block name to :class:`Block`, in the API's order."""

    __slots__ = ("_rows",)

    def __init__(self, rows: tuple[Block, ...]) -> None:
        self._rows = {row.name: row for row in rows}

    def __getitem__(self, name: str) -> Block:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return f"BLOCKS({', '.join(self._rows)})"


BLOCKS: Mapping[str, Block] = _Blocks(_ROWS)


def block_names() -> tuple[str, ...]:
    return tuple(BLOCKS)


def block(name: str | Block) -> Block:
    """The block named ``name``; an unknown name is a ``ValueError`` listing the blocks."""
    if isinstance(name, Block):
        return name
    if not isinstance(name, str):
        raise TypeError(f"a block is named by a str, not {type(name).__name__}")
    try:
        return BLOCKS[name]
    except KeyError:
        raise ValueError(f"unknown block {name!r}; the blocks are: {', '.join(BLOCKS)}") from None
