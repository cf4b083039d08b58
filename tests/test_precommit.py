"""The pre-commit hook, used the way a user uses it: the real pre-commit framework installs
msgkit from a clone of this repository (its ``.pre-commit-hooks.yaml``) and runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def snapshot(destination: Path) -> str:
    """Commit the working tree as it is (tracked and untracked files) into a fresh repository,
    so the test sees uncommitted work too. Returns the commit to pin as ``rev``."""
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT)
    destination.mkdir()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if not os.path.lexists(source):
            continue  # deleted in the working tree
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    git("init", "-q", cwd=destination)
    git("add", "-A", cwd=destination)
    git("commit", "-q", "-m", "snapshot", cwd=destination)
    return git("rev-parse", "HEAD", cwd=destination).strip()


@pytest.mark.slow
def test_precommit_hook_passes_good_and_fails_bad_files(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    hooks = tmp_path / "msgkit-repo"
    rev = snapshot(hooks)
    assert (hooks / ".pre-commit-hooks.yaml").is_file()

    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks.as_uri()}\n    rev: {rev}\n    hooks:\n      - id: msgkit-lint\n"
    )
    (project / "prompts").mkdir()
    good = project / "prompts" / "welcome.msg.yaml"
    good.write_text("msg: Thank you for calling.\n")
    (project / "README.txt").write_text("not a message file & not linted\n")
    git("add", "-A", cwd=project)

    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    command = [sys.executable, "-m", "pre_commit", "run", "--color", "never"]

    passed = subprocess.run(
        [*command, "--all-files"], cwd=project, env=env, capture_output=True, text=True
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "msgkit lint" in passed.stdout and "Passed" in passed.stdout

    bad = project / "prompts" / "sales.msg"
    bad.write_text("Press 1 for sales & 2 for support.\n")
    git("add", "-A", cwd=project)
    failed = subprocess.run(
        [*command, "--all-files"], cwd=project, env=env, capture_output=True, text=True
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout
    assert "prompts/sales.msg:1:19: error_msg_invalid_xml" in failed.stdout
    assert "welcome.msg.yaml" not in failed.stdout.split("Failed", 1)[1]
