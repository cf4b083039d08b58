"""What loading plugins costs ``msgkit lint``: one file, a fresh process per run.

    python benchmarks/bench_plugins.py [--runs 30] [--with-example]

Variants, alternated run by run so machine noise hits them alike:
- plugin checks stubbed out (the floor: no plugin machinery at all);
- ``MSGKIT_LOAD_PLUGINS=`` (third-party plugins switched off);
- the default (look for installed plugins; with none, pluggy is never imported);
- with ``--with-example``: the example plugin (examples/plugins/msgkit-transport-outbox)
  installed into a temporary directory on ``PYTHONPATH``, so it really loads.
Prints the median and minimum wall time of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "examples" / "order-status.msg"
RUN = (
    "import sys; sys.argv = ['msgkit', 'lint', {file!r}]; "
    "{prelude}from msgkit.cli import main; main()"
)
STUB = "import msgkit.plugins as p; p.plugin_checks = lambda: (); "


def variants(example_dir: str | None) -> dict[str, tuple[str, dict[str, str]]]:
    plain = RUN.format(file=str(FILE), prelude="")
    found = {
        "plugin checks stubbed out": (RUN.format(file=str(FILE), prelude=STUB), {}),
        "MSGKIT_LOAD_PLUGINS= (none)": (plain, {"MSGKIT_LOAD_PLUGINS": ""}),
        "default, no third-party plugin": (plain, {}),
    }
    if example_dir is not None:
        path = os.pathsep.join(filter(None, [example_dir, os.environ.get("PYTHONPATH")]))
        found["default, example plugin installed"] = (plain, {"PYTHONPATH": path})
    return found


def install_example(target: str) -> None:
    package = ROOT / "examples" / "plugins" / "msgkit-transport-outbox"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            target,
            str(package),
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--with-example", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        example = None
        if args.with_example:
            install_example(tmp)
            example = tmp
        chosen = variants(example)
        times: dict[str, list[float]] = {name: [] for name in chosen}
        base = {k: v for k, v in os.environ.items() if k != "MSGKIT_LOAD_PLUGINS"}
        base.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with the bytecode cache, as users run
        for _ in range(args.runs):
            for name, (code, env) in chosen.items():
                start = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-c", code], env={**base, **env}, capture_output=True
                )
                times[name].append(time.perf_counter() - start)
                if done.returncode not in (0, 1):
                    raise SystemExit(done.stderr.decode())
    for name, found in times.items():
        print(
            f"{name:38s} median {statistics.median(found) * 1000:6.1f} ms"
            f"   min {min(found) * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
