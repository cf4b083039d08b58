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
from dataclasses import dataclass
from typing import Any

from .config import Config
from .documents import Document, Edit, read_text
from .lint import Checked, check_document

__all__ = ["FixOutcome", "apply_edits", "diff", "fix_document", "write"]

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


def fix_document(document: Document, config: Config) -> FixOutcome:
    """Apply every safe fix the checks offer, re-checking after each round."""
    current = document
    applied: list[Edit] = []
    checked = check_document(current, config)
    for _ in range(_MAX_ROUNDS):
        if current.text is None:
            break
        edits = _pick([f.edit for f in checked.findings if f.edit is not None])
        if not edits:
            break
        text = apply_edits(current.text, edits)
        after = read_text(text, current.kind, current.path, bom=current.bom)
        if not _verified(current, after, edits):
            break
        applied.extend(edits)
        current = after
        checked = check_document(current, config)
    return FixOutcome(document, current.text, tuple(applied), checked)


def write(path: str, outcome: FixOutcome) -> None:
    """Write the fixed text back in place, as UTF-8 (keeping a byte-order mark if it had one)."""
    assert outcome.text is not None
    path = os.path.realpath(path)  # rewrite a symlink's target, not the link
    data = outcome.text.encode("utf-8")
    if outcome.original.bom:
        data = b"\xef\xbb\xbf" + data
    temporary = f"{path}.msgkit-fix"
    with open(temporary, "wb") as handle:
        handle.write(data)
    with contextlib.suppress(OSError):
        os.chmod(temporary, os.stat(path).st_mode & 0o7777)
    os.replace(temporary, path)


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
