"""Fetching recordings for an online preview, as the online checks fetch them.

The same :class:`~msgkit.checks.fetch.Fetcher` (pinned, policy-checked addresses, no cookies,
bounded redirects), the same address policy, TLS settings, per-request timeout, run deadline
and concurrency, and the provider's size limit as the cap on what is read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from ..checks.options import OnlineOptions
from ..schemas import limits

__all__ = ["Download", "download_all"]


@dataclass(frozen=True, slots=True)
class Download:
    """A recording's bytes, or why there are none (``problem``)."""

    url: str
    body: bytes = b""
    problem: str | None = None


def download_all(urls: Sequence[str], options: OnlineOptions) -> dict[str, Download]:
    """Every URL's download, all at once under the options' limits."""
    if not urls:
        return {}
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_download_all(urls, options))
    # Inside someone's event loop: asyncio.run would refuse, so use a loop in a worker thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _download_all(urls, options)).result()


async def _download_all(urls: Sequence[str], options: OnlineOptions) -> dict[str, Download]:
    from ..checks.addresses import AddressPolicy
    from ..checks.fetch import Fetcher, FetchError
    from ..checks.notify import ssl_context

    cap = limits().audio_max_bytes
    policy = AddressPolicy(allow_private=options.allow_private, timeout=options.timeout)
    context = ssl_context(None if options.ca_file is None else str(options.ca_file))
    limit = asyncio.Semaphore(options.concurrency)
    found: dict[str, Download] = {}

    async def one(fetcher: Fetcher, url: str) -> None:
        async with limit:
            try:
                got = await fetcher.fetch("GET", url, cap=cap)
            except FetchError as error:
                found[url] = Download(url, problem=f"cannot be downloaded: {error.reason}")
                return
            except Exception as error:  # a surprise costs this recording, not the preview
                found[url] = Download(url, problem=f"unexpected {type(error).__name__}: {error}")
                return
        if got.status != 200:
            found[url] = Download(
                url, problem=f"cannot be downloaded: HTTP {got.status} {got.reason}".rstrip()
            )
        elif not got.complete:
            found[url] = Download(
                url, problem=f"larger than the provider's limit of {cap // 1_000_000} MB"
            )
        else:
            found[url] = Download(url, got.body)

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
