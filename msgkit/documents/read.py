"""Reading message files: paths, bytes and text, encodings, size limits, JSON and YAML parsing.

Nothing here raises for a bad file: what goes wrong is a problem in the returned document.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterator
from typing import Any

from .inspect import _inspect
from .model import Document, Finding, Kind, _problem, kind_of
from .trees import _JsonTree, _YamlTree

# A msg is at most 1000 characters even on the generous reading; a message file a thousand
# times that is not a message file, and is reported without being read whole.
MAX_FILE_BYTES = 1 << 20


def strip_final_newline(text: str) -> str:
    """The markup a ``.msg`` file holds: its text without one final line break."""
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def _unreadable(path: str, kind: Kind, message: str, hint: str | None = None) -> Document:
    return Document(path, kind, problems=(_problem(path, None, message, hint=hint),))


_OS_REASONS = {
    errno.ELOOP: "it is a symlink loop",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "it is a broken symlink",
    errno.ENOTDIR: "a part of its path is not a directory",
    errno.ENAMETOOLONG: "its name is too long",
}


def _os_reason(error: OSError) -> str:
    return _OS_REASONS.get(error.errno or 0, error.strerror or str(error))


def read_path(path: str, *, display: str | None = None, kind: Kind | None = None) -> Document:
    """Read a message file. Never raises for a bad file: problems are in the document."""
    shown = display or path
    kind = kind or kind_of(path, strict=False) or "msg"
    try:
        # Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        if error.errno == errno.EISDIR:
            return _unreadable(shown, kind, "cannot read the file: it is a directory")
        return _unreadable(shown, kind, f"cannot read the file: {_os_reason(error)}")
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            return _unreadable(shown, kind, "cannot read the file: it is a directory")
        if not stat.S_ISREG(info.st_mode):
            what = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
            return _unreadable(shown, kind, f"cannot read the file: it is {what}")
        if info.st_size > MAX_FILE_BYTES:
            return _too_big(shown, kind, info.st_size)
        # Sized by the file, not the limit: a 1 MiB buffer per small file is what costs.
        chunks = [os.read(fd, info.st_size + 1)]
        while chunks[-1] and sum(map(len, chunks)) <= MAX_FILE_BYTES:
            chunks.append(os.read(fd, MAX_FILE_BYTES + 1 - sum(map(len, chunks))))
        data = b"".join(chunks)
    except OSError as error:
        return _unreadable(shown, kind, f"cannot read the file: {_os_reason(error)}")
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        return _too_big(shown, kind, len(data))
    return read_bytes(data, kind, shown)


def _too_big(path: str, kind: Kind, size: int) -> Document:
    return _unreadable(
        path,
        kind,
        f"the file is {size:,} bytes; message files are read up to {MAX_FILE_BYTES:,} bytes",
        "a msg is at most 1000 characters: is this really a message file?",
    )


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def read_bytes(data: bytes, kind: Kind, path: str) -> Document:
    """Decode and parse the bytes of a message file (UTF-8, with or without a BOM)."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return _unreadable(
                path,
                kind,
                f"the file is {name} encoded (it starts with a {name} byte-order mark)",
                "save it as UTF-8",
            )
    if b"\x00" in data:
        return _unreadable(
            path, kind, "the file is binary (it contains NUL bytes)", "lint text files only"
        )
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        head = data[: error.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        problem = _problem(
            path,
            None,
            f"the file is not valid UTF-8: byte 0x{data[error.start]:02x} cannot start or "
            "continue a character",
            line=line,
            column=column,
            hint="save it as UTF-8",
        )
        return Document(path, kind, problems=(problem,))
    return read_text(text, kind, path, bom=bom)


def read_text(text: str, kind: Kind, path: str, *, bom: bool = False) -> Document:
    """Parse the text of a message file."""
    if kind == "msg":
        return Document(path, kind, text, markup=strip_final_newline(text), bom=bom)
    if kind == "json":
        return _read_json(text, path, bom)
    return _read_yaml(text, path, bom)


def _read_json(text: str, path: str, bom: bool) -> Document:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(items)
        if len(result) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append(key)
                seen.add(key)
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        problem = _problem(
            path, text, f"invalid JSON: {error.msg}", offset=error.pos, hint=_JSON_HINT
        )
        return Document(path, "json", text, problems=(problem,), bom=bom)
    except RecursionError:
        return Document(path, "json", text, problems=(_nested(path, text),), bom=bom)
    tree = _JsonTree(text)
    extra = [_duplicate(path, text, name, _json_duplicate(text, name)) for name in duplicates]
    return _inspect(path, "json", text, data, tree, bom, extra)


_JSON_HINT = 'fix the JSON syntax; a message document looks like {"msg": "..."}'


def _json_duplicate(text: str, name: str) -> int | None:
    """Offset of the second occurrence of key ``name`` in any object."""
    literal = json.dumps(name)
    found = list(re.finditer(re.escape(literal) + r"\s*:", text))
    return found[1].start() if len(found) > 1 else None


def _duplicate(path: str, text: str, name: str, offset: int | None) -> Finding:
    return _problem(
        path,
        text,
        f"the key {name!r} appears more than once; only the last one would count",
        offset=offset,
        hint="keep one of them",
    )


def _nested(path: str, text: str) -> Finding:
    return _problem(
        path, text, "the document is nested too deeply", offset=0, hint="a message document is flat"
    )


def _read_yaml(text: str, path: str, bom: bool) -> Document:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            problem = _problem(
                path, text, "the document is empty", offset=0, hint="give it a msg or segments"
            )
            return Document(path, "yaml", text, problems=(problem,), bom=bom)
        alias = _yaml_alias(node)
        if alias is not None:
            problem = _problem(
                path,
                text,
                "YAML anchors and aliases are not allowed in a message document",
                offset=alias,
                hint="write the value out in full",
            )
            return Document(path, "yaml", text, problems=(problem,), bom=bom)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = " ".join(str(part) for part in (error.context, error.problem) if part)
        problem = _problem(
            path,
            text,
            f"invalid YAML: {what or 'syntax error'}",
            offset=int(mark.index) if mark is not None else 0,
            hint="fix the YAML syntax; a message document looks like 'msg: ...'",
        )
        return Document(path, "yaml", text, problems=(problem,), bom=bom)
    except yaml.YAMLError as error:
        problem = _problem(path, text, f"invalid YAML: {error}", offset=0)
        return Document(path, "yaml", text, problems=(problem,), bom=bom)
    except RecursionError:
        return Document(path, "yaml", text, problems=(_nested(path, text),), bom=bom)
    finally:
        loader.dispose()
    tree = _YamlTree(text, node)
    extra = [_duplicate(path, text, n, off) for n, off in _yaml_duplicates(node)]
    if isinstance(data, dict) and isinstance(data.get("msg"), str):
        msg_node = tree._walk(("msg",))
        if msg_node is not None and msg_node[1].style in ("|", ">"):
            # A block scalar's final line break is the file's, as in a .msg file.
            data = {**data, "msg": strip_final_newline(data["msg"])}
    return _inspect(path, "yaml", text, data, tree, bom, extra)


def _yaml_nodes(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current.id == "mapping":
            for k, v in current.value:
                stack.extend((k, v))
        elif current.id == "sequence":
            stack.extend(current.value)


def _yaml_alias(root: Any) -> int | None:
    """Offset of the first node reached twice: an alias (which could also expand exponentially)."""
    seen: set[int] = set()
    for node in _yaml_nodes(root):
        if id(node) in seen:
            return int(node.start_mark.index)
        seen.add(id(node))
    return None


def _yaml_duplicates(root: Any) -> Iterator[tuple[str, int]]:
    for node in _yaml_nodes(root):
        if node.id == "mapping":
            seen: set[str] = set()
            for k, _ in node.value:
                if k.id == "scalar":
                    if k.value in seen:
                        yield k.value, int(k.start_mark.index)
                    seen.add(k.value)
