"""Parsing and verifying the notifications that follow a Monitor request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

import msgkit
from msgkit import MonitorFileNotification, MonitorNotification, NotificationError
from msgkit.cli import main
from msgkit.signatures import sign
from msgkit.testing import file_notification_fields, monitor_notification_fields

FORM = "application/x-www-form-urlencoded"


def body(**fields: str | None) -> bytes:
    return urlencode(monitor_notification_fields(**fields)).encode()


def test_block_finished_notification_is_typed() -> None:
    parsed = msgkit.parse_notification(body(date="2024-03-01 14:05:09.25", zzz="kept"))
    assert isinstance(parsed, MonitorNotification)
    assert (parsed.session, parsed.txn_ref, parsed.call_state) == ("S-0001", "T-0001", "ended")
    assert (parsed.from_, parsed.to, parsed.dest) == ("+6511111111", "+6522222222", None)
    assert parsed.date == datetime(
        2024, 3, 1, 14, 5, 9, 250000, tzinfo=timezone(timedelta(hours=8))
    )
    assert parsed.date.utcoffset() == timedelta(hours=8)
    assert parsed.duration == 2 and parsed.currency == "SGD"
    assert (parsed.rate, parsed.debit) == (Decimal("0.02"), Decimal("0.04"))
    assert parsed.extra == {"zzz": "kept"}


def test_an_ongoing_call_has_no_billing_fields() -> None:
    parsed = msgkit.parse_notification(
        b"session=S&txn_ref=T&call_state=ongoing&dest=%2B6598765432&ivr_block=monitor"
    )
    assert isinstance(parsed, MonitorNotification)  # no monitor_status: the block finished
    assert parsed.date is None and parsed.debit is None and parsed.dest == "+6598765432"


def test_file_notification_is_typed() -> None:
    parsed = msgkit.parse_notification(urlencode(file_notification_fields()).encode(), FORM)
    assert isinstance(parsed, MonitorFileNotification)
    assert parsed.monitor_status == "success" and not parsed.failed
    assert parsed.monitor_url is not None and parsed.monitor_url.endswith("%3D")
    assert parsed.expires_at == datetime.fromtimestamp(1640069813, tz=timezone.utc)
    assert parsed.tag == "order-1234"


def test_a_failed_recording_has_no_url() -> None:
    fields = file_notification_fields(monitor_status="failed", monitor_url=None)
    parsed = msgkit.parse_notification(urlencode(fields).encode())
    assert isinstance(parsed, MonitorFileNotification)
    assert parsed.failed and parsed.monitor_url is None and parsed.expires_at is None


def test_the_query_string_is_kept_apart() -> None:
    query = urlencode({"tag": "from-query", "session": "S-evil", "app_state": "7"})
    parsed = msgkit.parse_notification(body(tag="from-body"), FORM, "?" + query)
    assert parsed.tag == "from-body" and parsed.session == "S-0001" and parsed.extra == {}
    assert parsed.query == {"tag": "from-query", "session": "S-evil", "app_state": "7"}
    assert parsed.to_dict()["query"]["app_state"] == "7"
    with pytest.raises(NotificationError, match="body is empty"):
        msgkit.parse_notification(b"", FORM, urlencode(monitor_notification_fields()))


def test_query_fields_for_unsigned_endpoints() -> None:
    query = urlencode({**monitor_notification_fields(), "tag": "from-query", "app_state": "7"})
    parsed = msgkit.parse_notification(b"tag=from-body", FORM, "?" + query, query_fields=True)
    assert parsed.tag == "from-body" and parsed.extra == {"app_state": "7"}
    only_query = msgkit.parse_notification(b"", FORM, query, query_fields=True)
    assert only_query.tag == "from-query"
    with pytest.raises(ValueError, match="signature"):
        msgkit.parse_notification(b"x", FORM, query, query_fields=True, access_token="t")


def test_an_unencoded_plus_is_restored() -> None:
    parsed = msgkit.parse_notification(b"session=S&txn_ref=T&call_state=ended&from=+6511111111")
    assert parsed.from_ == "+6511111111"


def test_json_bodies_are_read_too() -> None:
    data = {**monitor_notification_fields(), "duration": 3}
    parsed = msgkit.parse_notification(json.dumps(data).encode(), "application/json")
    assert isinstance(parsed, MonitorNotification) and parsed.duration == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"from": "6511111111"}, "from"),
        ({"dest": "+65 1111"}, "dest"),
        ({"call_state": "on going"}, "call_state"),
        ({"date": "01/03/2024"}, "date"),
        ({"date": "2024-13-45 99:00:00"}, "date"),
        ({"duration": "two"}, "duration"),
        ({"rate": "0,02"}, "rate"),
        ({"debit": "NaN"}, "debit"),
        ({"currency": "sgd"}, "currency"),
        ({"session": None}, "session"),
        ({"txn_ref": ""}, "txn_ref"),
        ({"tag": "x" * 257}, "tag"),
    ],
)
def test_a_bad_field_is_named(fields: dict[str, str | None], field: str) -> None:
    with pytest.raises(NotificationError) as caught:
        msgkit.parse_notification(body(**fields))
    assert caught.value.field == field
    assert repr(field) in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"monitor_url": "ftp://example.com/rec.mp3"}, "monitor_url"),
        ({"monitor_url": "https://x.example/rec.mp3?Expires=soon"}, "monitor_url"),
        ({"monitor_status": ""}, "monitor_status"),
    ],
)
def test_a_bad_file_field_is_named(overrides: dict[str, str], field: str) -> None:
    # An empty value counts as absent: an empty monitor_status is a missing one.
    fields = file_notification_fields(**overrides)
    with pytest.raises(NotificationError) as caught:
        msgkit.parse_notification(urlencode(fields).encode())
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("raw", "content_type", "match"),
    [
        (b"\xff\xfe", FORM, "not UTF-8"),
        (b"<xml/>", "text/xml", "unsupported content type"),
        (b"{", "application/json", "JSON body does not parse"),
        (b"[1]", "application/json", "not an object"),
    ],
)
def test_bodies_that_do_not_parse(raw: bytes, content_type: str, match: str) -> None:
    with pytest.raises(NotificationError, match=match):
        msgkit.parse_notification(raw, content_type)


def test_signature() -> None:
    raw = body()
    good = sign(raw, "secret-token")
    assert msgkit.verify_signature(raw, good, "secret-token")
    assert msgkit.verify_signature(raw, good.upper() + "\n", "secret-token")
    assert not msgkit.verify_signature(raw + b"&x=1", good, "secret-token")
    assert not msgkit.verify_signature(raw, good, "other-token")
    assert not msgkit.verify_signature(raw, "zz-not-hex", "secret-token")
    assert not msgkit.verify_signature(raw, "", "secret-token")


def test_signature_known_answer() -> None:
    # RFC 4231 test case 2: HMAC-SHA256 with key "Jefe".
    assert sign(b"what do ya want for nothing?", "Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


# CLI --------------------------------------------------------------------------------------


def test_cli_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    path.write_bytes(body())
    result = CliRunner().invoke(main, ["notification", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "MonitorNotification"
    assert data["date"] == "2024-03-01T14:05:09+08:00"
    assert data["rate"] == "0.02" and data["debit"] == "0.04" and data["from"] == "+6511111111"


def test_cli_file_notification_from_stdin() -> None:
    raw = urlencode(file_notification_fields()).encode()
    result = CliRunner().invoke(main, ["notification", "-"], input=raw)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["expires_at"] == "2021-12-21T06:56:53+00:00"
    assert data["monitor_status"] == "success"


def test_cli_names_the_bad_field() -> None:
    result = CliRunner().invoke(main, ["notification", "-"], input=body(call_state="gone!"))
    assert result.exit_code == 1
    assert "field 'call_state'" in result.stderr
    assert "Traceback" not in result.output


def test_cli_verifies_the_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = body()
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", "tok-cli-sig")
    good = sign(raw, "tok-cli-sig")
    ok = CliRunner().invoke(main, ["notification", "--signature", good, "-"], input=raw)
    assert ok.exit_code == 0
    bad = CliRunner().invoke(main, ["notification", "--signature", "00" * 32, "-"], input=raw)
    assert bad.exit_code == 1 and "signature does not match" in bad.stderr
    assert "tok-cli-sig" not in bad.output + ok.output
    monkeypatch.delenv("MSGKIT_ACCESS_TOKEN")
    usage = CliRunner().invoke(main, ["notification", "--signature", good, "-"], input=raw)
    assert usage.exit_code == 2 and "MSGKIT_ACCESS_TOKEN" in usage.output


def test_cli_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["notification", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_cli_keeps_the_query_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    query = urlencode({"session": "S-forged", "flow": "order-status"})
    result = CliRunner().invoke(main, ["notification", "--query", query, "-"], input=body())
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["session"] == "S-0001" and data["extra"] == {}
    assert data["query"] == {"session": "S-forged", "flow": "order-status"}
    fields = urlencode(monitor_notification_fields())
    unsigned = CliRunner().invoke(
        main, ["notification", "--query", fields, "--query-fields", "-"], input=b""
    )
    assert unsigned.exit_code == 0 and json.loads(unsigned.stdout)["txn_ref"] == "T-0001"
    empty = CliRunner().invoke(main, ["notification", "--query", fields, "-"], input=b"")
    assert empty.exit_code == 1 and "body is empty" in empty.stderr
    monkeypatch.setenv("MSGKIT_ACCESS_TOKEN", "tok-cli")
    both = CliRunner().invoke(
        main,
        ["notification", "--query-fields", "--signature", sign(b"", "tok-cli"), "-"],
        input=b"",
    )
    assert both.exit_code == 2 and "--query-fields" in both.output
    odd = CliRunner().invoke(main, ["notification", "--query", "a=\udcff", "-"], input=body())
    assert odd.exit_code == 1 and "query string does not parse" in odd.stderr
