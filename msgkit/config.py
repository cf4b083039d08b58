"""Validation settings."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Config"]


@dataclass(frozen=True, slots=True)
class Config:
    """What ``validate`` checks, and how strictly.

    ``max_msg_length``: ``None`` takes the schema's limit (500, the safe reading; the newer
    parameter table says 1000). ``languages`` extends the documented catalogue; with
    ``languages_only`` it *is* the list, and anything else is ``error_msg_invalid_language``.
    ``select`` and ``ignore`` are code prefixes. ``strict`` makes warnings count as errors.
    """

    max_msg_length: int | None = None
    languages: tuple[str, ...] = ()
    languages_only: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False

    def __post_init__(self) -> None:
        for name in ("languages", "select", "ignore"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(value))
        if self.max_msg_length is not None and self.max_msg_length < 0:
            raise ValueError("max_msg_length must not be negative")

    def wants(self, code: str) -> bool:
        """Whether diagnostics with ``code`` are reported under ``select`` / ``ignore``."""
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))
