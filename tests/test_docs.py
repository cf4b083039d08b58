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
    "warning_msg_audio_unverified": "needs the recording's bytes",
    "error_url_not_public": "reported only by online checks, which resolve hosts",
    "warning_url_not_checked": "needs a server slower than the run's deadline",
    "warning_unused_ignore": "about a file's comments; tests/test_suppressions.py runs the page",
}

# f-strings that build codes, by their constant prefix: every code they can make.
FSTRING_CODES: dict[str, tuple[str, ...]] = {
    "error_invalid_": ("error_invalid_notify_url", "error_invalid_monitor_notify_url"),
}

# Where code strings are the provider's answers, not diagnostics msgkit emits: transports parse
# them, the sandbox (a stand-in for the provider) answers with them, msgkit.Call raises the
# ApiError the provider would answer (calls.py), and msgkit.testing feeds them to transports
# under test.
NOT_EMITTED = ("transports/", "sandbox/", "calls.py", "testing.py")

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


# 6 ------------------------------------------------------------------------------------------
# The shell blocks of README.md and docs/ run as written (see docs/contributing.md, "The
# documentation is tested"). Each runs in a fresh temporary directory holding a copy of
# examples/ and pyproject.toml, with the worktree's msgkit first on PYTHONPATH and PATH, in a
# process group of its own that must be empty when the block is done.

SHELL_LANGS = ("console", "bash", "sh", "shell")
SHELL_FENCE = re.compile(
    r"^```(?P<lang>console|bash|sh|shell)[^\n]*\n(?P<body>.*?)^```\s*$", re.M | re.S
)
MARKER = re.compile(r"<!--\s*msgkit:\s*no-run\b(?P<rest>.*?)-->")
NO_RUN = re.compile(r"<!--\s*msgkit:\s*no-run\s*\((?P<reason>[^()]*\S[^()]*)\)\s*-->")
PROMPT = "$ "
BLOCK_SECONDS = 60
# Ports written in the docs; each is replaced by a free one, so parallel runs cannot collide.
PORT = re.compile(r"(?:127\.0\.0\.1:|localhost:|--port )(?P<port>[1-9][0-9]{3,4})\b")
# Copied into the directory a block runs in: what the docs refer to by relative path.
FIXTURES = ("examples", "pyproject.toml")
SKIPPED_INSTALL = "skipped by the documentation tests: the suite runs the msgkit it tests"


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def shell_blocks() -> list[tuple[str, int, str, str | None]]:
    """(file, line, body, no-run reason or None) of every shell block."""
    blocks: list[tuple[str, int, str, str | None]] = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for fence in SHELL_FENCE.finditer(text):
            before = text[: fence.start()].rstrip().rsplit("\n", 1)[-1]
            marker = NO_RUN.fullmatch(before.strip())
            line = text.count("\n", 0, fence.start()) + 1
            name = path.relative_to(ROOT).as_posix()
            blocks.append((name, line, fence["body"], marker["reason"] if marker else None))
    return blocks


BLOCKS = shell_blocks()


ANY_FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```[ \t]*$", re.M | re.S)


def test_no_run_markers_give_a_reason_and_precede_a_shell_block() -> None:
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        # A marker shown inside a code block is an example of one, not a marker.
        outside = ANY_FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
        for found in MARKER.finditer(outside):
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, found.start()) + 1}"
            assert NO_RUN.fullmatch(found.group(0)), (
                f"{where}: write the marker as <!-- msgkit: no-run (the reason) -->"
            )
            after = text[found.end() :].lstrip("\n")
            assert after.startswith(tuple(f"```{lang}" for lang in SHELL_LANGS)), (
                f"{where}: a no-run marker goes on the line just before a shell block"
            )


def test_the_docs_have_runnable_blocks() -> None:
    runnable = {name for name, _, _, reason in BLOCKS if reason is None}
    assert {"README.md", "docs/index.md", "docs/cli/sandbox.md"} <= runnable


def test_a_block_that_leaves_a_process_behind_fails(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="left processes behind"):
        run_block("sleep 30 &\necho started\n", tmp_path)


def test_a_transcript_stops_at_a_usage_error(tmp_path: Path) -> None:
    body = "$ msgkit lint examples/broken/error_msg_invalid_language.msg\nFound 1 error\n"
    status, output, _ = run_block(body + "$ msgkit lint --no-such-option\n$ echo after\n", tmp_path)
    assert status == 97 and "after" not in output, output
    assert "exit status 2 from: msgkit lint --no-such-option" in output


def test_pip_install_lines_do_nothing(tmp_path: Path) -> None:
    body = 'python -m pip install -e ".[test]" && pip install nothing-at-all && msgkit --version\n'
    status, output, _ = run_block(body, tmp_path)
    assert status == 0 and output.count(SKIPPED_INSTALL) == 2, output


def transcript_commands(body: str) -> list[str] | None:
    """The commands of a transcript (lines after ``$ ``, with their continuation lines), or
    ``None`` when the block is a script to run as a whole."""
    lines = body.splitlines()
    if not any(line.startswith(PROMPT) for line in lines):
        return None
    commands: list[str] = []
    continued = False
    for line in lines:
        if continued:
            commands[-1] += "\n" + line
        elif line.startswith(PROMPT):
            commands.append(line[len(PROMPT) :])
        else:
            continue  # output shown in the docs: illustrative, not compared
        continued = line.endswith("\\")
    return commands


