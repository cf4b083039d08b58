"""The bundled examples: the good ones lint clean, each broken one fails with its code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgkit.cli import main
from msgkit.lint import lint

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BROKEN = sorted((EXAMPLES / "broken").iterdir())


def test_examples_lint_clean_with_the_readme_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the repository's [tool.msgkit] excludes examples/broken/
    result = CliRunner().invoke(main, ["lint", "examples/"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    kinds = {p.name.split(".", 1)[1] for p in EXAMPLES.iterdir() if p.is_file()}
    assert {"msg", "msg.json", "msg.yaml", "msg.yml"} <= kinds


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_each_broken_example_fails_with_its_code(path: Path) -> None:
    expected = re.split(r"--|\.", path.name)[0]
    codes = [f.code for f in lint([str(path)]).findings]
    assert expected in codes, f"{path.name}: {codes}"
