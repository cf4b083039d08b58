"""Applying safe fixes to message files, and proving they changed nothing else.

A fix is written back only when the file can be rewritten exactly: the edit replaces the
characters of one string value, and reading the edited file again must give the same document
with only that value changed. Fixes are applied one per string per round and the file is checked
again, because the markup parser reports one syntax problem at a time.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Any

from .config import Config
from .documents import Document, Edit, read_text
from .errors import MsgkitError
from .lint import Checked, check_document

__all__ = [
    "FixOutcome",
    "UnsafeWriteError",
    "apply_edits",
    "diff",
    "fix_document",
    "target",
    "write",
]

_MAX_ROUNDS = 200


@dataclass(frozen=True, slots=True)
class FixOutcome:
    """The result of fixing one document: its new text, what was applied, what remains."""

    original: Document
    text: str | None
    applied: tuple[Edit, ...]
    checked: Checked

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original.text


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (later ones first, so offsets stay valid)."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def _pick(edits: list[Edit]) -> list[Edit]:
    """One edit per string value, none overlapping."""
    chosen: list[Edit] = []
    targets: set[tuple[Any, ...]] = set()
    for edit in sorted(edits, key=lambda e: e.start):
        if edit.target in targets or any(edit.start < c.end and c.start < edit.end for c in chosen):
            continue
        targets.add(edit.target)
        chosen.append(edit)
    return chosen


def _expected(document: Document, edits: list[Edit]) -> Any:
    if document.kind == "msg":
        return edits[0].value
    data = copy.deepcopy(document.data)
    for edit in edits:
        holder = data
        for step in edit.target[:-1]:
            holder = holder[step]
        holder[edit.target[-1]] = edit.value
    return data


def _verified(before: Document, after: Document, edits: list[Edit]) -> bool:
    if len(after.problems) > len(before.problems):
        return False
    if before.kind == "msg":
        return bool(after.markup == _expected(before, edits))
    return bool(after.data == _expected(before, edits))


def _applied(document: Document, edits: list[Edit]) -> Document | None:
    """``document`` with ``edits`` made, read again; ``None`` if that changed anything else."""
    assert document.text is not None
    text = apply_edits(document.text, edits)
    after = read_text(text, document.kind, document.path, bom=document.bom)
    return after if _verified(document, after, edits) else None


def fix_document(document: Document, config: Config) -> FixOutcome:
    """Apply every safe fix the checks offer, re-checking after each round.

    An edit that would change more than its value (in a YAML plain scalar, ``&`` starts an
    anchor) is refused and not offered again; the others still apply. Each round applies or
    refuses at least one edit, so fixing ends, and fixing what it left changes nothing.
    """
    current = document
    applied: list[Edit] = []
    refused: set[tuple[Any, ...]] = set()  # (target, value) of edits that did not verify
    checked = check_document(current, config)
    for _ in range(_MAX_ROUNDS):
        if current.text is None:
            break
        offered = [
            f.edit
            for f in checked.findings
            if f.edit is not None and (f.edit.target, f.edit.value) not in refused
        ]
        edits = _pick(offered)
        if not edits:
            break
        after = _applied(current, edits)
        if after is None:  # one of them changes more than it should: find which
            for edit in edits:
                after = _applied(current, [edit])
                if after is not None:
                    edits = [edit]
                    break
                refused.add((edit.target, edit.value))
            if after is None:
                continue
        applied.extend(edits)
        current = after
        checked = check_document(current, config)
    return FixOutcome(document, current.text, tuple(applied), checked)


class UnsafeWriteError(MsgkitError):
    """A fixed file msgkit will not write: a symlink (or a path through one) to a file outside
    the directory the lint was started for, or something that is not a regular file."""


def target(path: str, within: str | None = None) -> str:
    """The file that writing the fix of ``path`` replaces: ``path`` itself, or, for a symlink
    (or a path through a symlinked directory), its real path when that lies under ``within``
    (default: the current directory).

    Raises :class:`UnsafeWriteError` otherwise: a repository can commit a symlink to any file
    its user can write, and linting it must not edit that file.
    """
    real = os.path.realpath(path)
    if real != os.path.abspath(path):
        base = os.path.realpath(within if within is not None else os.curdir)
        if not _under(real, base):
            raise UnsafeWriteError(
                f"it is a symlink to {real}, outside {base}; msgkit does not write through "
                "symlinks to files outside the directory it lints"
            )
    try:
        info = os.lstat(real)
    except OSError as error:
        raise UnsafeWriteError(f"cannot write it: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeWriteError("it is not a regular file")
    return real


def _under(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # on different drives
        return False


def write(path: str, outcome: FixOutcome, *, within: str | None = None) -> None:
    """Write the fixed text back in place, as UTF-8 (keeping a byte-order mark if it had one).

    The text goes to a new file made exclusively next to the target (``tempfile.mkstemp``: it
    cannot be a symlink planted there), with the target's permission bits, which then replaces
    the target in one step (``os.replace`` replaces a directory entry; it follows no symlink).
    A symlinked file is written only as :func:`target` allows. Raises
    :class:`UnsafeWriteError` for a file it will not write, ``OSError`` for one it cannot.
    """
    assert outcome.text is not None
    real = target(path, within)
    data = outcome.text.encode("utf-8")
    if outcome.original.bom:
        data = b"\xef\xbb\xbf" + data
    mode = stat.S_IMODE(os.lstat(real).st_mode)
    directory, name = os.path.split(real)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".msgkit-fix", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), mode)
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(temporary, mode)
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def diff(outcome: FixOutcome) -> str:
    """A unified diff of the fix (empty when nothing changes)."""
    if not outcome.changed or outcome.original.text is None or outcome.text is None:
        return ""
    path = outcome.original.path
    lines = difflib.unified_diff(
        outcome.original.text.splitlines(keepends=True),
        outcome.text.splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
    )
    out = ""
    for line in lines:
        out += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return out
