"""The pre-commit hook, used the way a user uses it: the real pre-commit framework installs
msgkit from a clone of this repository (its ``.pre-commit-hooks.yaml``) and runs it."""

from __future__ import annotations

import os
import re
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

    many_files(project, good=8)
    git("add", "-A", cwd=project)
    batched = subprocess.run(
        [*command, "--all-files"], cwd=project, env=env, capture_output=True, text=True
    )
    assert batched.returncode == 1, batched.stdout + batched.stderr
    assert_one_summary(batched.stdout, files=11)


# -- as documented -------------------------------------------------------------------------------

MSGKIT_REPO = "https://github.com/msgkit/msgkit"
YAML_FENCE = re.compile(r"^```yaml\n(?P<body>.*?)^```\s*$", re.M | re.S)
DOCUMENTS = ("README.md", "docs/pre-commit.md")


def documented_configs(kind: str) -> dict[str, str]:
    """The pre-commit configuration of ``kind`` ("local" or the repository URL) per document."""
    found: dict[str, str] = {}
    for name in DOCUMENTS:
        text = (ROOT / name).read_text(encoding="utf-8")
        blocks = [m["body"] for m in YAML_FENCE.finditer(text) if f"- repo: {kind}\n" in m["body"]]
        assert len(blocks) == 1, f"{name} has {len(blocks)} pre-commit blocks with repo: {kind}"
        found[name] = blocks[0]
    return found


def test_the_documented_rev_is_the_release_tag() -> None:
    from msgkit import __version__

    for name, config in documented_configs(MSGKIT_REPO).items():
        revs = re.findall(r"^\s*rev:\s*(\S+)", config, re.M)
        assert revs == [f"v{__version__}"], f"{name}: rev {revs}, not v{__version__}"
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "tag" in text and "release" in text, f"{name} does not say where the tag comes from"


def test_the_hook_runs_serially() -> None:
    import yaml

    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["require_serial"] is True
    local = yaml.safe_load(next(iter(documented_configs("local").values())))
    [documented] = local["repos"][0]["hooks"]
    assert documented["require_serial"] is True
    assert documented["files"] == hook["files"] and documented["entry"] == hook["entry"]


def msgkit_on_path(directory: Path) -> Path:
    """A ``msgkit`` that runs this checkout's code with this interpreter: the installed msgkit
    a ``language: system`` hook finds on the PATH."""
    directory.mkdir()
    script = directory / "msgkit"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from msgkit.cli import main\nsys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return directory


def many_files(project: Path, good: int) -> None:
    """``good`` files without problems and one with, in a directory of their own."""
    prompts = project / "many"
    prompts.mkdir()
    for number in range(good):
        (prompts / f"ok{number:02}.msg").write_text(f"Thank you for calling, {number}.\n")
    (prompts / "zz-sales.msg").write_text("Press 1 for sales & 2 for support.\n")


def assert_one_summary(output: str, files: int) -> None:
    # One `msgkit lint` run for all the files: pre-commit would otherwise split them into
    # batches (at least 4 files each, one per core), each with a summary of its own.
    summaries = [line for line in output.splitlines() if line.startswith(("Found ", "All "))]
    assert len(summaries) == 1, output
    assert re.search(rf"\b{files} files\b", summaries[0]), output
    assert "All checked" not in output


@pytest.mark.slow
def test_the_documented_local_hook_works_as_pasted(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    configs = documented_configs("local")
    assert len(set(configs.values())) == 1, "README.md and docs/pre-commit.md differ"
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    (project / ".pre-commit-config.yaml").write_text(configs["README.md"])
    (project / "prompts").mkdir()
    (project / "prompts" / "welcome.msg.yaml").write_text("msg: Thank you for calling.\n")
    (project / "prompts" / "hold.msg.yml").write_text("msg: Please hold.\n")
    (project / "prompts" / "order.msg.json").write_text('{"msg": "Your order has shipped."}\n')
    (project / "README.txt").write_text("not a message file & not linted\n")
    git("add", "-A", cwd=project)

    path = f"{msgkit_on_path(tmp_path / 'bin')}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "PATH": path, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    command = [sys.executable, "-m", "pre_commit", "run", "--color", "never", "--all-files"]

    passed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "msgkit lint" in passed.stdout and "Passed" in passed.stdout

    many_files(project, good=8)
    git("add", "-A", cwd=project)
    failed = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "many/zz-sales.msg:1:19: error_msg_invalid_xml" in failed.stdout
    assert "README.txt" not in failed.stdout
    assert_one_summary(failed.stdout, files=12)
