"""The persistent cache of online results: SQLite in the user cache directory.

Each checked URL keeps its validators (``ETag``, ``Last-Modified``), where its requests ended
up, when it was checked and what was found. Several msgkit processes may use one cache at once
(pre-commit runs hooks in parallel): the database is in WAL mode with a busy timeout, and every
write is one short transaction. A file that is not a msgkit cache, or is damaged, is rebuilt
with a warning; a row with a damaged field is a miss; nothing about the cache can make a check
fail.

The cache never goes through a symlink it did not make: SQLite follows a symlinked database
file and would turn whatever it points at into a database. When the file or one of its
``-wal``/``-shm``/``-journal`` companions is a symlink (or not a regular file), or the cache
directory is (for a relative ``cache_dir``, any directory on the way to it: a repository can
commit such a link), the run goes on without the cache, with one warning.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import stat
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, Severity

__all__ = ["FILE_NAME", "Cache", "CacheWarning", "Entry", "default_cache_dir"]

FILE_NAME = "online-checks.sqlite3"
_APPLICATION_ID = 0x6D73676B  # "msgk": marks the file as ours
_SCHEMA_VERSION = 1
_BUSY_MS = 10_000
_DAMAGED = ("not a database", "malformed")

# (kind, url, fingerprint): kind is "audio" or "notify"; the fingerprint covers the options and
# the msgkit version that shape a result, so a change of either never serves a stale answer.
Key = tuple[str, str, str]


class CacheWarning(UserWarning):
    """The cache could not be used as it was; the run goes on without it, or with a new one."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL's cached result."""

    checked_at: float
    diagnostics: tuple[Diagnostic, ...]
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None  # where the requests ended after redirects

    def fresh(self, ttl: float, now: float | None = None) -> bool:
        age = (time.time() if now is None else now) - self.checked_at
        return -_CLOCK_SKEW <= age < ttl


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("msgkit", appauthor=False))


