"""Linting many files as a stream: each file checked, reported and dropped in turn, on every
core when there are many, in the order :func:`msgkit.lint.collect` gives.

Above :mod:`msgkit.lint` (which checks one file, or keeps a whole run for the extra passes) and
beside :mod:`msgkit.parallel` (the worker processes), which it imports only for a large run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from .documents import Kind
from .lint import STDIN, Checked, LintOptions, check_target, collect_targets, slim

__all__ = ["PARALLEL_THRESHOLD", "LintStream", "lint_stream"]

# Below this many files a run stays in one process. Going parallel costs about 40-60 ms of CPU
# (importing the pool, starting workers) and 10-15% more per file (sending them the work), for
# files checked in about 0.1 ms each: with two idle cores that pays from about 700 files, but
# only from about 3,500 on a machine whose cores are busy with other work (benchmarks/README.md).
PARALLEL_THRESHOLD = 2000


class LintStream(NamedTuple):  # a named tuple: one dataclass fewer to build at start-up
    """A run in progress: ``checked`` yields the files one by one, checked as it is iterated,
    and ``empty`` are the paths given that yielded no message file."""

    checked: Iterator[Checked]
    empty: tuple[str, ...]


def _check_all(
    targets: Sequence[str],
    options: LintOptions,
    stdin: Callable[[], bytes] | None,
    stdin_kind: Kind | None,
    jobs: int,
) -> Iterator[Checked]:
    if jobs <= 1 or len(targets) < PARALLEL_THRESHOLD:
        # Each document is dropped once the caller moves on to the next: nothing to slim.
        for target in targets:
            yield check_target(target, options, stdin, stdin_kind)
        return
    from .parallel import check_in_parallel

    # Standard input is read here, in its place in the order; the files around it in workers.
    files: list[str] = []
    for target in targets:
        if target != STDIN:
            files.append(target)
            continue
        if files:
            yield from check_in_parallel(files, options, jobs)
            files = []
        yield slim(check_target(STDIN, options, stdin, stdin_kind))
    if files:
        yield from check_in_parallel(files, options, jobs)


def lint_stream(
    paths: Sequence[str],
    options: LintOptions | None = None,
    *,
    stdin: Callable[[], bytes] | None = None,
    stdin_kind: Kind | None = None,
    jobs: int | None = None,
) -> LintStream:
    """Lint files one by one, in the order of :func:`~msgkit.lint.collect`, each checked as it
    is taken.

    The files are collected by this call (so it raises
    :class:`~msgkit.lint.PathNotFoundError` and :class:`~msgkit.lint.NoMessageFilesError`,
    before anything is checked). With :data:`PARALLEL_THRESHOLD`
    files or more they are checked by ``jobs`` worker processes (default: every CPU this
    process may use), in the same order; each :class:`Checked` then carries only what
    reporting needs of its document (see :func:`~msgkit.lint.slim`). Nothing is kept from one
    file to the next, so memory stays flat; for every parsed document at once, and extra
    passes, use :func:`msgkit.lint.lint`.
    """
    options = options or LintOptions()
    targets, empty = collect_targets(paths, options)
    if jobs is None:
        jobs = 1
        if len(targets) >= PARALLEL_THRESHOLD:
            from .parallel import available_cpus

            jobs = available_cpus()
    return LintStream(_check_all(targets, options, stdin, stdin_kind, jobs), tuple(empty))
