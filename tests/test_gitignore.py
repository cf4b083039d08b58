"""``.gitignore`` and ``exclude`` as git reads them, checked against git itself on one tree."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from msgkit.lint import LintOptions, collect

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

# Patterns where a hand-written matcher goes wrong: negation (and re-inclusion that git refuses
# below an ignored directory), ** at the start, middle and end, directory-only patterns,
# anchoring by a leading or inner slash, escapes, character classes, trailing spaces.
ROOT_GITIGNORE = r"""
# a comment, and a blank line

*.tmp.msg
!keep.tmp.msg
build/
/anchored.msg
docs/**/draft.msg
**/generated
a/**/b/*.msg
!a/**/b/ok.msg
logs/*
!logs/important/
nested/**
!nested/keep/
dironly.msg/
sub/inner.msg
\#hash.msg
\!bang.msg
name[0-9].msg
?-one.msg
trailing.msg{TRAILING_SPACES}
space\ .msg
deep/**/x/
ignored-dir/
!ignored-dir/back.msg
*.msg.json
!config/*.msg.json
""".replace("{TRAILING_SPACES}", "   ")

FILES = [
    "plain.msg",
    "x.tmp.msg",
    "keep.tmp.msg",
    "build/a.msg",
    "src/build/b.msg",
    "src/build.msg",
    "anchored.msg",
    "src/anchored.msg",
    "docs/draft.msg",
    "docs/one/two/draft.msg",
    "docs/one/other.msg",
    "generated/g.msg",
    "src/generated/g.msg",
    "src/generated.msg/g.msg",
    "a/b/r.msg",
    "a/b/ok.msg",
    "a/x/y/b/q.msg",
    "a/x/y/b/ok.msg",
    "logs/top.msg",
    "logs/important/zz.msg",
    "logs/other/w.msg",
    "nested/n.msg",
    "nested/keep/k.msg",
    "nested/keep/deeper/k.msg",
    "dironly.msg/inside.msg",
    "src/dironly.msg",
    "sub/inner.msg",
    "other/sub/inner.msg",
    "#hash.msg",
    "!bang.msg",
    "name1.msg",
    "nameX.msg",
    "q-one.msg",
    "qq-one.msg",
    "trailing.msg",
    "space .msg",
    "deep/x/d.msg",
    "deep/m/n/x/d.msg",
    "deep/x.msg",
    "ignored-dir/back.msg",
    "ignored-dir/other.msg",
    "data.msg.json",
    "config/data.msg.json",
    "config/more/data.msg.json",
    "UPPER.MSG",
    "doc.msg.yaml",
    # a nested .gitignore: re-includes, anchors to its own directory, overrides the root
    "sub/y.tmp.msg",
    "sub/local.msg",
    "sub/only-here.msg",
    "sub/deeper/only-here.msg",
    "sub/deeper/local.msg",
    # a whitelist: ignore everything, then re-include directories and message files
    "white/w.msg",
    "white/w.txt.msg.bak",
    "white/d/w.msg",
    "white/d/skip.msg",
    # .git/info/exclude
    "info-excluded.msg",
    "src/info-excluded.msg",
]

NESTED = {
    "sub/.gitignore": "!*.tmp.msg\nlocal.msg\n/only-here.msg\n",
    "sub/deeper/.gitignore": "!local.msg\n",
    "white/.gitignore": "*\n!*/\n!*.msg\nd/skip.msg\n",
}


def _git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd),
        "XDG_CONFIG_HOME": str(cwd),
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git("init", "-q", ".", cwd=root)
    (root / ".gitignore").write_text(ROOT_GITIGNORE)
    for name, text in NESTED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("info-excluded.msg\n")
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("Hello.\n")
    return root


def _collected(root: Path, *paths: str, options: LintOptions | None = None) -> set[str]:
    cwd = Path.cwd()
    os.chdir(root)
    try:
        found = collect(list(paths) or ["."], options or LintOptions())
    finally:
        os.chdir(cwd)
    return {Path(p).as_posix() for p in found}


