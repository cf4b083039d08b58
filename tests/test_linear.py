"""Linear on any input, and output proportionate to it.

Scaling: each hostile document family is linted (read, checked, and written in every output
format) at two sizes, n and 4n, and the work compared: the number of Python function calls
(exact, immune to load) and the time (the best of a few runs, with a generous margin). Linear
work grows about 4 times; quadratic, 16. No test here asserts an absolute time.

Cap: after ``max_findings_per_code`` findings of one code in a file, one
``warning_findings_truncated`` says how many more there were.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from msgkit import Config, validate
from msgkit.cli import main
from msgkit.documents import read_text
from msgkit.documents.read import MAX_VALUES
from msgkit.lint import LintResult, check_document, lint_text
from msgkit.reporters import FORMATS, report

TRUNCATED = "warning_findings_truncated"


def _segments(n: int, item: str) -> str:
    return '{"segments": [' + ",".join([item] * n) + "]}"


def _yaml_lines(n: int, line: Callable[[int], str], head: str = "msg: hi\n") -> str:
    return head + "".join(line(i) for i in range(n))


# name -> (kind, make(n)): n is a count of repeated units; 4n stays under MAX_VALUES.
FAMILIES: dict[str, tuple[str, Callable[[int], str]]] = {
    "unknown elements": ("msg", lambda n: "<speak>x</speak>" * n),
    "processing instructions": ("msg", lambda n: "<?a?>" * n),
    "comments": ("msg", lambda n: "<!--x-->" * n),
    "unknown attributes": ("msg", lambda n: '<speech bad="1">x</speech>' * n),
    "attributes on one tag": (
        "msg",
        lambda n: "<speech " + " ".join(f'a{i}="1"' for i in range(n)) + ">x</speech>",
    ),
    "bad languages": ("msg", lambda n: '<speech language="xx_YY">x</speech>' * n),
    "wrong-case genders": ("msg", lambda n: '<speech gender="Male">x</speech>' * n),
    "bad urls": ("msg", lambda n: "<url>ftp://x/y.mp3</url>" * n),
    "foreign script after elements": ("msg", lambda n: "<url>http://x/y.mp3</url>你" * n),
    "stray ampersands then lines": ("msg", lambda n: "\n" * n + "R&&D"),
    "markup in JSON": ("json", lambda n: json.dumps({"msg": "<speak>é\\x</speak>" * n})),
    "markup in YAML": ("yaml", lambda n: "msg: " + json.dumps("<speak>x</speak>\n" * n)),
    "markup in a YAML block": ("yaml", lambda n: "msg: |\n" + "  <speak>x</speak>\n" * n),
    "invalid segments": ("json", lambda n: _segments(n, '{"bogus": 1}')),
    "distinct invalid segments": (
        "json",
        lambda n: '{"segments": [' + ",".join(f'{{"k{i}": 1}}' for i in range(n)) + "]}",
    ),
    "segments of wrong types": ("json", lambda n: _segments(n, '{"say": 5, "language": 6}')),
    "segments with bad languages": (
        "json",
        lambda n: _segments(n, '{"say": "x", "language": "xx_YY", "gender": "M"}'),
    ),
    "secret keys": (
        "json",
        lambda n: '{"msg": "hi", ' + ", ".join(f'"api_key_{i}": 1' for i in range(n)) + "}",
    ),
    "unknown keys": (
        "json",
        lambda n: '{"msg": "hi", ' + ", ".join(f'"key{i}": 1' for i in range(n)) + "}",
    ),
    "access tokens in segments": (
        "json",
        lambda n: _segments(n, '{"play": "http://x/a.mp3?access_token=abc"}'),
    ),
    "YAML secret keys": ("yaml", lambda n: _yaml_lines(n, lambda i: f"api_key_{i}: x\n")),
    "YAML unknown keys": ("yaml", lambda n: _yaml_lines(n, lambda i: f"key{i}: x\n")),
    "YAML duplicate keys": ("yaml", lambda n: _yaml_lines(n, lambda i: "tag: t\n")),
    "YAML invalid segments": (
        "yaml",
        lambda n: _yaml_lines(n, lambda i: f"  - bogus{i}: 1\n", head="segments:\n"),
    ),
    "YAML suppression comments": (
        "yaml",
        lambda n: (
            "segments:\n"
            + "  - say: x  # msgkit: ignore[error_msg_invalid_gender]\n    gender: M\n" * n
        ),
    ),
}

N = 150


def _lint_everything(text: str, kind: Any, config: Config) -> None:
    checked = check_document(read_text(text, kind, "hostile"), config)  # what lint_text does
    for fmt in FORMATS:
        report(LintResult((checked,)), fmt, io.StringIO())


def _calls(work: Callable[[], None]) -> int:
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call" or event == "c_call":
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


def _seconds(work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("cap", [50, 0], ids=["capped", "uncapped"])
@pytest.mark.parametrize("name", list(FAMILIES))
def test_work_grows_linearly(name: str, cap: int) -> None:
    kind, make = FAMILIES[name]
    config = Config(max_findings_per_code=cap)
    small, large = make(N), make(4 * N)

    def run(text: str) -> Callable[[], None]:
        return lambda: _lint_everything(text, kind, config)

    run(small)()  # warm up: imports, compiled schemas, caches
    calls = _calls(run(large)) / _calls(run(small))
    assert calls < 6, f"{name}: 4x the input took {calls:.1f}x the calls"
    # Time catches what calls cannot (a search from the start of the text each time). Load on
    # the machine only ever makes a ratio look worse, so one good measurement is enough.
    ratios = []
    for _ in range(3):
        ratios.append(_seconds(run(large)) / max(_seconds(run(small)), 1e-4))
        if ratios[-1] < 10:
            break
    assert min(ratios) < 10, f"{name}: 4x the input took {min(ratios):.1f}x the time"


# --- the cap ------------------------------------------------------------------------------------


def test_cap_shows_the_first_findings_then_how_many_more() -> None:
    markup = "<speak>x</speak>" * 60
    report = lint_text(markup)
    xml = [d for d in report if d.code == "error_msg_invalid_xml"]
    assert len(xml) == 50
    assert [d.column for d in xml] == [1 + 16 * i for i in range(50)]  # the first ones
    [summary] = [d for d in report if d.code == TRUNCATED]
    assert summary.message.startswith("10 more error_msg_invalid_xml findings in this file")
    assert (summary.line, summary.column) == (1, 1 + 16 * 50)  # where the first hidden one is
    assert not summary.is_error
    assert len(lint_text(markup, config=Config(max_findings_per_code=0))) == 61  # and length
    assert len(lint_text(markup, config=Config(max_findings_per_code=60))) == 61
    assert len(lint_text(markup, config=Config(max_findings_per_code=59))) == 61


def test_summary_follows_ignore_but_not_select() -> None:
    markup = "<speak>x</speak>" * 60
    ignored = lint_text(markup, config=Config(ignore=(TRUNCATED,)))
    assert TRUNCATED not in ignored.codes and len(ignored) == 51
    selected = lint_text(markup, config=Config(select=("error_msg_invalid_xml",)))
    assert selected.codes.count(TRUNCATED) == 1 and len(selected) == 51
    quiet = lint_text(markup, config=Config(ignore=("severity:warning",)))
    assert TRUNCATED not in quiet.codes


def test_cap_counts_per_code_and_covers_what_reading_found() -> None:
    yaml = "msg: hi\n" + "".join(f"api_key_{i}: x\n" for i in range(70))
    report = lint_text(yaml, "yaml")
    assert report.codes.count("error_access_token_in_file") == 50
    [summary] = [d for d in report if d.code == TRUNCATED]
    assert "20 more error_access_token_in_file" in summary.message
    assert summary.line == 52  # the 51st key is on line 52
    markup = '<speech gender="M">x</speech>' * 55 + "<speak>y</speak>" * 55
    codes = lint_text(markup, config=Config(max_msg_length=10_000)).codes
    assert codes.count("error_msg_invalid_xml") == 50 and codes.count(TRUNCATED) == 1
    assert "error_msg_invalid_gender" not in codes  # structure first, as ever


def test_validate_counts_past_max_per_code_without_placing_them() -> None:
    markup = "<?a?>" * 1000
    full = validate(markup)
    assert len(full) == 1001  # every one, and the length: validate's default is no cap
    capped = validate(markup, max_per_code=5)
    assert capped.codes == ("error_msg_invalid_xml",) * 5 + (TRUNCATED, "error_msg_invalid_length")
    assert "995 more" in capped.diagnostics[5].message


def test_suppressed_findings_do_not_count_towards_the_cap() -> None:
    item = "  - say: x\n    gender: M\n"
    ignored = "  - say: x\n    gender: M  # msgkit: ignore[error_msg_invalid_gender]\n"
    text = "segments:\n" + ignored * 30 + item * 60
    report = lint_text(text, "yaml")
    genders = [d for d in report if d.code == "error_msg_invalid_gender"]
    assert len(genders) == 50
    assert genders[0].line == 2 + 2 * 30 + 1  # the first one not suppressed
    [summary] = [d for d in report if d.code == TRUNCATED]
    assert "10 more error_msg_invalid_gender" in summary.message


def test_cli_option_and_setting(tmp_path: Path) -> None:
    (tmp_path / "a.msg").write_text("<speak>x</speak>" * 5 + "\n")
    runner = CliRunner()

    def lint(*args: str) -> Any:
        return runner.invoke(main, ["lint", "--format", "json", *args, str(tmp_path / "a.msg")])

    codes = [r["code"] for r in json.loads(lint("--max-findings-per-code", "2").output)]
    assert codes == ["error_msg_invalid_xml"] * 2 + [TRUNCATED]
    assert len(json.loads(lint("--max-findings-per-code", "0").output)) == 5
    (tmp_path / "pyproject.toml").write_text("[tool.msgkit]\nmax_findings_per_code = 3\n")
    config = ["--config", str(tmp_path / "pyproject.toml")]
    assert len(json.loads(lint(*config).output)) == 4
    assert len(json.loads(lint(*config, "--max-findings-per-code", "1").output)) == 2
    assert lint("--max-findings-per-code", "-1").exit_code == 2
    (tmp_path / "pyproject.toml").write_text('[tool.msgkit]\nmax-findings-per-code = "3"\n')
    bad = lint(*config)
    assert bad.exit_code == 2 and "max-findings-per-code" in bad.output


# --- what a message document can hold ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_a_document_with_more_values_than_any_message_is_one_finding(kind: Any) -> None:
    count = MAX_VALUES  # keys and values: twice this many
    if kind == "json":
        text = '{"msg": "hi", ' + ", ".join(f'"k{i}": 1' for i in range(count)) + "}"
    else:
        text = "msg: hi\n" + "".join(f"k{i}: 1\n" for i in range(count))
    [problem] = read_text(text, kind, "a").problems
    assert problem.code == "error_document_invalid"
    assert f"more than {MAX_VALUES:,} keys and values" in problem.message
    assert problem.line is not None
    under = MAX_VALUES // 2 - 10
    if kind == "json":
        text = '{"msg": "hi", ' + ", ".join(f'"k{i}": 1' for i in range(under)) + "}"
    else:
        text = "msg: hi\n" + "".join(f"k{i}: 1\n" for i in range(under))
    problems = read_text(text, kind, "a").problems
    assert "more than" not in problems[-1].message  # described, key by key (then counted)


def test_many_invalid_segments_are_described_up_to_a_budget_then_counted() -> None:
    text = _segments(1500, '{"bogus": 1}')
    problems = read_text(text, "json", "a").problems
    described = [p for p in problems if "needs one of" in p.message]
    assert len(described) == 1000
    assert problems[-1].message.startswith("500 more problems with the document's keys")
    report = lint_text(text, "json", config=Config(max_findings_per_code=0))
    assert len(report) == 1001


@pytest.mark.parametrize("depth", [3_000, 100_000])
def test_deep_yaml_flow_nesting_is_nesting(depth: int) -> None:
    text = "msg: " + "[" * depth + "]" * depth
    [problem] = read_text(text, "yaml", "a").problems
    assert problem.message == "the document is nested too deeply"


def test_lone_surrogates_in_yaml_text_are_a_finding_not_a_crash() -> None:
    [problem] = read_text('msg: "a\ud800"\n', "yaml", "a").problems
    assert problem.code == "error_document_invalid" and "U+D800" in problem.message


PIECES = st.sampled_from(
    ['<speech language="xx_YY">x</speech>', '<speech language="ZH-hk">你</speech>',
     '<speech language="fr">x</speech>', '<speech gender="M">x</speech>', "<speech></speech>",
     "<url>ftp://x/y.mp3</url>", "<url>http://x/y.ogg</url>", "你", "hello ", "<speak>x</speak>",
     '<speech bogus="1" other="2">x</speech>', "<?a?>", "<!--x-->", '<url a="1">x</url>',
     "<speech><url>x</url></speech>", "<break/>", " & ", "\n"]
)  # fmt: skip


@settings(deadline=None, max_examples=200)
@given(st.lists(PIECES, max_size=30), st.integers(1, 4))
def test_counting_past_the_cap_changes_nothing_shown(pieces: list[str], cap: int) -> None:
    """The checks skip placing and wording what is past the cap: what they do show, and how many
    they count, is exactly what the full run finds."""
    markup = "".join(pieces)
    config = Config(max_msg_length=100_000)
    full = validate(markup, config=config)
    capped = validate(markup, config=config, max_per_code=cap)
    by_code: dict[str, list[Any]] = {}
    for d in full:
        by_code.setdefault(d.code, []).append(d)
    shown = [d for d in capped if d.code != TRUNCATED]
    expected = [d for d in full if by_code[d.code].index(d) < cap]
    assert sorted(shown, key=repr) == sorted(expected, key=repr)
    summaries = {d.message.split()[2]: d for d in capped if d.code == TRUNCATED}
    for code, found in by_code.items():
        if len(found) > cap:
            summary = summaries.pop(code)
            assert summary.message.startswith(f"{len(found) - cap:,} more {code} ")
            assert (summary.line, summary.column) == (found[cap].line, found[cap].column)
    assert not summaries
