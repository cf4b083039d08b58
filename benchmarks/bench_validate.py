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
nesting, entity tricks, tens of thousands of diagnostics, ...) against the < 1 s goal.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import time
from collections import Counter
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
HOSTILE = {
    "100,000-deep <speech>": lambda: "<speech>" * 100_000 + "x" + "</speech>" * 100_000,
    "100,000-deep unknown": lambda: "<a>" * 100_000 + "</a>" * 100_000,
    "billion laughs": lambda: (
        '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY a{i} "{("&a;" if i == 0 else f"&a{i - 1};") * 10}">' for i in range(9))
        + "]><speech>&a8;</speech>"
    ),
    "text": lambda: "hello world " * (MB // 12),
    "stray '<'": lambda: "<" * MB,
    "newlines, then an error": lambda: "\n" * MB + "&",
    "CR only, then an error": lambda: "\r" * MB + "&",
    "valid speech": lambda: '<speech language="zh-HK">你好</speech>' * (MB // 36),
    "unknown attributes": lambda: '<speech bad="1">x</speech>' * (MB // 26),
    "80,000 attributes, one tag": lambda: (
        "<speech " + " ".join(f'a{i}="1"' for i in range(80_000)) + ">x</speech>"
    ),
    "unknown elements": lambda: "<speak>x</speak>" * (MB // 16),
    "malformed languages": lambda: '<speech language="xx_YY">x</speech>' * (MB // 35),
    "bad genders": lambda: '<speech gender="M">x</speech>' * (MB // 29),
    "bad url schemes": lambda: "<url>ftp://x/y.mp3</url>" * (MB // 24),
    "distinct bad formats": lambda: "".join(
        f"<url>http://x/{i}.ogg</url>" for i in range(MB // 30)
    ),
    "Han after every element": lambda: "<url>http://x/y.mp3</url>你" * (MB // 26),
    "comments": lambda: "<!--x-->" * (MB // 8),
    "processing instructions": lambda: "<?x y?>" * (MB // 7),
    "nested": lambda: "<speech><url>x</url></speech>" * (MB // 29),
    "unknown entities": lambda: "&foo;" * (MB // 5),
    "control characters": lambda: "\x01" * MB,
    "lone surrogates": lambda: "\ud800" * MB,
    "CDATA": lambda: "<![CDATA[" + "x" * MB + "]]>",
    "emoji": lambda: "\U0001f600" * MB,
}


def run_hostile() -> int:
    """Time validate() on each hostile input; the goal is < 1 s for each (about 1 MB)."""
    worst = 0.0
    for name, make in HOSTILE.items():
        markup = make()
        start = time.perf_counter()
        report = validate(markup)
        seconds = time.perf_counter() - start
        worst = max(worst, seconds)
        size = f"{len(markup):>9,} chars"
        print(f"{name:28} {size}  {seconds * 1000:8.1f} ms  {len(report):>6} diagnostics")
    print(f"slowest: {worst * 1000:.0f} ms (goal < 1000 ms)")
    return 0 if worst < 1.0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--profile", action="store_true", help="cProfile one validate loop")
    parser.add_argument(
        "--hostile", action="store_true", help="time validate() on 1 MB hostile strings instead"
    )
    args = parser.parse_args(argv)
    if args.hostile:
        return run_hostile()

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
