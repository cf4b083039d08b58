"""What every target shares: turning fuzzer bytes into text, and the invariants' failures."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class InvariantBroken(AssertionError):
    """A target's output broke one of its stated invariants (the fuzzer reports it as a crash)."""


class TimeBoundExceeded(AssertionError):
    """One input took longer than its target's bound for an input of its size."""


def text_of(data: bytes) -> str:
    """The fuzzer's bytes as text: UTF-8 where they are UTF-8, and every other byte a lone
    surrogate (as Python hands over an undecodable file name or command-line argument)."""
    return data.decode("utf-8", "surrogateescape")


class Reader:
    """Structured values read off the fuzzer's bytes, cheaply (a hypothesis strategy costs more
    than the reporters it feeds). When the bytes run out every read is zero or empty."""

    __slots__ = ("at", "data")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            return 0
        self.at += 1
        return self.data[self.at - 1]

    def number(self, below: int) -> int:
        """0 <= n < below (two bytes' worth)."""
        return ((self.byte() << 8) | self.byte()) % below

    def pick(self, choices: Sequence[T]) -> T:
        return choices[self.byte() % len(choices)]

    def raw(self, limit: int = 64) -> bytes:
        size = self.byte() % (limit + 1)
        self.at += size
        return self.data[self.at - size : self.at]

    def text(self, limit: int = 64) -> str:
        """Text of up to ``limit`` bytes: UTF-8 with lone surrogates for the other bytes, or
        (one time in four) any code points at all, lone surrogates included."""
        how = self.byte()
        raw = self.raw(limit)
        if how % 4 == 0:
            raw = raw[: len(raw) // 2 * 2]
            return raw.decode("utf-16-le", "surrogatepass")
        return raw.decode("utf-8", "surrogateescape")


def check(condition: object, what: str) -> None:
    if not condition:
        raise InvariantBroken(what)


@dataclass(frozen=True, slots=True)
class Target:
    """One fuzz target: ``run`` takes the fuzzer's bytes and raises only when an invariant
    breaks (an exception the entry point documents is caught inside ``run``).

    ``seconds + per_byte * len(data)`` is the CPU time one input may take: linear in its size,
    with a floor generous enough for a busy machine and the fuzzer's instrumentation.
    """

    name: str
    run: Callable[[bytes], None]
    summary: str
    dictionary: str | None = None
    max_len: int = 4096
    seconds: float = 0.25
    per_byte: float = 50e-6
    structured: bool = False  # a hypothesis strategy decodes the bytes

    def bound(self, size: int) -> float:
        return self.seconds + self.per_byte * size

    def bounded(self, data: bytes) -> None:
        """Run one input and hold it to the time bound (process CPU time, so other processes on
        a shared machine do not count)."""
        start = time.process_time()
        self.run(data)
        spent = time.process_time() - start
        if spent > self.bound(len(data)):
            raise TimeBoundExceeded(
                f"{self.name}: {len(data)} bytes took {spent:.3f} s of CPU, over the bound of "
                f"{self.bound(len(data)):.3f} s"
            )
