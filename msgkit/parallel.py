"""Checking many files on every core: worker processes, results in the order of the files.

Workers get the paths and the :class:`~msgkit.config.Config` and send back each file's findings
with only what a reporter needs of its document (path, kind, and the text when there are
findings to show in it), never the parsed document. At most a few chunks are in flight, so the
memory a run takes does not grow with the number of files, and the first results are reported
while later files are still being checked.

Imported only by a run large enough to need it: ``concurrent.futures`` and ``multiprocessing``
cost a single-file run nothing.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from .config import Config
from .documents import Document
from .lint import Checked, check_document, read_target

__all__ = ["CHUNK", "check_in_parallel", "slim"]

# Files per task: large enough that sending a task costs little next to checking its files,
# small enough that the first findings are reported early and all workers finish together.
CHUNK = 64
# Tasks in flight per worker: enough to keep every worker busy while the parent reports.
AHEAD = 4

_config = Config()


def slim(checked: Checked) -> Checked:
    """``checked`` with only what reporting needs of its document: path, kind, and the text
    its findings point into (none when there are no findings)."""
    document = checked.document
    text = document.text if checked.findings else None
    return Checked(Document(document.path, document.kind, text), checked.findings)


def _start(config: Config) -> None:
    global _config
    _config = config
    # Ctrl-C reaches the whole process group: the parent stops the pool, workers just exit.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _check(targets: Sequence[str]) -> list[Checked]:
    return [slim(check_document(read_target(t), _config)) for t in targets]


def _context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe (Linux, no other thread), so workers start with msgkit loaded."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def check_in_parallel(targets: Sequence[str], config: Config, jobs: int) -> Iterator[Checked]:
    """Check ``targets`` (files, not standard input) in ``jobs`` processes; yield in order."""
    pool = ProcessPoolExecutor(jobs, _context(), initializer=_start, initargs=(config,))
    pending: deque[Future[list[Checked]]] = deque()
    try:
        for start in range(0, len(targets), CHUNK):
            pending.append(pool.submit(_check, targets[start : start + CHUNK]))
            if len(pending) >= jobs * AHEAD:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        # Also on an early stop (a closed pipe, Ctrl-C): drop what has not started.
        pool.shutdown(wait=True, cancel_futures=True)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
