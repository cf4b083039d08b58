"""Many files: checked on every core in file order, streamed to the reporters, memory flat."""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import msgkit.parallel
import msgkit.streaming
from msgkit.cli import main
from msgkit.documents import Document
from msgkit.lint import Checked, LintOptions, lint
from msgkit.reporters import FORMATS, Tally, report
from msgkit.streaming import lint_stream

# One of each kind of outcome: clean, errors, warnings, fixable, unreadable, JSON and YAML.
SAMPLES = {
    "clean.msg": "Thank you for calling.\n",
    "amp.msg": "Sales & support\n",
    "lang.msg": '<speech language="fr">Merci</speech>\n',
    "case.msg": '<speech language="ZH-hk">您好</speech>\n',
    "doc.msg.json": '{\n  "msg": "Sales & support",\n  "tga": "x"\n}\n',
    "broken.msg.json": '{"msg": ',
    "seg.msg.yaml": "segments:\n  - say: hi\n    language: xx\n",
    "binary.msg": "\x00\x01",
}


def make_tree(root: Path, copies: int) -> list[str]:
    for i in range(copies):
        folder = root / f"d{i:03d}"
        folder.mkdir(parents=True)
        for name, text in SAMPLES.items():
            (folder / name).write_text(text, encoding="utf-8")
    return [str(root)]


