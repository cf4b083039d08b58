"""Time ``msgkit lint`` against the floor of its start-up and against ``check-jsonschema``.

Every command runs as a subprocess, each once to warm up (bytecode and file caches), then in
turns, ``--repeat`` times; the medians are compared. Run on demand:

    python benchmarks/bench_lint.py [--repeat 15] [--files 1000]

Goals (exit status 1 if one is missed):

* one file: ``msgkit lint`` at most 1.4x ``python -c "import lxml.etree, click"`` (the modules
  it cannot do without) and at most 0.35x ``check-jsonschema``;
* 1,000 files: at most 0.30x ``check-jsonschema``.

``check-jsonschema`` is not a dependency of msgkit: ``pip install check-jsonschema`` first.
The one-file runs lint a ``.msg.json`` document (check-jsonschema's kind of file); a ``.msg``
file is timed too. They run in a temporary directory, so no ``pyproject.toml`` is read.
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
# msgkit runs the code next to this script, even where another copy is installed.
OURS = {**ENV, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), ENV.get("PYTHONPATH")]))}


def _run(command: list[str], cwd: Path) -> tuple[float, str]:
    env = OURS if command[1] == "lint" else ENV
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    failure = ""
    if done.returncode != 0:
        failure = f"exit {done.returncode}: {done.stdout[-500:]!r} {done.stderr[-500:]!r}"
    return elapsed, failure


def _time_all(commands: dict[str, list[str]], repeat: int, cwd: Path) -> dict[str, float]:
    """Median wall time of each command; the commands take turns, so that load from other
    work on the machine hits them alike."""
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for name, command in commands.items():
        _, failure = _run(command, cwd)  # warm up
        if failure:
            sys.exit(f"{name}: {failure}")
    for _ in range(repeat):
        for name, command in commands.items():
            elapsed, failure = _run(command, cwd)
            if failure:
                sys.exit(f"{name}: {failure}")
            runs[name].append(elapsed)
    return {name: statistics.median(times) for name, times in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    msgkit = _executable("msgkit")
    checker = _executable("check-jsonschema")
    loaded = subprocess.run(
        [sys.executable, "-c", "import msgkit; print(msgkit.__file__)"],
        env=OURS,
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"msgkit from {Path(loaded.stdout.strip()).parent}")
    # --base-uri: the schema's $id is not a real address; its $refs are files here.
    check = [checker, "--base-uri", SCHEMA.as_uri(), "--schemafile", str(SCHEMA)]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        one = work / "one"
        many = work / "many"
        one.mkdir()
        many.mkdir()
        [single] = _documents(one, 1)
        markup = one / "order-status.msg"
        markup.write_text("Your order has shipped. Thank you.\n", encoding="utf-8")
        paths = _documents(many, args.files)
        n = f"{args.files} files"
        times = _time_all(
            {
                "import lxml.etree, click": [sys.executable, "-c", "import lxml.etree, click"],
                "msgkit, 1 .msg file": [msgkit, "lint", "--quiet", str(markup)],
                "msgkit, 1 file": [msgkit, "lint", "--quiet", single],
                "check-jsonschema, 1 file": [*check, single],
                f"msgkit, {n}": [msgkit, "lint", "--quiet", *paths],
                f"check-jsonschema, {n}": [*check, *paths],
            },
            args.repeat,
            work,
        )
    for name, seconds in times.items():
        print(f"{name:<30} {seconds * 1000:>8.1f} ms")
    floor = times["import lxml.etree, click"]
    ratios = [
        ("1 file / import lxml.etree, click", times["msgkit, 1 file"] / floor, 1.4),
        ("1 .msg file / import lxml.etree, click", times["msgkit, 1 .msg file"] / floor, 1.4),
        (
            "1 file / check-jsonschema",
            times["msgkit, 1 file"] / times["check-jsonschema, 1 file"],
            0.35,
        ),
        (f"{n} / check-jsonschema", times[f"msgkit, {n}"] / times[f"check-jsonschema, {n}"], 0.30),
    ]
    missed = False
    for name, ratio, goal in ratios:
        verdict = "ok" if ratio <= goal else "MISSED"
        missed = missed or ratio > goal
        print(f"{name:<42} {ratio:>6.2f}  (goal <= {goal:.2f}: {verdict})")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
