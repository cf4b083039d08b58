"""Throughput of ``msgkit.validate`` against bare ``lxml.etree.fromstring`` on the same strings.

Run on demand (never part of the test suite)::

    python benchmarks/bench_validate.py [--count 10000] [--rounds 7] [--seed 2024] [--profile]
    python benchmarks/bench_validate.py --hostile

It generates realistic ``msg`` strings with a fixed seed (plain English text, zh-HK ``<speech>``
segments, ``<url>`` recordings; about one in five carries a mistake), then alternates two loops
over several rounds: ``validate()`` on every string, and bare ``lxml.etree.fromstring`` on every
string wrapped in a root element. It prints both rates and the median of the per-round ratios.
The goal is ``validate`` at >= 0.3x the bare-parse rate; the exit status is 1 below it.

``--hostile`` instead times ``validate()`` on about 1 MB of each kind of hostile input (deep
nesting, entity tricks, tens of thousands of diagnostics, ...) against the < 1 s goal; then
lints about 1 MB message files of every kind (``.msg``, ``.msg.json``, ``.msg.yaml``: each
hostile markup in each, and hostile documents of their own) through ``lint_text`` and through
``lint`` plus the reporter of every output format, against the same goal.
``--only WORD`` keeps the cases whose name contains WORD. Each time is the best of 3 runs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

# Measure the checkout this file is in, whatever copy of msgkit is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lxml import etree

import msgkit
from msgkit import validate
from msgkit.model import escape_text

PROSE = (
    "please hold while we connect your call to the next available agent thank you for calling "
    "our office hours are monday to friday nine to six your order has been shipped press one "
    "for sales two for support or stay on the line this call may be recorded for quality and "
    "training purposes"
)
WORDS = PROSE.split()
HAN = "請稍等我們正在處理您的訂單多謝致電客戶服務熱線按一字查詢帳戶按二字轉接職員營業時間星期一至五"
NAMES = ("welcome", "hold-music", "menu_main", "closing", "promo-2024", "survey")
HOSTS = (
    "https://cdn.example.com/ivr/",
    "http://media.example.org/prompts/",
    "https://a.example/x/",
)

# Mistakes a hand-written msg really contains; each keeps the string in the 50-500 range.
MISTAKES = (
    lambda s: s.replace('language="zh-HK"', 'language="zh_HK"', 1),
    lambda s: s.replace('language="zh-HK"', 'language="zh-hk"', 1),
    lambda s: s.replace('gender="female"', 'gender="Female"', 1),
    lambda s: s + " Tom & Jerry",
    lambda s: s + " <speak>hello</speak>",
    lambda s: s + " <url>ftp://files.example.com/a.mp3</url>",
    lambda s: s + " <url>https://cdn.example.com/a.ogg</url>",
    lambda s: s + " 多謝",
    lambda s: s + ' <speech lang="en">bye</speech>',
    lambda s: s + " <speech>unclosed",
)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _segment(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.45:
        return _sentence(rng, 4, 14) + " "
    if kind < 0.75:
        gender = rng.choice(("female", "male"))
        text = "".join(rng.choices(HAN, k=rng.randint(4, 20))) + "。"
        return f'<speech language="zh-HK" gender="{gender}">{text}</speech>'
    if kind < 0.85:
        text = escape_text(_sentence(rng, 3, 8))
        return f'<speech language="en" gender="female">{text}</speech>'
    host = rng.choice(HOSTS)
    ext = rng.choice((".mp3", ".wav", ".gsm", ".MP3"))
    query = rng.choice(("", "", "?v=3", "?token=abc123#t"))
    return f"<url>{host}{rng.choice(NAMES)}{ext}{query}</url>"


def generate(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        target = rng.randint(50, 500)
        msg = ""
        while len(msg) < target:
            piece = _segment(rng)
            if len(msg) + len(piece) > 500:
                break
            msg += piece
        if rng.random() < 0.2:
            msg = rng.choice(MISTAKES)(msg)
        if 50 <= len(msg) <= 520:
            out.append(msg)
    return out


def run_validate(messages: list[str]) -> float:
    start = time.perf_counter()
    for msg in messages:
        validate(msg)
    return time.perf_counter() - start


def run_bare(messages: list[str]) -> float:
    fromstring = etree.fromstring
    syntax_error = etree.XMLSyntaxError
    start = time.perf_counter()
    for msg in messages:
        try:  # noqa: SIM105 (a context manager would slow the baseline down)
            fromstring("<msg>" + msg + "</msg>")
        except syntax_error:
            pass
    return time.perf_counter() - start


MB = 1_000_000
HOSTILE_SIZED: dict[str, Callable[[int], str]] = {
    "100,000-deep <speech>": lambda n: (
        "<speech>" * (100_000 * n // MB) + "x" + "</speech>" * (100_000 * n // MB)
    ),
    "100,000-deep unknown": lambda n: "<a>" * (100_000 * n // MB) + "</a>" * (100_000 * n // MB),
    "billion laughs": lambda n: (
        '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY a{i} "{("&a;" if i == 0 else f"&a{i - 1};") * 10}">' for i in range(9))
        + "]><speech>&a8;</speech>"
    ),
    "text": lambda n: "hello world " * (n // 12),
    "stray '<'": lambda n: "<" * n,
    "stray '&'": lambda n: "a & b " * (n // 6),
    "R&&D": lambda n: "R&&D " * (n // 5),
    "newlines, then an error": lambda n: "\n" * n + "&",
    "CR only, then an error": lambda n: "\r" * n + "&",
    "valid speech": lambda n: '<speech language="zh-HK">你好</speech>' * (n // 36),
    "unknown attributes": lambda n: '<speech bad="1">x</speech>' * (n // 26),
    "80,000 attributes, one tag": lambda n: (
        "<speech " + " ".join(f'a{i}="1"' for i in range(80_000 * n // MB)) + ">x</speech>"
    ),
    "unknown elements": lambda n: "<speak>x</speak>" * (n // 16),
    "malformed languages": lambda n: '<speech language="xx_YY">x</speech>' * (n // 35),
    "bad genders": lambda n: '<speech gender="M">x</speech>' * (n // 29),
    "bad url schemes": lambda n: "<url>ftp://x/y.mp3</url>" * (n // 24),
    "distinct bad formats": lambda n: "".join(
        f"<url>http://x/{i}.ogg</url>" for i in range(n // 30)
    ),
    "Han after every element": lambda n: "<url>http://x/y.mp3</url>你" * (n // 26),
    "comments": lambda n: "<!--x-->" * (n // 8),
    "processing instructions": lambda n: "<?x y?>" * (n // 7),
    "nested": lambda n: "<speech><url>x</url></speech>" * (n // 29),
    "unknown entities": lambda n: "&foo;" * (n // 5),
    "character references": lambda n: "&#65;" * (n // 5),
    "one huge attribute": lambda n: '<speech language="' + "a" * n + '">x</speech>',
    "control characters": lambda n: "\x01" * n,
    "lone surrogates": lambda n: "\ud800" * n,
    "CDATA": lambda n: "<![CDATA[" + "x" * n + "]]>",
    "emoji": lambda n: "\U0001f600" * n,
}

# The same inputs at about 1 MB each, for validate().
HOSTILE = {name: (lambda make=make: make(MB)) for name, make in HOSTILE_SIZED.items()}


REPEAT = 3  # each time is the best of this many runs: load on the machine only ever adds


def _best(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def run_hostile(only: str | None = None) -> int:
    """Time validate() on each hostile input; the goal is < 1 s for each (about 1 MB)."""
    worst = 0.0
    for name, make in HOSTILE.items():
        if only and only not in name:
            continue
        markup = make()
        report = validate(markup)
        seconds = _best(partial(validate, markup))
        worst = max(worst, seconds)
        size = f"{len(markup):>9,} chars"
        print(f"{name:28} {size}  {seconds * 1000:8.1f} ms  {len(report):>6} diagnostics")
    print(f"slowest: {worst * 1000:.0f} ms (goal < 1000 ms)")
    return 0 if worst < 1.0 else 1


LIMIT = 1 << 20  # msgkit reads message files up to 1 MiB; a bigger one is refused unread


def _json_msg(markup: str) -> str:
    return json.dumps({"msg": markup}, ensure_ascii=False)


def _yaml_msg(markup: str) -> str:
    return "msg: " + json.dumps(markup, ensure_ascii=False) + "\n"  # YAML's double quotes


def _segments(n: int, item: str, before: str = "", after: str = "") -> str:
    """A JSON document whose segments list repeats ``item`` to about ``n`` characters."""
    count = max(1, (n - 20 - len(before) - len(after)) // (len(item) + 1))
    return before + '{"segments": [' + ",".join([item] * count) + "]" + after + "}"


def _yaml_keys(n: int, line: Callable[[int], str], head: str = "msg: hi\n") -> str:
    lines = [head]
    size = len(head)
    i = 0
    while size < n:
        lines.append(line(i))
        size += len(lines[-1])
        i += 1
    return "".join(lines)


# Hostile documents of their own, as functions of a size in characters: (kind, make).
DOCUMENTS: dict[str, tuple[str, Callable[[int], str]]] = {
    "invalid segments (not mappings)": ("json", lambda n: _segments(n, "1")),
    "invalid segments (unknown key)": ("json", lambda n: _segments(n, '{"bogus": 1}')),
    "invalid segments (distinct keys)": (
        "json",
        lambda n: '{"segments": [' + ",".join(f'{{"k{i}": 1}}' for i in range(n // 12)) + "]}",
    ),
    "invalid segments (wrong types)": (
        "json",
        lambda n: _segments(n, '{"say": 5, "language": 6, "gender": []}'),
    ),
    "segments with bad languages": (
        "json",
        lambda n: _segments(n, '{"say": "x", "language": "xx_YY", "gender": "M"}'),
    ),
    "segments with foreign script": ("json", lambda n: _segments(n, '{"text": "你好"}')),
    "segments with escapes": ("json", lambda n: _segments(n, '{"text": "a & b < c \\u00e9"}')),
    "access tokens in segments": (
        "json",
        lambda n: _segments(n, '{"play": "http://x/a.mp3?access_token=abc"}'),
    ),
    "unknown keys": (
        "json",
        lambda n: '{"msg": "hi", ' + ", ".join(f'"key{i}": 1' for i in range(n // 13)) + "}",
    ),
    "secret keys": (
        "json",
        lambda n: '{"msg": "hi", ' + ", ".join(f'"api_key_{i}": 1' for i in range(n // 17)) + "}",
    ),
    "duplicate keys": ("json", lambda n: '{"msg": "hi"' + ', "tag": "t"' * (n // 12) + "}"),
    "deep nesting": (
        "json",
        lambda n: '{"msg": "hi", "x": ' + "[" * (n // 2) + "]" * (n // 2) + "}",
    ),
    "many nestings under the limit": (
        "json",
        lambda n: '{"msg": "hi", "x": [' + ",".join(["[" * 900 + "]" * 900] * (n // 1801)) + "]}",
    ),
    "huge msg": ("json", lambda n: _json_msg("x" * (n - 12))),
    "huge escaped msg": ("json", lambda n: '{"msg": "' + "\\u00e9\\n" * (n // 8) + '"}'),
    "huge tag and notify_url": (
        "json",
        lambda n: json.dumps({"msg": "hi", "tag": "t" * (n // 2), "notify_url": "h" * (n // 2)}),
    ),
    "long number": ("json", lambda n: '{"msg": "hi", "tag": ' + "9" * (n - 30) + "}"),
    "YAML secret keys": ("yaml", lambda n: _yaml_keys(n, lambda i: f"api_key_{i}: x\n")),
    "YAML unknown keys": ("yaml", lambda n: _yaml_keys(n, lambda i: f"key{i}: x\n")),
    "YAML duplicate keys": ("yaml", lambda n: _yaml_keys(n, lambda i: "tag: t\n")),
    "YAML invalid segments": (
        "yaml",
        lambda n: _yaml_keys(n, lambda i: f"  - bogus{i}: 1\n", head="segments:\n"),
    ),
    "YAML segments with bad genders": (
        "yaml",
        lambda n: _yaml_keys(n, lambda i: "  - say: x\n    gender: M\n", head="segments:\n"),
    ),
    "YAML flow nesting": ("yaml", lambda n: "msg: " + "[" * (n // 2) + "]" * (n // 2) + "\n"),
    "YAML block nesting": (
        "yaml",
        lambda n: "".join(" " * i + f"k{i}:\n" for i in range(int((2 * n) ** 0.5) - 10)),
    ),
    "YAML aliases": (
        "yaml",
        lambda n: "msg: &a hi\n" + "".join(f"k{i}: *a\n" for i in range(n // 12)),
    ),
    "YAML literal markup lines": (
        "yaml",
        lambda n: "msg: |\n" + '  <speech bad="1">x & y</speech>\n' * (n // 35),
    ),
    "YAML ignore comments": (
        "yaml",
        lambda n: (
            "segments:\n"
            + "  - say: x  # msgkit: ignore[error_msg_invalid_gender]\n    gender: M\n" * (n // 70)
        ),
    ),
}


# Just under msgkit's limit of 20,000 keys and values per document (more are refused unread),
# with long names so that the file is still about 1 MB: what is left to describe one by one.
UNDER = 19_000


def _padded(n: int, count: int, overhead: int) -> int:
    return max(1, n // count - overhead)


DOCUMENTS.update(
    {
        "19,000 secret keys, long": (
            "json",
            lambda n: (
                '{"msg": "hi", '
                + ", ".join(
                    f'"api_key_{i}_{"x" * _padded(n, UNDER // 2, 20)}": 1'
                    for i in range(UNDER // 2)
                )
                + "}"
            ),
        ),
        "YAML 19,000 secret keys, long": (
            "yaml",
            lambda n: _yaml_keys(
                n, lambda i: f"api_key_{i}_{'x' * _padded(n, UNDER // 2, 18)}: 1\n"
            ),
        ),
        "unknown keys, long": (
            "json",
            lambda n: (
                '{"msg": "hi", '
                + ", ".join(
                    f'"key{i}_{"x" * _padded(n, UNDER // 2, 14)}": 1' for i in range(UNDER // 2)
                )
                + "}"
            ),
        ),
        "6,000 invalid segments, long keys": (
            "json",
            lambda n: (
                '{"segments": ['
                + ",".join(
                    f'{{"k{i}{"x" * _padded(n, UNDER // 3, 14)}": 1}}' for i in range(UNDER // 3)
                )
                + "]}"
            ),
        ),
        "YAML 6,000 invalid segments, long keys": (
            "yaml",
            lambda n: (
                "segments:\n"
                + "".join(
                    f"  - k{i}{'x' * _padded(n, UNDER // 3, 14)}: 1\n" for i in range(UNDER // 3)
                )
            ),
        ),
        "2,700 segments with bad languages, long": (
            "json",
            lambda n: _segments(
                n,
                '{"say": "' + "x" * _padded(n, UNDER // 7, 50) + '", "language": "xx_YY", '
                '"gender": "M"}',
            ),
        ),
        "YAML ignore comments, 3,800 segments": (
            "yaml",
            lambda n: (
                "segments:\n"
                + (
                    "  - say: "
                    + "x" * _padded(n, UNDER // 5, 75)
                    + "  # msgkit: ignore[error_msg_invalid_gender]\n    gender: M\n"
                )
                * (UNDER // 5)
            ),
        ),
    }
)


def _fit(make: Callable[[int], str], encode: Callable[[str], str]) -> str:
    """``encode(make(n))`` with ``n`` as large as fits in a message file (1 MiB, UTF-8)."""
    n = 1_000_000
    for _ in range(8):
        text = encode(make(n))
        size = len(text.encode("utf-8", "surrogatepass"))
        if size <= LIMIT:
            return text
        n = int(n * LIMIT / size * 0.98)
    return text


def hostile_files() -> list[tuple[str, str, str]]:
    """(name, kind, text) of every hostile message file: each markup in each kind, then the
    documents of their own."""
    files: list[tuple[str, str, str]] = []
    for name, make in HOSTILE_SIZED.items():
        files.append((name, "msg", _fit(make, lambda m: m)))
        files.append((name, "json", _fit(make, _json_msg)))
        files.append((name, "yaml", _fit(make, _yaml_msg)))
    for name, (kind, make) in DOCUMENTS.items():
        files.append((name, kind, _fit(make, lambda t: t)))
    return files


def _lint_as(path: str, fmt: str) -> None:
    """What ``msgkit lint --format FMT PATH`` does, less starting Python."""
    from msgkit.lint import lint
    from msgkit.reporters import FORMATS

    FORMATS[fmt](lint([path]), io.StringIO(), False, False)


def run_documents(only: str | None = None) -> int:
    """Lint each hostile file through lint_text, and through lint() and every reporter."""
    from msgkit.lint import lint, lint_text
    from msgkit.reporters import FORMATS

    suffix = {"msg": ".msg", "json": ".msg.json", "yaml": ".msg.yaml"}
    formats = list(FORMATS)
    print(
        f"{'file':40} {'kind':4} {'bytes':>9} {'lint_text':>9} "
        + " ".join(f"{f:>8}" for f in formats)
        + "  findings   (ms; lint + report, per format)"
    )
    worst = (0.0, "")
    with tempfile.TemporaryDirectory() as directory:
        for name, kind, text in hostile_files():
            if only and only not in name:
                continue
            path = os.path.join(directory, "hostile" + suffix[kind])
            data = text.encode("utf-8", "surrogatepass")
            with open(path, "wb") as handle:
                handle.write(data)
            times = [_best(partial(lint_text, text, kind))]
            times += [_best(partial(_lint_as, path, fmt)) for fmt in formats]
            findings = len(lint([path]).findings)
            slowest = max(times)
            if slowest > worst[0]:
                worst = (slowest, f"{name} ({kind})")
            print(
                f"{name[:40]:40} {kind:4} {len(data):>9,} "
                + " ".join(f"{t * 1000:8.0f}" for t in times)
                + f"  {findings:>8}",
                flush=True,
            )
    print(f"slowest: {worst[0] * 1000:.0f} ms, {worst[1]} (goal < 1000 ms)")
    return 0 if worst[0] < 1.0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--profile", action="store_true", help="cProfile one validate loop")
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="time validate() on 1 MB hostile strings, then lint 1 MB hostile files, instead",
    )
    parser.add_argument("--only", help="with --hostile: only the cases whose name has this")
    args = parser.parse_args(argv)
    if args.hostile:
        failed = run_hostile(args.only)
        print()
        return run_documents(args.only) or failed

    messages = generate(args.count, args.seed)
    lengths = [len(m) for m in messages]
    codes: Counter[str] = Counter()
    for msg in messages:
        codes.update(validate(msg).codes)
    clean = sum(1 for m in messages if validate(m).ok)
    print(f"msgkit from {Path(msgkit.__file__).parent}")
    print(
        f"{len(messages)} messages, length {min(lengths)}-{max(lengths)} "
        f"(mean {statistics.mean(lengths):.0f}), {clean} without errors"
    )
    print("diagnostics:", ", ".join(f"{c}={n}" for c, n in codes.most_common()))

    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        run_validate(messages)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        return 0

    run_validate(messages[:500])  # warm caches (schemas, compiled rules)
    run_bare(messages[:500])
    ratios: list[float] = []
    v_rates: list[float] = []
    b_rates: list[float] = []
    for round_ in range(args.rounds):
        # Alternate which loop goes first, so neither always runs on a warmer machine.
        if round_ % 2:
            b = run_bare(messages)
            v = run_validate(messages)
        else:
            v = run_validate(messages)
            b = run_bare(messages)
        v_rate, b_rate = len(messages) / v, len(messages) / b
        v_rates.append(v_rate)
        b_rates.append(b_rate)
        ratios.append(v_rate / b_rate)
        print(
            f"round {round_ + 1}: validate {v_rate:10,.0f} msgs/s   bare parse "
            f"{b_rate:10,.0f} msgs/s   ratio {v_rate / b_rate:.3f}"
        )
    ratio = statistics.median(ratios)
    print(
        f"median: validate {statistics.median(v_rates):,.0f} msgs/s, bare lxml parse "
        f"{statistics.median(b_rates):,.0f} msgs/s, ratio {ratio:.3f} (goal >= 0.3)"
    )
    return 0 if ratio >= 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
