"""validate_request: every block's parameters, with the provider's own statuses as codes; and
message documents that name their block, through msgkit lint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import msgkit
from msgkit import BLOCKS, CODES, Config, validate_request
from msgkit.cli import main

NOTIFY = "https://example.com/ivr/notify"

# A valid request of each block (credentials are request()'s, not validate_request's).
VALID: dict[str, dict[str, Any]] = {
    "dial": {"dest": "+6591234567", "caller_id": "private", "max_duration": 600, "msg": "Hi."},
    "play": {"session": "S-1", "msg": "Welcome.", "tag": "t", "notify_url": NOTIFY},
    "gather": {
        "session": "S-1",
        "msg": "Press 1.",
        "max_digits": "1",
        "timeout": 10,
        "attempts": "3",
        "notify_url": NOTIFY,
    },
    "record": {"session": "S-1", "msg": "Speak now.", "max_duration": "60", "notify_url": NOTIFY},
    "monitor": {"session": "S-1", "msg": "This call is recorded.", "notify_url": NOTIFY},
    "hold": {"session": "S-1", "msg": "<url>https://example.com/music.mp3</url>"},
    "unhold": {"session": "S-1", "tag": "t", "notify_url": NOTIFY},
    "transfer": {
        "session": "S-1",
        "dest": "room:",
        "caller_id": "+6567654321",
        "on_failure": "continue",
        "msg": "Connecting.",
    },
    "hangup": {"session": "S-1", "msg": "Goodbye.", "notify_url": NOTIFY},
}


@pytest.mark.parametrize("block", list(BLOCKS))
def test_a_valid_request_of_each_block_is_clean(block: str) -> None:
    report = validate_request(block, VALID[block])
    assert report.ok and not report.diagnostics, report.codes


# (block, changes to its valid request, the one code expected)
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("dial", {"dest": None}, "error_dest_param_missing"),
    ("dial", {"dest": ""}, "error_dest_param_missing"),
    ("dial", {"dest": "6591234567"}, "error_dest_invalid"),
    ("dial", {"dest": 6591234567}, "error_dest_invalid"),
    ("dial", {"dest": "+65 9123 4567"}, "error_dest_invalid"),
    ("dial", {"dest": "+6591234567\n"}, "error_dest_invalid"),
    ("dial", {"caller_id": "anonymous"}, "error_caller_id_invalid"),
    ("dial", {"max_duration": 0}, "error_invalid_max_duration"),
    ("dial", {"max_duration": "1e3"}, "error_invalid_max_duration"),
    ("dial", {"max_duration": True}, "error_invalid_max_duration"),
    ("dial", {"session": "S-1"}, "error_unknown_param"),
    ("dial", {"tag": "x" * 257}, "error_tag_invalid_length"),
    ("dial", {"notify_url": "example.com/n"}, "error_invalid_notify_url"),
    ("play", {"session": None}, "error_session_param_missing"),
    ("play", {"msg": None}, "error_msg_param_missing"),
    ("play", {"session": "S 1"}, "error_invalid_session"),
    ("play", {"msg": "Sales & support"}, "error_msg_invalid_xml"),
    ("play", {"msg": "x" * 501}, "error_msg_invalid_length"),
    ("gather", {"max_digits": 256}, "error_invalid_max_digits"),
    ("gather", {"max_digits": "-1"}, "error_invalid_max_digits"),
    ("gather", {"max_digits": "four"}, "error_invalid_max_digits"),
    ("gather", {"max_digits": 4.5}, "error_invalid_max_digits"),
    ("gather", {"timeout": 0}, "error_invalid_timeout"),
    ("gather", {"timeout": " 10"}, "error_invalid_timeout"),
    ("gather", {"attempts": 11}, "error_invalid_attempts"),
    ("gather", {"notify_url": None}, "error_notify_url_param_missing"),
    ("gather", {"max_digitz": 4}, "error_unknown_param"),
    ("record", {"max_duration": "9" * 40}, "error_invalid_max_duration"),
    ("record", {"session": None}, "error_session_param_missing"),
    ("monitor", {"monitor_notify_url": "ftp://x"}, "error_invalid_monitor_notify_url"),
    ("monitor", {"max_digits": 4}, "error_unknown_param"),
    ("hold", {"tag": "t"}, "error_unknown_param"),
    ("unhold", {"msg": "Welcome back."}, "error_unknown_param"),
    ("transfer", {"dest": None}, "error_dest_param_missing"),
    ("transfer", {"dest": "room:sales"}, "error_invalid_room"),
    ("transfer", {"dest": "room:R12x"}, "error_invalid_room"),
    ("transfer", {"dest": "12345"}, "error_dest_invalid"),
    ("transfer", {"on_failure": "retry"}, "error_on_failure_invalid"),
    ("transfer", {"caller_id": "Private"}, "error_caller_id_invalid"),
    ("hangup", {"force": "enabled"}, "error_force_with_msg"),
    ("hangup", {"force": "yes", "msg": None}, "error_force_invalid"),
]


@pytest.mark.parametrize(("block", "changes", "code"), CASES)
def test_each_problem_has_the_providers_code(
    block: str, changes: dict[str, Any], code: str
) -> None:
    params = {**VALID[block], **changes}
    params = {k: v for k, v in params.items() if v is not None}
    report = validate_request(block, params)
    assert report.codes == (code,), report.codes
    (diagnostic,) = report.diagnostics
    assert diagnostic.is_error
    assert code in CODES
    changed = next(iter(changes))
    if code not in ("error_force_with_msg", "error_msg_param_missing"):
        assert diagnostic.field == changed


def test_every_block_specific_code_is_reached() -> None:
    """Every x-status of the request schemas is a catalogued code a case above produces."""
    statuses = set()
    for name in BLOCKS:
        for prop in msgkit.schema(f"{name}-request")["properties"].values():
            statuses.add(prop.get("x-status"))
        for node in msgkit.schema(f"{name}-request").get("$defs", {}).values():
            statuses.add(node.get("x-status"))
    statuses -= {
        None,
        "error_invalid_app_id",
        "error_invalid_access_token",
        "error_malformed_params",
    }
    statuses -= {"error_msg_invalid_length", "error_tag_invalid_length", "error_invalid_notify_url"}
    assert statuses <= set(CODES)
    assert statuses <= {code for *_, code in CASES}


def test_strings_and_ints_are_the_same_request() -> None:
    as_wire = {**VALID["gather"], "max_digits": "4", "timeout": "10", "attempts": "2"}
    as_ints = {**VALID["gather"], "max_digits": 4, "timeout": 10, "attempts": 2}
    assert validate_request("gather", as_wire) == validate_request("gather", as_ints)
    assert validate_request("play", {"session": 12345, "msg": "Hi."}).ok


def test_unknown_parameter_is_named_with_a_did_you_mean() -> None:
    (d,) = validate_request("gather", {**VALID["gather"], "max_digitz": 4})
    assert "max_digitz" in d.message and d.hint == "did you mean 'max_digits'?"
    (d,) = validate_request("play", {**VALID["play"], "on_failure": "continue"})
    assert "on_failure" in d.message and "transfer" in (d.hint or "")


def test_unknown_block_raises_listing_the_blocks() -> None:
    with pytest.raises(ValueError) as caught:
        validate_request("gathr", {})
    for name in BLOCKS:
        assert name in str(caught.value)


def test_select_and_ignore_apply() -> None:
    params = {**VALID["gather"], "max_digits": 999, "timeout": 0}
    report = validate_request("gather", params, config=Config(ignore=("error_invalid_max",)))
    assert report.codes == ("error_invalid_timeout",)


def test_hostile_values_stay_diagnostics() -> None:
    for value in (None, [], {}, object(), "9" * 100_000, float("nan"), float("inf")):
        params = {**VALID["gather"], "max_digits": value}
        if value is None:
            continue
        report = validate_request("gather", params)
        assert report.codes == ("error_invalid_max_digits",), value


def test_plugin_free_and_online_false_by_default() -> None:
    report = validate_request(
        "play", {"session": "S-1", "msg": "<url>https://example.com/a.mp3</url>"}
    )
    assert report.ok


def test_document_block_enum_is_the_catalogue() -> None:
    assert msgkit.schema("message")["properties"]["block"]["enum"] == list(BLOCKS)


# --- message documents naming their block, through msgkit lint --------------------------------


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    (tmp_path / "menu.msg.yaml").write_text(
        "block: gather\nmsg: Press 1 for sales.\nmax_digits: 1\ntimeout: 10\n"
        f"notify_url: {NOTIFY}\n"
    )
    (tmp_path / "bad.msg.yaml").write_text(
        "block: gather\nmsg: Press 1 for sales.\nmax_digits: 300\ntimeout: '0'\n"
    )
    (tmp_path / "transfer.msg.json").write_text(
        json.dumps({"block": "transfer", "msg": "Connecting.", "dest": "room:x"}) + "\n"
    )
    (tmp_path / "plain.msg.yaml").write_text("msg: Thank you for calling.\nmax_digits: 4\n")
    (tmp_path / "typo.msg.yaml").write_text("block: gathr\nmsg: Hi.\n")
    (tmp_path / "monitor.msg.yaml").write_text("msg: This call is recorded.\n")
    return tmp_path


def _lint(cwd: Path, *args: str) -> Any:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            main, ["lint", "--format", "json", *args], env={"NO_COLOR": "1"}, catch_exceptions=False
        )
    finally:
        os.chdir(old)


def _codes(output: str) -> dict[str, list[tuple[str, int | None]]]:
    found: dict[str, list[tuple[str, int | None]]] = {}
    for item in json.loads(output):
        path = Path(item["path"]).name
        found.setdefault(path, []).append((item["code"], item.get("line")))
    return found


def test_lint_checks_block_documents(documents: Path) -> None:
    result = _lint(documents, "--no-respect-gitignore", ".")
    assert result.exit_code == 1
    codes = _codes(result.output)
    assert "menu.msg.yaml" not in codes
    assert "monitor.msg.yaml" not in codes
    assert sorted(codes["bad.msg.yaml"]) == [
        ("error_invalid_max_digits", 3),
        ("error_invalid_timeout", 4),
        ("error_notify_url_param_missing", None),
    ]
    assert codes["transfer.msg.json"] == [("error_invalid_room", 1)]
    assert codes["plain.msg.yaml"] == [("error_unknown_param", 2)]
    assert codes["typo.msg.yaml"] == [("error_document_invalid", 1)]


def test_lint_block_documents_in_a_subprocess(documents: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from msgkit.cli import main; main()",
            "lint",
            "bad.msg.yaml",
            "typo.msg.yaml",
            "menu.msg.yaml",
        ],
        cwd=documents,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "bad.msg.yaml:3:13: error_invalid_max_digits" in done.stdout
    assert "did you mean 'gather'?" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    ok = subprocess.run(
        [sys.executable, "-c", "from msgkit.cli import main; main()", "lint", "menu.msg.yaml"],
        cwd=documents,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.parametrize("code", sorted({c for *_, c in CASES} - {"error_msg_invalid_xml"}))
def test_explain_knows_every_new_code(code: str) -> None:
    result = CliRunner().invoke(main, ["explain", code])
    assert result.exit_code == 0
    assert result.output.startswith(f"# {code}")


def test_online_checks_the_msgs_recordings(httpserver: Any) -> None:
    """online=True runs the same online checks validate runs: a recording that is not there
    is the provider's error_msg_download_failed, before anything is sent."""
    from msgkit import OnlineOptions

    httpserver.expect_request("/missing.mp3").respond_with_data("no", status=404)
    params = {**VALID["play"], "msg": f"<url>{httpserver.url_for('/missing.mp3')}</url>"}
    options = OnlineOptions(allow_private=True, use_cache=False, timeout=2.0)
    assert validate_request("play", params).ok  # offline, the URL is fine
    report = validate_request("play", params, online=True, online_options=options)
    assert "error_msg_download_failed" in report.codes


