"""The options a client may send in ``initializationOptions``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..checks.options import OnlineOptions

__all__ = ["ServerOptions"]


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """What the client may set in ``initializationOptions``.

    ``online`` runs the online checks (off by default: they fetch every URL), with
    ``allowPrivate``, ``timeout`` and ``cacheDir`` as ``msgkit lint --online`` takes them.
    ``debounce`` is how long a change waits for the next one before it is checked (seconds).
    """

    online: bool = False
    allow_private: bool = False
    timeout: float = 10.0
    cache_dir: str | None = None
    debounce: float = 0.015
    online_debounce: float = 0.5

    @classmethod
    def parse(cls, raw: Any) -> tuple[ServerOptions, list[str]]:
        """The options in ``raw``, and a complaint for each one that is not what it must be."""
        if raw is None:
            return cls(), []
        if not isinstance(raw, dict):
            return cls(), ["initializationOptions must be an object"]
        values: dict[str, Any] = {}
        problems: list[str] = []
        spec: dict[str, tuple[str, type | tuple[type, ...]]] = {
            "online": ("online", bool),
            "allowPrivate": ("allow_private", bool),
            "timeout": ("timeout", (int, float)),
            "cacheDir": ("cache_dir", str),
            "debounce": ("debounce", (int, float)),
        }
        for key, value in raw.items():
            if key not in spec:
                problems.append(f"unknown initialization option {key!r}")
                continue
            name, kind = spec[key]
            if not isinstance(value, kind) or (
                kind == (int, float) and not _seconds(value, positive=name == "timeout")
            ):
                problems.append(f"initialization option {key!r} cannot be {value!r}")
                continue
            values[name] = value
        return cls(**values), problems

    def online_options(self) -> OnlineOptions:
        from ..checks.options import OnlineOptions

        return OnlineOptions(
            timeout=self.timeout, allow_private=self.allow_private, cache_dir=self.cache_dir
        )


def _seconds(value: Any, *, positive: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    return value > 0 if positive else value >= 0
