"""Count the online checks' verdicts on a corpus of real-encoder audio files.

The corpus (``tests/audio_corpus.py``): files made by sox, lame and ffmpeg (MP3, WAV and GSM at
several rates and channel counts, with ID3v2 tags and 700 KB / 1.5 MB cover art, WAV metadata
chunks, RF64; and the formats the provider does not play: MP2, AAC in ADTS, M4A, Ogg Vorbis and
Opus, FLAC, AIFF, AU, WMA, WebM, files under the wrong extension, a file over 10 MB), plus the
crafted byte-level files of ``tests/fixtures/audio`` (broken headers). Each is served from
127.0.0.1 three ways: pytest-httpserver answering ranges (206), pytest-httpserver ignoring them
(200 with the whole body), and ``python -m http.server`` (no Range support). Every URL goes
through ``check_urls`` and each verdict is judged (see the corpus module for what is right):

* format: the format is established and right, or the wrong/broken file is named as such;
* rate/channels: of the playable files, ``warning_msg_audio_not_8khz_mono`` exactly when the
  file is not 8000 Hz mono, with its rate;
* size: ``error_msg_invalid_file_size`` exactly for the file over 10,000,000 bytes.

A verdict that is not right is counted as *unverified* when msgkit said so
(``warning_msg_audio_unverified``) and as *wrong* otherwise (a silent pass or a false error).

    python benchmarks/bench_audio_corpus.py [--code DIR] [--keep DIR]

``--code DIR`` loads msgkit from another checkout (to count an older version's verdicts on the
same corpus). Needs sox, lame and ffmpeg for the full corpus; missing tools shrink it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout to load msgkit from")
    parser.add_argument("--keep", type=Path, default=None, help="build the corpus here, keep it")
    parser.add_argument("--verbose", action="store_true", help="list every verdict not right")
    args = parser.parse_args()
    sys.path[:0] = [str(args.code.resolve()), str(ROOT / "tests")]
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    import audio_corpus as corpus

    import msgkit

    print(f"msgkit from {Path(msgkit.__file__).parent}")
    missing = [tool for tool in ("sox", "lame", "ffmpeg") if not corpus.available(tool)]
    if missing:
        print(f"missing tools (their samples are left out): {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.keep or Path(scratch)
        started = time.perf_counter()
        samples, skipped = corpus.build(directory)
        print(f"corpus: {len(samples)} files, built in {time.perf_counter() - started:.1f} s")
        for name, why in skipped.items():
            print(f"    left out {name}: {why}")
        print()
        header = (
            f"{'server':<12} {'format':>16} {'rate/channels':>16} {'size':>12}  unverified  wrong"
        )
        print(header)
        print("-" * len(header))
        for server in corpus.SERVERS:
            started = time.perf_counter()
            verdicts = corpus.check(samples, directory, server)
            elapsed = time.perf_counter() - started
            counts = {}
            for what in ("format", "rate_channels", "size"):
                judged = [getattr(v, what) for v in verdicts.values()]
                judged = [j for j in judged if j is not None]
                counts[what] = f"{sum(judged)}/{len(judged)}"
            unverified = sum(1 for v in verdicts.values() if v.unverified)
            wrong = [
                name
                for name, v in verdicts.items()
                if not v.unverified
                and (v.format is False or v.rate_channels is False or not v.size)
            ]
            print(
                f"{server:<12} {counts['format']:>16} {counts['rate_channels']:>16} "
                f"{counts['size']:>12}  {unverified:>10}  {len(wrong):>5}   ({elapsed:.1f} s)"
            )
            if args.verbose:
                for name, v in verdicts.items():
                    if v.format is False or v.rate_channels is False or not v.size:
                        print(f"    {name}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
