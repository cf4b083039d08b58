"""A block's request parameters checked against its request schema, offline and without plugins.

Each property of ``schemas/<block>-request.schema.json`` names, in ``x-status``, the status the
provider answers when its value is wrong; a required one that is absent is the provider's
``error_<name>_param_missing``. The checks are compiled from the schema (:mod:`msgkit.structure`),
so a limit lives in one place. ``msg``, ``tag`` and the notify URLs go through the same checks as
:func:`msgkit.validate`'s.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..blocks import BLOCKS, CREDENTIALS, Block, block
from ..config import Config
from ..diagnostics import Diagnostic, Severity
from ..schemas import _load
from ..structure import Check, compile_schema
from .offline import _Collector, check_msg, check_params

__all__ = [
    "MISSING",
    "check_request",
    "describe",
    "normalize",
    "unknown_params",
]

_E = Severity.ERROR

# The provider's status for each parameter a block requires (credentials are request()'s).
# Spelled out, not built, so the catalogue of codes can be read (and checked) as literals.
MISSING: dict[str, str] = {
    "session": "error_session_param_missing",
    "dest": "error_dest_param_missing",
    "msg": "error_msg_param_missing",
    "notify_url": "error_notify_url_param_missing",
}
UNKNOWN = "error_unknown_param"
FORCE_WITH_MSG = "error_force_with_msg"

# Parameters checked by the msg and parameter checks validate() runs, with their own codes.
_SHARED = ("msg", "tag", "notify_url", "monitor_notify_url")

_FALLBACK = {
    "session": "error_invalid_session",
    "tag": "error_tag_invalid_length",
    "notify_url": "error_invalid_notify_url",
    "monitor_notify_url": "error_invalid_monitor_notify_url",
}

# A wire integer: digits only, and few enough that int() stays cheap on hostile input.
_DIGITS = re.compile(r"[0-9]{1,12}")
# Integers beyond this are no parameter's value, and Python refuses to print the largest.
_LARGEST = 10**18


def wire_text(value: object) -> str | None:
    """``value`` as it travels: a string as given, an integer as its digits; ``None`` for
    anything else (a bool, a list, an integer too large to be any parameter)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _LARGEST:
        return str(value)
    return None


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    status: str
    integer: bool
    check: Check
    expects: str
    # Branches of an anyOf chosen by a prefix (transfer's room:), with their own status.
    branches: tuple[tuple[str, str, Check, str], ...]  # (prefix, status, check, expects)


def _resolve(data: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target: dict[str, Any] = data["$defs"][ref.removeprefix("#/$defs/")]
        return target
    return node


def describe(data: dict[str, Any], node: dict[str, Any]) -> str:
    """What a parameter's schema accepts, in words (for messages and the reference pages)."""
    node = _resolve(data, node)
    if "title" in node and "type" in node:
        return str(node["title"])
    if "anyOf" in node:
        return " or ".join(describe(data, branch) for branch in node["anyOf"])
    if "const" in node:
        return str(node.get("title") or f"{node['const']}")
    if "enum" in node:
        return "one of " + ", ".join(str(v) for v in node["enum"])
    if node.get("type") == "integer":
        low, high = node.get("minimum"), node.get("maximum")
        if low is not None and high is not None:
            return f"an integer from {low} to {high}"
        return "an integer"
    if node.get("type") == "string":
        parts = ["a non-empty string" if node.get("minLength") else "a string"]
        if "maxLength" in node:
            parts.append(f"of at most {node['maxLength']} characters")
        return " ".join(parts)
    return "a value"


@cache
def _params(name: str) -> dict[str, _Param]:
    data = _load(f"{name}-request")
    found: dict[str, _Param] = {}
    for key, node in data["properties"].items():
        if key in CREDENTIALS or key == "msg":
            continue
        branches = []
        for index, branch in enumerate(node.get("anyOf", ())):
            target = _resolve(data, branch)
            if "x-prefix" in target:
                check = compile_schema(f"{name}-request", f"/properties/{key}/anyOf/{index}")
                expects = describe(data, target)
                branches.append((target["x-prefix"], target["x-status"], check, expects))
        found[key] = _Param(
            name=key,
            # monitor-request predates x-status.
            status=node.get("x-status", _FALLBACK.get(key, "error_malformed_params")),
            integer=_resolve(data, node).get("type") == "integer",
            check=compile_schema(f"{name}-request", f"/properties/{key}"),
            expects=describe(data, node),
            branches=tuple(branches),
        )
    return found


def normalize(row: Block, name: str, value: object) -> object:
    """A parameter's value as the schema sees it: wire strings of integer parameters read as
    integers and integers given for string parameters as their digits (``"4"`` and ``4`` are
    the same request, as on the wire); everything else as given."""
    param = _params(row.name).get(name)
    if param is None:
        return value
    if not param.integer:
        text = wire_text(value) if isinstance(value, int) else None
        return value if text is None else text
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e12:
        return int(value)
    return value


def unknown_params(row: Block, names: list[str]) -> list[Diagnostic]:
    """``error_unknown_param`` for each name ``row`` does not take, with a did-you-mean."""
    allowed = [p for p in row.params if p not in CREDENTIALS]
    out = []
    for name in names:
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        takers = [b.name for b in BLOCKS.values() if name in b.params]
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif takers:
            hint = f"{name} is a parameter of {', '.join(takers)} (name the block: block: "
            hint += f"{takers[0]}); {row.name} takes {', '.join(allowed)}"
        else:
            hint = f"{row.name} takes " + ", ".join(allowed)
        out.append(
            Diagnostic(
                UNKNOWN,
                _E,
                f"the {row.name} block takes no parameter {name!r}",
                hint=hint,
                field=name,
            )
        )
    return out


def _text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _LARGEST:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, (str, int, float)) or value is None:
        shown = repr(value)
    else:
        shown = f"a {type(value).__name__}"
    return shown if len(shown) <= 60 else shown[:57] + "..."


