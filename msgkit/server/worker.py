"""Checking buffers in a child process the server can stop.

A document of any content must never stall the server: checking a pathological buffer can take
longer than the next keystroke, and a thread cannot be stopped. So buffers are checked in child
processes (``python -m msgkit.server.worker``), each answering one request at a time over its
standard input and output, two of them so that one slow document does not hold up the others.
When an edit supersedes a check that is taking long, its child is killed and a new one starts.
If the server goes away, the children read end-of-file and exit.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

__all__ = ["OPERATIONS", "Gone", "Worker", "WorkerPool", "main"]

_HEADER = struct.Struct("!Q")

# The functions a worker runs, by name; nothing else can be asked of it.
OPERATIONS = ("analyze", "analyze_online", "quick_fixes", "fix_all")


class Gone(Exception):
    """The worker was stopped (superseded, or the server is shutting down) or died."""


def _send(stream: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # from the process that started this one: trusted


def main() -> None:
    """The worker's loop: read (operation, arguments), answer ("ok", result) or ("error", why)."""
    from . import analysis

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by accident may corrupt the answers
    while True:
        try:
            operation, arguments = _receive(stdin)
        except (EOFError, OSError):
            return
        try:
            if operation not in OPERATIONS:
                raise ValueError(f"no operation {operation!r}")
            answer: tuple[str, Any] = ("ok", getattr(analysis, operation)(*arguments))
        except Exception as error:  # reported to the server, which logs it and goes on
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            _send(stdout, answer)
        except OSError:
            return


class Worker:
    """One child process; :meth:`call` blocks until it answers."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # The child imports this package from wherever the server did.
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "msgkit.server.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self._lock = threading.Lock()

    def call(self, operation: str, *arguments: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        with self._lock:
            try:
                _send(self.process.stdin, (operation, arguments))
                status, value = _receive(self.process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError, ValueError) as error:
                raise Gone(str(error)) from None
        if status != "ok":
            raise RuntimeError(value)
        return value

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class WorkerPool:
    """``size`` workers, each answering one request at a time, so that one slow check does not
    hold up the others. A request for a key (a document) that a newer request for the same key
    supersedes is abandoned: if it has run longer than ``patience`` seconds its worker is
    killed, and a new one starts in its place."""

    def __init__(self, size: int = 2, patience: float = 0.1) -> None:
        self.patience = patience
        self._lock = threading.Lock()  # guards the fields below, not the requests
        self._slots = threading.Semaphore(size)
        self._size = size
        self._idle: list[Worker] = []
        self._busy: dict[Worker, tuple[object, float]] = {}
        self._closed = False

    def _take(self, key: object) -> Worker:
        with self._lock:
            if self._closed:
                raise Gone("the server is shutting down")
            # Workers start ahead of need: a Python process takes a moment to import msgkit.
            while len(self._idle) + len(self._busy) < self._size:
                self._idle.append(Worker())
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    break
                worker.stop()  # died while idle
                self._idle.append(Worker())
            self._busy[worker] = (key, time.monotonic())
            return worker

    def call(
        self, key: object, wanted: Callable[[], bool] | None, operation: str, *arguments: Any
    ) -> Any:
        """Run ``operation`` in a worker; :class:`Gone` if it was stopped, or if ``wanted``
        says, when its turn comes, that the answer is no longer needed."""
        with self._slots:
            if wanted is not None and not wanted():
                raise Gone("overtaken")
            worker = self._take(key)
            try:
                return worker.call(operation, *arguments)
            finally:
                with self._lock:
                    self._busy.pop(worker, None)
                    if worker.process.poll() is None and not self._closed:
                        self._idle.append(worker)

    def supersede(self, key: object) -> None:
        """A newer request for ``key`` is coming: stop those running for it that are slow."""
        now = time.monotonic()
        with self._lock:
            slow = [
                worker
                for worker, (running, started) in self._busy.items()
                if running == key and now - started >= self.patience
            ]
        for worker in slow:
            worker.stop()  # its call raises Gone; the next request starts a new worker

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
        for worker in workers:
            worker.stop()


if __name__ == "__main__":
    main()
