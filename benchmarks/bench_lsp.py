"""Latency of ``msgkit server``: from a ``didChange`` to the ``publishDiagnostics`` it causes.

Run on demand (never part of the test suite)::

    python benchmarks/bench_lsp.py [--edits 200] [--debounce 0.015]

It starts the real server as a subprocess (the checkout this file is in), opens a 500-character
``.msg`` document (English text, ``<speech>`` segments, a ``<url>``, a bare ``&``), then makes
``--edits`` incremental edits one after the other, as typing does: insert a character, delete
it again, at places that move through the document. After each edit it waits for the
diagnostics of that version and records the time from sending the change to receiving them
(the server's pause for the next keystroke, ``--debounce``, included). It prints the median,
the 95th percentile and the worst latency. Goal: median <= 50 ms; exit status 1 above it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the tests' client: pygls's LanguageClient
sys.path.insert(0, str(HERE.parent))

from lsp_client import Session  # noqa: E402
from lsprotocol import types  # noqa: E402

GOAL = 0.050

DOCUMENT = (
    "Thank you for calling the support line of Example Company. "
    '<speech language="en" gender="female">Your call is important to us, and an agent '
    "will be with you shortly.</speech> "
    '<speech language="zh-HK">\u591a\u8b1d\u4f60\u7684\u8010\u5fc3\u7b49\u5019\u3002</speech> '
    "Please hold & stay on the line while we connect you. "
    "<url>https://example.com/audio/hold-music.mp3</url> "
    "Calls are recorded for quality and training purposes. To hear these options again, "
    "stay on the line. Press one for sales and two for support."
)


async def measure(edits: int, debounce: float, work: Path) -> list[float]:
    session = Session()
    await session.start(options={"debounce": debounce}, cwd=work)
    try:
        text = DOCUMENT.ljust(500, ".")[:500] + "\n"
        address = session.open(work / "bench.msg", text)
        await session.diagnostics(address, 1, timeout=60)
        latencies: list[float] = []
        for n in range(edits):
            version = n + 2
            column = (n // 2 * 7) % 480
            if n % 2 == 0:
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, column), types.Position(0, column)),
                    text="x",
                )
            else:
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, column), types.Position(0, column + 1)),
                    text="",
                )
            seen = len(session.published)
            start = time.perf_counter()
            session.change(address, version, change)
            await session.wait_published(address, version, timeout=60, after=seen)
            latencies.append(time.perf_counter() - start)
        return latencies
    finally:
        await session.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--debounce", type=float, default=0.015, help="the server's, seconds")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        latencies = asyncio.run(measure(args.edits, args.debounce, Path(work)))
    ms = sorted(x * 1000 for x in latencies)
    median = statistics.median(ms)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    print(f"msgkit server: {len(ms)} edits of a 500-character document")
    print(f"debounce {args.debounce * 1000:g} ms (included in the latency)")
    print(
        f"didChange -> publishDiagnostics: median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"worst {ms[-1]:.1f} ms"
    )
    print(f"goal: median <= {GOAL * 1000:.0f} ms: {'met' if median <= GOAL * 1000 else 'NOT met'}")
    return 0 if median <= GOAL * 1000 else 1


if __name__ == "__main__":
    raise SystemExit(main())
