"""The durations of recordings met by online previews, kept for offline previews and estimates.

A small JSON file next to the online checks' cache: URL -> seconds. It is written whole to a
temporary file and renamed into place, so a reader never sees half of it, and it keeps the most
recent :data:`MAX_ENTRIES` URLs, so it stays small. Nothing about it can make a preview fail: a
file that cannot be read or written is simply not used.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["FILE_NAME", "MAX_ENTRIES", "known_durations", "remember_durations"]

FILE_NAME = "preview-durations.json"
MAX_ENTRIES = 4096
_MAX_BYTES = 4 * 1024 * 1024


def _path(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is None:
        from ..checks.cache import default_cache_dir

        return default_cache_dir() / FILE_NAME
    return Path(cache_dir) / FILE_NAME


def known_durations(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, float]:
    """Every remembered duration; an empty mapping when there is no usable file.

    Read again only when the file changes: lint asks once per file it checks.
    """
    path = _path(cache_dir)
    try:
        stat = path.stat()
    except OSError:
        return {}
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    global _last
    if _last is not None and _last[0] == key:
        return dict(_last[1])
    found = _read(path)
    _last = (key, found)
    return dict(found)


_last: tuple[tuple[str, int, int], dict[str, float]] | None = None


def _read(path: Path) -> dict[str, float]:
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_BYTES + 1)
    except OSError:
        return {}
    if len(data) > _MAX_BYTES:
        return {}
    try:
        loaded = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {
        url: float(seconds)
        for url, seconds in loaded.items()
        if isinstance(url, str)
        and isinstance(seconds, int | float)
        and not isinstance(seconds, bool)
        and math.isfinite(seconds)
        and seconds >= 0
    }


def remember_durations(
    found: Mapping[str, float], cache_dir: str | os.PathLike[str] | None = None
) -> None:
    """Add ``found`` (URL -> seconds) to the file, dropping the oldest beyond the limit."""
    if not found:
        return
    path = _path(cache_dir)
    merged = known_durations(cache_dir)
    for url in found:
        merged.pop(url, None)  # re-inserted last: the newest stay when the file is trimmed
    merged.update({url: round(float(s), 3) for url, s in found.items()})
    kept = dict(list(merged.items())[-MAX_ENTRIES:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".preview-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(kept, file)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return
