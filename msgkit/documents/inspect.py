"""What a parsed message document says: schema errors, committed secrets, parameters."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..diagnostics import CODES, Diagnostic
from ..errors import InvalidSegmentError
from ..schemas import schema
from ..structure import is_valid
from .compose import _compose, _Piece
from .model import _INVALID, Document, Finding, Kind, _problem
from .trees import PathKey, _Tree

if TYPE_CHECKING:
    from jsonschema import ValidationError

_SECRET = "error_access_token_in_file"

_SECRET_KEY = re.compile(
    r"(?i)(access|auth|api|app|client)[-_ ]?(token|key|secret)|^(token|secret|password|passwd)$"
)
_SECRET_WORDS = re.compile(r"(?i)token|key|secret|passw")
_SECRET_VALUE = re.compile(r"(?i)[?&;]?(access[-_]?token|auth[-_]?token)=[^&\s]+")


def _secrets(data: Any) -> Iterator[tuple[PathKey, bool]]:
    """Paths that carry a secret: (path, is_key)."""
    stack: list[tuple[PathKey, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _SECRET_KEY.search(key):
                    yield (*path, key), True
                else:
                    stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
        elif isinstance(value, str) and _SECRET_VALUE.search(value):
            yield path, False


def _markup_secrets(path: str, text: str) -> Iterator[Finding]:
    """A raw markup file's secrets: each ``access_token=`` value in it, at its place."""
    if not _SECRET_WORDS.search(text):
        return
    for found in _SECRET_VALUE.finditer(text):
        yield _problem(
            path,
            text,
            f"the document carries a secret (an {found.group(1)} in the markup); "
            "secrets must never be committed",
            offset=found.start(1),
            hint="remove it, rotate the token, and pass it at run time from the environment",
            code=_SECRET,
        )


def _display(path: PathKey) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "the document"


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


_PARAMS = tuple(k for k in schema("message")["properties"] if k not in ("msg", "segments"))


def _inspect(
    path: str,
    kind: Kind,
    text: str,
    data: Any,
    tree: _Tree,
    bom: bool,
    extra: list[Finding],
) -> Document:
    problems = list(extra)

    def add(
        message: str, offset: int | None, hint: str | None = None, code: str = _INVALID
    ) -> None:
        problems.append(_problem(path, text, message, offset=offset, hint=hint, code=code))

    if not isinstance(data, dict):
        add(
            f"a message document is a mapping with msg or segments, not a {_type_name(data)}",
            tree.value(()),
            'write it as {"msg": "..."} (JSON) or msg: ... (YAML)',
        )
        return Document(path, kind, text, data, problems=tuple(problems), bom=bom, tree=tree)

    secret_paths: set[PathKey] = set()
    # A word search of the text first: walking the data is only worth it when one is there.
    for secret, is_key in _secrets(data) if _SECRET_WORDS.search(text) else ():
        secret_paths.add(secret)
        what = f"the key {secret[-1]!r}" if is_key else f"an access_token in {_display(secret)}"
        add(
            f"the document carries a secret ({what}); secrets must never be committed",
            tree.key(secret) if is_key else tree.value(secret),
            "remove it, rotate the token, and pass it at run time from the environment",
            _SECRET,
        )

    segments_ok = True
    if not is_valid("message", data):
        errors = _schema_errors(data)
        if errors is None:  # too deep for jsonschema to describe
            problems.append(
                _problem(
                    path,
                    text,
                    "the document is nested too deeply",
                    offset=0,
                    hint="a message document is flat",
                )
            )
            return Document(path, kind, text, data, problems=tuple(problems), bom=bom, tree=tree)
        for error in errors:
            if tuple(error.absolute_path)[:1] == ("segments",):
                segments_ok = False
            for message, offset, hint in _describe(error, tree, secret_paths):
                add(message, offset, hint)

    markup: str | None = None
    pieces: tuple[_Piece, ...] | None = None
    if isinstance(data.get("msg"), str) and "segments" not in data:
        markup = data["msg"]
    elif isinstance(data.get("segments"), list) and segments_ok and "msg" not in data:
        try:
            _, composed, markup = _compose(data["segments"])
            pieces = tuple(composed)
        except InvalidSegmentError as error:
            add(f"a segment cannot be composed: {error}", tree.key(("segments",)))
            problems[-1] = _as_code(problems[-1], "error_malformed_params")
    params = {k: data[k] for k in _PARAMS if isinstance(data.get(k), str)}
    return Document(path, kind, text, data, markup, params, tuple(problems), bom, tree, pieces)


