"""``msgkit submit``: validate a message file, then submit it through a transport."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from .options import output_format_option, stdin_kind_option
from .wait import is_loopback, wait_for_server, wait_option

if TYPE_CHECKING:
    from ..blocks import Block
    from ..diagnostics import Diagnostic
    from ..documents import Document, Finding, Kind
    from ..transports.base import MonitorResult

__all__ = ["submit"]


def _read(source: str, stdin_kind: Kind | None = None) -> Document:
    """The document to submit: - is standard input, read as ``msgkit lint -`` reads it."""
    from ..documents import kind_of, read_path, read_stdin

    if source == "-":
        return read_stdin(kind=stdin_kind)
    if not os.path.lexists(source):  # a usage error, as for lint and render
        raise click.BadParameter(f"path {source!r} does not exist", param_hint="FILE")
    return read_path(source, kind=kind_of(source, strict=False))


def _options(values: tuple[str, ...], hint: str = "'-o' / '--option'") -> dict[str, str]:
    options: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=hint)
        options[key.strip()] = rest
    return options


class _Out:
    """Everything printed goes through here, with the access token scrubbed from it."""

    def __init__(self, token: str | None) -> None:
        self.token = token

    def __call__(self, text: str, *, err: bool = False) -> None:
        from ..transports.base import redact

        click.echo(redact(text, self.token), err=err)


def _session(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter(
            "is empty: give the session of the call to monitor. The provider sends it with "
            "each call's notifications; with the sandbox, `msgkit sandbox call` prints one "
            "(SESSION=$(msgkit sandbox call))",
            ctx=ctx,
            param=param,
        )
    return value


def _line(path: str, d: Diagnostic, line: int | None = None, column: int | None = None) -> str:
    where = f"{path}:{line}:{column}:" if line is not None else f"{path}:"
    hint = f" (hint: {d.hint})" if d.hint else ""
    return f"{where} {d.code} {d.severity}: {d.message}{hint}"


class _Diagnostics:
    """What validation said, placed in the file: printed to standard error as it comes, and
    kept for the JSON answer (``--format json``), whatever the outcome."""

    def __init__(self, out: _Out) -> None:
        self.out = out
        self.findings: list[Finding] = []

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        d = finding.diagnostic
        self.out(_line(finding.path, d, finding.line, finding.column), err=True)

    def records(self) -> list[dict[str, Any]]:
        from ..reporters import finding_record

        return [finding_record(f) for f in self.findings]


@click.command()
@click.argument("source", metavar="FILE|-")
@click.option(
    "--session",
    default=None,
    callback=_session,
    help="The call's session ID (every block but dial needs one).",
)
@click.option(
    "--block",
    "block_name",
    default=None,
    metavar="NAME",
    help="The IVR block to send (dial, play, gather, record, monitor, hold, unhold, transfer, "
    "hangup). Default: the file's block, else monitor.",
)
@click.option(
    "-p",
    "--param",
    "param_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the block, e.g. -p max_digits=4 (overrides the file's). Repeatable.",
)
@click.option(
    "--transport",
    "transport_name",
    default="hoiio",
    show_default=True,
    help="The transport to submit with (see `msgkit plugins`).",
)
@click.option(
    "-o",
    "--option",
    "option_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="An option for the transport, e.g. -o base_url=http://127.0.0.1:8080/open. Repeatable.",
)
@click.option("--tag", default=None, help="Your reference ID (overrides the file's).")
@click.option("--notify-url", default=None, help="notify_url (overrides the file's).")
@click.option(
    "--monitor-notify-url", default=None, help="monitor_notify_url (overrides the file's)."
)
@click.option(
    "--app-id",
    default=None,
    help="The application ID (default: $MSGKIT_APP_ID). The access token is read from "
    "$MSGKIT_ACCESS_TOKEN only: options show in process lists.",
)
@wait_option(
    "When -o base_url= names a server on this machine (a sandbox that may still be starting), "
    "how long to wait for it to accept connections."
)
@stdin_kind_option()
@output_format_option()
def submit(
    source: str,
    session: str | None,
    block_name: str | None,
    param_values: tuple[str, ...],
    transport_name: str,
    option_values: tuple[str, ...],
    tag: str | None,
    notify_url: str | None,
    monitor_notify_url: str | None,
    app_id: str | None,
    output_format: str,
    stdin_kind: Kind | None,
    wait: float,
) -> None:
    """Validate FILE (a .msg, .msg.json or .msg.yaml file, or - for standard input, read as
    msgkit lint reads it), then submit it as a request of its block (--block, or the file's
    block:, else monitor) with the block's parameters (the file's, then -p KEY=VALUE).

    Exit status: 0 when the transport answers success, 1 when the API refuses the request,
    delivery fails or validation refuses the message (nothing is sent), 2 on usage errors.
    """
    from .. import submit as library_submit
    from ..errors import MsgkitError, ValidationError
    from ..plugins import PluginError, get_transport
    from ..submit import ENV_ACCESS_TOKEN, ENV_APP_ID
    from ..transports.base import ApiError, RequestError, TransportOptionError

    token = os.environ.get(ENV_ACCESS_TOKEN) or None
    out = _Out(token)
    as_json = output_format == "json"
    options = _options(option_values)
    block_params = _options(param_values, "'-p' / '--param'")
    app_id = app_id or os.environ.get(ENV_APP_ID) or None
    if app_id is None:
        raise click.UsageError(f"no application ID: give --app-id or set {ENV_APP_ID}")
    if token is None:
        raise click.UsageError(f"no access token: set {ENV_ACCESS_TOKEN}")

    from ..settings import SettingsError, load_settings

    try:  # the same [tool.msgkit] limits and languages msgkit lint applies
        config = load_settings().config()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None

    document = _read(source, stdin_kind)
    said = _Diagnostics(out)
    blocking = [f for f in document.problems if f.is_error]
    for finding in document.problems:
        said.add(finding)
    if blocking or document.markup is None:
        message = "the message file was refused; nothing was sent"
        if document.markup is None and not blocking:
            out(f"{document.path}: the file has no msg", err=True)
            message = "the message file has no msg; nothing was sent"
        _fail(out, as_json, "validation_failed", message, diagnostics=said.records())
    assert document.markup is not None
    params = dict(document.params)
    row, own = _block_of(document, block_name, block_params, session)

    def pick(given: str | None, key: str) -> str | None:
        return given if given is not None else params.get(key)

    given: dict[str, str | None] = {
        "tag": tag,
        "notify_url": notify_url,
        "monitor_notify_url": monitor_notify_url,
        **block_params,
    }

    def place(d: Diagnostic) -> Finding:
        """In the file, unless it is about a value the command line gave."""
        from ..documents import Finding

        if given.get(d.field) is not None:
            return Finding(document.path, d)
        return document.locate(d)

    def check_submission_warnings() -> list[dict[str, Any]]:
        """The warnings that went with a request that failed later (they are in the result
        when it succeeds)."""
        from ..submit import check_submission
        from ..validation import validate_request

        assert document.markup is not None
        if row.name == "monitor":
            report = check_submission(
                document.markup,
                tag=pick(tag, "tag"),
                notify_url=pick(notify_url, "notify_url"),
                monitor_notify_url=pick(monitor_notify_url, "monitor_notify_url"),
                config=config,
            )
        else:
            wire = {
                "session": session,
                "msg": document.markup,
                "tag": pick(tag, "tag"),
                "notify_url": pick(notify_url, "notify_url"),
                "monitor_notify_url": pick(monitor_notify_url, "monitor_notify_url"),
                **own,
            }
            sent = {k: v for k, v in wire.items() if v is not None}
            report = validate_request(row, sent, config=config)
        for d in report:
            said.add(place(d))
        return said.records()

    try:
        # dry-run validates again on its own: with the project's settings, like submit() did.
        extra: dict[str, Any] = {"config": config} if transport_name == "dry-run" else {}
        transport = get_transport(transport_name, **options, **extra)
    except (PluginError, TransportOptionError) as error:
        raise click.UsageError(_scrub(str(error), token)) from None
    base_url = options.get("base_url", "")
    if is_loopback(base_url) and not wait_for_server(base_url, wait):
        _fail(
            out,
            as_json,
            "transport_error",
            f"nothing accepts connections at {base_url} (waited {wait:g} s): is the server "
            "running? (`msgkit sandbox serve` starts a sandbox)",
            diagnostics=check_submission_warnings(),
        )
    try:
        result = library_submit(
            document.markup,
            block=row.name,
            session=session,
            transport=transport,
            app_id=app_id,
            access_token=token,
            tag=pick(tag, "tag"),
            notify_url=pick(notify_url, "notify_url"),
            monitor_notify_url=pick(monitor_notify_url, "monitor_notify_url"),
            config=config,
            **own,
        )
    except ValidationError as error:
        for d in error.report:
            said.add(place(d))
        _fail(
            out,
            as_json,
            "validation_failed",
            "validation refused the message; nothing was sent",
            diagnostics=said.records(),
        )
    except RequestError as error:
        raise click.UsageError(_scrub(str(error), token)) from None
    except ApiError as error:
        warnings = check_submission_warnings()
        _fail(out, as_json, error.status, str(error), raw=error.raw, diagnostics=warnings)
    except MsgkitError as error:
        warnings = check_submission_warnings()
        _fail(out, as_json, "transport_error", str(error), diagnostics=warnings)
    if result.report is not None:
        for d in result.report:
            said.add(place(d))
    _print_result(out, as_json, result, said.records())
    sys.exit(0 if result.ok else 1)


def _block_of(
    document: Document, name: str | None, given: dict[str, str], session: str | None
) -> tuple[Block, dict[str, Any]]:
    """The block to send and its own parameters: the file's, then the command line's."""
    from ..blocks import block
    from ..validation import DOCUMENT_PARAMS

    data = document.data if isinstance(document.data, dict) else {}
    named = data.get("block")
    if name is not None and isinstance(named, str) and named != name:
        raise click.BadParameter(
            f"the file is for the {named} block, not {name}", param_hint="'--block'"
        )
    try:
        row = block(name or (named if isinstance(named, str) else "monitor"))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--block'") from None
    shared = ("tag", "notify_url", "monitor_notify_url")
    own: dict[str, Any] = {
        k: data[k] for k in DOCUMENT_PARAMS if k not in shared and data.get(k) is not None
    }
    own.update({k: v for k, v in given.items() if k not in shared})
    if "session" in own:
        raise click.BadParameter("give the session with --session", param_hint="'-p' / '--param'")
    if session is None and "session" in row.required:
        raise click.UsageError(
            f"Missing option '--session': the {row.name} block acts on a call's session. The "
            "provider sends it with each call's notifications; with the sandbox, `msgkit "
            "sandbox call` prints one (SESSION=$(msgkit sandbox call))"
        )
    return row, own


def _scrub(text: str, token: str | None) -> str:
    from ..transports.base import redact

    return redact(text, token)


def _fail(
    out: _Out,
    as_json: bool,
    status: str,
    message: str,
    raw: dict[str, Any] | None = None,
    *,
    diagnostics: list[dict[str, Any]],
) -> None:
    if as_json:
        payload: dict[str, Any] = {"status": status, "ok": False, "error": message}
        if raw is not None:
            payload["raw"] = raw
        payload["diagnostics"] = diagnostics
        out(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        out(f"error: {message}", err=True)
    sys.exit(1)


def _print_result(
    out: _Out, as_json: bool, result: MonitorResult, diagnostics: list[dict[str, Any]]
) -> None:
    if as_json:
        answer = result.to_dict()
        answer["diagnostics"] = diagnostics
        out(json.dumps(answer, indent=2, ensure_ascii=False, default=str))
        return
    attempts = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    out(f"{result.status}{attempts}")
    if result.note:
        out(f"note: {result.note}")
    extra = {k: v for k, v in result.raw.items() if k != "status"}
    if extra:
        out(json.dumps(extra, indent=2, ensure_ascii=False, default=str))
