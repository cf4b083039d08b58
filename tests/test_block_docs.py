"""The block reference pages (docs/blocks/) are generated from the request schemas and never
drift from them: scripts/gen_block_docs.py --check fails when they do."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import msgkit

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen_block_docs.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_block_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pages_match_the_schemas() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_page_per_block_and_an_index() -> None:
    names = {p.stem for p in (ROOT / "docs" / "blocks").glob("*.md")}
    assert names == {"index", *msgkit.BLOCKS}


@pytest.mark.parametrize("block", list(msgkit.BLOCKS))
def test_each_page_says_what_the_schema_says(block: str) -> None:
    page = (ROOT / "docs" / "blocks" / f"{block}.md").read_text(encoding="utf-8")
    row = msgkit.BLOCKS[block]
    assert row.path in page and f"stage: **{row.stage}**" in page
    data = msgkit.schema(row.schema_name)
    for name, node in data["properties"].items():
        assert f"| `{name}` | {'yes' if name in data['required'] else 'no'} |" in page
        if "x-status" in node:
            assert node["x-status"] in page
        for limit in ("maximum", "maxLength"):
            if limit in node and name != "msg":
                assert str(node[limit]) in page


def test_drift_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator()
    monkeypatch.setattr(generator, "OUT", tmp_path)
    monkeypatch.setattr(generator, "ROOT", tmp_path)
    assert generator.main([]) == 0 and generator.main(["--check"]) == 0
    gather = tmp_path / "gather.md"
    gather.write_text(gather.read_text().replace("0 to 255", "0 to 99"))
    assert generator.main(["--check"]) == 1
    (tmp_path / "conference.md").write_text("# a block that does not exist\n")
    generator.main([])
    assert generator.main(["--check"]) == 0 and not (tmp_path / "conference.md").exists()
    changed = generator.render("gather").replace("0 to 255", "0 to 99")
    assert changed != (tmp_path / "gather.md").read_text()
