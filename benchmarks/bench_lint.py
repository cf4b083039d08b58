"""Time ``msgkit lint`` against ``check-jsonschema`` on the same message documents.

Both run as subprocesses, several times; the medians are compared. Run on demand:

    python benchmarks/bench_lint.py [--repeat 7] [--files 1000]

The goal: msgkit at most 0.5x check-jsonschema's wall time, on one file and on 1,000 files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "message.schema.json"


def _executable(name: str) -> str:
    """The real script next to this interpreter, not a version manager's shim (they add ~50 ms)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed")
    return found


def _documents(directory: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        document = {
            "msg": f"Order {i} is on its way. "
            f'<speech language="zh-HK">您的訂單 {i} 已寄出。</speech>',
            "tag": f"order-{i}",
            "notify_url": f"https://example.com/hoiio/notify?order={i}",
        }
        if i % 3 == 1:
            document = {
                "segments": [
                    {"say": f"Order {i} & more", "language": "en", "gender": "male"},
                    {"play": f"https://example.com/prompts/{i}.mp3"},
                ],
                "monitor_notify_url": "https://example.com/hoiio/monitor",
            }
        path = directory / f"prompt-{i:05d}.msg.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return paths


# As users run them: with bytecode caching (an editable install has no .pyc files until a run
# writes them, and PYTHONDONTWRITEBYTECODE=1 would make every run compile msgkit from source,
# while check-jsonschema's installed modules were compiled at install time).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(command: list[str], repeat: int, cwd: Path) -> tuple[float, str]:
    subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=ENV)  # warm up
    runs = []
    failure = ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=ENV)
        runs.append(time.perf_counter() - start)
        if done.returncode != 0:
            failure = f"exit {done.returncode}: {done.stdout[-500:]!r} {done.stderr[-500:]!r}"
    return statistics.median(runs), failure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    msgkit = _executable("msgkit")
    checker = _executable("check-jsonschema")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one = work / "one"
        many = work / "many"
        one.mkdir()
        many.mkdir()
        cases = {"1 file": _documents(one, 1), f"{args.files} files": _documents(many, args.files)}
        print(f"{'case':<12} {'msgkit':>10} {'check-jsonschema':>18} {'ratio':>7}")
        for name, paths in cases.items():
            ours, our_failure = _time([msgkit, "lint", "--quiet", *paths], args.repeat, work)
            theirs, their_failure = _time(
                # --base-uri: the schema's $id is not a real address; its $refs are files here.
                [checker, "--base-uri", SCHEMA.as_uri(), "--schemafile", str(SCHEMA), *paths],
                args.repeat,
                work,
            )
            if our_failure or their_failure:
                sys.exit(
                    f"{name}: msgkit {our_failure or 'ok'}; "
                    f"check-jsonschema {their_failure or 'ok'}"
                )
            print(
                f"{name:<12} {ours * 1000:>8.1f}ms {theirs * 1000:>16.1f}ms {ours / theirs:>7.2f}"
            )


if __name__ == "__main__":
    main()
