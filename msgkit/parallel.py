"""Checking many files on every core: worker processes, results in the order of the files.

Workers get the paths and the :class:`~msgkit.lint.LintOptions` and send back each file's findings
with only what a reporter needs of its document (its kind and, when there are findings to show
in it, its text), never the parsed document; for a file with no findings, nothing at all. At
most a few chunks are in flight, so the memory a run takes does not grow with the number of
files, and the first results are reported while later files are still being checked.

Imported only by a run large enough to need it: ``concurrent.futures`` and ``multiprocessing``
cost a single-file run nothing.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from .documents import Document, Finding, Kind, kind_of
from .lint import Checked, LintOptions, check_target, slim

__all__ = ["AHEAD", "CHUNK", "available_cpus", "check_in_parallel"]

# Files per task: large enough that sending a task costs little next to checking its files,
# small enough that the first findings are reported early and all workers finish together.
CHUNK = 64
# Tasks in flight per worker: enough to keep every worker busy while the parent reports.
AHEAD = 4

_options = LintOptions()


def _start(options: LintOptions) -> None:
    global _options
    _options = options
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers just exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# What a worker sends back for one file: nothing when it has no findings (most files; sending
# less is most of what makes the workers worth starting), else its kind, text and findings,
# and the findings its comments suppressed.
_Result = tuple[Kind, str | None, tuple[Finding, ...], tuple[Finding, ...]] | None


def _check(targets: Sequence[str]) -> list[_Result]:
    results: list[_Result] = []
    for target in targets:
        checked = check_target(target, _options)
        if checked.findings or checked.suppressed:
            document = checked.document
            text = document.text if checked.findings else None
            results.append((document.kind, text, checked.findings, checked.suppressed))
        else:
            results.append(None)
    return results


def _checked(target: str, result: _Result) -> Checked:
    if result is None:
        return Checked(Document(target, kind_of(target, strict=False) or "msg"), ())
    kind, text, findings, suppressed = result
    return Checked(Document(target, kind, text), findings, suppressed)


def _context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe (Linux, no other thread), so workers start with msgkit loaded."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def check_in_parallel(targets: Sequence[str], options: LintOptions, jobs: int) -> Iterator[Checked]:
    """Check ``targets`` (files, not standard input) in ``jobs`` processes; yield in order."""
    if not targets:
        return
    # The first file is checked here, before the workers start: forked, they inherit what that
    # set up once per process (the rules of the config, compiled patterns, the plugin look-up).
    yield slim(check_target(targets[0], options))
    targets = targets[1:]
    # Forked workers share the parent's memory until they write to it, and a garbage collection
    # writes to every object it visits: frozen objects it leaves alone (as the gc docs advise).
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(jobs, _context(), initializer=_start, initargs=(options,))
    except (ImportError, OSError, NotImplementedError):  # no working semaphores (some sandboxes)
        gc.unfreeze()
        yield from (slim(check_target(t, options)) for t in targets)
        return
    pending: deque[tuple[Sequence[str], Future[list[_Result]]]] = deque()
    try:
        for start in range(0, len(targets), CHUNK):
            chunk = targets[start : start + CHUNK]
            pending.append((chunk, pool.submit(_check, chunk)))
            if len(pending) >= jobs * AHEAD:
                chunk, done = pending.popleft()
                yield from map(_checked, chunk, done.result())
        while pending:
            chunk, done = pending.popleft()
            yield from map(_checked, chunk, done.result())
    finally:
        # Also on an early stop (a closed pipe, Ctrl-C): drop what has not started.
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
