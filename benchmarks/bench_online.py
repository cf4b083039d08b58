"""Time the online checks against a plain sequential ``httpx.head`` loop.

One loopback server (Starlette on uvicorn) answers every request after 100 ms, serving 200
distinct 8000 Hz mono WAV files the way a good static server does (ranges, Last-Modified,
304 for If-Modified-Since). Timed, as subprocesses of the real ``msgkit`` script:

* ``msgkit lint --online --allow-private --cache-dir DIR`` over 200 generated ``.msg`` files,
  cold (empty cache), then warm (same cache), when lint has ``--online``;
* ``msgkit check-url --allow-private --cache-dir DIR`` over the same 200 URLs, cold and warm;
* in-process, what a user would otherwise write: ``for url in urls: httpx.head(url)``.

Goals: cold at most 1.3x the floor of two request rounds (2 x 200 / 16 x 100 ms = 2.5 s), so
at least 6x faster than the loop; warm at least 5x faster than cold. Run on demand:

    python benchmarks/bench_online.py [--urls 200] [--delay 0.1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from email.utils import formatdate
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LAST_MODIFIED = formatdate(1_600_000_000, usegmt=True)


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000)
    return buffer.getvalue()


def _app(delay: float) -> Starlette:
    data = _wav()
    headers = {"Last-Modified": LAST_MODIFIED, "Content-Type": "audio/wav"}

    async def audio(request: Request) -> Response:
        await asyncio.sleep(delay)
        if request.headers.get("if-modified-since") == LAST_MODIFIED:
            return Response(status_code=304, headers=headers)
        requested = request.headers.get("range", "")
        if requested.startswith("bytes=0-"):
            end = min(int(requested[8:] or len(data) - 1), len(data) - 1)
            return Response(
                data[: end + 1],
                status_code=206,
                headers={**headers, "Content-Range": f"bytes 0-{end}/{len(data)}"},
            )
        body = b"" if request.method == "HEAD" else data
        return Response(body, headers={**headers, "Content-Length": str(len(data))})

    return Starlette(routes=[Route("/audio/{name}", audio, methods=["GET", "HEAD"])])


class _Server:
    """uvicorn on 127.0.0.1 in a thread; stopped by ``close``."""

    def __init__(self, delay: float) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            _app(delay), host="127.0.0.1", port=self.port, log_level="warning", backlog=2048
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)


def _script() -> str:
    beside = Path(sys.executable).parent / "msgkit"
    found = str(beside) if beside.exists() else shutil.which("msgkit")
    if found is None:
        sys.exit("msgkit is not installed")
    return found


def _run(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(
            f"{' '.join(command[:4])} ... failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        )
    return elapsed


def _cold_warm(command: list[str], cache: Path, repeat: int) -> tuple[float, float]:
    colds, warms = [], []
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        colds.append(_run(command))
        warms.append(_run(command))
    return statistics.median(colds), statistics.median(warms)


def _lint_has_online(script: str) -> bool:
    result = subprocess.run([script, "lint", "--help"], capture_output=True, text=True)
    return "--online" in result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    script = _script()
    server = _Server(args.delay)
    work = Path(tempfile.mkdtemp(prefix="msgkit-bench-online-"))
    try:
        urls = [f"http://127.0.0.1:{server.port}/audio/{i:04d}.wav" for i in range(args.urls)]
        files = work / "prompts"
        files.mkdir()
        for i, url in enumerate(urls):
            (files / f"prompt-{i:04d}.msg").write_text(
                f"Please hold. <url>{url}</url>\n", encoding="utf-8"
            )
        floor = 2 * args.urls / args.concurrency * args.delay
        concurrency = ["--concurrency", str(args.concurrency)]
        rows: list[tuple[str, float]] = []

        started = time.perf_counter()
        for url in urls:
            httpx.head(url)
        loop = time.perf_counter() - started
        rows.append(("sequential httpx.head loop", loop))

        measured: dict[str, tuple[float, float]] = {}
        if _lint_has_online(script):
            cache = work / "cache-lint"
            command = [script, "lint", "--online", "--allow-private", "--cache-dir", str(cache)]
            measured["msgkit lint --online"] = _cold_warm(
                [*command, *concurrency, str(files)], cache, args.repeat
            )
        else:
            print("note: this msgkit lint has no --online yet; timing check-url only\n")
        cache = work / "cache-check-url"
        command = [script, "check-url", "--allow-private", "--cache-dir", str(cache)]
        measured["msgkit check-url"] = _cold_warm(
            [*command, *concurrency, *urls], cache, args.repeat
        )
        for name, (cold, warm) in measured.items():
            rows.extend([(f"{name} (cold)", cold), (f"{name} (warm)", warm)])

        print(
            f"{args.urls} URLs, {args.delay * 1000:.0f} ms per request, concurrency "
            f"{args.concurrency}; floor of two request rounds: {floor:.2f} s; "
            f"median of {args.repeat} runs\n"
        )
        for name, seconds in rows:
            print(f"  {name:<36} {seconds:7.2f} s")
        print()
        for name, (cold, warm) in measured.items():
            verdicts = [
                (
                    f"cold <= 1.3 x floor ({1.3 * floor:.2f} s)",
                    cold <= 1.3 * floor,
                    f"{cold / floor:.2f}x floor",
                ),
                ("cold >= 6x faster than the loop", loop / cold >= 6, f"{loop / cold:.1f}x"),
                ("warm >= 5x faster than cold", cold / warm >= 5, f"{cold / warm:.1f}x"),
            ]
            print(name)
            for goal, met, figure in verdicts:
                print(f"  {'met ' if met else 'MISS'} {goal}: {figure}")
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
