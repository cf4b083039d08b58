"""Online checks: what only the network can tell about a msg's URLs.

Opt-in (``validate(..., online=True)``, ``msgkit lint --online``, ``msgkit check-url``). All
distinct URLs of a run are checked at once under one concurrency limit, each exactly once
however many files use it, and the results are cached on disk (see :mod:`.cache`). What is
sent per URL is described in :mod:`.audio` and :mod:`.notify`.

The entry points take *targets*, ``(field, url)`` pairs where field is ``"msg"`` (a
``<url>`` recording), ``"notify_url"`` or ``"monitor_notify_url"``, and return diagnostics
without positions; callers attach the position of each occurrence.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from .._version import __version__
from ..diagnostics import Diagnostic, Severity
from ..markup import scan
from ..schemas import limits
from .offline import url_problem
from .options import OnlineOptions
from .outcome import Outcome, finding
from .sniff import MAX_READS, READ_BUDGET, SNIFF_BYTES

if TYPE_CHECKING:
    from .cache import Entry

__all__ = [
    "FIELDS",
    "OnlineOptions",
    "Target",
    "check_markup_online",
    "check_urls",
    "check_urls_async",
    "lint_pass",
    "online_pass",
    "url_occurrences",
]

FIELDS = ("msg", "notify_url", "monitor_notify_url")

Target = tuple[str, str]  # (field, url)
Job = tuple[str, str]  # (kind, url): kind "audio" or "notify"; one check serves every field
K = TypeVar("K", bound=Hashable)


def _kind(field: str) -> str:
    if field not in FIELDS:
        raise ValueError(f"unknown field {field!r}; expected one of {', '.join(FIELDS)}")
    return "audio" if field == "msg" else "notify"


def _passes_offline(field: str, url: str) -> bool:
    """Whether the offline checks accept ``url``; only such URLs are fetched."""
    lim = limits()
    if field == "msg":
        if url_problem(url, lim.audio_schemes) is not None:
            return False
        return urlsplit(url).path.lower().endswith(lim.audio_extensions)
    return len(url) <= lim.notify_url_length and url_problem(url, ("http", "https")) is None


def _for_field(diagnostics: Iterable[Diagnostic], field: str) -> list[Diagnostic]:
    """A notify result is made for notify_url; the provider names some codes per field."""
    if field in ("msg", "notify_url"):
        return list(diagnostics)
    out = []
    for d in diagnostics:
        code = d.code
        message = d.message.replace("notify_url", field, 1)
        if code == "error_unable_to_resolve_notify_url":
            code = "error_unable_to_resolve_monitor_notify_url"
        # The provider has no monitor_notify_url variant of the TLS status; its one SSL code
        # names notify_url and is kept for both fields.
        out.append(dataclasses.replace(d, code=code, message=message, field=field))
    return out


def check_urls(
    targets: Iterable[Target], options: OnlineOptions | None = None
) -> dict[Target, list[Diagnostic]]:
    """Check every distinct target once, concurrently; diagnostics per target.

    Targets that fail the offline URL checks are not fetched (their diagnostics come from
    the offline checks) and map to ``[]``. Never raises for a URL's sake: unreachable, slow
    or hostile servers become diagnostics. May be called from inside a running event loop
    (it then runs in a worker thread); async code can await :func:`check_urls_async`.
    """
    options = options or OnlineOptions()
    wanted = list(dict.fromkeys(targets))
    jobs = _jobs(wanted)
    results = _run_jobs(jobs, options)
    return {t: _for_field(results.get((_kind(t[0]), t[1]), ()), t[0]) for t in wanted}


async def check_urls_async(
    targets: Iterable[Target], options: OnlineOptions | None = None
) -> dict[Target, list[Diagnostic]]:
    """:func:`check_urls` for callers already inside an event loop."""
    options = options or OnlineOptions()
    wanted = list(dict.fromkeys(targets))
    jobs = _jobs(wanted)
    loop = asyncio.get_running_loop()
    results = await loop.run_in_executor(None, _run_jobs, jobs, options)
    return {t: _for_field(results.get((_kind(t[0]), t[1]), ()), t[0]) for t in wanted}


def online_pass(
    items: Iterable[tuple[K, str, str]], options: OnlineOptions | None = None
) -> dict[K, list[Diagnostic]]:
    """The online checks for a whole lint run: ``(key, field, url)`` for every occurrence.

    ``key`` is the caller's (a file and an offset, say). Each distinct ``(field, url)`` is
    checked once; every key gets the diagnostics of each of its targets, without positions.
    Keys whose URLs are all fine are absent.
    """
    occurrences = list(items)
    results = check_urls(((f, u) for _, f, u in occurrences), options)
    out: dict[K, list[Diagnostic]] = {}
    for key, field, url in occurrences:
        found = results.get((field, url))
        if found:
            out.setdefault(key, []).extend(found)
    return out


def url_occurrences(markup: str) -> list[tuple[str, int, int, int]]:
    """``(url, offset, line, column)`` of every ``<url>`` in ``markup`` (none if it is broken)."""
    result = scan(markup)
    if result.problems:
        return []
    found = []
    for raw in result.segments:
        if raw.kind == "url":
            offset = result.locator.element(raw.element)
            line, column = result.locator.position(offset)
            found.append((raw.text, offset, line, column))
    return found


def check_markup_online(
    markup: str,
    *,
    notify_url: str | None = None,
    monitor_notify_url: str | None = None,
    options: OnlineOptions | None = None,
) -> list[Diagnostic]:
    """The online diagnostics of one msg and its notify URLs, placed at each ``<url>``."""
    occurrences = url_occurrences(markup)
    targets: list[Target] = [("msg", url) for url, *_ in occurrences]
    if notify_url is not None:
        targets.append(("notify_url", notify_url))
    if monitor_notify_url is not None:
        targets.append(("monitor_notify_url", monitor_notify_url))
    if not targets:
        return []
    results = check_urls(targets, options)
    out: list[Diagnostic] = []
    for url, offset, line, column in occurrences:
        for d in results.get(("msg", url), ()):
            out.append(dataclasses.replace(d, line=line, column=column, offset=offset))
    for field in ("notify_url", "monitor_notify_url"):
        for target, found in results.items():
            if target[0] == field:
                out.extend(found)
    return out


class _Document(Protocol):
    @property
    def markup(self) -> str | None: ...
    @property
    def params(self) -> Mapping[str, str]: ...
    def locate(self, diagnostic: Diagnostic) -> Any: ...


class _Checked(Protocol):
    @property
    def document(self) -> _Document: ...


def lint_pass(
    options: OnlineOptions | None = None,
) -> Callable[[Sequence[_Checked], object], list[Any]]:
    """An extra pass for :func:`msgkit.lint.lint`: the online checks of every linted file.

    ``lint(paths, options, passes=[lint_pass(OnlineOptions(...))])``. It collects the
    ``<url>`` occurrences and notify URLs of all documents, checks each distinct one once, and
    returns findings placed by each document's ``locate``.
    """

    def run(checked: Sequence[_Checked], _lint_options: object) -> list[Any]:
        items: list[tuple[tuple[int, str, int | None], str, str]] = []
        for index, entry in enumerate(checked):
            document = entry.document
            if document.markup is not None:
                for url, at, _line, _column in url_occurrences(document.markup):
                    items.append(((index, "msg", at), "msg", url))
            for field in ("notify_url", "monitor_notify_url"):
                value = document.params.get(field)
                if value is not None:
                    items.append(((index, field, None), field, value))
        findings = []
        for (index, _field, where), found in online_pass(items, options).items():
            placed = checked[index].document
            for d in found:
                findings.append(placed.locate(dataclasses.replace(d, offset=where)))
        return findings

    return run


# --- the run ---------------------------------------------------------------------------------


def _jobs(targets: list[Target]) -> list[Job]:
    jobs: dict[Job, None] = {}
    for field, url in targets:
        kind = _kind(field)
        if _passes_offline(field, url):
            jobs[(kind, url)] = None
    return list(jobs)


def _fingerprint(options: OnlineOptions) -> str:
    """What shapes a result besides the URL: a change of any of it bypasses old entries."""
    lim = limits()
    data = [
        __version__,
        options.allow_private,
        None if options.ca_file is None else str(options.ca_file),
        lim.audio_max_bytes,
        lim.audio_sample_rate,
        lim.audio_channels,
        list(lim.audio_extensions),
        # How far a file is read decides what can be established about it.
        ["read", SNIFF_BYTES, MAX_READS, READ_BUDGET],
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16]


def _run_jobs(jobs: list[Job], options: OnlineOptions) -> dict[Job, tuple[Diagnostic, ...]]:
    if not jobs:
        return {}
    results: dict[Job, tuple[Diagnostic, ...]] = {}
    fingerprint = _fingerprint(options)
    cached: dict[tuple[str, str, str], Entry] = {}
    cache = None
    if options.use_cache:
        from .cache import Cache

        cache = Cache.open(options.cache_dir)
        cached = cache.get_many((kind, url, fingerprint) for kind, url in jobs)
    try:
        now = time.time()
        todo: list[Job] = []
        stale: dict[Job, Entry] = {}
        for job in jobs:
            entry = cached.get((job[0], job[1], fingerprint))
            if entry is not None and entry.fresh(options.ttl, now):
                results[job] = entry.diagnostics
                continue
            todo.append(job)
            if entry is not None and job[0] == "audio" and (entry.etag or entry.last_modified):
                stale[job] = entry
        if not todo:
            return results
        outcomes = _run_sync(todo, stale, options)
        from .cache import Entry as CacheEntry

        store = {}
        checked = time.time()
        for job, outcome in outcomes.items():
            results[job] = outcome.diagnostics
            if outcome.cacheable:
                store[(job[0], job[1], fingerprint)] = CacheEntry(
                    checked,
                    outcome.diagnostics,
                    outcome.etag,
                    outcome.last_modified,
                    outcome.final_url,
                )
        if cache is not None:
            cache.put_many(store)
        return results
    finally:
        if cache is not None:
            cache.close()


def _run_sync(
    todo: list[Job], stale: dict[Job, Entry], options: OnlineOptions
) -> dict[Job, Outcome]:
    try:
        asyncio.get_running_loop()
        inside_loop = True
    except RuntimeError:
        inside_loop = False
    if not inside_loop:
        # Not run inside the except block: every exception of the run would chain to it.
        return asyncio.run(_run(todo, stale, options))
    # Inside someone's event loop (a notebook, an async app): asyncio.run would refuse, so the
    # run gets a loop of its own in a worker thread.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _run(todo, stale, options)).result()


def _not_checked(job: Job, why: str) -> Outcome:
    field = "msg" if job[0] == "audio" else "notify_url"
    what = "<url>" if field == "msg" else "notify_url"
    return Outcome(
        (
            finding(
                "warning_url_not_checked",
                Severity.WARNING,
                f"{what} was not checked online: {why}",
                "run the online checks again; raise the deadline or lower the number of URLs "
                "if it keeps happening",
                field,
            ),
        ),
        cacheable=False,
    )


async def _run(
    todo: list[Job], stale: dict[Job, Entry], options: OnlineOptions
) -> dict[Job, Outcome]:
    from .addresses import AddressPolicy
    from .notify import probe_notify, ssl_context
    from .progress import Progress

    ca_file = None if options.ca_file is None else str(options.ca_file)
    context = ssl_context(ca_file)
    policy = AddressPolicy(allow_private=options.allow_private, timeout=options.timeout)
    limit = asyncio.Semaphore(options.concurrency)
    progress = Progress(len(todo)) if options.progress else None
    outcomes: dict[Job, Outcome] = {}
    fetcher = None
    if any(kind == "audio" for kind, _ in todo):
        from .audio import probe_audio, revalidate_audio
        from .fetch import Fetcher

        fetcher = Fetcher(
            policy, timeout=options.timeout, connections=options.concurrency, context=context
        )

    async def one(job: Job) -> None:
        kind, url = job
        async with limit:
            try:
                if kind == "notify":
                    outcome = await probe_notify(
                        policy, url, timeout=options.timeout, context=context
                    )
                else:
                    assert fetcher is not None
                    entry = stale.get(job)
                    if entry is not None and await revalidate_audio(
                        fetcher, entry.final_url or url, entry.etag, entry.last_modified
                    ):
                        outcome = Outcome(
                            entry.diagnostics,
                            cacheable=True,
                            etag=entry.etag,
                            last_modified=entry.last_modified,
                            final_url=entry.final_url,
                        )
                    else:
                        outcome = await probe_audio(fetcher, url)
            except Exception as error:  # a bug or a surprise must not cost the whole run
                outcome = _not_checked(job, f"unexpected {type(error).__name__}: {error}")
        outcomes[job] = outcome
        if progress is not None:
            progress.advance()

    deadline = options.run_deadline(len(todo))
    try:
        if fetcher is not None:
            await fetcher.__aenter__()
        tasks = [asyncio.ensure_future(one(job)) for job in todo]
        _done, pending = await asyncio.wait(tasks, timeout=deadline)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        if fetcher is not None:
            await fetcher.__aexit__(None, None, None)
        if progress is not None:
            progress.close()
    for job in todo:
        if job not in outcomes:
            outcomes[job] = _not_checked(job, f"the run's deadline of {deadline:g} s passed")
    return outcomes
