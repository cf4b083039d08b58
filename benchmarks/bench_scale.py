"""``msgkit lint DIR`` on 1,000 / 10,000 / 50,000 files: wall time, CPU time, peak memory.

    python benchmarks/bench_scale.py [--sizes 1000,10000,50000] [--repeat 3]
        [--source DIR]... [--jobs 0,1] [--format text|json|github|sarif]

Each run is a fresh ``msgkit lint --quiet --format FORMAT DIR`` process started by a small
wrapper process, which reports ``resource.getrusage(RUSAGE_CHILDREN)`` once msgkit has exited:
the user + system CPU time of msgkit and of every worker process it started, and the peak
resident set size of the largest of them (ru_maxrss is a maximum over the processes, not a
sum). The wall time is the wrapper's. ``--source`` (repeatable) lints with another
checkout's code (a ``git archive`` export of an older commit, say) to compare before and after
on one machine; ``--jobs`` sets ``MSGKIT_JOBS`` (``0``: unset, the default). The variants take
turns run by run, so that load from other work on the machine hits them alike.

The tree has 100 files per directory: ``.msg``, ``.msg.json`` and ``.msg.yaml`` documents with
a fixed seed, one in 20 with a mistake (a bare ``&``, a bad language code), so the reporters
have findings to write. Trees are generated once per size into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_kb": usage.ru_maxrss, "status": done.returncode,
                  "stderr": done.stderr.decode(errors="replace")[-500:]}))
"""


def _document(rng: random.Random, i: int) -> tuple[str, str]:
    mistake = rng.random() < 0.05
    ampersand = mistake and rng.random() < 0.5
    say = f"Order {i} is on its way" + (" & more" if ampersand else ".")
    language = "zh_HK" if mistake and not ampersand else "zh-HK"
    markup = f'{say} <speech language="{language}">您的訂單 {i} 已寄出。</speech>'
    kind = i % 3
    if kind == 0:
        return ".msg", markup + "\n"
    if kind == 1:
        document = {"msg": markup, "tag": f"order-{i}", "notify_url": "https://example.com/n"}
        return ".msg.json", json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    text = (
        f"segments:\n  - say: {json.dumps(say)}\n    language: en\n"
        f"  - play: https://example.com/prompts/{i}.mp3\ntag: order-{i}\n"
    )
    return ".msg.yaml", text


def make_tree(directory: Path, count: int) -> None:
    rng = random.Random(2024)
    for i in range(count):
        suffix, text = _document(rng, i)
        folder = directory / f"d{i // 100:04d}"
        if i % 100 == 0:
            folder.mkdir(parents=True)
        (folder / f"prompt-{i:06d}{suffix}").write_text(text, encoding="utf-8")


def measure(source: Path, jobs: int, tree: Path, fmt: str) -> dict[str, float]:
    # As users run it: with bytecode caches.
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "MSGKIT_JOBS")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    if jobs:
        env["MSGKIT_JOBS"] = str(jobs)
    command = [
        sys.executable,
        "-c",
        "from msgkit.cli import main; main()",
        "lint",
        "--quiet",
        "--format",
        fmt,
        str(tree),
    ]
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    if result["status"] not in (0, 1):
        sys.exit(f"msgkit failed: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", default="text", choices=("text", "json", "github", "sarif"))
    parser.add_argument(
        "--source", type=Path, action="append", help="a msgkit checkout to run (repeatable)"
    )
    parser.add_argument("--jobs", default="0", help="MSGKIT_JOBS values, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sources = [s.resolve() for s in args.source or [ROOT]]
    variants = [(s, int(j)) for s in sources for j in args.jobs.split(",")]
    print(f"{os.cpu_count()} CPUs, --format {args.format}")
    print(f"{'files':>7} {'wall s':>8} {'cpu s':>8} {'cpu/wall':>9} {'peak RSS MB':>12}  variant")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            tree = Path(tmp) / f"tree-{size}"
            make_tree(tree, size)
            runs: dict[tuple[Path, int], list[dict[str, float]]] = {v: [] for v in variants}
            for variant in variants:  # warm up: bytecode and file caches
                measure(*variant, tree, args.format)
            for _ in range(args.repeat):
                for variant in variants:
                    runs[variant].append(measure(*variant, tree, args.format))
            for (source, jobs), done in runs.items():
                wall = statistics.median(r["wall"] for r in done)
                cpu = statistics.median(r["cpu"] for r in done)
                rss = max(r["rss_kb"] for r in done) / 1024
                label = f"{source}" + (f" MSGKIT_JOBS={jobs}" if jobs else "")
                print(
                    f"{size:>7} {wall:>8.2f} {cpu:>8.2f} {cpu / wall:>9.2f} {rss:>12.1f}  {label}"
                )
            sys.stdout.flush()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s in all)")