def test_plugin_checks_run_on_the_msg(monkeypatch: pytest.MonkeyPatch) -> None:
    from msgkit import Diagnostic, Severity, validation

    seen: list[str] = []

    def fake_checks() -> tuple[object, ...]:
        return (object(),)

    def fake_run(message: object, config: object) -> list[Diagnostic]:
        seen.append(str(message))
        return [Diagnostic("warning_msg_empty", Severity.WARNING, "plugin says so")]

    monkeypatch.setattr(validation, "_plugin_checks", fake_checks)
    monkeypatch.setattr("msgkit.plugins.run_plugin_checks", fake_run)
    report = validate_request("play", VALID["play"])
    assert report.codes == ("warning_msg_empty",) and len(seen) == 1


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("max_digits", "error_invalid_max_digits"),
        ("session", "error_invalid_session"),
        ("tag", "error_malformed_params"),
        ("msg", "error_malformed_params"),
        ("notify_url", "error_malformed_params"),
    ],
)
@pytest.mark.parametrize(
    "value", [10**5000, ["x"], {"x": 1}, True, 2.5], ids=["huge", "list", "dict", "bool", "float"]
)
def test_values_of_the_wrong_kind_are_diagnostics(key: str, code: str, value: object) -> None:
    """Never a traceback: not for a list, nor for an integer too large for Python to print."""
    params = {**VALID["gather"], key: value}
    report = validate_request("gather", params)
    assert code in report.codes, report.codes
    assert all(len(d.message) < 200 for d in report)