def check_request(
    name: str | Block,
    params: Mapping[str, object],
    config: Config,
    *,
    supplied: frozenset[str] = frozenset(),
) -> list[Diagnostic]:
    """Every offline problem of a ``name`` request with ``params``.

    ``supplied`` names required parameters given later (a message file's ``session`` comes
    with ``msgkit submit``), so their absence is not a problem here. Credentials are never
    required here: :func:`msgkit.request` takes them.
    """
    row = block(name)
    if not isinstance(params, Mapping):
        raise TypeError(f"params is a mapping of parameter names to values, not {type(params)}")
    items = _schema_problems(row, params, supplied, skip=_SHARED)
    text: dict[str, str | None] = {}
    for key in _SHARED:
        value = params.get(key) if key in row.params else None
        text[key] = None if value is None else wire_text(value)
        if value is not None and text[key] is None:
            items.append(
                Diagnostic(
                    "error_malformed_params",
                    _E,
                    f"{key} is {_text(value)}; it must be a string",
                    field=key,
                    hint=f"give {key} as a string",
                )
            )
    collector = _Collector(config, None)
    markup = text.get("msg")
    if markup is not None:
        check_msg(markup, config, collector)
    if any(text.get(k) is not None for k in ("tag", "notify_url", "monitor_notify_url")):
        check_params(
            tag=text.get("tag"),
            notify_url=text.get("notify_url"),
            monitor_notify_url=text.get("monitor_notify_url"),
            config=config,
            c=collector,
        )
    own = [d for d in items if config.wants(d.code, d.severity)]
    return own + collector.items


def request_errors(name: str | Block, params: Mapping[str, object]) -> list[Diagnostic]:
    """What the block's request schema refuses in ``params``: every parameter but the content
    of ``msg`` (whose limits are configurable, and checked by ``validate_request``)."""
    return _schema_problems(block(name), params, frozenset(), skip=("msg",))


def _schema_problems(
    row: Block, params: Mapping[str, object], supplied: frozenset[str], skip: tuple[str, ...]
) -> list[Diagnostic]:
    items: list[Diagnostic] = []
    names = [str(k) for k in params]
    items.extend(unknown_params(row, [k for k in names if k not in row.params]))
    for required in row.required:
        if required in CREDENTIALS or required in supplied:
            continue
        value = params.get(required)
        if value is None or value == "":
            items.append(
                Diagnostic(
                    MISSING[required],
                    _E,
                    f"the {row.name} block needs {required}",
                    hint=f"give {required}",
                    field=required,
                )
            )
    checks = _params(row.name)
    for key, raw in params.items():
        param = checks.get(key)
        if param is None or key in skip or raw is None or (raw == "" and key in row.required):
            continue
        value = normalize(row, key, raw)
        if param.check(value):
            continue
        status, expects = param.status, param.expects
        for prefix, branch_status, branch_check, branch_expects in param.branches:
            if isinstance(value, str) and value.startswith(prefix) and not branch_check(value):
                status, expects = branch_status, branch_expects
        items.append(
            Diagnostic(
                status,
                _E,
                f"{key} is {_text(raw)}; it must be {expects}",
                field=key,
                hint=f"give {key} as {expects}",
            )
        )
    if row.name == "hangup" and params.get("force") == "enabled" and params.get("msg"):
        items.append(
            Diagnostic(
                FORCE_WITH_MSG,
                _E,
                "a forced hangup (force=enabled) takes no msg",
                hint="drop msg, or drop force to speak msg before hanging up",
                field="msg",
            )
        )
    return items