def script_for(body: str) -> str:
    """A transcript runs command by command: 0 or 1 (the documented "problems found") is fine,
    anything else (2 is a usage error) stops it. A script runs as a whole under ``set -e``."""
    commands = transcript_commands(body)
    if commands is None:
        return "set -e\n" + body
    parts = []
    for command in commands:
        first = command.splitlines()[0].replace("'", "")
        parts.append(
            f"{{ {command}\n}}\nstatus=$?\n"
            f"if [ $status -gt 1 ]; then echo 'docs: exit status '$status' from: {first}' >&2; "
            "exit 97; fi\n"
        )
    return "".join(parts)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def with_free_ports(body: str) -> str:
    ports = {found["port"] for found in PORT.finditer(body)}
    for port in ports:
        body = re.sub(rf"\b{port}\b", str(free_port()), body)
    return body


def shims(directory: Path) -> Path:
    """``msgkit`` runs the worktree's code with this interpreter; ``python -m pip install`` and
    ``pip install`` do nothing (the blocks must not change the environment the suite runs in)."""
    directory.mkdir()
    python = sys.executable
    scripts = {
        "msgkit": f"#!{python}\nimport sys\nfrom msgkit.cli import main\nsys.exit(main())\n",
        "python": (
            "#!/bin/sh\n"
            'if [ "$1" = -m ] && [ "$2" = pip ] && [ "$3" = install ]; then\n'
            f'  echo "docs: $* ({SKIPPED_INSTALL})" >&2; exit 0\n'
            f'fi\nexec "{python}" "$@"\n'
        ),
        "pip": (
            "#!/bin/sh\n"
            f'if [ "$1" = install ]; then echo "docs: pip $* ({SKIPPED_INSTALL})" >&2; exit 0; fi\n'
            f'exec "{python}" -m pip "$@"\n'
        ),
    }
    scripts["python3"], scripts["pip3"] = scripts["python"], scripts["pip"]
    for name, text in scripts.items():
        shim = directory / name
        shim.write_text(text, encoding="utf-8")
        shim.chmod(0o755)
    return directory


def group_members(group: int) -> list[str]:
    """The live (not zombie) processes of a process group, as ``pid command`` lines."""
    import os

    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return []
        return [f"process group {group}"]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, pgid = fields[0], int(fields[2])
        if pgid == group and state != "Z":
            members.append(f"{entry.name} {cmdline.strip()}")
    return members


def run_block(body: str, tmp_path: Path) -> tuple[int, str, float]:
    """Run a block; return its exit status, its output and how long it took. Fails the test if
    it runs past BLOCK_SECONDS or leaves a process behind."""
    import os
    import shutil
    import signal
    import time

    work = tmp_path / "work"
    work.mkdir()
    for name in FIXTURES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name)
        else:
            shutil.copy2(source, work / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSGKIT_")}
    env.pop("GITHUB_ACTIONS", None)
    env.update(
        PATH=f"{shims(tmp_path / 'bin')}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        HOME=str(tmp_path / "home"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        NO_COLOR="1",
    )
    script = script_for(with_free_ports(body))
    log = tmp_path / "output.txt"
    started = time.monotonic()
    # Output to a file, not a pipe: a process left behind would hold a pipe open, and the test
    # would wait for it instead of finding it.
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            process.wait(timeout=BLOCK_SECONDS)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            timed_out = True
    elapsed = time.monotonic() - started
    left = group_members(process.pid)
    if left:
        os.killpg(process.pid, signal.SIGKILL)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert not timed_out, f"the block ran past {BLOCK_SECONDS} s:\n{output}"
    assert not left, f"the block left processes behind: {left}\n{output}"
    return process.returncode, output, elapsed


RUNNABLE = [(name, line, body) for name, line, body, reason in BLOCKS if reason is None]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "line", "body"), RUNNABLE, ids=[f"{name}:{line}" for name, line, _ in RUNNABLE]
)
def test_shell_block_runs(name: str, line: int, body: str, tmp_path: Path) -> None:
    if "msgkit sandbox serve" in body:
        pytest.importorskip("starlette")
        pytest.importorskip("uvicorn")
    status, output, _ = run_block(body, tmp_path)
    assert status == 0, f"{name}:{line} exited with status {status}:\n{output}"
    assert "Traceback (most recent call last)" not in output, output


@pytest.mark.slow
def test_readme_sandbox_flow_runs_end_to_end(tmp_path: Path) -> None:
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    flow = section(text, "The whole flow, without a phone")
    fence = SHELL_FENCE.search(flow)
    assert fence is not None
    status, output, elapsed = run_block(fence["body"], tmp_path)
    assert status == 0, output
    assert elapsed < 30, f"the flow took {elapsed:.1f} s"
    assert "success_ok" in output and "ended" in output
    saved = list((tmp_path / "work" / "recordings").glob("*.mp3"))
    assert len(saved) == 1 and saved[0].stat().st_size > 0, output
    assert (
        saved[0].read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
        or saved[0].read_bytes()[0] == 0xFF
    )
