"""Severity in every format, and selectors that pick codes by name or by severity (issue 10, 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from msgkit import Config, Diagnostic, Severity, validate
from msgkit.config import matches

# Han text read by the default English voice: error_msg_cannot_convert_text, a warning.
HAN = "Thank you. 請稍等\n"


def run(args: list[str], cwd: Path, stdin: str | None = None) -> Result:
    from msgkit.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["lint", *args], input=stdin, env={"NO_COLOR": "1", "GITHUB_ACTIONS": ""}
        )
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "han.msg").write_text(HAN, "utf-8")
    (tmp_path / "empty.msg").write_text("<speech> </speech>\n", "utf-8")
    (tmp_path / "amp.msg").write_text("Sales & support\n", "utf-8")
    return tmp_path


def codes(result: Result) -> set[str]:
    return {record["code"] for record in json.loads(result.stdout)}


def test_a_prefix_matches_the_name_and_a_severity_the_severity() -> None:
    # The name says error, the severity says warning: each selector means what it says.
    assert matches(("error_",), "error_msg_cannot_convert_text")
    assert not matches(("warning_",), "error_msg_cannot_convert_text")
    assert matches(("severity:warning",), "error_msg_cannot_convert_text")
    assert not matches(("severity:error",), "error_msg_cannot_convert_text")
    # A plugin's code is matched by the severity it reports with.
    assert matches(("severity:warning",), "warning_shouting", Severity.WARNING)
    assert not matches(("severity:warning",), "warning_shouting")  # unknown: no severity


def test_config_selects_and_ignores_by_severity() -> None:
    markup = HAN.strip() + "<speech> </speech>Sales &amp; <url>a.mp3</url>"
    everything = set(validate(markup).codes)
    assert {"error_msg_cannot_convert_text", "warning_msg_empty"} <= everything
    no_warnings = validate(markup, config=Config(ignore=("severity:warning",)))
    assert not no_warnings.warnings and no_warnings.errors
    only_warnings = validate(markup, config=Config(select=("severity:warning",)))
    assert set(only_warnings.codes) == {"error_msg_cannot_convert_text", "warning_msg_empty"}
    # "warning_" is a prefix of names: the provider-named warning stays.
    named = validate(markup, config=Config(ignore=("warning_",)))
    assert "error_msg_cannot_convert_text" in named.codes
    assert "warning_msg_empty" not in named.codes


@pytest.mark.parametrize("bad", ["severity:info", "severity:", ""])
def test_config_refuses_a_selector_that_selects_nothing_sensible(bad: str) -> None:
    with pytest.raises(ValueError, match="select"):
        Config(select=(bad,))


def test_wants_takes_the_severity_a_plugin_gives() -> None:
    config = Config(ignore=("severity:warning",))
    assert not config.wants("warning_shouting", Severity.WARNING)
    assert config.wants("warning_shouting", Severity.ERROR)
    assert config.wants("error_msg_invalid_xml")


def test_cli_ignore_by_prefix_and_by_severity(project: Path) -> None:
    by_name = run(["--format", "json", "--ignore", "warning_", "."], project)
    assert codes(by_name) == {"error_msg_cannot_convert_text", "error_msg_invalid_xml"}
    by_severity = run(["--format", "json", "--ignore", "severity:warning", "."], project)
    assert codes(by_severity) == {"error_msg_invalid_xml"}
    selected = run(["--format", "json", "--select", "severity:warning", "."], project)
    assert codes(selected) == {"error_msg_cannot_convert_text", "warning_msg_empty"}
    assert selected.exit_code == 0  # warnings only


def test_cli_bad_severity_is_a_usage_error(project: Path) -> None:
    result = run(["--ignore", "severity:info", "."], project)
    assert result.exit_code == 2
    assert "severity:info" in result.output and "severity:warning" in result.output


def test_config_takes_severities_and_names_a_bad_one(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.msgkit]\nignore = ["severity:warning"]\n', "utf-8"
    )
    assert codes(run(["--format", "json", "."], project)) == {"error_msg_invalid_xml"}
    (project / "pyproject.toml").write_text('[tool.msgkit]\nselect = ["severity:fatal"]\n')
    result = run(["."], project)
    assert result.exit_code == 2
    assert "pyproject.toml" in result.output and "select" in result.output
    assert "severity:fatal" in result.output


def test_every_format_says_the_severity(project: Path) -> None:
    text = run(["han.msg"], project).stdout
    assert text.startswith("han.msg:1:12: error_msg_cannot_convert_text warning: Han text")
    concise = run(["--concise", "han.msg"], project).stdout
    assert concise.splitlines()[0].startswith(
        "han.msg:1:12: error_msg_cannot_convert_text warning: "
    )
    error = run(["--concise", "amp.msg"], project).stdout
    assert "amp.msg:1:7: error_msg_invalid_xml error: '&' must be written" in error
    [record] = json.loads(run(["--format", "json", "han.msg"], project).stdout)
    assert record["severity"] == "warning"
    github = run(["--format", "github", "han.msg"], project).stdout
    assert github.startswith("::warning file=han.msg,")
    sarif = json.loads(run(["--format", "sarif", "han.msg"], project).stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["level"] == "warning"


def test_diagnostic_span_does_not_change_equality() -> None:
    a = Diagnostic("error_msg_invalid_xml", Severity.ERROR, "x", offset=1, length=3)
    b = Diagnostic("error_msg_invalid_xml", Severity.ERROR, "x", offset=1)
    assert a == b and hash(a) == hash(b)
