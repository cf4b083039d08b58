"""The real-encoder corpus, served from 127.0.0.1 with and without Range support.

Files are made by sox, lame and ffmpeg when they are installed (``.ci/run`` installs them; a
sample whose tool is missing is skipped, saying which), plus the crafted files of
``tests/fixtures/audio``. Every file must get the right verdict from every server: format,
rate and channels, size (see ``tests/audio_corpus.py``). ``benchmarks/bench_audio_corpus.py``
counts the same verdicts.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from audio_corpus import SAMPLES, SERVERS, Sample, Verdicts, available, build, check
from audio_corpus import probe as ffprobe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sample], dict[str, str]]:
    directory = tmp_path_factory.mktemp("corpus")
    samples, skipped = build(directory)
    return directory, samples, skipped


@pytest.fixture(scope="module")
def corpus(built: tuple[Path, list[Sample], dict[str, str]]) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def verdicts(built: tuple[Path, list[Sample], dict[str, str]]) -> dict[str, dict[str, Verdicts]]:
    directory, samples, _ = built
    return {server: check(samples, directory, server) for server in SERVERS}


@pytest.fixture
def need(built: tuple[Path, list[Sample], dict[str, str]]) -> Callable[[Sample], None]:
    def skip_unless_made(sample: Sample) -> None:
        why = built[2].get(sample.name)
        if why is not None:
            pytest.skip(f"{sample.name}: {why}")

    return skip_unless_made


def _name(sample: Sample) -> str:
    return sample.name


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("sample", SAMPLES, ids=_name)
def test_every_verdict_is_right(
    sample: Sample,
    server: str,
    verdicts: dict[str, dict[str, Verdicts]],
    need: Callable[[Sample], None],
) -> None:
    need(sample)
    verdict = verdicts[server][sample.name]
    assert verdict.format, verdict
    assert verdict.rate_channels is not False, verdict
    assert verdict.size, verdict
    # warning_msg_audio_unverified only where the header lies beyond what a stream allows.
    assert verdict.unverified == (sample.needs_range and server != "range"), verdict


_PLAYABLE = [s for s in SAMPLES if s.kind == "ok" and s.tool != "crafted"]
_BROKEN = [s for s in SAMPLES if s.kind == "broken"]


@pytest.mark.parametrize("sample", _PLAYABLE, ids=_name)
def test_the_corpus_truth_agrees_with_ffprobe(
    sample: Sample, corpus: Path, need: Callable[[Sample], None]
) -> None:
    """What the corpus says a file is, ffprobe says too: the verdicts are judged on facts."""
    need(sample)
    if not available("ffprobe"):
        pytest.skip("ffprobe (ffmpeg) is not installed")
    assert ffprobe(corpus / sample.name) == (sample.rate, sample.channels)


@pytest.mark.parametrize("sample", _BROKEN, ids=_name)
def test_the_broken_files_are_refused_by_sox_too(sample: Sample, corpus: Path) -> None:
    if not available("sox"):
        pytest.skip("sox is not installed")
    done = subprocess.run(
        ["sox", "--info", str(corpus / sample.name)], capture_output=True, timeout=60
    )
    assert done.returncode != 0


def test_the_corpus_covers_what_it_must() -> None:
    """Kept honest: the corpus holds every kind of case the checks are judged on."""
    kinds = {(s.kind, s.expect) for s in SAMPLES}
    for expect in ("mp2", "mp1", "aac", "mp4", "ogg", "flac", "aiff", "extension"):
        assert ("wrong", expect) in kinds
    assert len(_BROKEN) >= 5
    assert any(s.needs_range for s in SAMPLES)
    assert {s.tool for s in SAMPLES} == {"sox", "lame", "ffmpeg", "crafted"}
