"""The documentation keeps up with the code.

1. Every code in ``msgkit.CODES`` has a page ``docs/diagnostics/<code>.md`` in the shared form,
   whose header line agrees with the catalogue, and the reference table links to it.
2. Every code the library can emit is in ``CODES``.
3. Each page's failing example produces its code, and its fix does not.
4. ``mkdocs build --strict`` succeeds.
5. The ``python`` examples of the guide pages run (each page as one script).

The examples of a page are the first fenced block under ``## Failing example`` and under
``## The fix``. An ``xml`` block is a msg, checked with ``msgkit.validate``; a ``python`` block
is executed and must bind ``report`` to the result of a ``validate(...)`` call (for codes about
the request parameters, or a msg a page cannot show literally).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import msgkit
from msgkit import CODES, Report, Severity

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = DOCS / "diagnostics"
PACKAGE = ROOT / "msgkit"
GUIDE = ("index.md", "markup.md", "library.md")

# Codes whose examples cannot be checked offline, each with the reason. Keep this list short:
# a code belongs here only when no offline validate() call can produce it.
UNCHECKED_EXAMPLES: dict[str, str] = {
    "error_msg_download_failed": "needs a server to download the recording from",
    "error_msg_invalid_file_size": "needs the recording's size, known only online",
    "error_unable_to_resolve_notify_url": "needs DNS",
    "error_unable_to_resolve_monitor_notify_url": "needs DNS",
    "error_unable_to_complete_ssl_handshake_notify_url": "needs a TLS server",
    "warning_msg_url_not_cacheable": "needs the recording's HTTP headers",
    "warning_msg_url_ignores_if_modified_since": "needs the recording's server",
    "warning_msg_url_content_type": "needs the recording's HTTP headers",
    "warning_msg_audio_not_8khz_mono": "needs the recording's bytes",
    "warning_msg_audio_size_unknown": "needs the recording's server",
    "error_url_not_public": "reported only by online checks, which resolve hosts",
    "warning_url_not_checked": "needs a server slower than the run's deadline",
    "warning_unused_ignore": "about a file's comments; tests/test_suppressions.py runs the page",
}

# f-strings that build codes, by their constant prefix: every code they can make.
FSTRING_CODES: dict[str, tuple[str, ...]] = {
    "error_invalid_": ("error_invalid_notify_url", "error_invalid_monitor_notify_url"),
}

# Where code strings are the provider's answers, not diagnostics msgkit emits: transports parse
# them, the sandbox (a stand-in for the provider) answers with them, and msgkit.testing feeds
# them to transports under test.
NOT_EMITTED = ("transports/", "sandbox/", "testing.py")

CODE_LITERAL = re.compile(r"(?:error|warning)_[a-z0-9_]+")
HEADER = re.compile(
    r"^\*\*Severity:\*\* (?P<severity>error|warning)"
    r" · \*\*Provider status:\*\* (?P<api>yes|no \(msgkit's own\))"
    r" · \*\*Fix:\*\* (?P<fix>.+)$",
    re.M,
)
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```\s*$", re.M | re.S)


def section(text: str, heading: str) -> str:
    """The text under ``## heading`` up to the next ``## `` heading."""
    found = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found is not None, f"no '## {heading}' section"
    return found.group(1)


def example(text: str, heading: str) -> tuple[str, str]:
    """(fence language, body) of the first fenced block under ``## heading``."""
    fence = FENCE.search(section(text, heading))
    assert fence is not None, f"no fenced code block under '## {heading}'"
    return fence.group("lang"), fence.group("body")


def run_example(lang: str, body: str) -> Report:
    if lang == "xml":
        # The fence ends with the line break before the closing ```: not part of the msg.
        return msgkit.validate(body.removesuffix("\n"))
    if lang == "python":
        namespace: dict[str, Any] = {}
        exec(compile(body, "<example>", "exec"), namespace)
        report = namespace.get("report")
        assert isinstance(report, Report), "a python example must bind `report` to validate(...)"
        return report
    raise AssertionError(
        f"examples are ```xml (a msg) or ```python (binding `report`), not ```{lang}; "
        "or list the code in UNCHECKED_EXAMPLES in tests/test_docs.py"
    )


def pages() -> list[Path]:
    return sorted(p for p in PAGES.glob("*.md") if p.name != "index.md")


