"""Write the seed corpora under ``fuzz/corpus/``: ``python -m fuzz.seeds``.

The seeds are what the project already knows to be interesting: the example message files
(good and broken), the failing examples and fixes of docs/diagnostics and the other docs' code
blocks, and the string literals of the test suite's hostile cases. Each seed is a file named by
the SHA-1 of its bytes, so writing them again changes nothing, and the inputs of crashes found
(see ``fuzz/README.md``) sit beside them.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
MAX_SEED = 4096

_FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _fenced(language: Iterable[str]) -> Iterator[str]:
    wanted = set(language)
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for found in _FENCE.finditer(page.read_text(encoding="utf-8")):
            if found.group(1) in wanted:
                yield found.group(2)


def _literals(*names: str) -> Iterator[str]:
    """Every string constant in these test files (f-strings excepted)."""
    for name in names:
        tree = ast.parse((ROOT / "tests" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value


def _files(*patterns: str) -> Iterator[bytes]:
    for pattern in patterns:
        for path in sorted((ROOT / "examples").rglob(pattern)):
            yield path.read_bytes()


def _looks_like_markup(text: str) -> bool:
    return ("<" in text or "&" in text) and len(text) > 2


def markup_seeds() -> list[bytes]:
    seeds = list(_files("*.msg"))
    seeds += [t.rstrip("\n").encode() for t in _fenced(["xml"])]
    tests = ("test_hostile_input.py", "test_markup.py", "test_validate.py", "test_properties.py")
    seeds += [
        t.encode("utf-8", "surrogatepass") for t in _literals(*tests) if _looks_like_markup(t)
    ]
    return seeds


def json_seeds() -> list[bytes]:
    seeds = list(_files("*.msg.json"))
    seeds += [t.encode() for t in _fenced(["json"]) if '"msg"' in t or '"segments"' in t]
    seeds += [
        t.encode("utf-8", "surrogatepass")
        for t in _literals("test_documents.py", "test_lint.py", "test_source_context.py")
        if t.lstrip().startswith("{")
    ]
    return seeds


def yaml_seeds() -> list[bytes]:
    seeds = list(_files("*.msg.yaml", "*.msg.yml"))
    seeds += [t.encode() for t in _fenced(["yaml"]) if "msg:" in t or "segments:" in t]
    seeds += [
        t.encode("utf-8", "surrogatepass")
        for t in _literals("test_documents.py", "test_lint.py", "test_suppressions.py")
        if re.search(r"^\s*(msg|segments):", t, re.MULTILINE)
    ]
    return seeds


def notification_seeds() -> list[bytes]:
    seeds = []
    for text in _literals("test_notifications.py", "test_security_notify.py"):
        if "session" not in text:
            continue
        body = text.encode("utf-8", "surrogatepass")
        mode = 1 if text.lstrip().startswith("{") else 0  # the content type: JSON or form
        seeds.append(bytes([mode]) + body)
    form = b"session=S-1&txn_ref=T-1&call_state=ended&date=2024-03-01+14%3A05%3A09&duration=2"
    seeds.append(b"\x00" + form + b"&currency=SGD&rate=0.02&debit=0.04\x00\x1fapp_state=7")
    seeds.append(b"\x08\x00\x1f" + form)  # the fields in the query string
    seeds.append(
        b"\x01"
        + b'{"session":"S","txn_ref":"T","call_state":"ended","monitor_status":"success",'
        + b'"monitor_url":"https://example.com/r.mp3?Expires=1640069813"}'
    )
    return seeds


def audio_seeds() -> list[bytes]:
    sys.path.insert(0, str(ROOT / "tests"))
    import test_online_support as support

    files = [
        support.wav_bytes(),
        support.wav_bytes(rate=44100, channels=2),
        support.wav_with_chunk_before_fmt(100),
        support.mp3_bytes(),
        support.mp3_bytes(support.MP3_44K_STEREO, frames=4),
        support.mp3_bytes(frames=4, id3=64),
        support.gsm_bytes(),
        b"<?xml version='1.0'?><Error>AccessDenied</Error>",
        b"<html><body>Not found</body></html>",
    ]
    # The first byte: a window of 512 bytes, the file's size known (see targets.sniff_target).
    return [b"\x9f" + f for f in files] + [b"\x01" + f for f in files]


def buffers() -> list[bytes]:
    """Seeds for the hypothesis targets: bytes the strategies read as choices."""
    return [hashlib.sha512(bytes([i])).digest() * (1 + i) for i in range(8)]


def reporter_seeds() -> list[bytes]:
    """Findings as the reporters target reads them (see targets.reporters_target): a format,
    colour, quiet, then findings."""
    one = bytes([3, 0x61, 0x62, 0xFF, 0x2E, 1, 5, 3]) + b"bad&x" + bytes([1, 0, 7, 1, 0, 1, 2])
    return [bytes([fmt, 0, 0, 2]) + one + one for fmt in range(5)]


def request_seeds() -> list[bytes]:
    """Parameters of a request: the first byte picks the block (see targets.request_target)."""
    bodies = [
        b'{"msg": "Hello &amp; welcome", "tag": "t-1", "notify_url": "https://example.com/n"}',
        b'{"dest": "+6511111111", "caller_id": "+6522222222", "max_duration": 60}',
        b'{"msg": "<speech language=\\"en\\">Press 1</speech>", "max_digits": "1",'
        b' "timeout": 5, "attempts": 3, "on_failure": "hangup"}',
        b"msg=Hi&tag=x&max_digits=0&timeout=-1&force=yes",
        b"dest=%2B6511111111&session=S-1&unknown=1",
    ]
    return [bytes([block]) + body for block in range(8) for body in bodies]


def all_seeds() -> dict[str, list[bytes]]:
    markup, documents = markup_seeds(), {"msg": None, "json": json_seeds(), "yaml": yaml_seeds()}
    documents["msg"] = markup
    fix = [bytes([i]) + s for i, kind in enumerate(documents) for s in documents[kind] or []]
    return {
        "parse": markup,
        "validate": markup,
        "lint-msg": markup,
        "lint-json": documents["json"] or [],
        "lint-yaml": documents["yaml"] or [],
        "fix": fix,
        "notification": notification_seeds(),
        "sniff": audio_seeds(),
        "notification-fields": buffers(),
        "reporters": reporter_seeds(),
        "request": request_seeds(),
        "server": fix,  # the same layout: a byte for the kind of file, then the file
    }


def write(name: str, seeds: Iterable[bytes]) -> int:
    folder = CORPUS / name
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for seed in seeds:
        seed = seed[:MAX_SEED]
        path = folder / hashlib.sha1(seed).hexdigest()
        if not path.exists():
            path.write_bytes(seed)
            written += 1
    return written


def main() -> None:
    for name, seeds in all_seeds().items():
        print(f"{name}: {write(name, seeds)} new seeds")


if __name__ == "__main__":
    main()
