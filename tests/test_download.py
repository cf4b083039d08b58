"""Downloading the recording: streamed, renamed into place when complete, refused when wrong."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer

import msgkit
from msgkit import MonitorFileNotification
from msgkit.download import DownloadError, download_recording, looks_like_mp3
from msgkit.testing import file_notification_fields

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(200_000)
FUTURE = 4102444800  # 2100-01-01


def notification(url: str) -> MonitorFileNotification:
    fields = file_notification_fields(monitor_url=url)
    parsed = msgkit.parse_notification(urlencode(fields).encode())
    assert isinstance(parsed, MonitorFileNotification)
    return parsed


def test_downloads_to_a_file(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/recordings/rec-1.mp3").respond_with_data(
        MP3, content_type="audio/mpeg"
    )
    url = httpserver.url_for(f"/recordings/rec-1.mp3?Expires={FUTURE}&Signature=abc")
    written = notification(url).download(tmp_path / "call.mp3")
    assert written == tmp_path / "call.mp3" and written.read_bytes() == MP3
    assert [p.name for p in tmp_path.iterdir()] == ["call.mp3"]  # no temporary left behind


def test_a_directory_target_takes_the_calls_name(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/r/rec-9.mp3").respond_with_data(b"\xff\xf3" + bytes(100))
    written = notification(httpserver.url_for("/r/rec-9.mp3")).download(tmp_path)
    assert written == tmp_path / "S-0001.T-0001.mp3"  # never the URL's name
    with pytest.raises(DownloadError, match="a URL does not name the recording"):
        download_recording(httpserver.url_for("/r/rec-9.mp3"), tmp_path)


def test_an_expired_url_is_refused_without_a_request(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    url = httpserver.url_for("/r/rec.mp3?Expires=1640069813&Signature=SECRETSIG")
    with pytest.raises(DownloadError, match="expired at 2021-12-21T06:56:53") as caught:
        notification(url).download(tmp_path / "x.mp3")
    assert "SECRETSIG" not in str(caught.value)  # the pre-signed query is a credential too
    assert not httpserver.log and not list(tmp_path.iterdir())


def test_now_can_be_given(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="expired"):
        download_recording(
            f"https://example.invalid/a.mp3?Expires={FUTURE}",
            tmp_path,
            now=datetime(2101, 1, 1, tzinfo=timezone.utc),
        )


@pytest.mark.parametrize(
    ("data", "status", "match"),
    [
        (b"<html>AccessDenied</html>", 200, "is not an MP3"),
        (b"<Error>AccessDenied</Error>", 403, "HTTP 403 .* may have expired"),
        (b"", 200, "is empty"),
        (b"", 404, "HTTP 404"),
    ],
)
def test_bad_answers_leave_nothing_behind(
    httpserver: HTTPServer, tmp_path: Path, data: bytes, status: int, match: str
) -> None:
    httpserver.expect_request("/r/rec.mp3").respond_with_data(data, status)
    target = tmp_path / "rec.mp3"
    with pytest.raises(DownloadError, match=match):
        download_recording(httpserver.url_for("/r/rec.mp3"), target)
    assert not list(tmp_path.iterdir())


def test_an_existing_file_survives_a_failed_download(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    target = tmp_path / "rec.mp3"
    target.write_bytes(b"previous")
    httpserver.expect_request("/r/rec.mp3").respond_with_data(b"not audio at all")
    with pytest.raises(DownloadError):
        download_recording(httpserver.url_for("/r/rec.mp3"), target)
    assert target.read_bytes() == b"previous"


def test_max_bytes(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/r/rec.mp3").respond_with_data(MP3)
    with pytest.raises(DownloadError, match="larger than 1000 bytes"):
        download_recording(httpserver.url_for("/r/rec.mp3"), tmp_path / "r.mp3", max_bytes=1000)
    assert not list(tmp_path.iterdir())


def test_a_failed_recording_cannot_be_downloaded(tmp_path: Path) -> None:
    fields = file_notification_fields(monitor_status="failed", monitor_url=None)
    parsed = msgkit.parse_notification(urlencode(fields).encode())
    assert isinstance(parsed, MonitorFileNotification)
    with pytest.raises(DownloadError, match="monitor_status is 'failed'"):
        parsed.download(tmp_path)


def test_connection_failure_is_a_download_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # msgkit's words, not the HTTP library's exception name (it is not msgkit's to promise).
    with pytest.raises(DownloadError, match=r"^downloading http://127\.0\.0\.1:\d+/a\.mp3 failed"):
        download_recording(f"http://127.0.0.1:{port}/a.mp3", tmp_path / "a.mp3")


def test_mp3_sniffing() -> None:
    assert looks_like_mp3(b"ID3\x03") and looks_like_mp3(b"\xff\xfb\x90")
    assert not looks_like_mp3(b"RIFF") and not looks_like_mp3(b"\xff")
