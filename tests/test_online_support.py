"""Helpers shared by the online-check tests: audio fixtures made on the fly, loopback servers.

No tests here. Every server binds 127.0.0.1 and is stopped by the ``with`` that started it.
"""

from __future__ import annotations

import io
import ssl
import struct
import threading
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import formatdate

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

LAST_MODIFIED = formatdate(1_600_000_000, usegmt=True)

# --- audio made in the test, never committed ---------------------------------------------------


def wav_bytes(rate: int = 8000, channels: int = 1, frames: int = 4000, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(b"\x00" * width * channels * frames)
    return buffer.getvalue()


# MPEG-2.5 Layer III, 8 kbps, 8000 Hz, mono: 72-byte frames.
MP3_8K_MONO = (bytes([0xFF, 0xE3, 0x18, 0xC0]), 72)
# MPEG-1 Layer III, 128 kbps, 44100 Hz, joint stereo: 417-byte frames.
MP3_44K_STEREO = (bytes([0xFF, 0xFB, 0x90, 0x40]), 417)


def mp3_bytes(kind: tuple[bytes, int] = MP3_8K_MONO, frames: int = 50, id3: int = 0) -> bytes:
    header, length = kind
    body = (header + b"\x00" * (length - 4)) * frames
    if id3:
        size = bytes([(id3 >> 21) & 0x7F, (id3 >> 14) & 0x7F, (id3 >> 7) & 0x7F, id3 & 0x7F])
        body = b"ID3\x04\x00\x00" + size + b"\x00" * id3 + body
    return body


def gsm_bytes(frames: int = 50) -> bytes:
    return b"".join(bytes([0xD0 | (i % 16)]) + b"\x55" * 32 for i in range(frames))


def wav_with_chunk_before_fmt(junk: int) -> bytes:
    """A WAV whose ``fmt `` chunk comes after a ``junk``-byte JUNK chunk."""
    plain = wav_bytes()
    fmt_and_data = plain[12:]
    chunk = b"JUNK" + struct.pack("<I", junk) + b"\x00" * junk
    body = b"WAVE" + chunk + fmt_and_data
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- servers ---------------------------------------------------------------------------------


@contextmanager
def http_server(ssl_context: ssl.SSLContext | None = None) -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=ssl_context, threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()


Handler = Callable[[Request], Response]


def file_handler(
    data: bytes,
    *,
    content_type: str = "application/octet-stream",
    last_modified: bool = True,
    ranges: bool = True,
    conditional: bool = True,
    etag: bool = False,
    head: bool = True,
) -> Handler:
    """A static file server's behaviour, with each courtesy switchable."""

    def handle(request: Request) -> Response:
        if not head and request.method == "HEAD":
            return Response("no HEAD here", status=405, headers={"Allow": "GET"})
        response = Response(data, content_type=content_type)
        if last_modified:
            response.headers["Last-Modified"] = LAST_MODIFIED
        if etag:
            response.set_etag("v1")
        if conditional or ranges:
            response.make_conditional(
                request if conditional else _without_validators(request),
                accept_ranges=ranges,
                complete_length=len(data) if ranges else None,
            )
        return response

    return handle


def _without_validators(request: Request) -> Request:
    environ = dict(request.environ)
    for key in ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_NONE_MATCH"):
        environ.pop(key, None)
    return Request(environ)


class Gate:
    """Holds a handler until the test ends, so a 'hanging' server never outlives its test."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def handler(self, request: Request) -> Response:
        self.event.wait(10)
        return Response(b"too late")

    def release(self) -> None:
        self.event.set()