def test_request_refuses_an_integer_too_large_to_print() -> None:
    from msgkit.transports.base import RequestError

    with pytest.raises(RequestError, match="max_digits"):
        msgkit.request("gather", app_id="a", access_token="t", session="S", max_digits=10**5000)


def test_a_yaml_number_for_dest_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "call.msg.yaml").write_text("block: dial\nmsg: Hello.\ndest: +6591234567\n")
    codes = _codes(_lint(tmp_path, "call.msg.yaml").output)
    assert codes == {"call.msg.yaml": [("error_document_invalid", 3)]}
    result = _lint(tmp_path, "call.msg.yaml")
    assert "put it in quotes" in result.output


def test_linting_block_documents_stays_lean(documents: Path) -> None:
    """The request schemas are compiled to plain checks: no jsonschema, httpx or pluggy for a
    valid block document (as for any valid document)."""
    code = (
        "import sys; from msgkit.cli import main\n"
        "try:\n    main(['lint', 'menu.msg.yaml'])\nexcept SystemExit as done:\n"
        "    assert done.code == 0, done.code\n"
        "print(sorted(m for m in ('httpx', 'jsonschema', 'pluggy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=documents, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_issue_signature() -> None:
    report = validate_request(block="play", params={"session": "S", "msg": "Hi."}, config=None)
    assert report.ok
