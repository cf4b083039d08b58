"""A corpus of audio files made by real encoders, and the verdicts the online checks must give.

Used by ``tests/test_audio_corpus.py`` and ``benchmarks/bench_audio_corpus.py``; no tests here.

Files are generated into a directory with sox, lame and ffmpeg (each sample is skipped when its
tool is not installed; ``.ci/run`` installs them), plus the crafted byte-level files kept in
``tests/fixtures/audio``. Each :class:`Sample` says what a right verdict is:

* ``kind`` ``"ok"``: a playable MP3, WAV or GSM file whose name has its extension; right when
  no ``error_msg_invalid_file_format`` and no ``warning_msg_audio_unverified`` is reported,
  and rate and channels are judged right (``warning_msg_audio_not_8khz_mono`` exactly when the
  file is not 8000 Hz mono, naming its rate);
* ``"wrong"``: another format (``expect`` is a key of :data:`WORDS`, what must name it), or
  a supported format under another extension (``expect`` is ``"extension"``): right when
  ``error_msg_invalid_file_format`` names it;
* ``"broken"``: a header that is cut off or malformed (ffprobe or sox refuse the file too):
  right when ``error_msg_invalid_file_format`` says the file is not playable.

The size verdict is right when ``error_msg_invalid_file_size`` is reported exactly for files
over 10,000,000 bytes and the size is never unknown (every server here declares it).
"""

# ruff: noqa: E501 (the tables below are data, one sample a line)
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from msgkit.diagnostics import Diagnostic

FIXTURES = Path(__file__).parent / "fixtures" / "audio"
LIMIT = 10_000_000
# What a message must say to name a format the provider does not play.
WORDS = {
    "mp2": "MP2",
    "mp1": "MP1",
    "aac": "AAC",
    "mp4": "MP4",
    "ogg": "Ogg",
    "flac": "FLAC",
    "aiff": "AIFF",
    "au": "AU audio",
    "wma": "WMA",
    "matroska": "WebM",
}


@dataclass(frozen=True)
class Sample:
    name: str  # the file name it is served under
    kind: str  # "ok", "wrong" or "broken"
    tool: str  # "sox", "lame", "ffmpeg" or "crafted"
    expect: str | None = None  # for "wrong": the format key, or "extension"
    rate: int | None = None  # for "ok": what the file is
    channels: int | None = None
    command: str | None = None
    # The header lies beyond the bytes read of a stream (1 MiB): where the server ignores
    # Range, the right verdict is warning_msg_audio_unverified.
    needs_range: bool = False


@dataclass(frozen=True)
class Verdicts:
    format: bool | None  # None: not applicable
    rate_channels: bool | None
    size: bool
    unverified: bool  # warning_msg_audio_unverified was reported (said so, did not pass)


