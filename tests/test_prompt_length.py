"""warning_msg_prompt_too_long: opt-in, from max_prompt_seconds, --max-prompt-seconds or
[tool.msgkit]."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import msgkit
from msgkit import Config, validate
from msgkit.cli import main
from msgkit.previewer import estimate_duration
from msgkit.previewer.durations import remember_durations
from msgkit.settings import SettingsError, validate_table

LONG = "Thank you for calling Acme. " * 8  # about 12 s


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def codes(report: msgkit.Report) -> list[str]:
    return [d.code for d in report]


def test_off_unless_set() -> None:
    assert codes(validate(LONG)) == []
    assert codes(validate(LONG, config=Config(max_prompt_seconds=60))) == []


def test_a_prompt_longer_than_the_limit_is_a_warning() -> None:
    estimate = estimate_duration(LONG)
    assert 8 < estimate < 16
    report = validate(LONG, config=Config(max_prompt_seconds=5))
    (diagnostic,) = report
    assert diagnostic.code == "warning_msg_prompt_too_long"
    assert diagnostic.severity == msgkit.Severity.WARNING
    assert (
        f"about {estimate:.1f} s" in diagnostic.message and "the limit is 5 s" in diagnostic.message
    )
    assert (diagnostic.line, diagnostic.column) == (1, 1)
    assert report.ok  # a warning
    assert not validate(LONG, config=Config(max_prompt_seconds=5, strict=True)).ok
    ignored = Config(max_prompt_seconds=5, ignore=("warning_msg_prompt_too_long",))
    assert codes(validate(LONG, config=ignored)) == []


def test_markup_that_does_not_parse_gets_no_estimate() -> None:
    assert codes(validate(LONG + "<speech>", config=Config(max_prompt_seconds=1))) == [
        "error_msg_invalid_xml"
    ]


def test_recordings_count_when_their_length_is_known_and_are_named_when_not(
    tmp_path: Path,
) -> None:
    url = "https://example.com/hold.mp3"
    markup = f"Please hold.<url>{url}</url>"
    config = Config(max_prompt_seconds=10)
    assert codes(validate(markup, config=config)) == []
    small = validate(markup, config=Config(max_prompt_seconds=0.5))
    assert "plus 1 recording of unknown length" in small.diagnostics[0].message
    remember_durations({url: 30.0}, tmp_path / "xdg-cache" / "msgkit")
    (found,) = validate(markup, config=config)
    assert found.code == "warning_msg_prompt_too_long" and "unknown" not in found.message


@pytest.mark.parametrize("value", [0, -1, float("inf"), float("nan"), "30", True])
def test_the_limit_must_be_a_positive_number(value: object) -> None:
    with pytest.raises(ValueError, match="max_prompt_seconds"):
        Config(max_prompt_seconds=value)  # type: ignore[arg-type]
    if not isinstance(value, float):
        with pytest.raises(SettingsError, match="max-prompt-seconds must be a positive number"):
            validate_table({"max_prompt_seconds": value})


def test_the_setting_and_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "long.msg").write_text(LONG, encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(main, ["lint", "long.msg"], catch_exceptions=False)
    assert plain.exit_code == 0 and "warning_msg_prompt_too_long" not in plain.output
    option = runner.invoke(main, ["lint", "--max-prompt-seconds", "5", "long.msg"])
    assert option.exit_code == 0 and "long.msg:1:1: warning_msg_prompt_too_long" in option.output
    (tmp_path / "pyproject.toml").write_text("[tool.msgkit]\nmax_prompt_seconds = 5\n")
    setting = runner.invoke(main, ["lint", "long.msg"], catch_exceptions=False)
    assert "warning_msg_prompt_too_long" in setting.output
    wider = runner.invoke(main, ["lint", "--max-prompt-seconds", "60", "long.msg"])
    assert "warning_msg_prompt_too_long" not in wider.output  # the command line wins
    strict = runner.invoke(main, ["lint", "--strict", "long.msg"])
    assert strict.exit_code == 1
    bad = runner.invoke(main, ["lint", "--max-prompt-seconds", "0", "long.msg"])
    assert bad.exit_code == 2
    (tmp_path / "pyproject.toml").write_text('[tool.msgkit]\nmax-prompt-seconds = "5"\n')
    refused = runner.invoke(main, ["lint", "long.msg"])
    assert refused.exit_code == 2 and "max-prompt-seconds" in refused.output