def _as_code(finding: Finding, code: str) -> Finding:
    d = finding.diagnostic
    diagnostic = Diagnostic(
        code, CODES[code].severity, d.message, d.line, d.column, d.hint, d.field, d.offset
    )
    return Finding(finding.path, diagnostic, finding.line, finding.column)


def _schema_errors(data: Any) -> list[ValidationError] | None:
    """What jsonschema says is wrong; ``None`` when the data is too deep for it."""
    from ..schemas import validator

    try:
        errors = list(validator("message").iter_errors(data))
    except RecursionError:
        return None
    return sorted(errors, key=lambda e: [str(step) for step in e.absolute_path])


def _describe(
    error: ValidationError, tree: _Tree, secrets: set[PathKey]
) -> Iterator[tuple[str, int | None, str | None]]:
    """Say a jsonschema error in the document's terms: (message, offset, hint)."""
    path: PathKey = tuple(error.absolute_path)
    keyword: Any = error.validator
    instance: Any = error.instance
    subschema: Any = error.schema
    value: Any = error.validator_value
    name = _display(path)
    hint: str | None
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list(subschema.get("properties", {}))
        for key in instance:
            if key in allowed or (*path, key) in secrets:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            where = f" in {name}" if path else ""
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            yield f"unknown key {key!r}{where}", tree.key((*path, key)), hint
        return
    if keyword == "oneOf" and not path and isinstance(instance, dict):
        branches = [tuple(b.get("required", ())) for b in value]
        present = [b for b in branches if b and all(k in instance for k in b)]
        keys = " or ".join(repr(b[0]) for b in branches if b)
        if present:
            yield (
                f"the document has both {' and '.join(repr(b[0]) for b in present)}; "
                "it needs exactly one",
                tree.key((present[-1][0],)),
                "keep msg for markup, or segments for a list msgkit renders and escapes",
            )
        else:
            yield f"the document needs {keys}", tree.value(()), "add msg: <markup>"
        return
    if keyword == "oneOf" and isinstance(value, list):
        branches = [tuple(b.get("required", ())) for b in value]
        if not isinstance(instance, dict):
            yield (
                f"{name} must be a mapping such as {{{branches[0][0]}: ...}}, "
                f"not a {_type_name(instance)}",
                tree.value(path),
                None,
            )
            return
        matching = [i for i, b in enumerate(branches) if b and all(k in instance for k in b)]
        names = [b[0] for b in branches if b]
        if not matching:
            unknown = [k for k in instance if k not in names]
            close = difflib.get_close_matches(str(unknown[0]), names, 1, 0.6) if unknown else []
            hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(names)}"
            yield f"{name} needs one of {', '.join(names)}", tree.value(path), hint
            return
        if len(matching) > 1:
            both = " and ".join(repr(branches[i][0]) for i in matching)
            yield (
                f"{name} has both {both}; a segment is one of {', '.join(names)}",
                tree.value(path),
                "give each its own item",
            )
            return
        for sub in error.context or ():
            if sub.relative_schema_path and sub.relative_schema_path[0] == matching[0]:
                yield from _describe(sub, tree, secrets)
        return
    if keyword == "type":
        expected = value
        hint = (
            "put it in quotes" if expected == "string" and not isinstance(instance, str) else None
        )
        yield f"{name} must be a {expected}, not a {_type_name(instance)}", tree.value(path), hint
        return
    if keyword == "enum" and isinstance(instance, str) and isinstance(value, list):
        close = difflib.get_close_matches(instance, [str(v) for v in value], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else None
        options = ", ".join(str(v) for v in value)
        yield f"{name} is {instance!r}; it must be one of {options}", tree.value(path), hint
        return
    if keyword in ("maxLength", "pattern") and len(path) == 1 and path[0] in _PARAMS:
        return  # the offline checks report these with the provider's own status names
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    yield f"{name}: {message}", tree.value(path), None
