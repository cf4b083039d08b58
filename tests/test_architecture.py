"""The layers of design.md hold, and msgkit has no import cycles (import-linter's contracts in
pyproject.toml, which CI runs as ``lint-imports``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(found).exists():
        pytest.skip("import-linter is not installed (pip install import-linter)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [found, "--no-cache", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_contracts_are_kept() -> None:
    done = _lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_checks_do_not_import_what_orchestrates_them() -> None:
    """The cycle checks.offline -> checks.online / plugins -> transports -> checks.offline is
    gone: validation, above the checks, runs them."""
    import grimp

    graph = grimp.build_graph("msgkit", exclude_type_checking_imports=True)
    for low in ("msgkit.checks.offline", "msgkit.checks.request"):
        for high in ("msgkit.checks.online", "msgkit.plugins", "msgkit.validation", "msgkit"):
            assert not graph.direct_import_exists(importer=low, imported=high), (low, high)
    assert graph.find_shortest_chain("msgkit.transports.dryrun", "msgkit.validation") is None
    assert graph.find_shortest_chain("msgkit.plugins", "msgkit") is None
