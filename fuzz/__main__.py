"""``python -m fuzz TARGET --runs N``: run one fuzz target (``list`` names them, ``all`` runs each).

With atheris installed the run is coverage-guided (libFuzzer); new inputs it finds go to
``fuzz/.work/TARGET/`` and crashes to ``fuzz/.work/crashes/``, while ``fuzz/corpus/TARGET/`` (the
seeds kept in the repository) is only read. Without atheris a plain mutation loop over the same
seeds and dictionary runs instead, so the smoke run works on any Python.
Arguments after ``--`` go to libFuzzer as they are (``-- -jobs=2 -print_pcs=1``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import pkgutil
import random
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
DICTS = HERE / "dicts"
WORK = HERE / ".work"
CRASHES = WORK / "crashes"


def _import_msgkit() -> None:
    """Import every msgkit module, so that coverage instrumentation reaches the ones the
    library imports lazily too."""
    import msgkit

    for info in pkgutil.walk_packages(msgkit.__path__, "msgkit."):
        try:
            importlib.import_module(info.name)
        except Exception:  # an optional extra that is not installed
            continue


def _seeds(name: str) -> list[Path]:
    folder = CORPUS / name
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _warm(name: str) -> None:
    """Run a few inputs outside the time bound first: the first call of a target imports and
    compiles what it needs (schemas, YAML), which is not the input's cost."""
    from .targets import TARGETS

    t = TARGETS[name]
    for seed in [b"", *(p.read_bytes() for p in _seeds(name)[:5])]:
        t.run(seed)


def parse_dictionary(path: Path) -> list[bytes]:
    """The tokens of a libFuzzer/AFL dictionary file (``name="value"`` lines, ``\\xNN`` escapes)."""
    tokens = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or '"' not in line:
            continue
        quoted = line[line.index('"') + 1 : line.rindex('"')]
        raw = bytearray()
        i = 0
        while i < len(quoted):
            if quoted[i] == "\\" and i + 1 < len(quoted):
                if quoted[i + 1] == "x":
                    raw.append(int(quoted[i + 2 : i + 4], 16))
                    i += 4
                    continue
                raw.append(ord(quoted[i + 1]))
                i += 2
                continue
            raw.extend(quoted[i].encode("utf-8"))
            i += 1
        tokens.append(bytes(raw))
    return tokens


def _save_crash(name: str, data: bytes) -> Path:
    CRASHES.mkdir(parents=True, exist_ok=True)
    path = CRASHES / f"{name}-crash-{hashlib.sha1(data).hexdigest()}"
    path.write_bytes(data)
    return path


