"""``msgkit preview`` through click's runner and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from preview_support import needs_espeak, needs_extra, read_wav

from msgkit.cli import main
from msgkit.cli.preview import default_output

GREETING = (
    'Thank you for calling. <speech language="zh-HK">多謝你嘅來電。</speech>'
    "<url>https://example.com/hold.mp3</url>"
)


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.chdir(tmp_path)


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def test_the_default_output_is_the_files_name_with_wav_next_to_it() -> None:
    assert default_output("prompts/greeting.msg") == Path("prompts/greeting.wav")
    assert default_output("prompts/greeting.msg.yaml") == Path("prompts/greeting.wav")
    assert default_output("a.msg.json") == Path("a.wav")
    assert default_output("notes.txt") == Path("notes.wav")
    assert default_output("-") == Path("preview.wav")


@needs_espeak
@needs_extra
def test_preview_writes_the_wav_and_prints_the_timeline(tmp_path: Path) -> None:
    (tmp_path / "prompts").mkdir()
    source = tmp_path / "prompts" / "greeting.msg.yaml"
    source.write_text(f"msg: '{GREETING}'\n", encoding="utf-8")
    result = invoke("preview", str(source))
    assert result.exit_code == 0, result.output
    written = tmp_path / "prompts" / "greeting.wav"
    wav = read_wav(written.read_bytes())
    assert (wav.rate, wav.channels, wav.width) == (8000, 1, 2)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{written}: ") and "8000 Hz mono 16-bit" in lines[0]
    assert "text" in lines[1] and "en+f3" in lines[1] and '"Thank you for calling."' in lines[1]
    assert "speech" in lines[2] and "yue+f3" in lines[2]
    assert "audio" in lines[3] and "https://example.com/hold.mp3" in lines[3]
    assert "! not fetched (offline)" in lines[4]


@needs_espeak
@needs_extra
def test_the_json_timeline_matches_the_wav(tmp_path: Path) -> None:
    (tmp_path / "g.msg").write_text(GREETING, encoding="utf-8")
    result = invoke("preview", "g.msg", "--format", "json", "-o", "out.wav")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["output"] == "out.wav"
    assert (data["sample_rate"], data["channels"], data["sample_width"]) == (8000, 1, 2)
    assert [s["kind"] for s in data["segments"]] == ["text", "speech", "audio"]
    assert data["segments"][2] == {
        "kind": "audio",
        "start": data["segments"][2]["start"],
        "duration": 1.0,
        "url": "https://example.com/hold.mp3",
        "format": None,
        "fetched": False,
        "problem": "not fetched (offline): a 1 s gap stands in for it",
    }
    ends = 0.0
    for segment in data["segments"]:
        assert segment["start"] == pytest.approx(ends, abs=1e-3)
        ends = segment["start"] + segment["duration"]
    wav = read_wav((tmp_path / "out.wav").read_bytes())
    assert abs(wav.seconds - data["duration"]) <= 0.05 * data["duration"]


@needs_espeak
@needs_extra
def test_standard_input_in_and_the_wav_on_standard_output() -> None:
    result = invoke("preview", "-", "-o", "-", "--phone", stdin="Hello there.")
    assert result.exit_code == 0, result.stderr
    wav = read_wav(result.stdout_bytes)
    assert (wav.rate, wav.channels, wav.width) == (8000, 1, 2)
    assert "standard output" in result.stderr and "band-limited to 300-3400 Hz" in result.stderr


def test_a_message_that_does_not_parse_is_reported_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    (tmp_path / "bad.msg").write_text("Hello <speech>there", encoding="utf-8")
    result = invoke("preview", "bad.msg")
    assert result.exit_code == 1
    assert "bad.msg:1:" in result.stderr and "error_msg_invalid_xml" in result.stderr
    assert "no audio written" in result.stderr
    assert not (tmp_path / "bad.wav").exists()
    as_json = invoke("preview", "bad.msg", "--format", "json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)[0]["code"] == "error_msg_invalid_xml"
    # A document that is not a message document at all gets lint's diagnostics too.
    (tmp_path / "doc.msg.json").write_text('{"msgg": "Hi"}', encoding="utf-8")
    document = invoke("preview", "doc.msg.json")
    assert document.exit_code == 1 and "error_document_invalid" in document.stderr
    assert not (tmp_path / "doc.wav").exists()
    missing = invoke("preview", "nope.msg")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


@needs_extra
def test_without_espeak_the_command_exits_2_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "g.msg").write_text("Hello", encoding="utf-8")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = invoke("preview", "g.msg")
    assert result.exit_code == 2
    assert "espeak-ng" in result.stderr and "apt-get install espeak-ng" in result.stderr
    assert not (tmp_path / "g.wav").exists()


def test_without_the_extra_the_command_exits_2_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "soundfile", None)
    (tmp_path / "g.msg").write_text("<url>https://example.com/a.mp3</url>", encoding="utf-8")
    result = invoke("preview", "g.msg")
    assert result.exit_code == 2
    assert 'pip install "msgkit[preview]"' in result.stderr
    assert not (tmp_path / "g.wav").exists()


def process(
    args: list[str], cwd: Path, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-c", "from msgkit.cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_espeak
@needs_extra
def test_as_a_process_it_writes_the_wav_and_without_espeak_it_exits_2(tmp_path: Path) -> None:
    (tmp_path / "g.msg").write_text("Hello from a real process.", encoding="utf-8")
    done = process(["preview", "g.msg"], tmp_path)
    assert done.returncode == 0, done.stderr
    wav = read_wav((tmp_path / "g.wav").read_bytes())
    assert (wav.rate, wav.channels, wav.width) == (8000, 1, 2) and wav.seconds > 1
    (tmp_path / "g.wav").unlink()
    empty = tmp_path / "bin"
    empty.mkdir()
    hidden = process(["preview", "g.msg"], tmp_path, path=str(empty))
    assert hidden.returncode == 2
    assert "apt-get install espeak-ng" in hidden.stderr and "Traceback" not in hidden.stderr
    assert not (tmp_path / "g.wav").exists()


def test_preview_is_listed_and_lint_does_not_load_it(tmp_path: Path) -> None:
    assert "preview" in invoke("--help").stdout
    (tmp_path / "g.msg").write_text("Hello. " * 30, encoding="utf-8")
    code = (
        "import sys\nfrom msgkit.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('msgkit.previewer') "
        "or m in ('numpy', 'soundfile', 'soxr')))"
    )
    plain = subprocess.run(
        [sys.executable, "-c", code, "lint", "g.msg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert plain.stdout.strip().splitlines()[-1] == "[]"
    # With the opt-in check, the estimate loads, and still nothing that renders audio.
    timed = subprocess.run(
        [sys.executable, "-c", code, "lint", "--max-prompt-seconds", "5", "g.msg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "warning_msg_prompt_too_long" in timed.stdout
    loaded = eval(timed.stdout.strip().splitlines()[-1])
    assert "msgkit.previewer.estimate" in loaded
    assert not {"numpy", "soundfile", "soxr", "msgkit.previewer.audio"} & set(loaded)
