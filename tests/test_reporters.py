"""The output formats, on findings built by hand."""

from __future__ import annotations

import io
import json

from msgkit.diagnostics import Diagnostic, Severity
from msgkit.documents import Finding, read_text
from msgkit.lint import Checked, LintResult
from msgkit.reporters import report


def result(*findings: Finding) -> LintResult:
    document = read_text("x", "msg", "a.msg")
    return LintResult((Checked(document, findings),))


def finding(message: str, line: int | None = 1, hint: str | None = None) -> Finding:
    diagnostic = Diagnostic("error_msg_invalid_xml", Severity.ERROR, message, hint=hint)
    return Finding("dir,x/a:b.msg", diagnostic, line, 1 if line else None)


def render(fmt: str, data: LintResult) -> str:
    out = io.StringIO()
    report(data, fmt, out)
    return out.getvalue()


def test_github_escapes_data_and_properties() -> None:
    text = render("github", result(finding("100% bad\nreally", hint="fix: it")))
    assert text == (
        "::error file=dir%2Cx/a%3Ab.msg,line=1,col=1,title=error_msg_invalid_xml"
        "::100%25 bad%0Areally%0Afix: it\n"
    )


def test_github_without_position() -> None:
    text = render("github", result(finding("unreadable", line=None)))
    assert text.startswith("::error file=dir%2Cx/a%3Ab.msg,title=error_msg_invalid_xml::")


def test_text_without_position_and_clean_summary() -> None:
    text = render("text", result(finding("unreadable", line=None)))
    assert text.splitlines()[0] == "dir,x/a:b.msg: error_msg_invalid_xml error: unreadable"
    assert render("text", result()) == "All checked: 1 file, no problems.\n"


def test_json_nulls_for_missing_positions() -> None:
    [record] = json.loads(render("json", result(finding("x", line=None))))
    assert record["line"] is None and record["column"] is None and record["hint"] is None


def test_sarif_shape() -> None:
    log = json.loads(render("sarif", result(finding("x"), finding("y", line=None))))
    assert log["$schema"].endswith("sarif-2.1.0.json")
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "msgkit"
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    with_region, without = run["results"]
    assert "region" in with_region["locations"][0]["physicalLocation"]
    assert "region" not in without["locations"][0]["physicalLocation"]
    assert with_region["level"] == "error"


def test_sarif_uris_are_percent_encoded() -> None:
    log = json.loads(render("sarif", result(finding("x"))))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "dir%2Cx/a%3Ab.msg"