def _mutate(rng: random.Random, data: bytes, pool: list[bytes], tokens: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(6)
        at = rng.randint(0, len(out))
        if choice == 0 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif choice == 1 and tokens:
            out[at:at] = rng.choice(tokens)
        elif choice == 2 and out:
            del out[at : at + rng.randint(1, 16)]
        elif choice == 3 and pool:
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            out[at:at] = other[start : start + rng.randint(1, 64)]
        elif choice == 4 and out:
            out[at:at] = out[max(0, at - 8) : at] * rng.randint(1, 32)
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(out)


def _plain_loop(name: str, runs: int, max_time: float | None, seed: int) -> int:
    """A mutation loop without coverage feedback, for machines without atheris."""
    from .targets import TARGETS

    target = TARGETS[name]
    pool = [p.read_bytes() for p in _seeds(name)] or [b""]
    tokens = parse_dictionary(DICTS / f"{target.dictionary}.dict") if target.dictionary else []
    rng = random.Random(seed)
    started = time.monotonic()
    done = 0
    for i in range(runs):
        data = pool[i] if i < len(pool) else _mutate(rng, rng.choice(pool), pool, tokens)
        data = data[: target.max_len]
        try:
            target.bounded(data)
        except Exception:
            path = _save_crash(name, data)
            traceback.print_exc()
            print(f"crash: input saved to {path}", file=sys.stderr)
            return 1
        done += 1
        if max_time is not None and time.monotonic() - started > max_time:
            break
    seconds = time.monotonic() - started
    print(f"{name}: {done} runs in {seconds:.1f} s ({done / max(seconds, 1e-9):.0f}/s), no crash")
    return 0


def _atheris(name: str, runs: int, max_time: float | None, extra: list[str]) -> int:
    import atheris

    with atheris.instrument_imports(include=["msgkit"]):
        _import_msgkit()
    from .targets import TARGETS

    target = TARGETS[name]
    _warm(name)
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    CRASHES.mkdir(parents=True, exist_ok=True)
    args = [
        sys.argv[0],
        f"-runs={runs}",
        f"-max_len={target.max_len}",
        "-timeout=60",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={CRASHES}/{name}-",
        "-print_final_stats=1",
    ]
    if max_time is not None:
        args.append(f"-max_total_time={int(max_time)}")
    if target.dictionary:
        args.append(f"-dict={DICTS / (target.dictionary + '.dict')}")
    args += extra
    args.append(str(work))  # new inputs go to the first directory
    if (CORPUS / name).is_dir():
        args.append(str(CORPUS / name))
    atheris.Setup(args, target.bounded)
    atheris.Fuzz()
    return 0  # libFuzzer exits the process itself


def _replay(name: str, files: list[str]) -> int:
    """Run inputs once each (a crash file, a corpus) and show what each one raises."""
    from .targets import TARGETS

    target = TARGETS[name]
    _warm(name)
    failed = 0
    paths = [
        q for f in files for q in (sorted(Path(f).iterdir()) if Path(f).is_dir() else [Path(f)])
    ]
    for path in paths:
        try:
            target.bounded(path.read_bytes())
        except Exception:
            failed += 1
            print(f"== {path}", file=sys.stderr)
            traceback.print_exc()
    print(f"{name}: {len(paths)} inputs, {failed} failed")
    return 1 if failed else 0


def _all(args: argparse.Namespace) -> int:
    from .targets import TARGETS

    failed = []
    for name in TARGETS:
        command = [sys.executable, "-m", "fuzz", name, "--runs", str(args.runs)]
        if args.plain:
            command.append("--plain")
        if args.seed:
            command += ["--seed", str(args.seed)]
        if args.max_time is not None:
            command += ["--max-time", str(args.max_time)]
        started = time.monotonic()
        done = subprocess.run(
            command, cwd=HERE.parent, check=False, capture_output=True, text=True, errors="replace"
        )
        seconds = time.monotonic() - started
        output = done.stdout + done.stderr
        if done.returncode != 0:  # the whole story: the input, the traceback
            print(output[-20000:], flush=True)
        summary = [
            line for line in output.splitlines() if re.match(r"#\d+\s+DONE|\w.*: \d+ runs", line)
        ]
        print(
            f"{name}: exit {done.returncode} in {seconds:.1f} s {' '.join(summary[-1:])}",
            flush=True,
        )
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    from .targets import TARGETS

    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=[*TARGETS, "all", "list"], metavar="TARGET")
    parser.add_argument("--runs", type=int, default=-1, help="inputs to run (default: forever)")
    parser.add_argument("--max-time", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="the mutation loop without atheris, even if it is there",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the random seed (the mutation loop's, or libFuzzer's when not 0)",
    )
    parser.add_argument(
        "--replay", nargs="+", metavar="FILE", help="run these inputs (or folders) once and stop"
    )
    args = parser.parse_args(argv)
    if args.target == "list":
        for name, target in TARGETS.items():
            print(f"{name:22} {target.summary}")
        return 0
    if args.target == "all":
        return _all(args)
    if args.replay:
        return _replay(args.target, args.replay)
    plain = args.plain
    if not plain:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed: running the plain mutation loop", file=sys.stderr)
            plain = True
    if plain:
        runs = args.runs if args.runs >= 0 else sys.maxsize
        return _plain_loop(args.target, runs, args.max_time, args.seed)
    if args.seed:  # the same inputs every run (libFuzzer picks a random seed for 0)
        extra = [f"-seed={args.seed}", *extra]
    return _atheris(args.target, args.runs, args.max_time, extra)


if __name__ == "__main__":
    sys.exit(main())
