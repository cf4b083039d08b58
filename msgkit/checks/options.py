"""Settings of the online checks.

Kept apart from the checks themselves so that ``import msgkit`` can re-export
:class:`OnlineOptions` without importing the HTTP client, asyncio or sqlite3.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

__all__ = ["OnlineOptions"]


@dataclass(frozen=True, slots=True)
class OnlineOptions:
    """How the online checks fetch, how long they may take, and where they cache.

    ``timeout`` bounds every single request (connect, send, receive, all of it), in seconds.
    ``concurrency`` is the number of URLs checked at once, across all files. ``allow_private``
    lets loopback and private addresses be fetched (test servers); by default they are
    reported as ``error_url_not_public`` and never contacted. ``cache_dir`` is where the
    results are kept (``None``: the user cache directory); ``use_cache=False`` neither reads
    nor writes it. Within ``ttl`` seconds a cached URL is not contacted at all. ``deadline``
    bounds the whole run (``None``: worked out from the number of URLs, see
    :meth:`run_deadline`). ``progress`` draws a progress bar on stderr when it is a terminal.
    ``ca_file`` replaces the system trust store with a PEM bundle (a private CA, or tests).
    """

    timeout: float = 10.0
    concurrency: int = 16
    allow_private: bool = False
    cache_dir: str | os.PathLike[str] | None = None
    use_cache: bool = True
    ttl: float = 3600.0
    deadline: float | None = None
    progress: bool = False
    ca_file: str | os.PathLike[str] | None = None

    def __post_init__(self) -> None:
        if not self.timeout > 0 or math.isinf(self.timeout):
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {self.concurrency}")
        if self.ttl < 0:
            raise ValueError(f"ttl must not be negative, not {self.ttl}")
        if self.deadline is not None and not (self.deadline > 0 and math.isfinite(self.deadline)):
            raise ValueError(f"deadline must be a positive number of seconds, not {self.deadline}")
        if not math.isfinite(self.ttl):
            raise ValueError(f"ttl must be a finite number of seconds, not {self.ttl}")
        if self.ca_file is not None:
            # Load it now: a wrong file is the caller's mistake, found before any request.
            import ssl

            try:
                ssl.create_default_context(cafile=os.fspath(self.ca_file))
            except OSError as error:  # ssl.SSLError is an OSError
                raise ValueError(
                    f"ca_file {os.fspath(self.ca_file)!r} is not a readable PEM bundle of CA "
                    f"certificates: {error.strerror or error}"
                ) from None

    def run_deadline(self, jobs: int) -> float:
        """The whole run's time limit for ``jobs`` URLs.

        Unless set, it allows every URL three full timeouts (a ranged GET, one more ranged GET
        to reach the audio header, a conditional HEAD) in ``concurrency``-wide waves, and never
        less than a minute: generous for slow servers, yet a run always ends.
        """
        if self.deadline is not None:
            return self.deadline
        waves = math.ceil(max(jobs, 1) / self.concurrency)
        return max(60.0, 3 * self.timeout * waves)