def _dump(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps(
        [
            {
                "code": d.code,
                "severity": d.severity.value,
                "message": d.message,
                "hint": d.hint,
                "field": d.field,
            }
            for d in diagnostics
        ]
    )


class _Damaged(Exception):
    """A row whose fields are not what msgkit writes."""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Damaged(f"{type(value).__name__} where text belongs")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _load(text: object) -> tuple[Diagnostic, ...]:
    try:
        items = json.loads(_text(text))
    except (ValueError, RecursionError) as error:
        raise _Damaged("diagnostics that are not JSON") from error
    if not isinstance(items, list):
        raise _Damaged("diagnostics that are not a list")
    found = []
    for item in items:
        if not isinstance(item, dict):
            raise _Damaged("a diagnostic that is not an object")
        try:
            severity = Severity(_text(item.get("severity")))
        except ValueError as error:
            raise _Damaged("an unknown severity") from error
        found.append(
            Diagnostic(
                _text(item.get("code")),
                severity,
                _text(item.get("message")),
                hint=_optional_text(item.get("hint")),
                field=_text(item.get("field", "msg")),
            )
        )
    return tuple(found)


# A result stamped later than this much past now is not trusted: it would stay fresh forever.
_CLOCK_SKEW = 300.0


def _entry(row: tuple[object, ...], now: float) -> Entry:
    """An entry from a row, or :class:`_Damaged` when any field is not as msgkit writes it."""
    checked_at, etag, last_modified, final_url, diagnostics = row
    if isinstance(checked_at, bool) or not isinstance(checked_at, int | float):
        raise _Damaged(f"checked_at is {type(checked_at).__name__}")
    if not math.isfinite(checked_at) or checked_at > now + _CLOCK_SKEW:
        raise _Damaged(f"checked_at is {checked_at!r}")
    return Entry(
        float(checked_at),
        _load(diagnostics),
        _optional_text(etag),
        _optional_text(last_modified),
        _optional_text(final_url),
    )


_CREATE = """
CREATE TABLE IF NOT EXISTS results (
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    checked_at REAL NOT NULL,
    etag TEXT,
    last_modified TEXT,
    final_url TEXT,
    diagnostics TEXT NOT NULL,
    PRIMARY KEY (kind, url, fingerprint)
)
"""


class _NotOurs(Exception):
    pass


class Cache:
    """A handle on the cache file; use :meth:`open`, which never raises."""

    def __init__(self, path: Path, connection: sqlite3.Connection | None) -> None:
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, directory: str | os.PathLike[str] | None = None) -> Cache:
        """Open (creating, or rebuilding when damaged) the cache in ``directory``.

        When the directory cannot be written the cache is disabled with a warning.
        """
        given = Path(directory) if directory is not None else None
        folder = given if given is not None else default_cache_dir()
        path = folder / FILE_NAME
        # Relative: every part is the working directory's, which a repository controls.
        checked = given.parts if given is not None and not given.is_absolute() else None
        try:
            link = _link_in(folder, checked, path)
            if link is None:
                folder.mkdir(parents=True, exist_ok=True)
                link = _link_in(folder, checked, path)
            if link is not None:
                warnings.warn(
                    f"the online-check cache {path} is not used: {link}; running without it",
                    CacheWarning,
                    stacklevel=2,
                )
                return cls(path, None)
            return cls(path, _open(path))
        except (sqlite3.DatabaseError, _NotOurs) as error:
            warnings.warn(
                f"the online-check cache {path} is not a usable msgkit cache ({error}); "
                "rebuilding it",
                CacheWarning,
                stacklevel=2,
            )
        except OSError as error:
            warnings.warn(
                f"cannot use the online-check cache in {path.parent}: {error}; running without it",
                CacheWarning,
                stacklevel=2,
            )
            return cls(path, None)
        try:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return cls(path, _open(path))
        except (OSError, sqlite3.Error, _NotOurs) as error:
            warnings.warn(
                f"cannot rebuild the online-check cache {path}: {error}; running without it",
                CacheWarning,
                stacklevel=2,
            )
            return cls(path, None)

    @property
    def usable(self) -> bool:
        return self._db is not None

    def get_many(self, keys: Iterable[Key]) -> dict[Key, Entry]:
        """The cached entries among ``keys`` (fresh or not)."""
        found: dict[Key, Entry] = {}
        if self._db is None:
            return found
        now = time.time()
        try:
            for key in keys:
                row = self._db.execute(
                    "SELECT checked_at, etag, last_modified, final_url, diagnostics FROM results "
                    "WHERE kind = ? AND url = ? AND fingerprint = ?",
                    key,
                ).fetchone()
                if row is None:
                    continue
                try:
                    found[key] = _entry(tuple(row), now)
                except _Damaged:
                    continue  # a miss: the URL is checked again and its row rewritten
        except sqlite3.Error as error:
            self._fail("read", error)
            return {}
        return found

    def put_many(self, entries: Mapping[Key, Entry]) -> None:
        """Store ``entries`` in one short transaction."""
        if self._db is None or not entries:
            return
        rows = [
            (*key, e.checked_at, e.etag, e.last_modified, e.final_url, _dump(e.diagnostics))
            for key, e in entries.items()
        ]
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR REPLACE INTO results (kind, url, fingerprint, checked_at, etag, "
                    "last_modified, final_url, diagnostics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            self._fail("write", error)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _fail(self, what: str, error: Exception) -> None:
        warnings.warn(
            f"cannot {what} the online-check cache {self.path}: {error}; "
            "going on without it (it is rebuilt on the next run if damaged)",
            CacheWarning,
            stacklevel=3,
        )
        self.close()
        damaged = any(word in str(error) for word in _DAMAGED)
        if isinstance(error, sqlite3.DatabaseError) and damaged:
            # Drop the damaged file so the next run starts a fresh one.
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _link_in(folder: Path, relative: tuple[str, ...] | None, path: Path) -> str | None:
    """Why the cache at ``path`` in ``folder`` must not be opened: a symlink msgkit did not
    make on the way, or a file that is not a plain file of its own; ``None`` when all is well.

    Checked are the cache folder itself, every part of a relative ``relative`` folder, the
    file and its companions. The folders above an absolute cache folder are the user's own
    (a ``~/.cache`` linked to another disk is fine).
    """
    steps = [Path(*relative[: i + 1]) for i in range(len(relative))] if relative else [folder]
    for step in steps:
        try:
            if step.is_symlink():
                return f"{step} is a symbolic link"
        except OSError:
            return None  # unreadable: mkdir or sqlite will say so
    for suffix in ("", "-wal", "-shm", "-journal"):
        file = Path(f"{path}{suffix}")
        try:
            info = file.lstat()
        except FileNotFoundError:
            continue
        except OSError:
            return None
        if stat.S_ISLNK(info.st_mode):
            return f"{file} is a symbolic link"
        if not stat.S_ISREG(info.st_mode):
            return f"{file} is not a regular file"
        if info.st_nlink > 1:
            return f"{file} has other hard links"
    return None


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=_BUSY_MS / 1000, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        _prepare(db)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection) -> None:
    app, version = _ids(db)
    if app == _APPLICATION_ID and version == _SCHEMA_VERSION:
        return  # the common case: nothing to write, no lock taken
    if app not in (0, _APPLICATION_ID):
        raise _NotOurs(f"application id {app:#x} is not msgkit's")
    # A new file (or an older msgkit layout). BEGIN IMMEDIATE serialises two processes that
    # both found it empty; the second sees the first one's work and does nothing.
    db.execute("BEGIN IMMEDIATE")
    try:
        app, version = _ids(db)
        if app == 0:
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise _NotOurs("it holds tables of another program")
        if version != _SCHEMA_VERSION:
            db.execute("DROP TABLE IF EXISTS results")
            db.execute(_CREATE)
            db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    # WAL lets readers and the one writer work at once; switching needs no other connection
    # to be mid-transaction, so it is retried by the busy timeout like any write.
    db.execute("PRAGMA journal_mode = WAL")


def _ids(db: sqlite3.Connection) -> tuple[int, int]:
    app = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    return int(app), int(version)
