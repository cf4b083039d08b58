"""The persistent cache of online results: SQLite in the user cache directory.

Each checked URL keeps its validators (``ETag``, ``Last-Modified``), where its requests ended
up, when it was checked and what was found. Several msgkit processes may use one cache at once
(pre-commit runs hooks in parallel): the database is in WAL mode with a busy timeout, and every
write is one short transaction. A file that is not a msgkit cache, or is damaged, is rebuilt
with a warning; nothing about the cache can make a check fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
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
        return ((time.time() if now is None else now) - self.checked_at) < ttl


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


def _load(text: str) -> tuple[Diagnostic, ...]:
    return tuple(
        Diagnostic(
            str(item["code"]),
            Severity(item["severity"]),
            str(item["message"]),
            hint=item.get("hint"),
            field=str(item.get("field", "msg")),
        )
        for item in json.loads(text)
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
        path = Path(directory) if directory is not None else default_cache_dir()
        path = path / FILE_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
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
        try:
            for key in keys:
                row = self._db.execute(
                    "SELECT checked_at, etag, last_modified, final_url, diagnostics FROM results "
                    "WHERE kind = ? AND url = ? AND fingerprint = ?",
                    key,
                ).fetchone()
                if row is not None:
                    found[key] = Entry(row[0], _load(row[4]), row[1], row[2], row[3])
        except (sqlite3.Error, ValueError, KeyError, TypeError) as error:
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
