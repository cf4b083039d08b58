"""``msgkit lint --fix`` on a repository someone else made: it writes only the files it fixes,
never through a symlink it did not make, and keeps each file's permissions."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgkit.cli import main
from msgkit.config import Config
from msgkit.documents import read_path
from msgkit.fixes import UnsafeWriteError, fix_document, target, write

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")

VICTIM = "precious data, not a message file\n"
STRAY = "Sales & support\n"
FIXED = "Sales &amp; support\n"


def _msgkit() -> str:
    beside = Path(sys.executable).parent / "msgkit"
    return str(beside) if beside.exists() else (shutil.which("msgkit") or "msgkit")


def _git(*args: str, cwd: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def cloned(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A clone of a hostile repository, and two files outside it its symlinks point at.

    The repository commits ``x.msg`` (a stray '&'), ``x.msg.msgkit-fix`` as a symlink to the
    first victim (the name a fix used to be written to), ``out.msg`` as a symlink to the second
    (a message file outside the repository, with a stray '&' of its own), and ``in.msg`` as a
    symlink to ``real/in.msg`` inside it.
    """
    if shutil.which("git") is None:
        pytest.skip("needs git")
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM)
    outside = tmp_path / "outside.msg"
    outside.write_text(STRAY)
    origin = tmp_path / "origin"
    origin.mkdir()
    (origin / "x.msg").write_text(STRAY)
    (origin / "real").mkdir()
    (origin / "real" / "in.msg").write_text(STRAY)
    os.symlink(victim, origin / "x.msg.msgkit-fix")
    os.symlink(outside, origin / "out.msg")
    os.symlink(os.path.join("real", "in.msg"), origin / "in.msg")
    _git("init", "-q", cwd=origin)
    _git("add", "-A", cwd=origin)
    _git("commit", "-q", "-m", "hostile", cwd=origin)
    clone = tmp_path / "clone"
    _git("clone", "-q", str(origin), str(clone), cwd=tmp_path)
    assert (clone / "out.msg").is_symlink() and (clone / "x.msg.msgkit-fix").is_symlink()
    return clone, victim, outside


def _check_clone(clone: Path, victim: Path, outside: Path) -> None:
    assert victim.read_text() == VICTIM  # the planted symlink was not written through
    assert outside.read_text() == STRAY  # a symlink out of the repository is not edited
    assert (clone / "x.msg").read_text() == FIXED
    assert (clone / "real" / "in.msg").read_text() == FIXED  # a symlink inside it is
    assert (clone / "in.msg").is_symlink() and (clone / "out.msg").is_symlink()
    assert (clone / "x.msg.msgkit-fix").is_symlink()
    leftovers = [p.name for p in clone.rglob("*msgkit-fix*") if p.name != "x.msg.msgkit-fix"]
    assert not leftovers


def test_fix_in_a_hostile_clone_through_cli_runner(cloned: tuple[Path, Path, Path]) -> None:
    clone, victim, outside = cloned
    old = Path.cwd()
    os.chdir(clone)
    try:
        result = CliRunner().invoke(
            main, ["lint", "--fix", "--no-respect-gitignore"], env={"NO_COLOR": "1"}
        )
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    _check_clone(clone, victim, outside)
    assert "Not fixed out.msg: it is a symlink to" in result.output
    assert result.exit_code == 1  # out.msg still has its stray '&'


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "github", "sarif"])
def test_fix_in_a_hostile_clone_as_a_process(cloned: tuple[Path, Path, Path], fmt: str) -> None:
    clone, victim, outside = cloned
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [_msgkit(), "lint", "--fix", "--no-respect-gitignore", "--format", fmt, "."],
        cwd=clone,
        capture_output=True,
        text=True,
        env=env,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1, done.stderr
    _check_clone(clone, victim, outside)
    # Said in the summary of the text formats, on standard error for the machine formats.
    said = done.stdout if fmt in ("text", "concise") else done.stderr
    assert "Not fixed out.msg: it is a symlink to" in said
    if fmt not in ("text", "concise"):
        assert "Not fixed" not in done.stdout


