"""Fetching recordings for previews and estimates, as the online checks fetch them.

The same :class:`~msgkit.checks.fetch.Fetcher` (pinned, policy-checked addresses, no cookies,
bounded redirects), the same address policy, TLS settings, per-request timeout, run deadline
and concurrency, and the provider's size limit as the cap on what is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..checks.options import OnlineOptions
from ..schemas import limits

if TYPE_CHECKING:
    from ..checks.fetch import Fetcher

__all__ = ["Download", "download_all", "durations_online"]


@dataclass(frozen=True, slots=True)
class Download:
    """A recording's bytes (or its first bytes and ``size``), or why there are none."""

    url: str
    body: bytes = b""
    problem: str | None = None
    size: int | None = None


def download_all(urls: Sequence[str], options: OnlineOptions) -> dict[str, Download]:
    """Every URL's whole download (at most the provider's size limit), all at once."""
    cap = limits().audio_max_bytes

    async def whole(fetcher: Fetcher, url: str) -> Download:
        got = await fetcher.fetch("GET", url, cap=cap)
        if got.status != 200:
            problem = f"cannot be downloaded: HTTP {got.status} {got.reason}".rstrip()
            return Download(url, problem=problem)
        if not got.complete:
            return Download(url, problem=f"larger than the provider's limit of {cap // 10**6} MB")
        return Download(url, got.body, size=len(got.body))

    return _run_sync(urls, options, whole)


def durations_online(urls: Sequence[str], options: OnlineOptions) -> dict[str, float]:
    """The durations of recordings, from their headers: one ranged GET of their first
    :data:`~msgkit.previewer.headers.HEAD_BYTES` each. URLs whose header does not tell (or
    that cannot be fetched) are left out."""
    from ..checks.sniff import NeedMore, sniff
    from .headers import HEAD_BYTES, content_size, seconds_from_header

    async def head(fetcher: Fetcher, url: str) -> Download:
        got = await fetcher.fetch(
            "GET", url, headers={"Range": f"bytes=0-{HEAD_BYTES - 1}"}, cap=HEAD_BYTES
        )
        if got.status not in (200, 206):
            return Download(url, problem=f"HTTP {got.status}")
        return Download(url, got.body, size=content_size(got.status, dict(got.headers)))

    found: dict[str, float] = {}
    for url, got in _run_sync(urls, options, head).items():
        if got.problem is not None or got.size is None:
            continue
        facts = sniff(got.body, got.size)
        kind = facts.partial.format if isinstance(facts, NeedMore) else facts.format
        seconds = seconds_from_header(got.body, got.size, kind)
        if seconds is not None:
            found[url] = seconds
    return found


Job = Callable[["Fetcher", str], Awaitable[Download]]


def _run_sync(urls: Sequence[str], options: OnlineOptions, job: Job) -> dict[str, Download]:
    if not urls:
        return {}
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_run(urls, options, job))
    # Inside someone's event loop: asyncio.run would refuse, so use a loop in a worker thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _run(urls, options, job)).result()


async def _run(urls: Sequence[str], options: OnlineOptions, job: Job) -> dict[str, Download]:
    from ..checks.addresses import AddressPolicy
    from ..checks.fetch import Fetcher, FetchError
    from ..checks.notify import ssl_context

    policy = AddressPolicy(allow_private=options.allow_private, timeout=options.timeout)
    context = ssl_context(None if options.ca_file is None else str(options.ca_file))
    limit = asyncio.Semaphore(options.concurrency)
    found: dict[str, Download] = {}

    async def one(fetcher: Fetcher, url: str) -> None:
        async with limit:
            try:
                found[url] = await job(fetcher, url)
            except FetchError as error:
                found[url] = Download(url, problem=f"cannot be downloaded: {error.reason}")
            except Exception as error:  # a surprise costs this recording, not the preview
                found[url] = Download(url, problem=f"unexpected {type(error).__name__}: {error}")

    deadline = options.run_deadline(len(urls))
    async with Fetcher(
        policy, timeout=options.timeout, connections=options.concurrency, context=context
    ) as fetcher:
        tasks = [asyncio.ensure_future(one(fetcher, url)) for url in urls]
        _done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for url in urls:
        found.setdefault(url, Download(url, problem=f"the run's deadline of {deadline:g} s passed"))
    return found
