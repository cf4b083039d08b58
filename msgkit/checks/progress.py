"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """``checking URLs [#########...........] 37/200``; silent when not on a TTY."""

    _WIDTH = 30

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        try:
            self.enabled = total > 1 and self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self._drawn = 0.0

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        # Redraw at most ten times a second: a terminal is slower than a warm cache.
        if self.enabled and (now - self._drawn >= 0.1 or self.done == self.total):
            self._drawn = now
            filled = self._WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (self._WIDTH - filled)
            self.stream.write(f"\rchecking URLs [{bar}] {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
