"""What a parsed message document says: schema errors, committed secrets, parameters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from ..diagnostics import CODES, Diagnostic
from ..errors import InvalidSegmentError
from .model import _INVALID, Document, Finding, Kind, _problem

if TYPE_CHECKING:
    from jsonschema import ValidationError

    from .compose import _Piece
    from .trees import PathKey, _Tree

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


@cache
def _params() -> tuple[str, ...]:
    """The request parameters a document may carry (read once, when a document is inspected;
    a ``.msg`` file has none)."""
    from ..schemas import schema

    return tuple(k for k in schema("message")["properties"] if k not in ("msg", "segments"))


def _inspect(
    path: str,
    kind: Kind,
    text: str,
    data: Any,
    tree: _Tree,
    bom: bool,
    extra: list[Finding],
) -> Document:
    from ..structure import is_valid  # here, not at the top: a .msg file needs none of it

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
        checked = _schema_errors(data)
        if checked is None:  # too deep for jsonschema to describe
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
        errors, counted = checked
        budget = _Budget(_DESCRIBED)
        for error in errors:
            if tuple(error.absolute_path)[:1] == ("segments",):
                segments_ok = False
            for message, offset, hint in _describe(error, tree, secret_paths, budget):
                add(message, offset, hint)
        more = counted + budget.more
        if more:
            add(
                f"{more:,} more problems with the document's keys and segments "
                f"(only the first {_DESCRIBED:,} are described)",
                tree.key(("segments",)) if "segments" in data else tree.value(()),
                "fix the ones described first",
            )

    markup: str | None = None
    pieces: tuple[_Piece, ...] | None = None
    if isinstance(data.get("msg"), str) and "segments" not in data:
        markup = data["msg"]
    elif isinstance(data.get("segments"), list) and segments_ok and "msg" not in data:
        from .compose import _compose  # and the message model: for segments only

        try:
            _, composed, markup = _compose(data["segments"])
            pieces = tuple(composed)
        except InvalidSegmentError as error:
            add(f"a segment cannot be composed: {error}", tree.key(("segments",)))
            problems[-1] = _as_code(problems[-1], "error_malformed_params")
    params = {k: data[k] for k in _params() if isinstance(data.get(k), str)}
    return Document(path, kind, text, data, markup, params, tuple(problems), bom, tree, pieces)


def _as_code(finding: Finding, code: str) -> Finding:
    d = finding.diagnostic
    diagnostic = Diagnostic(
        code, CODES[code].severity, d.message, d.line, d.column, d.hint, d.field, d.offset
    )
    return Finding(finding.path, diagnostic, finding.line, finding.column)


# Schema problems of one document described in full; more are only counted. Describing one costs
# jsonschema tens of microseconds, and a 1 MB document can hold a hundred thousand.
_DESCRIBED = 1000


class _Budget:
    """How many more problems may be described, and how many were only counted."""

    __slots__ = ("left", "more")

    def __init__(self, left: int) -> None:
        self.left = left
        self.more = 0

    def spend(self) -> bool:
        """Whether one more problem may be described (else it is counted)."""
        if self.left > 0:
            self.left -= 1
            return True
        self.more += 1
        return False


def _schema_errors(data: Any) -> tuple[list[ValidationError], int] | None:
    """What jsonschema says is wrong, and how many invalid segments were only counted;
    ``None`` when the data is too deep for jsonschema.

    Segments are checked one by one with the compiled schema, and only the first
    ``_DESCRIBED`` invalid ones are given to jsonschema to describe.
    """
    from ..schemas import validator
    from ..structure import is_valid

    check = validator("message")
    segments = data.get("segments") if isinstance(data, dict) else None
    try:
        if not isinstance(segments, list):
            errors = list(check.iter_errors(data))
            more = 0
        else:
            errors = list(check.iter_errors({**data, "segments": []}))
            more = 0
            for index, item in enumerate(segments):
                if is_valid("message", {"segments": [item]}):
                    continue
                if len(errors) >= _DESCRIBED:
                    more += 1
                    continue
                for error in check.iter_errors({"segments": [item]}):
                    error.path[1] = index  # ("segments", 0, ...) in the one-item document
                    errors.append(error)
    except RecursionError:
        return None
    return sorted(errors, key=lambda e: [str(step) for step in e.absolute_path]), more


def _describe(
    error: ValidationError, tree: _Tree, secrets: set[PathKey], budget: _Budget
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
            if key in allowed or (*path, key) in secrets or not budget.spend():
                continue
            import difflib

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
            import difflib

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
                yield from _describe(sub, tree, secrets, budget)
        return
    if keyword == "type":
        expected = value
        hint = (
            "put it in quotes" if expected == "string" and not isinstance(instance, str) else None
        )
        yield f"{name} must be a {expected}, not a {_type_name(instance)}", tree.value(path), hint
        return
    if keyword == "enum" and isinstance(instance, str) and isinstance(value, list):
        import difflib

        close = difflib.get_close_matches(instance, [str(v) for v in value], n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else None
        options = ", ".join(str(v) for v in value)
        yield f"{name} is {instance!r}; it must be one of {options}", tree.value(path), hint
        return
    if keyword in ("maxLength", "pattern") and len(path) == 1 and path[0] in _params():
        return  # the offline checks report these with the provider's own status names
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    yield f"{name}: {message}", tree.value(path), None