def render(stream: Any, fmt: str) -> tuple[str, Tally]:
    out = io.StringIO()
    tally = report(stream, fmt, out)
    return out.getvalue(), tally


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several chunks, several in flight at once, even for a small tree.
    monkeypatch.setattr(msgkit.streaming, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(msgkit.parallel, "CHUNK", 3)
    monkeypatch.setattr(msgkit.parallel, "AHEAD", 2)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_parallel_streamed_and_whole_runs_report_alike(
    tmp_path: Path, fmt: str, small_chunks: None
) -> None:
    paths = make_tree(tmp_path, 6)
    options = LintOptions(respect_gitignore=False)
    whole, whole_tally = render(lint(paths, options), fmt)
    serial, serial_tally = render(lint_stream(paths, options, jobs=1).checked, fmt)
    parallel, parallel_tally = render(lint_stream(paths, options, jobs=2).checked, fmt)
    assert serial == whole
    assert parallel == whole
    assert serial_tally == parallel_tally == whole_tally
    assert whole_tally.files == 6 * len(SAMPLES)
    assert whole_tally.errors and whole_tally.warnings and whole_tally.fixable


def test_standard_input_keeps_its_place_among_the_files(tmp_path: Path, small_chunks: None) -> None:
    make_tree(tmp_path, 2)
    paths = [str(tmp_path / "d000"), "-", str(tmp_path / "d001")]
    options = LintOptions(respect_gitignore=False)

    def stdin() -> bytes:
        return b"Press 1 & hold\n"

    order = [c.path for c in lint_stream(paths, options, stdin=stdin, jobs=2).checked]
    assert order == [c.path for c in lint(paths, options, stdin=stdin).checked]
    assert order.index("<stdin>") == len(SAMPLES)


def _texts_alive() -> int:
    """Documents still holding the text of a file (whole documents, or kept for reporting)."""
    return sum(1 for o in gc.get_objects() if isinstance(o, Document) and o.text is not None)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("fmt", ["text", "sarif"])
def test_no_document_outlives_its_report(
    tmp_path: Path, fmt: str, jobs: int, small_chunks: None
) -> None:
    for i in range(300):
        (tmp_path / f"p{i:03d}.msg").write_text("Thank you & goodbye.\n" if i % 7 else "Hi.\n")
    gc.collect()
    before = _texts_alive()
    alive: list[int] = []

    def watched(stream: Iterator[Checked]) -> Iterator[Checked]:
        for index, checked in enumerate(stream):
            if index in (150, 299):
                gc.collect()
                alive.append(_texts_alive() - before)
            yield checked

    stream = lint_stream([str(tmp_path)], LintOptions(respect_gitignore=False), jobs=jobs).checked
    render(watched(stream), fmt)
    # The one being reported, and the one the generator is about to hand over: not 300.
    assert max(alive) <= 3, alive
    # Whereas lint() keeps them all, as its result promises.
    result = lint([str(tmp_path)], LintOptions(respect_gitignore=False))
    assert sum(1 for c in result.checked if c.document.text is not None) == 300


def test_only_a_few_chunks_are_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    submitted: list[int] = []

    class Counting(ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Any:
            submitted.append(1)
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(msgkit.parallel, "ProcessPoolExecutor", Counting)
    for i in range(200):
        (tmp_path / f"p{i:03d}.msg").write_text("Hi.\n")
    stream = lint_stream([str(tmp_path)], LintOptions(respect_gitignore=False), jobs=2).checked
    next(stream)
    next(stream)
    # A slow reader (a terminal, a pipe) holds back the workers instead of piling up results.
    assert len(submitted) == 2 * msgkit.parallel.AHEAD
    assert len(list(stream)) == 198
    assert len(submitted) == -(-199 // msgkit.parallel.CHUNK)


def test_stopping_early_stops_the_workers(tmp_path: Path, small_chunks: None) -> None:
    for i in range(100):
        (tmp_path / f"p{i:03d}.msg").write_text("Hi.\n")
    stream = lint_stream([str(tmp_path)], LintOptions(respect_gitignore=False), jobs=2).checked
    assert next(stream).path.endswith("p000.msg")
    next(stream)
    stream.close()  # as on a closed pipe or Ctrl-C
    assert multiprocessing.active_children() == []


def test_without_process_support_the_run_stays_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("this platform lacks a functioning sem_open implementation")

    monkeypatch.setattr(msgkit.parallel, "ProcessPoolExecutor", refuse)
    paths = make_tree(tmp_path, 2)
    options = LintOptions(respect_gitignore=False)
    assert render(lint_stream(paths, options, jobs=2).checked, "json") == render(
        lint(paths, options), "json"
    )


def test_the_command_line_checks_many_files_in_parallel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None
) -> None:
    calls: list[int] = []
    real = msgkit.parallel.check_in_parallel

    def counted(targets: Any, options: Any, jobs: int) -> Any:
        calls.append(jobs)
        return real(targets, options, jobs)

    monkeypatch.setattr(msgkit.parallel, "check_in_parallel", counted)
    make_tree(tmp_path, 3)
    runner = CliRunner()
    args = ["lint", "--no-respect-gitignore", "--format", "json", str(tmp_path)]
    parallel = runner.invoke(main, args, env={"MSGKIT_JOBS": "2"})
    serial = runner.invoke(main, args, env={"MSGKIT_JOBS": "1"})
    assert calls == [2]
    assert parallel.exit_code == serial.exit_code == 1
    assert parallel.output == serial.output
    bad = runner.invoke(main, args, env={"MSGKIT_JOBS": "all"})
    assert bad.exit_code == 2 and "MSGKIT_JOBS" in bad.output


COMMAND = [sys.executable, "-c", "from msgkit.cli import main; main()", "lint"]


def test_a_real_parallel_run_matches_a_serial_one(tmp_path: Path) -> None:
    # Above the real threshold, in a real process, with standard input in the middle.
    copies = -(-msgkit.streaming.PARALLEL_THRESHOLD // len(SAMPLES)) + 1
    make_tree(tmp_path, copies)
    outputs = []
    for jobs in ("1", "2"):
        env = {**os.environ, "MSGKIT_JOBS": jobs, "NO_COLOR": "1"}
        done = subprocess.run(
            [*COMMAND, "--no-respect-gitignore", "d000", "-", "."],
            cwd=tmp_path,
            input=b"Press 1 & hold\n",
            capture_output=True,
            env=env,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    text = outputs[0].decode()
    assert text.index("<stdin>:1:9:") < text.index("d001/")
    assert f"of {copies * len(SAMPLES) + 1} files." in text
