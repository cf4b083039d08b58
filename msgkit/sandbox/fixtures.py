"""Running the sandbox from tests: a real subprocess, and a small receiver for notify URLs.

The pytest fixtures (``msgkit_sandbox``, ``msgkit_sandbox_factory``, ``msgkit_receiver``) are
re-exported by the ``msgkit.testing`` plugin. Every server they start is stopped at teardown.
"""

from __future__ import annotations

import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from ..errors import MsgkitError
from .inputs import MAX_BODY_BYTES, InputError, parse_int
from .settings import SandboxSettings

__all__ = [
    "Received",
    "Receiver",
    "SandboxProcess",
    "SandboxStartError",
    "ThreadedSandbox",
    "msgkit_receiver",
    "msgkit_sandbox",
    "msgkit_sandbox_factory",
    "receiver",
    "start_sandbox",
]


class SandboxStartError(MsgkitError):
    """The sandbox process did not come up."""


@dataclass(slots=True)
class SandboxProcess:
    """A sandbox running in a subprocess, with a client for its control API."""

    base_url: str
    app_id: str
    access_token: str = field(repr=False)
    process: subprocess.Popen[str] = field(repr=False)
    log: IO[str] = field(repr=False)
    _client: httpx.Client = field(repr=False)

    @property
    def transport_base_url(self) -> str:
        """What the ``hoiio`` transport's ``base_url`` should be."""
        return self.base_url + "/open"

    @property
    def monitor_url(self) -> str:
        return self.base_url + "/open/ivr/middle/monitor"

    def _json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._client.request(method, self.base_url + path, json=body)
        response.raise_for_status()
        return response.json()

    def call(
        self,
        from_: str | None = None,
        to: str | None = None,
        *,
        app_id: str | None = None,
        answer_url: str | None = None,
    ) -> str:
        """Start a simulated call (its Answer notification to ``answer_url``); return its
        session."""
        given = (("from", from_), ("to", to), ("app_id", app_id), ("answer_url", answer_url))
        body = {k: v for k, v in given if v}
        session: str = self._json("POST", "/sandbox/calls", body)["session"]
        return session

    def hangup(
        self,
        session: str,
        *,
        fail_recording: bool | None = None,
        duration_seconds: float | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if fail_recording is not None:
            body["fail_recording"] = fail_recording
        if duration_seconds is not None:
            body["duration_seconds"] = duration_seconds
        result: dict[str, Any] = self._json("POST", f"/sandbox/calls/{session}/hangup", body)
        return result

    def digits(self, session: str, digits: str) -> dict[str, Any]:
        """Press keys on the caller's keypad (a running Gather or Record hears them)."""
        result: dict[str, Any] = self._json(
            "POST", f"/sandbox/calls/{session}/digits", {"digits": digits}
        )
        return result

    def dial_outcomes(self, outcomes: dict[str, str]) -> dict[str, str]:
        """Set what numbers do when dialled or transferred to (``answered`` by default)."""
        result: dict[str, str] = self._json("POST", "/sandbox/dial-outcomes", outcomes)["outcomes"]
        return result

    def get_call(self, session: str) -> dict[str, Any]:
        result: dict[str, Any] = self._json("GET", f"/sandbox/calls/{session}")
        return result

    def deliveries(self, state: str | None = None) -> list[dict[str, Any]]:
        path = "/sandbox/deliveries" + (f"?state={state}" if state else "")
        items: list[dict[str, Any]] = self._json("GET", path)["deliveries"]
        return items

    def wait_for_notifications(
        self, session: str, count: int, *, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The call's notifications once ``count`` of them are no longer pending."""
        deadline = time.monotonic() + timeout
        while True:
            notes = self.get_call(session)["notifications"]
            if len(notes) >= count and all(n["state"] != "pending" for n in notes):
                return list(notes)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{session}: {len(notes)} notification(s) after {timeout}s")
            time.sleep(0.02)

    def logs(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> None:
        """Terminate the process and wait for it (kill it if it will not stop)."""
        self._client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()


def _first_lines(stream: IO[str], out: queue.Queue[str | None]) -> None:
    for line in iter(stream.readline, ""):
        out.put(line.rstrip("\n"))
    out.put(None)


def start_sandbox(
    *args: str,
    app_id: str = "sandbox-test",
    access_token: str | None = None,
    timeout: float = 20.0,
) -> SandboxProcess:
    """Start ``msgkit sandbox serve --port 0 ARGS...`` in a subprocess; stop it with ``stop``."""
    token = access_token or secrets.token_urlsafe(24)
    env = dict(os.environ, MSGKIT_APP_ID=app_id, MSGKIT_ACCESS_TOKEN=token)
    # Closed by SandboxProcess.stop: it outlives this function, so no ``with`` here.
    log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
    command = [sys.executable, "-m", "msgkit.sandbox", "serve", "--port", "0", *args]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, env=env, text=True
    )
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_first_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        url = lines.get(timeout=timeout)
    except queue.Empty:
        url = None
    if not url or not url.startswith("http://"):
        process.kill()
        process.wait(timeout=10)
        log.seek(0)
        output = log.read()
        log.close()
        raise SandboxStartError(f"the sandbox did not start: {url!r}\n{output[-2000:]}")
    client = httpx.Client(timeout=10.0, trust_env=False)
    return SandboxProcess(url, app_id, token, process, log, client)


@contextmanager
def running_sandbox(*args: str, **kwargs: Any) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox(*args, **kwargs)
    try:
        yield sandbox
    finally:
        sandbox.stop()


class ThreadedSandbox:
    """The sandbox served by uvicorn on a thread of this process: fast, for the sandbox's own
    tests and for suites that start many servers. ``stop`` shuts it down and joins the thread.
    """

    def __init__(self, settings: SandboxSettings, *, clock: Callable[[], float] = time.time):
        import uvicorn

        from .app import SandboxApp
        from .server import bind, log_config

        sock, url = bind("127.0.0.1", 0)
        self.base_url = url
        self.settings = settings.with_public_url(url)
        self.app = SandboxApp(self.settings, clock=clock)
        config = uvicorn.Config(
            self.app.asgi,
            log_config=log_config("WARNING"),
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=3,
        )
        self._server = uvicorn.Server(config)
        self._socket = sock
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise SandboxStartError("the threaded sandbox did not start")
            time.sleep(0.01)

    @property
    def monitor_url(self) -> str:
        return self.base_url + "/open/ivr/middle/monitor"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@dataclass(frozen=True, slots=True)
class Received:
    """One request the receiver got, exactly as it arrived."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


class Receiver:
    """A tiny HTTP server on loopback that records every request (the notify URLs' end).

    ``status`` is what it answers (set it to 500 to play a failing receiver).
    """

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[Received] = []
        self._arrived = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:
                    length = parse_int(self.headers.get("Content-Length") or "0", "length")
                except InputError:
                    length = -1
                if not 0 <= length <= MAX_BODY_BYTES:
                    self.send_error(400, "a Content-Length of at most 1 MiB, please")
                    return
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                item = Received(
                    "POST",
                    parts.path,
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with owner._arrived:
                    owner.received.append(item)
                    owner._arrived.notify_all()
                self.send_response(owner.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass  # tests read self.received, not a log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the loop to notice, and tests stop many.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(
        self, count: int, *, timeout: float = 10.0, where: Callable[[Received], bool] | None = None
    ) -> list[Received]:
        """The first ``count`` requests (matching ``where``), waiting up to ``timeout``."""

        def matching() -> list[Received]:
            return [r for r in self.received if where is None or where(r)]

        with self._arrived:
            if not self._arrived.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(f"{len(matching())} of {count} request(s) after {timeout}s")
            return matching()[:count]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@contextmanager
def receiver(status: int = 200) -> Iterator[Receiver]:
    server = Receiver(status)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def msgkit_sandbox() -> Iterator[SandboxProcess]:
    """A sandbox with default settings in a subprocess, stopped after the test."""
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def msgkit_sandbox_factory() -> Iterator[Callable[..., SandboxProcess]]:
    """Start sandboxes with options (``factory("--fail-recording")``); all stopped after."""
    started: list[SandboxProcess] = []

    def factory(*args: str, **kwargs: Any) -> SandboxProcess:
        sandbox = start_sandbox(*args, **kwargs)
        started.append(sandbox)
        return sandbox

    try:
        yield factory
    finally:
        for sandbox in started:
            sandbox.stop()


@pytest.fixture
def msgkit_receiver() -> Iterator[Receiver]:
    """A notification receiver on loopback, stopped after the test."""
    with receiver() as server:
        yield server
