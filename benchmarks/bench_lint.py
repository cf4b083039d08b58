"""Time ``msgkit lint`` against the floor of its start-up and against ``check-jsonschema``.

Every command runs as a subprocess, each once to warm up (bytecode and file caches), then in
turns, ``--repeat`` times; the medians of wall time (and of CPU time, user + system, which load
from other work on the machine disturbs less) are compared. Run on demand:

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


def _run(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system, of the process and its children) and any failure."""
    env = OURS if command[1] == "lint" else ENV
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        failure = ""
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            failure = f"exit {os.waitstatus_to_exitcode(status)}: {out.read()[-800:]!r}"
    return elapsed, usage.ru_utime + usage.ru_stime, failure


def _time_all(
    commands: dict[str, list[str]], repeat: int, cwd: Path
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU time of each command; the commands take turns, so that load from
    other work on the machine hits them alike."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for name, command in commands.items():
        *_, failure = _run(command, cwd)  # warm up
        if failure:
            sys.exit(f"{name}: {failure}")
    for _ in range(repeat):
        for name, command in commands.items():
            wall, cpu, failure = _run(command, cwd)
            if failure:
                sys.exit(f"{name}: {failure}")
            runs[name].append((wall, cpu))
    return {
        name: (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
        for name, times in runs.items()
    }


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
    print(f"{'':<30} {'wall':>9} {'CPU':>9}")
    for name, (wall, cpu) in times.items():
        print(f"{name:<30} {wall * 1000:>6.1f} ms {cpu * 1000:>6.1f} ms")
    goals = [
        ("1 file / import lxml.etree, click", "msgkit, 1 file", "import lxml.etree, click", 1.4),
        (
            "1 .msg file / import lxml.etree, click",
            "msgkit, 1 .msg file",
            "import lxml.etree, click",
            1.4,
        ),
        ("1 file / check-jsonschema", "msgkit, 1 file", "check-jsonschema, 1 file", 0.35),
        (f"{n} / check-jsonschema", f"msgkit, {n}", f"check-jsonschema, {n}", 0.30),
    ]
    # Wall time is what a user waits for; CPU time is the steadier measure on a busy machine.
    print(f"{'ratio':<42} {'wall':>6} {'CPU':>6}  goal")
    missed = False
    for name, ours, theirs, goal in goals:
        wall = times[ours][0] / times[theirs][0]
        cpu = times[ours][1] / times[theirs][1]
        verdict = "ok" if wall <= goal else "MISSED"
        missed = missed or wall > goal
        print(f"{name:<42} {wall:>6.2f} {cpu:>6.2f}  <= {goal:.2f} (wall: {verdict})")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