def test_refusal_is_said_even_when_quiet(cloned: tuple[Path, Path, Path]) -> None:
    clone, _, outside = cloned
    done = subprocess.run(
        [_msgkit(), "lint", "--fix", "-q", "--no-respect-gitignore", "out.msg"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert "Not fixed out.msg" in done.stderr
    assert outside.read_text() == STRAY


def test_a_symlink_is_fixed_when_its_target_is_under_the_directory_named(
    cloned: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """The directory the lint was started for is the one named, not the current directory:
    from the parent of a clone, a symlink out of the clone is still refused."""
    clone, victim, outside = cloned
    done = subprocess.run(
        [_msgkit(), "lint", "--fix", "--no-respect-gitignore", "clone"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert outside.read_text() == STRAY  # outside.msg is in tmp_path, but not under clone/
    assert (clone / "real" / "in.msg").read_text() == FIXED
    assert victim.read_text() == VICTIM


def test_write_keeps_the_mode_and_uses_no_fixed_name(tmp_path: Path) -> None:
    path = tmp_path / "a.msg"
    path.write_text(STRAY)
    path.chmod(0o640)
    # Whatever sits at the old temporary name is left alone.
    os.symlink(tmp_path / "victim", tmp_path / "a.msg.msgkit-fix")
    (tmp_path / "victim").write_text(VICTIM)
    outcome = fix_document(read_path(str(path)), Config())
    write(str(path), outcome)
    assert path.read_text() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert (tmp_path / "victim").read_text() == VICTIM
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.msg", "a.msg.msgkit-fix", "victim"]


def test_target_refuses_what_is_not_a_regular_file_or_leads_outside(tmp_path: Path) -> None:
    inside = tmp_path / "repo"
    inside.mkdir()
    (tmp_path / "elsewhere.msg").write_text(STRAY)
    os.symlink(tmp_path / "elsewhere.msg", inside / "link.msg")
    with pytest.raises(UnsafeWriteError, match="outside"):
        target(str(inside / "link.msg"), within=str(inside))
    assert target(str(inside / "link.msg"), within=str(tmp_path)) == os.path.realpath(
        tmp_path / "elsewhere.msg"
    )
    # Through a symlinked directory is the same as a symlinked file.
    os.symlink(tmp_path, inside / "up")
    with pytest.raises(UnsafeWriteError, match="outside"):
        target(str(inside / "up" / "elsewhere.msg"), within=str(inside))
    if hasattr(os, "mkfifo"):
        os.mkfifo(inside / "pipe.msg")
        with pytest.raises(UnsafeWriteError, match="not a regular file"):
            target(str(inside / "pipe.msg"), within=str(inside))


@pytest.mark.skipif(
    sys.platform == "win32" or (hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="permissions do not stop root",
)
def test_a_file_that_cannot_be_written_is_said_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "a.msg").write_text(STRAY)
    folder.chmod(0o555)  # the temporary file cannot be made here
    try:
        done = subprocess.run(
            [_msgkit(), "lint", "--fix", "a.msg"], cwd=folder, capture_output=True, text=True
        )
    finally:
        folder.chmod(0o755)
    assert "Traceback" not in done.stderr
    assert "Not fixed a.msg: cannot write it" in done.stdout
    assert done.returncode == 1
    assert (folder / "a.msg").read_text() == STRAY


def test_a_write_that_fails_is_said_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    (tmp_path / "a.msg").write_text(STRAY)

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "--fix", "a.msg"], env={"NO_COLOR": "1"})
    assert result.exit_code == 1, result.output
    assert "Not fixed a.msg: cannot write it: Read-only file system" in result.output
    assert (tmp_path / "a.msg").read_text() == STRAY