# 1 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_has_a_page(code: str) -> None:
    page = PAGES / f"{code}.md"
    assert page.is_file(), f"{code} has no page {page.relative_to(ROOT)}"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# {code}\n"), "the page starts with '# <code>'"
    for heading in ("Why", "Failing example", "The fix"):
        section(text, heading)
    header = HEADER.search(text)
    assert header is not None, "no '**Severity:** … · **Provider status:** … · **Fix:** …' line"
    entry = CODES[code]
    assert Severity(header["severity"]) is entry.severity
    assert header["api"] == ("yes" if entry.api else "no (msgkit's own)")
    assert (header["fix"] != "none") is entry.fixable, "Fix: is 'none' exactly when not fixable"


def test_every_page_is_a_code() -> None:
    stray = [p.name for p in pages() if p.stem not in CODES]
    assert not stray, f"pages for codes that are not in CODES: {stray}"


def test_reference_table_lists_every_code() -> None:
    table = (PAGES / "index.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"[{code}]({code}.md)" not in table]
    assert not missing, f"docs/diagnostics/index.md does not link {missing}"


# 2 ------------------------------------------------------------------------------------------


def _prefix_arguments(tree: ast.AST) -> set[int]:
    """ids of string constants passed to ``startswith`` / ``endswith``: prefixes, not codes."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("startswith", "endswith")
        ):
            for arg in node.args:
                ids.update(id(n) for n in ast.walk(arg) if isinstance(n, ast.Constant))
    return ids


def emitted_codes() -> dict[str, list[str]]:
    """Every code string in the library, with where it occurs."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        if where.startswith(NOT_EMITTED):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        prefixes = _prefix_arguments(tree)
        in_fstrings: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                in_fstrings.update(id(v) for v in node.values)
                if isinstance(head, ast.Constant) and isinstance(head.value, str):
                    prefix = head.value
                    if re.fullmatch(r"(?:error|warning)_[a-z0-9_]*", prefix):
                        expansions = FSTRING_CODES.get(prefix)
                        assert expansions is not None, (
                            f"{where}:{node.lineno}: f-string builds a code from {prefix!r}; "
                            "list what it can make in FSTRING_CODES in tests/test_docs.py"
                        )
                        for code in expansions:
                            found.setdefault(code, []).append(f"{where}:{node.lineno}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE_LITERAL.fullmatch(node.value)
                and id(node) not in prefixes
                and id(node) not in in_fstrings
            ):
                found.setdefault(node.value, []).append(f"{where}:{node.lineno}")
    return found


def test_every_emitted_code_is_documented() -> None:
    found = emitted_codes()
    assert "error_msg_invalid_xml" in found  # the scan finds something
    missing = {code: where for code, where in found.items() if code not in CODES}
    assert not missing, f"codes the library uses but CODES does not list: {missing}"


def test_fstring_expansions_are_codes() -> None:
    for prefix, codes in FSTRING_CODES.items():
        for code in codes:
            assert code.startswith(prefix)
            assert code in CODES


# 3 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_failing_example_fails_and_fix_does_not(page: Path) -> None:
    code = page.stem
    if code in UNCHECKED_EXAMPLES:
        pytest.skip(UNCHECKED_EXAMPLES[code])
    text = page.read_text(encoding="utf-8")
    failing = run_example(*example(text, "Failing example"))
    assert code in failing.codes, f"the failing example gives {failing.codes}, not {code}"
    fixed = run_example(*example(text, "The fix"))
    assert code not in fixed.codes, f"the fix still gives {code}"


def test_fixes_are_clean() -> None:
    """A fix that trades one diagnostic for another is a poor example: fixes report nothing."""
    for page in pages():
        if page.stem in UNCHECKED_EXAMPLES:
            continue
        fixed = run_example(*example(page.read_text(encoding="utf-8"), "The fix"))
        assert not fixed.diagnostics, f"{page.name}: the fix reports {fixed.codes}"


# 4 ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (site / "index.html").is_file()
    for code in CODES:
        assert (site / "diagnostics" / code / "index.html").is_file()


# 5 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GUIDE)
def test_guide_examples_run(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    blocks = [f["body"] for f in FENCE.finditer(text) if f["lang"] == "python"]
    assert blocks, f"{name} has no python examples"
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for number, body in enumerate(blocks, 1):
        exec(compile(body, f"{name}, python block {number}", "exec"), namespace)


def test_guide_xml_examples_are_valid() -> None:
    for name in GUIDE:
        text = (DOCS / name).read_text(encoding="utf-8")
        for fence in FENCE.finditer(text):
            if fence["lang"] == "xml":
                report = msgkit.validate(fence["body"].removesuffix("\n"))
                assert not report.diagnostics, f"{name}: {fence['body']!r} gives {report.codes}"
