"""Which paths ``.gitignore`` files and ``exclude`` patterns leave out, as git reads them.

The matching itself is pathspec's :class:`~pathspec.GitIgnoreSpec` (negation, ``**`` anywhere,
directory-only patterns, anchoring, escapes), imported only when there is a pattern to match.
Each source of patterns is relative to its own directory; this module only layers the sources
the way git does: a ``.gitignore`` deeper in the tree overrides the ones above it, which
override ``.git/info/exclude``.

A walk asks about each entry of a directory it is not pruning, so a file below an ignored
directory is never reached, which is git's rule that such a file cannot be re-included.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = [
    "DEFAULT_EXCLUDE",
    "Layer",
    "Patterns",
    "ancestor_patterns",
    "ignored",
    "read_gitignore",
    "relative_prefix",
]

# Names never worth recursing into: version control, environments, caches. Plain names, so a
# set look-up gives the answer of the equivalent unanchored gitignore patterns.
DEFAULT_EXCLUDE = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)


@functools.cache
def _compile(lines: tuple[str, ...]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _any_kind(line: str) -> str:
    """A directory-only pattern (``build/``) as one that matches files too (``build``).

    A directory is asked about as a file path: :class:`~pathspec.GitIgnoreSpec` ranks a
    pattern that matches a path itself above one that matches a directory above it (as git
    does), but it counts the trailing ``/`` of a path as "a directory above". Asked that way,
    with the directory-only patterns widened, each pattern matches the directory itself.
    """
    stripped = line.rstrip(" ")
    if stripped.endswith("/") and not stripped.startswith("#"):
        return stripped[:-1]
    return line


class Patterns:
    """gitignore patterns from one source (a file, or ``exclude``), relative to ``base``."""

    __slots__ = ("_directories", "_files", "base", "lines")

    def __init__(self, base: Path, lines: Iterable[str]) -> None:
        self.base = base
        self.lines = tuple(lines)
        # Compiled on first use.
        self._files: GitIgnoreSpec | None = None
        self._directories: GitIgnoreSpec | None = None

    def verdict(self, relative: str, is_dir: bool) -> bool | None:
        """``True`` ignored, ``False`` re-included by a ``!`` pattern, ``None`` no pattern matches.

        ``relative`` is a ``/``-separated path relative to :attr:`base`. The directories above
        it must not be ignored (a walk does not enter those), as git never asks about a path
        below an ignored directory.
        """
        if is_dir:
            if self._directories is None:
                self._directories = _compile(tuple(_any_kind(line) for line in self.lines))
            return self._directories.check_file(relative).include
        if self._files is None:
            self._files = _compile(self.lines)
        return self._files.check_file(relative).include

    def uncovering(self, directory: str) -> Patterns:
        """These patterns without those that ignore ``directory`` (relative, ending in ``/``).

        A directory named on the command line is walked even when it is ignored itself, like a
        named file is linted; what lies inside it is judged by the other patterns.
        """
        if not directory:
            return self
        directory = directory.rstrip("/")
        if self.verdict(directory, True) is not True:
            return self
        kept = [
            line
            for line in self.lines
            if line.startswith("!") or Patterns(self.base, [line]).verdict(directory, True) is None
        ]
        return Patterns(self.base, kept)


# A source of patterns and the path of the directory being walked relative to its base
# ("" at the base itself, else ending in "/").
Layer = tuple[Patterns, str]


def ignored(layers: Sequence[Layer], name: str, is_dir: bool) -> bool:
    """Whether the deepest layer with a say ignores the entry ``name`` of the walked directory."""
    for patterns, prefix in reversed(layers):
        verdict = patterns.verdict(prefix + name, is_dir)
        if verdict is not None:
            return verdict
    return False


def _lines(file: Path) -> list[str] | None:
    try:
        return file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None


def read_gitignore(directory: Path) -> Patterns | None:
    """The ``.gitignore`` of ``directory``; ``None`` when it has none with a pattern in it."""
    lines = _lines(directory / ".gitignore")
    if not lines or all(not line.strip() or line.startswith("#") for line in lines):
        return None
    return Patterns(directory, lines)


def _git_dir(work_tree: Path) -> Path | None:
    """The directory holding ``info/exclude`` for a work tree (linked worktrees share it)."""
    dot_git = work_tree / ".git"
    if dot_git.is_dir():
        return dot_git
    text = _lines(dot_git)  # a linked worktree or submodule: "gitdir: PATH"
    if not text or not text[0].startswith("gitdir:"):
        return None
    git_dir = (work_tree / text[0].removeprefix("gitdir:").strip()).resolve()
    common = _lines(git_dir / "commondir")
    if common:
        return (git_dir / common[0].strip()).resolve()
    return git_dir


def ancestor_patterns(directory: Path) -> list[Layer]:
    """The layers that apply to ``directory`` (resolved) from above it, shallowest first.

    Inside a git work tree: ``.git/info/exclude``, then each ``.gitignore`` from the work
    tree's root down to the parent of ``directory``. Outside one: nothing, as for git.
    ``directory``'s own ``.gitignore`` is read by the walk.
    """
    chain = [directory, *directory.parents]
    root = next((d for d in chain if os.path.lexists(d / ".git")), None)
    if root is None:
        return []
    layers: list[Layer] = []
    git_dir = _git_dir(root)
    if git_dir is not None:
        lines = _lines(git_dir / "info" / "exclude")
        if lines:
            layers.append((Patterns(root, lines), relative_prefix(directory, root)))
    for parent in reversed(chain[1 : chain.index(root) + 1]):
        patterns = read_gitignore(parent)
        if patterns is not None:
            layers.append((patterns, relative_prefix(directory, parent)))
    return layers


def relative_prefix(directory: Path, base: Path) -> str:
    """``directory`` relative to ``base`` as a layer's prefix: ``""`` or ``"a/b/"``."""
    relative = directory.relative_to(base).as_posix()
    return "" if relative == "." else relative + "/"
