"""Every IVR block's notification is typed: shared fields, billing, each block's own fields."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

import msgkit
from msgkit import (
    AnswerNotification,
    BlockNotification,
    DialNotification,
    GatherNotification,
    HangupNotification,
    HoldNotification,
    MonitorFileNotification,
    MonitorNotification,
    NotificationError,
    PlayNotification,
    RecordNotification,
    TransferNotification,
    UnholdNotification,
)
from msgkit.download import recording_filename
from msgkit.notifications import BLOCK_NOTIFICATIONS
from msgkit.sandbox.mp3 import recording
from msgkit.signatures import sign

FORM = "application/x-www-form-urlencoded"
ENDED = {
    "call_state": "ended",
    "date": "2024-03-01 14:05:09",
    "duration": "3",
    "currency": "SGD",
    "rate": "0.025",
    "debit": "0.075",
}


def body(**fields: str) -> bytes:
    return urlencode({"session": "S-1", "txn_ref": "T-1", **fields}).encode()


CASES: list[tuple[str, type[Any], dict[str, str], dict[str, Any]]] = [
    ("answer", AnswerNotification, {"call_state": "ringing"}, {}),
    ("dial", DialNotification, {"dial_status": "busy"}, {"dial_status": "busy"}),
    ("play", PlayNotification, {}, {}),
    ("gather", GatherNotification, {"digits": "12*9"}, {"digits": "12*9"}),
    (
        "record",
        RecordNotification,
        {"record_url": "https://r.example/rec-1.mp3?Expires=1700000000&Signature=x"},
        {"expires_at": datetime.fromtimestamp(1700000000, tz=timezone.utc)},
    ),
    ("monitor", MonitorNotification, {}, {}),
    ("hold", HoldNotification, {}, {}),
    ("unhold", UnholdNotification, {}, {}),
    (
        "transfer",
        TransferNotification,
        {"transfer_status": "answered", "room": "R1234"},
        {"transfer_status": "answered", "room": "R1234"},
    ),
    ("hangup", HangupNotification, {}, {}),
]


def test_every_block_has_its_class() -> None:
    assert set(BLOCK_NOTIFICATIONS) == {case[0] for case in CASES}
    for name, cls, _, _ in CASES:
        assert cls.__name__ == name.capitalize() + "Notification"
        assert issubclass(cls, BlockNotification)
        assert getattr(msgkit, cls.__name__) is cls


@pytest.mark.parametrize(("block", "cls", "own", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_block_is_typed(
    block: str, cls: type[Any], own: dict[str, str], expected: dict[str, Any]
) -> None:
    fields = {"ivr_block": block, "from": "+6511111111", "to": "+6522222222", "tag": "t1"}
    parsed = msgkit.parse_notification(body(**{"call_state": "ongoing", **fields, **own}))
    assert type(parsed) is cls
    assert parsed.block == block and parsed.session == "S-1" and parsed.txn_ref == "T-1"
    assert (parsed.from_, parsed.to, parsed.tag) == ("+6511111111", "+6522222222", "t1")
    for name, value in expected.items():
        assert getattr(parsed, name) == value
    assert parsed.extra == {}
    shown = parsed.to_dict()
    assert shown["block"] == block and shown["kind"] == cls.__name__ and "BLOCK" not in shown


@pytest.mark.parametrize("block", [c[0] for c in CASES])
def test_an_ended_call_carries_billing(block: str) -> None:
    parsed = msgkit.parse_notification(body(ivr_block=block, **ENDED))
    assert isinstance(parsed, BlockNotification) and parsed.ended
    assert parsed.date == datetime(2024, 3, 1, 14, 5, 9, tzinfo=timezone(timedelta(hours=8)))
    assert parsed.date.utcoffset() == timedelta(hours=8)
    assert (parsed.duration, parsed.currency) == (3, "SGD")
    assert (parsed.rate, parsed.debit) == (Decimal("0.025"), Decimal("0.075"))


def test_the_block_is_read_from_its_own_fields_without_ivr_block() -> None:
    assert type(msgkit.parse_notification(body(call_state="ongoing", digits="1"))) is (
        GatherNotification
    )
    assert type(msgkit.parse_notification(body(call_state="ended", dial_status="failed"))) is (
        DialNotification
    )
    assert type(msgkit.parse_notification(body(call_state="ongoing"))) is MonitorNotification
    given = msgkit.parse_notification(body(call_state="ongoing"), block="play")
    assert type(given) is PlayNotification and given.block == "play"


def test_a_notification_for_another_block_is_refused() -> None:
    with pytest.raises(NotificationError) as caught:
        msgkit.parse_notification(body(ivr_block="gather", call_state="ongoing"), block="play")
    assert caught.value.field == "ivr_block"


def test_unknown_fields_and_values_are_kept() -> None:
    parsed = msgkit.parse_notification(
        body(
            ivr_block="transfer",
            call_state="bridged",
            transfer_status="no_answer",
            room="R9",
            zzz="kept",
        )
    )
    assert isinstance(parsed, TransferNotification)
    assert (parsed.call_state, parsed.transfer_status, parsed.extra) == (
        "bridged",
        "no_answer",
        {"zzz": "kept"},
    )
    other = msgkit.parse_notification(body(ivr_block="conference", call_state="ongoing", x="1"))
    assert type(other) is BlockNotification and other.block == "conference"
    assert other.extra == {"x": "1"}
    # A gather's digits are its own; on another block's notification they are an extra.
    play = msgkit.parse_notification(body(ivr_block="play", call_state="ongoing", digits="5"))
    assert play.extra == {"digits": "5"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ivr_block": "gather", "digits": "12x"}, "digits"),
        ({"ivr_block": "record", "record_url": "ftp://x.example/r.mp3"}, "record_url"),
        (
            {"ivr_block": "record", "record_url": "https://x.example/r.mp3?Expires=soon"},
            "record_url",
        ),
        ({"ivr_block": "dial", "dial_status": "very busy"}, "dial_status"),
        ({"ivr_block": "transfer", "room": "room 1"}, "room"),
        ({"ivr_block": "play call"}, "ivr_block"),
        ({"ivr_block": "hold", "from": "6511111111"}, "from"),
        ({"ivr_block": "hangup", "debit": "NaN"}, "debit"),
    ],
)
def test_a_bad_field_is_named(fields: dict[str, str], field: str) -> None:
    with pytest.raises(NotificationError) as caught:
        msgkit.parse_notification(body(call_state="ongoing", **fields))
    assert caught.value.field == field


def test_signed_fields_only() -> None:
    raw = body(ivr_block="gather", call_state="ongoing", digits="42")
    query = urlencode({"digits": "99", "ivr_block": "record", "app_state": "7"})
    parsed = msgkit.parse_notification(
        raw, FORM, query, signature=sign(raw, "tok"), access_token="tok"
    )
    assert isinstance(parsed, GatherNotification) and parsed.digits == "42"
    assert parsed.query == {"digits": "99", "ivr_block": "record", "app_state": "7"}
    with pytest.raises(NotificationError, match="empty"):
        msgkit.parse_notification(b"", FORM, query, signature=sign(b"", "tok"), access_token="tok")


def test_record_url_downloads_like_the_monitor_recording(tmp_path: Path) -> None:
    audio = recording(0.5)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(audio)))
            self.end_headers()
            self.wfile.write(audio)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/rec-1.mp3"
        parsed = msgkit.parse_notification(
            body(ivr_block="record", call_state="ongoing", record_url=url)
        )
        assert isinstance(parsed, RecordNotification)
        saved = parsed.download(tmp_path)
        assert saved == tmp_path / recording_filename("S-1", "T-1")
        assert saved.read_bytes() == audio
        missing = msgkit.parse_notification(body(ivr_block="record", call_state="ongoing"))
        assert isinstance(missing, RecordNotification)
        with pytest.raises(msgkit.MsgkitError, match="no record_url"):
            missing.download(tmp_path)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_monitor_file_notification_stays() -> None:
    parsed = msgkit.parse_notification(
        body(ivr_block="monitor", call_state="ended", monitor_status="failed")
    )
    assert isinstance(parsed, MonitorFileNotification) and parsed.block == "monitor"


def test_download_does_not_import_notifications() -> None:
    import ast

    source = Path(msgkit.__file__).parent.joinpath("download.py").read_text(encoding="utf-8")
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "notifications" not in imported


def test_cli_types_by_block() -> None:
    import json

    from click.testing import CliRunner

    from msgkit.cli import main

    runner = CliRunner()
    raw = body(call_state="ongoing")
    result = runner.invoke(main, ["notification", "--block", "hold", "-"], input=raw)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["block"]) == ("HoldNotification", "hold")
    other = body(call_state="ongoing", ivr_block="play")
    result = runner.invoke(main, ["notification", "--block", "hold", "-"], input=other)
    assert result.exit_code == 1 and "field 'ivr_block'" in result.stderr
    result = runner.invoke(main, ["notification", "--block", "nope", "-"], input=raw)
    assert result.exit_code == 2 and "gather" in result.stderr
    assert "Traceback" not in result.output
