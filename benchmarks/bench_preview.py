"""``msgkit preview`` speed, and the error of ``estimate_duration`` against espeak-ng.

Run on demand (never part of the test suite); needs espeak-ng and the preview extra::

    python benchmarks/bench_preview.py [--rounds 7] [--prompts 200] [--seed 2024]

1. Preview time: a 500-character msg (English text, a zh-HK ``<speech>``, a male ``<speech>``
   and an offline ``<url>``) rendered ``--rounds`` times, plain and with ``phone=True``;
   prints the median and the worst. Goal: under 1 s. Exit status 1 above it.
2. Estimate error: ``--prompts`` prompts per language (en, zh-HK), each one to six sentences
   drawn with a fixed seed from banks of IVR sentences; for each, espeak-ng's real duration
   (the samples it writes, before resampling) against ``estimate_duration``. Prints the mean
   and worst relative error, per language and overall; then again over prompts made only of
   the sentences the speaking rates in the schema were *not* fitted on (the second half of each
   bank: the rates were fitted, by least squares, on the first ten sentences of each).
"""

# ruff: noqa: RUF001  (Cantonese prompts are written with full-width punctuation)
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

# Measure the checkout this file is in, whatever copy of msgkit is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import msgkit
from msgkit import Message, Speech, Text
from msgkit.previewer import estimate_duration, preview
from msgkit.previewer.espeak import espeak_languages, find_espeak, synthesise
from msgkit.previewer.voices import choose_voice

ENGLISH = (
    "Thank you for calling.",
    "Your order has shipped and will arrive on Monday.",
    "Press one for sales, two for support, or stay on the line to speak to an operator.",
    "All our agents are busy. Please hold.",
    "Your account balance is forty two dollars and ten cents.",
    "Welcome to Acme Bank. For security, this call may be recorded.",
    "We are closed for the public holiday.",
    "Our office hours are nine to six, Monday to Friday.",
    "Goodbye.",
    "Please enter your six digit PIN followed by the hash key.",
    "Your appointment with Doctor Tan is confirmed for half past three on the twelfth of March.",
    "To hear these options again, press nine.",
    "Your call is important to us.",
    "Sorry, that is not a valid choice.",
    "Please say or enter your account number.",
    "If you know your party's extension, you may dial it at any time.",
    "Your parcel is out for delivery today between two and five in the afternoon.",
    "Thank you, your payment has been received.",
    "We could not verify your details, so we are transferring you to an agent.",
    "Please listen carefully, as our menu options have changed.",
)
CANTONESE = (
    "多謝你嘅來電。",
    "你嘅訂單已經寄出，預計星期一送到。",
    "請按一字查詢銷售，按二字聯絡客戶服務。",
    "所有職員正忙，請稍候。",
    "歡迎致電銀行，為保障你嘅安全，通話可能會被錄音。",
    "再見。",
    "你嘅戶口結餘係四十二蚊。",
    "請輸入你嘅六位數字密碼，然後按井字鍵。",
    "我哋嘅辦公時間係星期一至五，朝九晚六。",
    "你預約咗陳醫生，三月十二號下晝三點半。",
    "如果想再聽一次，請按九字。",
    "你嘅來電對我哋好重要。",
    "對唔住，你嘅選擇無效。",
    "請講出或者輸入你嘅戶口號碼。",
    "你嘅包裹今日下晝兩點至五點送到。",
    "多謝，我哋已經收到你嘅付款。",
    "請留心聆聽，我哋嘅選項已經更改。",
    "公眾假期期間，我哋暫停服務。",
)


def message_of_500() -> Message:
    """Exactly 500 characters of markup: text, zh-HK and male speech, one recording."""
    rng = random.Random(500)
    message = Message.of(msgkit.Audio("https://example.com/ivr/hold.mp3"))
    while True:
        bigger = message + Message.of(
            Text(rng.choice(ENGLISH) + " "),
            Speech(rng.choice(CANTONESE), language="zh-HK"),
            Speech(rng.choice(ENGLISH), gender="male"),
        )
        if len(bigger.render()) > 480:
            break
        message = bigger
    filler = " Thank you for waiting, please stay on the line." * 5
    return message + Text(filler[: 500 - len(message.render())])


def time_previews(rounds: int) -> bool:
    message = message_of_500()
    print(f"1. preview of a {len(message.render())}-character msg, {rounds} rounds")
    preview(message)  # warm up: imports, espeak-ng's voice list, disk caches
    ok = True
    for phone in (False, True):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            result = preview(message, phone=phone)
            times.append(time.perf_counter() - started)
        median, worst = statistics.median(times), max(times)
        print(
            f"   phone={phone!s:5}  median {median * 1000:6.0f} ms  worst {worst * 1000:6.0f} ms"
            f"  ({result.duration:.1f} s of audio, {len(result.segments)} segments)"
        )
        ok = ok and median < 1.0
    print(f"   goal: under 1 s: {'met' if ok else 'NOT MET'}")
    return ok


def prompts(bank: tuple[str, ...], count: int, rng: random.Random) -> list[str]:
    joiner = " " if bank is ENGLISH else ""
    return [joiner.join(rng.sample(bank, rng.randint(1, 6))) for _ in range(count)]


def measure_estimates(count: int, seed: int, *, held_out: bool) -> None:
    program = find_espeak()
    available = espeak_languages(program)
    rng = random.Random(seed)
    which = "held-out sentences only" if held_out else "all sentences"
    print(
        f"{3 if held_out else 2}. estimate_duration against espeak-ng, {count} prompts per "
        f"language, {which} "
        f"(seed {seed})"
    )
    everything: list[float] = []
    banks = (("en", ENGLISH), ("zh-HK", CANTONESE))
    for language, whole in banks:
        bank = whole[10:] if held_out else whole
        voice = choose_voice(language, None, available).voice
        errors = []
        lengths = []
        for text in prompts(bank, count, rng):
            said = synthesise(program, voice, text)
            real = len(said.pcm) / 2 / said.rate
            estimate = estimate_duration(Message.of(Speech(text, language=language)))
            errors.append(abs(estimate - real) / real)
            lengths.append(real)
        everything.extend(errors)
        print(
            f"   {language:5} ({voice}): mean error {statistics.mean(errors):6.1%}  "
            f"worst {max(errors):6.1%}  over prompts of {min(lengths):.1f}-{max(lengths):.1f} s"
        )
    print(f"   all:   mean error {statistics.mean(everything):6.1%}  worst {max(everything):6.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    print(f"msgkit from {Path(msgkit.__file__).parent}")
    ok = time_previews(args.rounds)
    measure_estimates(args.prompts, args.seed, held_out=False)
    measure_estimates(args.prompts, args.seed, held_out=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