def _message_files(names: str) -> set[str]:
    suffixes = (".msg", ".msg.json", ".msg.yaml", ".msg.yml")
    return {n for n in names.splitlines() if n.lower().endswith(suffixes)}


def test_collect_agrees_with_git(repo: Path) -> None:
    not_ignored = _message_files(_git("ls-files", "--others", "--exclude-standard", cwd=repo))
    collected = _collected(repo)
    assert collected == not_ignored
    # And file by file, as `git check-ignore` sees them.
    messages = _message_files("\n".join(FILES))
    ignored = set(_git("check-ignore", "--no-index", *sorted(messages), cwd=repo).splitlines())
    assert ignored, "the tree must exercise ignored files"
    assert not collected & ignored
    assert collected | ignored == messages
    # The cases the old matcher got wrong, by name.
    assert {"keep.tmp.msg", "a/x/y/b/ok.msg", "logs/important/zz.msg"} <= collected
    assert {"docs/one/two/draft.msg", "src/generated/g.msg", "nested/keep/k.msg"} <= ignored
    assert {"ignored-dir/back.msg", "white/d/skip.msg", "info-excluded.msg"} <= ignored


def test_a_subdirectory_is_walked_with_the_patterns_above_it(repo: Path) -> None:
    assert _collected(repo, "sub") == {n for n in _collected(repo) if n.startswith("sub/")}
    assert _collected(repo, "white") == {"white/w.msg", "white/d/w.msg"}


def test_a_named_directory_is_walked_even_if_ignored(repo: Path) -> None:
    # Like a named file: the patterns that ignore it are set aside below it, not the others.
    assert _collected(repo, "build") == {"build/a.msg"}
    assert _collected(repo, "ignored-dir") == {"ignored-dir/back.msg", "ignored-dir/other.msg"}
    assert _collected(repo, "docs/one/two") == set()  # docs/**/draft.msg still applies
    no_gitignore = LintOptions(respect_gitignore=False)
    assert "build/a.msg" in _collected(repo, options=no_gitignore)


def test_exclude_has_gitignore_semantics_relative_to_the_root(repo: Path) -> None:
    exclude = ("*.msg", "!plain.msg", "!**/keep/*.msg", "!sub/**/*.msg", "sub/deeper/")
    options = LintOptions(exclude=exclude, root=repo, respect_gitignore=False)
    collected = _collected(repo, options=options)
    # What git makes of the same patterns as the only ignore file of the same tree.
    for name in NESTED:
        (repo / name).unlink()
    (repo / ".git" / "info" / "exclude").unlink()
    (repo / ".gitignore").write_text("\n".join(exclude) + "\n")
    not_ignored = _message_files(_git("ls-files", "--others", "--exclude-standard", cwd=repo))
    assert collected == not_ignored
    assert collected == {
        "plain.msg",
        "sub/inner.msg",
        "sub/local.msg",
        "sub/only-here.msg",
        "sub/y.tmp.msg",
        "nested/keep/k.msg",
        # not *.msg files
        "data.msg.json",
        "config/data.msg.json",
        "config/more/data.msg.json",
        "doc.msg.yaml",
        "UPPER.MSG",
    }
    # Anchored patterns are relative to the root, wherever the walk starts.
    anchored = LintOptions(exclude=("/sub/deeper/", "/plain.msg"), root=repo)
    assert "sub/deeper/local.msg" not in _collected(repo, "sub", options=anchored)
    assert "other/sub/inner.msg" not in _collected(repo, "other", options=anchored)
    assert "plain.msg" not in _collected(repo, options=anchored)
    # Named explicitly, an excluded file is linted, unless force_exclude.
    assert _collected(repo, "sub/deeper/local.msg", options=anchored) == {"sub/deeper/local.msg"}
    forced = LintOptions(exclude=("/sub/deeper/",), root=repo, force_exclude=True)
    assert _collected(repo, "sub/deeper/local.msg", "sub/deeper", options=forced) == set()