# (name, kind, expect, rate, channels, command); "{out}" is the file, "{src8}" etc. inputs.
# fmt: off
_SOX = [
    ("sox_8k_mono_s16.wav", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -b 16 {out} synth 1 sine 440"),
    ("sox_44k_stereo_s16.wav", "ok", None, 44100, 2, "sox -n -r 44100 -c 2 -b 16 {out} synth 1 sine 440"),
    ("sox_16k_mono_s16.wav", "ok", None, 16000, 1, "sox -n -r 16000 -c 1 -b 16 {out} synth 1 sine 440"),
    ("sox_8k_mono_u8.wav", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -b 8 {out} synth 1 sine 440"),
    ("sox_8k_mono_ulaw.wav", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -e u-law {out} synth 1 sine 440"),
    ("sox_8k_mono_alaw.wav", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -e a-law {out} synth 1 sine 440"),
    ("sox_8k_mono_gsm_in_wav.wav", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -e gsm-full-rate {out} synth 1 sine 440"),
    ("sox_8k_mono_ima.wav", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -e ima-adpcm {out} synth 1 sine 440"),
    ("sox_22k_stereo_float.wav", "ok", None, 22050, 2, "sox -n -r 22050 -c 2 -e floating-point {out} synth 1 sine 440"),
    ("sox_8k_mono.gsm", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -t gsm {out} synth 1 sine 440"),
    ("sox_22k_mono.mp3", "ok", None, 22050, 1, "sox -n -r 22050 -c 1 -t mp3 {out} synth 1 sine 440"),
    ("sox_8k_mono.mp3", "ok", None, 8000, 1, "sox -n -r 8000 -c 1 -t mp3 {out} synth 1 sine 440"),
    ("sox_44k_stereo_12mb.wav", "ok", None, 44100, 2, "sox -n -r 44100 -c 2 -b 16 {out} synth 70 sine 440"),
    ("sox_flac.wav", "wrong", "flac", None, None, "sox -n -r 8000 -c 1 -t flac {out} synth 1 sine 440"),
    ("sox_aiff.wav", "wrong", "aiff", None, None, "sox -n -r 8000 -c 1 -t aiff {out} synth 1 sine 440"),
    ("sox_au.wav", "wrong", "au", None, None, "sox -n -r 8000 -c 1 -t au {out} synth 1 sine 440"),
]
_LAME = [
    ("lame_8k_mono_8kbps.mp3", "ok", None, 8000, 1, "lame --quiet -m m -b 8 --resample 8 {src8} {out}"),
    ("lame_44k_stereo_128.mp3", "ok", None, 44100, 2, "lame --quiet -b 128 {src44} {out}"),
    ("lame_22k_mono_vbr.mp3", "ok", None, 22050, 1, "lame --quiet -m m -V 5 --resample 22.05 {src44} {out}"),
    ("lame_16k_mono_notag.mp3", "ok", None, 16000, 1, "lame --quiet -t -m m --resample 16 {src44} {out}"),
    ("lame_8k_mono_id3v2.mp3", "ok", None, 8000, 1, "lame --quiet -m m -b 8 --resample 8 --add-id3v2 --tt Welcome --ta msgkit {src8} {out}"),
    ("lame_44k_stereo_cover700k.mp3", "ok", None, 44100, 2, "lame --quiet -b 128 --ti {cover700} {src44} {out}"),
    ("lame_8k_mono_cover1500k.mp3", "ok", None, 8000, 1, "lame --quiet -m m -b 8 --resample 8 --ti {cover1500} {src8} {out}"),
]
_FFMPEG = [
    ("ff_pcm_8k_mono.wav", "ok", None, 8000, 1, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 {out}"),
    ("ff_pcm_44k_stereo_meta.wav", "ok", None, 44100, 2, "ffmpeg {ff} -i {src44} -metadata title=Welcome {out}"),
    ("ff_bext_44k_stereo.wav", "ok", None, 44100, 2, "ffmpeg {ff} -i {src44} -write_bext 1 -metadata comment=x {out}"),
    ("ff_rf64_8k_mono.wav", "ok", None, 8000, 1, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -rf64 always {out}"),
    ("ff_pcm24_48k_mono.wav", "ok", None, 48000, 1, "ffmpeg {ff} -i {src44} -ar 48000 -ac 1 -c:a pcm_s24le {out}"),
    ("ff_mulaw_8k_mono.wav", "ok", None, 8000, 1, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -c:a pcm_mulaw {out}"),
    ("ff_gsm_ms_8k_mono.wav", "ok", None, 8000, 1, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -c:a libgsm_ms {out}"),
    ("ff_gsm_8k_mono.gsm", "ok", None, 8000, 1, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -c:a libgsm -f gsm {out}"),
    ("ff_mp3_8k_mono.mp3", "ok", None, 8000, 1, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -c:a libmp3lame -b:a 16k {out}"),
    ("ff_mp3_44k_stereo.mp3", "ok", None, 44100, 2, "ffmpeg {ff} -i {src44} -c:a libmp3lame {out}"),
    ("ff_mp3_44k_stereo_cover700k.mp3", "ok", None, 44100, 2, "ffmpeg {ff} -i {src44} -i {cover700} -map 0 -map 1 -c:a libmp3lame -c:v copy -id3v2_version 3 {out}"),
    ("ff_mp2_22k_mono.mp3", "wrong", "mp2", None, None, "ffmpeg {ff} -i {src44} -ar 22050 -ac 1 -c:a mp2 -f mp2 {out}"),
    ("ff_mp2_48k_stereo.mp3", "wrong", "mp2", None, None, "ffmpeg {ff} -i {src44} -ar 48000 -c:a mp2 -f mp2 {out}"),
    ("ff_aac_adts.mp3", "wrong", "aac", None, None, "ffmpeg {ff} -i {src44} -c:a aac -f adts {out}"),
    ("ff_m4a.mp3", "wrong", "mp4", None, None, "ffmpeg {ff} -i {src44} -c:a aac -f ipod {out}"),
    ("ff_ogg_vorbis.mp3", "wrong", "ogg", None, None, "ffmpeg {ff} -i {src44} -c:a libvorbis -f ogg {out}"),
    ("ff_ogg_opus.wav", "wrong", "ogg", None, None, "ffmpeg {ff} -i {src44} -c:a libopus -f ogg {out}"),
    ("ff_flac.mp3", "wrong", "flac", None, None, "ffmpeg {ff} -i {src44} -c:a flac -f flac {out}"),
    ("ff_aiff.wav", "wrong", "aiff", None, None, "ffmpeg {ff} -i {src44} -f aiff {out}"),
    ("ff_wma.mp3", "wrong", "wma", None, None, "ffmpeg {ff} -i {src44} -c:a wmav2 -f asf {out}"),
    ("ff_webm_opus.mp3", "wrong", "matroska", None, None, "ffmpeg {ff} -i {src44} -c:a libopus -f webm {out}"),
    ("ff_wav_named.mp3", "wrong", "extension", None, None, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -f wav {out}"),
    ("ff_mp3_named.wav", "wrong", "extension", None, None, "ffmpeg {ff} -i {src44} -c:a libmp3lame -f mp3 {out}"),
    ("ff_mp3_named.gsm", "wrong", "extension", None, None, "ffmpeg {ff} -i {src44} -ar 8000 -ac 1 -c:a libmp3lame -f mp3 {out}"),
]
# fmt: on
# The crafted files: what each is, and why it is what it is (see tests/fixtures/audio/README.md).
_CRAFTED = [
    ("truncated_fmt_30.wav", "broken", None, None, None),
    ("id3_696k_in_5000.mp3", "broken", None, None, None),
    ("odd_chunk_no_pad.wav", "broken", None, None, None),
    ("data_before_fmt.wav", "broken", None, None, None),
    ("fmt_12_bytes.wav", "broken", None, None, None),
    ("id3_then_no_audio.mp3", "broken", None, None, None),
    ("chunks_2x20k_before_fmt.wav", "ok", None, 44100, 2),
    ("mpeg1_layer1.mp3", "wrong", "mp1", None, None),
]


def available(tool: str) -> bool:
    return shutil.which(tool) is not None


def _run(command: str, values: dict[str, str]) -> None:
    quoted = {key: value if key == "ff" else shlex.quote(value) for key, value in values.items()}
    argv = shlex.split(command.format(**quoted))
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def _cover(path: Path, size: int) -> None:
    """A JPEG of noise of about ``size`` bytes (noise does not compress)."""
    side = int((size / 0.72) ** 0.5)
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
            "-i", f"nullsrc=s={side}x{side},geq=random(1)*255:128:128",
            "-frames:v", "1", "-q:v", "1", str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )  # fmt: skip


SAMPLES = [
    *(
        Sample(name, kind, "crafted", expect, rate, channels)
        for name, kind, expect, rate, channels in _CRAFTED
    ),
    *(
        Sample(name, kind, tool, expect, rate, channels, command, "cover1500" in command)
        for tool, table in (("sox", _SOX), ("lame", _LAME), ("ffmpeg", _FFMPEG))
        for name, kind, expect, rate, channels, command in table
    ),
]


def buildable(sample: Sample) -> bool:
    """Whether this machine has the tools ``sample`` is made with."""
    if sample.tool == "crafted":
        return True
    needed = {sample.tool, "sox"}  # sox makes the sources
    if "{cover" in (sample.command or ""):
        needed.add("ffmpeg")  # ffmpeg paints the cover art
    return all(available(tool) for tool in needed)


def build(directory: Path) -> tuple[list[Sample], dict[str, str]]:
    """Make the corpus in ``directory``: the samples made, and why each other one was not."""
    directory.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    skipped: dict[str, str] = {}
    for sample in SAMPLES:
        if sample.tool == "crafted":
            shutil.copyfile(FIXTURES / sample.name, directory / sample.name)
            samples.append(sample)
        elif not buildable(sample):
            skipped[sample.name] = f"made with {sample.tool} (and sox), not installed here"
    if not available("sox"):
        return samples, skipped
    values = {
        "src8": str(directory / "_src_8k_mono.wav"),
        "src44": str(directory / "_src_44k_stereo.wav"),
        "cover700": str(directory / "_cover700.jpg"),
        "cover1500": str(directory / "_cover1500.jpg"),
        "ff": "-hide_banner -loglevel error -y",
    }
    _run("sox -n -r 8000 -c 1 -b 16 {src8} synth 2 sine 440", {**values, "out": ""})
    _run("sox -n -r 44100 -c 2 -b 16 {src44} synth 2 sine 440", {**values, "out": ""})
    if available("ffmpeg"):
        _cover(Path(values["cover700"]), 700_000)
        _cover(Path(values["cover1500"]), 1_500_000)
    for sample in SAMPLES:
        if sample.command is None or not buildable(sample):
            continue
        try:
            _run(sample.command, {**values, "out": str(directory / sample.name)})
        except subprocess.CalledProcessError as error:
            # A build without an encoder (sox without its mp3 format, ffmpeg without libopus).
            why = error.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
            skipped[sample.name] = f"{sample.tool} could not make it here: {why[0]}"
            continue
        samples.append(sample)
    return samples, skipped


def probe(path: Path) -> tuple[int, int] | None:
    """``(rate, channels)`` of the first audio stream by ffprobe, the independent witness."""
    done = subprocess.run(
        [
            "ffprobe", "-v", "error", "-select_streams", "a:0",
            "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    fields = [field for field in done.stdout.strip().split(",") if field][:2]
    if done.returncode != 0 or len(fields) != 2:
        return None
    return int(fields[0]), int(fields[1])


def judge(sample: Sample, size: int, found: Sequence[Diagnostic], server: str) -> Verdicts:
    """How right the diagnostics of one sample are, as served by ``server``."""
    codes = [d.code for d in found]
    formats = [d for d in found if d.code == "error_msg_invalid_file_format"]
    unverified = "warning_msg_audio_unverified" in codes
    if sample.needs_range and server != "range":
        # Right is to say what could not be checked, and nothing else about the audio.
        said = unverified and not formats
        said = said and "warning_msg_audio_not_8khz_mono" not in codes
        return Verdicts(said, said, _size_right(size, codes), unverified)
    if sample.kind == "ok":
        format_right: bool | None = not formats and not unverified
    elif sample.kind == "broken":
        format_right = any("not a playable" in d.message for d in formats)
    elif sample.expect == "extension":
        format_right = any("wrong filename extension" in d.message for d in formats)
    else:
        word = WORDS[sample.expect or ""]
        format_right = any(word in d.message for d in formats)
    rate_right: bool | None = None
    if sample.kind == "ok":
        warned = [d for d in found if d.code == "warning_msg_audio_not_8khz_mono"]
        if (sample.rate, sample.channels) == (8000, 1):
            rate_right = not warned and not unverified
        else:
            word = {1: "mono", 2: "stereo"}[sample.channels or 1]
            rate_right = len(warned) == 1 and (
                f"{sample.rate} Hz" in warned[0].message and word in warned[0].message
            )
    return Verdicts(format_right, rate_right, _size_right(size, codes), unverified)


def _size_right(size: int, codes: Sequence[str]) -> bool:
    too_big = "error_msg_invalid_file_size" in codes
    return too_big == (size > LIMIT) and "warning_msg_audio_size_unknown" not in codes


# --- serving and checking ----------------------------------------------------------------------

SERVERS = ("range", "no-range", "http.server")


@contextmanager
def serve(directory: Path, server: str) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1; yields the base URL.

    ``"range"`` and ``"no-range"``: pytest-httpserver as a static file server (Last-Modified,
    304 for If-Modified-Since) that answers ranges with 206, or ignores them and sends 200 with
    the whole body. ``"http.server"``: ``python -m http.server`` as a subprocess (no Range
    support), as many people serve files in a hurry.
    """
    if server == "http.server":
        with _http_server_module(directory) as base:
            yield base
        return
    from pytest_httpserver import HTTPServer
    from test_online_support import file_handler
    from werkzeug import Request, Response

    def handler(request: Request) -> Response:
        path = directory / request.path.lstrip("/")
        if not path.is_file():
            return Response("not found", status=404)
        return file_handler(path.read_bytes(), ranges=server == "range")(request)

    running = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    running.expect_request(re.compile("/.*")).respond_with_handler(handler)
    running.start()
    try:
        yield f"http://127.0.0.1:{running.port}"
    finally:
        running.clear()
        running.stop()


@contextmanager
def _http_server_module(directory: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (...) ..."
        found = re.search(r"port (\d+)", line)
        if found is None:
            raise RuntimeError(f"python -m http.server did not start: {line!r}")
        yield f"http://127.0.0.1:{found.group(1)}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check(samples: Sequence[Sample], directory: Path, server: str) -> dict[str, Verdicts]:
    """Serve the corpus with ``server``, check every file online, judge each verdict."""
    from msgkit import OnlineOptions
    from msgkit.checks.online import check_urls

    options = OnlineOptions(allow_private=True, use_cache=False, timeout=20.0, concurrency=8)
    with serve(directory, server) as base:
        urls = {sample.name: f"{base}/{sample.name}" for sample in samples}
        results = check_urls([("msg", url) for url in urls.values()], options)
    return {
        sample.name: judge(
            sample,
            (directory / sample.name).stat().st_size,
            results[("msg", urls[sample.name])],
            server,
        )
        for sample in samples
    }
