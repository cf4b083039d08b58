"""Reading message files: paths, bytes and text, encodings, size limits, JSON and YAML parsing.

Nothing here raises for a bad file: what goes wrong is a problem in the returned document.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from collections.abc import Iterator
from typing import IO, Any

from .inspect import _inspect, _markup_secrets
from .model import Document, Finding, Kind, _problem, kind_of

# A msg is at most 1000 characters even on the generous reading; a message file a thousand
# times that is not a message file, and is reported without being read whole.
MAX_FILE_BYTES = 1 << 20

STDIN_NAME = "<stdin>"


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
    errno.ENOENT: "it does not exist",
    errno.ENOTDIR: "a part of its path is not a directory",
    errno.ENAMETOOLONG: "its name is too long",
}


def _os_reason(error: OSError, path: str) -> str:
    if error.errno == errno.ENOENT and os.path.islink(path):
        return "it is a broken symlink"
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
        return _unreadable(shown, kind, f"cannot read the file: {_os_reason(error, path)}")
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
        return _unreadable(shown, kind, f"cannot read the file: {_os_reason(error, path)}")
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        return _too_big(shown, kind, len(data))
    return read_bytes(data, kind, shown)


def _too_big(path: str, kind: Kind, size: int, *, more: bool = False) -> Document:
    what = f"more than {MAX_FILE_BYTES:,}" if more else f"{size:,}"
    return _unreadable(
        path,
        kind,
        f"the file is {what} bytes; message files are read up to {MAX_FILE_BYTES:,} bytes",
        "a msg is at most 1000 characters: is this really a message file?",
    )


def stdin_kind(data: bytes, kind: Kind | None = None) -> Kind:
    """What standard input is: ``kind`` when given, else a JSON document when its first
    character (after white space and a UTF-8 byte-order mark) is ``{``, else raw markup.

    The one rule ``msgkit lint -``, ``msgkit render -`` and ``msgkit submit -`` share.
    """
    if kind is not None:
        return kind
    return "json" if data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{") else "msg"


def read_stdin(
    data: bytes | None = None,
    *,
    kind: Kind | None = None,
    stream: IO[bytes] | None = None,
    path: str = STDIN_NAME,
) -> Document:
    """Read standard input as a message document, with the size limit of a file.

    ``data`` is input already read (by :func:`stdin_bytes`, say); otherwise at most
    ``MAX_FILE_BYTES + 1`` bytes are read from ``stream`` (default: ``sys.stdin``). Its kind is
    decided by :func:`stdin_kind`.
    """
    if data is None:
        data = stdin_bytes(stream)
    kind = stdin_kind(data, kind)
    if len(data) > MAX_FILE_BYTES:
        return _too_big(path, kind, len(data), more=True)
    return read_bytes(data, kind, path)


def stdin_bytes(stream: IO[bytes] | None = None) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of ``stream`` (default: standard input): enough to
    tell that input is too big without reading it all."""
    if stream is None:
        if sys.stdin is None:
            return b""
        stream = sys.stdin.buffer
    chunks: list[bytes] = []
    left = MAX_FILE_BYTES + 1
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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
        markup = strip_final_newline(text)
        problems = tuple(_markup_secrets(path, text))
        return Document(path, kind, text, markup=markup, problems=problems, bom=bom)
    if kind == "json":
        return _read_json(text, path, bom)
    return _read_yaml(text, path, bom)


def _read_json(text: str, path: str, bom: bool) -> Document:
    import json  # here, as in the other JSON and YAML readers: a .msg file needs none of it

    from .trees import _JsonTree

    duplicated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicated
        result = dict(items)
        if len(result) != len(items):
            duplicated = True
        return result

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as error:
        problem = _problem(
            path, text, f"invalid JSON: {error.msg}", offset=error.pos, hint=_JSON_HINT
        )
        return Document(path, "json", text, problems=(problem,), bom=bom)
    except ValueError:
        # The only other one json raises: an integer longer than int() converts.
        problem = _problem(
            path,
            text,
            "invalid JSON: a number has too many digits",
            offset=_long_number(text),
            hint=_JSON_HINT,
        )
        return Document(path, "json", text, problems=(problem,), bom=bom)
    except RecursionError:
        return Document(path, "json", text, problems=(_nested(path, text),), bom=bom)
    crowded = _json_crowded(text)
    if crowded is not None:
        return Document(path, "json", text, problems=(_crowded(path, text, crowded),), bom=bom)
    tree = _JsonTree(text)
    extra = []
    if duplicated:
        extra = [_duplicate(path, text, n, off) for n, off in _json_duplicates(text).items()]
    return _inspect(path, "json", text, data, tree, bom, extra)


_JSON_HINT = 'fix the JSON syntax; a message document looks like {"msg": "..."}'

# A message document has a handful of keys and values (a msg, its parameters, at most some
# hundreds of segments). One with tens of thousands is no message document, and describing each
# of them would cost more than reading them: it is reported once, as it is.
MAX_VALUES = 20_000


def _crowded(path: str, text: str, offset: int) -> Finding:
    return _problem(
        path,
        text,
        f"the document has more than {MAX_VALUES:,} keys and values; a message document has a "
        "handful",
        offset=offset,
        hint="a msg is at most 1000 characters: is this really a message file?",
    )


def _json_crowded(text: str) -> int | None:
    """Offset of the key or value past the first ``MAX_VALUES`` of valid JSON text, if any.

    Every key and value but the first follows one of , : [ { so counting those (inside strings
    too) bounds them from above; only text over the bound has its tokens counted.
    """
    bound = 1 + sum(text.count(c) for c in ",:[{")
    if bound <= MAX_VALUES:
        return None
    from .trees import _JSON_TOKEN

    seen = 0
    for token in _JSON_TOKEN.finditer(text):
        if text[token.start()] not in ",:]}":
            seen += 1
            if seen > MAX_VALUES:
                return token.start()
    return None


_INTEGER = re.compile(r"-?[0-9]+")


def _long_number(text: str) -> int | None:
    """Offset of the first integer in JSON text longer than ``int()`` converts."""
    from .trees import _JSON_TOKEN

    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    for token in _JSON_TOKEN.finditer(text):
        value = token.group()
        if limit and len(value) > limit and _INTEGER.fullmatch(value):
            return token.start()
    return None


def _json_duplicates(text: str) -> dict[str, int]:
    """Each key name that appears twice in one object, with the offset of its second occurrence.

    One pass over the tokens of text already known to be valid JSON.
    """
    from .trees import _JSON_TOKEN

    found: dict[str, int] = {}
    stack: list[set[str] | None] = []  # the keys seen in each open object; None for a list
    previous: re.Match[str] | None = None
    for token in _JSON_TOKEN.finditer(text):
        first = token.group()[0]
        if first == "{":
            stack.append(set())
        elif first == "[":
            stack.append(None)
        elif first in "]}":
            if stack:
                stack.pop()
        elif first == ":" and previous is not None and stack and stack[-1] is not None:
            import json

            literal = previous.group()
            name = json.loads(literal) if "\\" in literal else literal[1:-1]
            if name in stack[-1]:
                found.setdefault(name, previous.start())
            stack[-1].add(name)
        previous = token if first == '"' else None
    return found


def _duplicate(path: str, text: str, name: str, offset: int | None) -> Finding:
    return _problem(
        path,
        text,
        f"the key {name!r} appears more than once; only the last one would count",
        offset=offset,
        hint="keep one of them",
    )


_FLAT = "a message document is flat"

# Deeper than any message document needs, and far below what composing YAML in C survives: its
# composer recurses on the C stack, and a few thousand nested [ crash the interpreter.
_MAX_YAML_DEPTH = 100


def _nested(path: str, text: str) -> Finding:
    return _problem(path, text, "the document is nested too deeply", offset=0, hint=_FLAT)


def _yaml_shape(loader_class: Any, text: str) -> tuple[int, bool] | None:
    """Where the YAML first nests deeper than ``_MAX_YAML_DEPTH`` or holds more than
    ``MAX_VALUES`` keys and values: (offset, whether it is the nesting); ``None`` when neither.

    Parsing events is iterative, so this is safe where composing is not, and it stops where it
    finds out. It runs only when the text has enough [, {, -, :, ? and , in it to nest that deep
    at all (every node but the first follows one of them).
    """
    if sum(text.count(c) for c in "[{-:?,") <= _MAX_YAML_DEPTH:
        return None
    import yaml

    try:
        return _yaml_deeper_than_limit(loader_class, text)
    except yaml.MarkedYAMLError as error:
        # libyaml may stop at a nesting limit of its own first (PyYAML 6.0.4 bundles one), in
        # its own words. Read the text before the place it stopped: if that already nests past
        # msgkit's limit, that is the first problem, and msgkit says so in its own words.
        mark = error.problem_mark
        if mark is None or not 0 < mark.index < len(text):
            raise
        return _yaml_deeper_than_limit(loader_class, text[: mark.index])


def _yaml_deeper_than_limit(loader_class: Any, text: str) -> tuple[int, bool] | None:
    import yaml

    loader = loader_class(text)
    depth = 0
    nodes = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if nodes > MAX_VALUES:
                    return (int(event.start_mark.index) if event.start_mark else 0), False
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _MAX_YAML_DEPTH:
                    return (int(event.start_mark.index) if event.start_mark else 0), True
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # libyaml refuses deep flow collections itself, reading ahead of the events (in the
        # text before where it stopped too, then): what it stopped on is nesting when that many
        # collections are open there.
        mark = error.problem_mark or error.context_mark
        at = int(mark.index) if mark is not None else len(text)
        if _flow_depth(text, at) > _MAX_YAML_DEPTH:
            return at, True
        raise
    finally:
        loader.dispose()
    return None


def _flow_depth(text: str, end: int) -> int:
    """How many flow collections are open at ``end``, counting brackets (an estimate: it is
    asked only where the parser has already failed)."""
    opened = text.count("[", 0, end) + text.count("{", 0, end)
    return opened - text.count("]", 0, end) - text.count("}", 0, end)


def _read_yaml(text: str, path: str, bom: bool) -> Document:
    import yaml

    from .trees import _YamlTree

    # Text from a file is UTF-8 and has none; text given to lint_text may (libyaml cannot
    # encode it, PyYAML refuses it).
    surrogate = re.search("[\ud800-\udfff]", text)
    if surrogate is not None:
        problem = _problem(
            path,
            text,
            f"U+{ord(surrogate.group()):04X} is a lone surrogate, not a character: "
            "YAML cannot hold it",
            offset=surrogate.start(),
            hint="check the text's encoding",
        )
        return Document(path, "yaml", text, problems=(problem,), bom=bom)
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        shape = _yaml_shape(loader_class, text)
    except yaml.YAMLError:
        shape = None  # reported below, as the loader finds it
    if shape is not None:
        at, deep = shape
        problem = (
            _problem(path, text, "the document is nested too deeply", offset=at, hint=_FLAT)
            if deep
            else _crowded(path, text, at)
        )
        return Document(path, "yaml", text, problems=(problem,), bom=bom)
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
        long = _yaml_long_int(node)
        if long is not None:
            problem = _problem(
                path,
                text,
                f"invalid YAML: {long.value[:40]!r}... is too long for a number",
                offset=int(long.start_mark.index),
                hint="put it in quotes if it is text",
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
    except _SCALAR_ERRORS as error:
        # A scalar its tag cannot hold: 2024-13-01 (a timestamp), !!int abc, a huge integer.
        return Document(path, "yaml", text, problems=(_bad_scalar(path, text, error),), bom=bom)
    except RecursionError:
        return Document(path, "yaml", text, problems=(_nested(path, text),), bom=bom)
    finally:
        loader.dispose()
    tree = _YamlTree(text, node)
    extra = [_duplicate(path, text, n, off) for n, off in _yaml_duplicates(node).items()]
    if isinstance(data, dict) and isinstance(data.get("msg"), str):
        msg_node = tree._walk(("msg",))
        if msg_node is not None and msg_node[1].style in ("|", ">"):
            # A block scalar's final line break is the file's, as in a .msg file.
            data = {**data, "msg": strip_final_newline(data["msg"])}
    return _inspect(path, "yaml", text, data, tree, bom, extra)


# What constructing a scalar of an explicit tag raises when the scalar does not fit it: PyYAML
# raises ValueError for most (!!int abc), but IndexError, KeyError or AttributeError for an
# empty or malformed !!int, !!float, !!bool or !!timestamp.
_SCALAR_ERRORS = (ValueError, OverflowError, IndexError, KeyError, TypeError, AttributeError)


def _bad_scalar(path: str, text: str, error: Exception) -> Finding:
    """The scalar that could not be constructed, found by constructing each one again."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        scalars = sorted(
            (n for n in _yaml_nodes(root) if n.id == "scalar"), key=lambda n: n.start_mark.index
        )
        for node in scalars:
            try:
                loader.construct_object(node)
            except _SCALAR_ERRORS as found:
                what = str(node.tag).rsplit(":", 1)[-1]
                reason = "it has too many digits" if "digits" in str(found) else str(found)
                # PyYAML's other errors (an empty !!int, !!bool or !!timestamp) say nothing
                # a reader could use.
                said = f" ({reason})" if isinstance(found, (ValueError, OverflowError)) else ""
                return _problem(
                    path,
                    text,
                    f"invalid YAML: {node.value[:40]!r} is not a valid {what}{said}",
                    offset=int(node.start_mark.index),
                    hint="put it in quotes if it is text",
                )
    except yaml.YAMLError:
        pass
    finally:
        loader.dispose()
    return _problem(path, text, f"invalid YAML: {error}", offset=0)


_YAML_INT = "tag:yaml.org,2002:int"
# An integer written in more characters than this is no message parameter, and may have more
# decimal digits than int() converts (0b and 0x integers are read, then cannot be printed).
_MAX_INT_CHARS = 1000


def _yaml_long_int(root: Any) -> Any:
    """The first integer scalar written in more than ``_MAX_INT_CHARS`` characters, if any."""
    long = [
        node
        for node in _yaml_nodes(root)
        if node.id == "scalar" and node.tag == _YAML_INT and len(node.value) > _MAX_INT_CHARS
    ]
    return min(long, key=lambda node: node.start_mark.index) if long else None


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


def _yaml_duplicates(root: Any) -> dict[str, int]:
    """Each key name that appears twice in one mapping, with the offset of its first repeat."""
    found: dict[str, int] = {}
    for node in _yaml_nodes(root):
        if node.id == "mapping":
            seen: set[str] = set()
            for k, _ in node.value:
                if k.id == "scalar":
                    if k.value in seen:
                        offset = int(k.start_mark.index)
                        found[k.value] = min(found.get(k.value, offset), offset)
                    seen.add(k.value)
    return dict(sorted(found.items(), key=lambda item: item[1]))
