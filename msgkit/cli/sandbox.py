"""``msgkit sandbox``: run a local stand-in for the provider, and drive its simulated calls.

The server (Starlette, uvicorn) is imported inside ``serve`` only; ``call``, ``hangup`` and
``show`` are plain HTTP clients of the control API, which give a server that is still starting
``--wait`` seconds to listen.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import click

from .wait import wait_for_server, wait_option

__all__ = ["sandbox"]

_URL_HELP = "The sandbox's base URL (default: $MSGKIT_SANDBOX_URL)."
_WAIT_HELP = "How long to wait for a sandbox that is still starting to accept connections."
_NO_SESSION = (
    "is empty: give the session of a call. `msgkit sandbox call` starts one and prints its "
    "session (SESSION=$(msgkit sandbox call)); the provider sends it with each call's "
    "notifications"
)


def _session(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter(_NO_SESSION, ctx=ctx, param=param)
    return value


@click.group()
def sandbox() -> None:
    """A local stand-in for the provider's IVR endpoints and their notifications."""


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to bind; 0 picks a free one.",
)
@click.option(
    "--app-id",
    envvar="MSGKIT_APP_ID",
    default="sandbox",
    show_default=True,
    help="The application ID the sandbox accepts ($MSGKIT_APP_ID).",
)
@click.option(
    "--rate-limit",
    type=click.IntRange(min=1),
    default=None,
    help="Requests allowed per app per --rate-window, for each block's endpoint on its own "
    "(default: no limit).",
)
@click.option(
    "--rate-window",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds of the rate-limit window.",
)
@click.option(
    "--block-seconds",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="How long every block plays its msg before it does its work and notifies.",
)
@click.option(
    "--answer-url",
    metavar="URL",
    default=None,
    help="Where an incoming call's Answer notification goes (a call's own answer_url wins).",
)
@click.option(
    "--time-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Multiply the seconds a request gives (Gather timeout, Record max_duration) by this.",
)
@click.option(
    "--recording-ttl",
    type=click.FloatRange(min=0, min_open=True),
    default=3600.0,
    show_default=True,
    help="Seconds a recording URL stays valid.",
)
@click.option(
    "--recording-seconds",
    type=click.FloatRange(min=0, max=600, min_open=True),
    default=3.0,
    show_default=True,
    help="Length of the generated recording.",
)
@click.option(
    "--fail-recording",
    is_flag=True,
    help="End every call with monitor_status=failed and no monitor_url.",
)
@click.option(
    "--retry-notifications",
    type=click.IntRange(0, 10),
    default=0,
    show_default=True,
    help="Retry a failed notification this many times (the provider never retries).",
)
@click.option(
    "--retry-backoff",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds before the first retry; doubled for each further one.",
)
@click.option(
    "--notify-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=5.0,
    show_default=True,
    help="Seconds to wait for a receiver.",
)
@click.option(
    "--max-msg-length",
    type=click.IntRange(min=0),
    default=None,
    help="The msg length limit (default: the schema's, 500).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
)
def serve(host: str, port: int, app_id: str, log_level: str, **options: Any) -> None:
    """Serve the sandbox; print its base URL as the first line of standard output, once it
    accepts connections.

    The access token is $MSGKIT_ACCESS_TOKEN, or one is generated and printed once (as
    MSGKIT_ACCESS_TOKEN=... on the next line). Logs go to standard error. Point the hoiio
    transport's base_url at the printed URL plus /open.
    """
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401

        from ..sandbox.server import serve as run
        from ..sandbox.settings import SandboxSettings
    except ImportError as error:
        raise click.ClickException(
            f"the sandbox needs the 'sandbox' extra ({error.name} is missing): "
            'pip install "msgkit[sandbox]"'
        ) from None
    token = os.environ.get("MSGKIT_ACCESS_TOKEN") or ""
    generated = not token
    if generated:
        token = secrets.token_urlsafe(24)
    try:
        settings = SandboxSettings(app_id=app_id, access_token=token, **options)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(f"warning: binding to {host}: the control API has no authentication", err=True)

    def ready(url: str) -> None:
        lines = [url, f"MSGKIT_APP_ID={app_id}"]
        if generated:
            lines.append(f"MSGKIT_ACCESS_TOKEN={token}")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()

    try:
        run(settings, host=host, port=port, log_level=log_level, on_ready=ready)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from None


def _base(url: str | None) -> str:
    url = url or os.environ.get("MSGKIT_SANDBOX_URL")
    if not url:
        raise click.UsageError("give the sandbox's URL with --url or $MSGKIT_SANDBOX_URL")
    return url.rstrip("/")


def _request(
    method: str, url: str, body: dict[str, Any] | None = None, *, wait: float = 0.0
) -> dict[str, Any]:
    import httpx

    if not wait_for_server(url, wait):
        where = urlsplit(url)
        raise click.ClickException(
            f"nothing accepts connections at {where.scheme}://{where.netloc} (waited {wait:g} s):"
            " start the sandbox with `msgkit sandbox serve`, or check --url and"
            " $MSGKIT_SANDBOX_URL"
        )
    try:
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            response = client.request(method, url, json=body)
    except httpx.TimeoutException:
        raise click.ClickException(f"the sandbox at {url} did not answer within 10 s") from None
    except httpx.ConnectError:
        raise click.ClickException(f"cannot connect to the sandbox at {url}") from None
    except httpx.HTTPError:
        raise click.ClickException(f"the connection to the sandbox at {url} failed") from None
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise click.ClickException(f"{url} answered HTTP {response.status_code}, not JSON")
    if response.status_code >= 400:
        message = data.get("message") or data.get("error") or response.reason_phrase
        raise click.ClickException(f"the sandbox refused: {message}")
    return data


def _print(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@sandbox.command()
@click.option("--url", help=_URL_HELP)
@click.option("--from", "from_", metavar="E164", help="Caller ID (default +6511111111).")
@click.option("--to", metavar="E164", help="The dialled number (default +6522222222).")
@click.option("--app-id", help="Owner of the call (default: the sandbox's application).")
@click.option("--answer-url", metavar="URL", help="Send the call's Answer notification here.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole call as JSON.")
@wait_option(_WAIT_HELP)
def call(
    url: str | None,
    from_: str | None,
    to: str | None,
    app_id: str | None,
    answer_url: str | None,
    as_json: bool,
    wait: float,
) -> None:
    """Start a simulated incoming call; print its session."""
    given = (("from", from_), ("to", to), ("app_id", app_id), ("answer_url", answer_url))
    body = {k: v for k, v in given if v is not None}
    data = _request("POST", f"{_base(url)}/sandbox/calls", body, wait=wait)
    if as_json:
        _print(data)
    else:
        click.echo(data["session"])


@sandbox.command()
@click.argument("session", callback=_session)
@click.option("--url", help=_URL_HELP)
@click.option("--fail-recording", is_flag=True, help="End with monitor_status=failed.")
@click.option(
    "--duration",
    type=click.FloatRange(min=0),
    default=None,
    help="Bill the call as this many seconds long (default: how long it really ran).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the ended call as JSON.")
@wait_option(_WAIT_HELP)
def hangup(
    session: str,
    url: str | None,
    fail_recording: bool,
    duration: float | None,
    as_json: bool,
    wait: float,
) -> None:
    """Hang up a simulated call; the end-of-call notifications follow."""
    body: dict[str, Any] = {}
    if fail_recording:
        body["fail_recording"] = True
    if duration is not None:
        body["duration_seconds"] = duration
    data = _request("POST", f"{_call_url(url, session)}/hangup", body, wait=wait)
    if as_json:
        _print(data)
    else:
        click.echo(f"{data['session']} ended")


@sandbox.command()
@click.argument("session", callback=_session)
@click.option("--url", help=_URL_HELP)
@wait_option(_WAIT_HELP)
def show(session: str, url: str | None, wait: float) -> None:
    """Show a call's state and the notifications sent for it, as JSON."""
    _print(_request("GET", _call_url(url, session), wait=wait))


@sandbox.command()
@click.argument("session", callback=_session)
@click.argument("digits")
@click.option("--url", help=_URL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the call as JSON.")
@wait_option(_WAIT_HELP)
def digits(session: str, digits: str, url: str | None, as_json: bool, wait: float) -> None:
    """Press DIGITS (0-9, *, #) on the caller's keypad.

    They finish a running Gather when it has its max_digits, or at a # (which is not part of
    the digits); a # ends a running Record.
    """
    data = _request("POST", f"{_call_url(url, session)}/digits", {"digits": digits}, wait=wait)
    if as_json:
        _print(data)
    else:
        click.echo(f"{data['session']} pressed {digits}")


@sandbox.command("dial-outcomes")
@click.argument("outcomes", nargs=-1, metavar="NUMBER=OUTCOME...")
@click.option("--url", help=_URL_HELP)
@wait_option(_WAIT_HELP)
def dial_outcomes(outcomes: tuple[str, ...], url: str | None, wait: float) -> None:
    """Set what dialled and transferred-to numbers do: answered (the default), unanswered,
    busy or failed; print every outcome set, as JSON.

    Example: msgkit sandbox dial-outcomes +6591234567=busy
    """
    body: dict[str, Any] = {}
    for item in outcomes:
        number, sep, outcome = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NUMBER=OUTCOME", param_hint="OUTCOMES")
        body[number] = outcome
    _print(_request("POST", f"{_base(url)}/sandbox/dial-outcomes", body, wait=wait))


def _call_url(url: str | None, session: str) -> str:
    # Quoted whole: a / or ? in a session must not become another path or a query.
    return f"{_base(url)}/sandbox/calls/{quote(session, safe='')}"


@sandbox.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=9000, show_default=True, help="0: any free."
)
@click.option(
    "--download-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where recordings are saved (default: recordings/, created).",
)
@click.option("--no-download", is_flag=True, help="Do not download recordings.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace a recording already saved under the same name (default: keep it).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many notifications were accepted.",
)
def receive(
    host: str,
    port: int,
    download_dir: Path | None,
    no_download: bool,
    overwrite: bool,
    count: int | None,
) -> None:
    """Receive notifications: verify, parse and print each, and save the recordings.

    Point --monitor-notify-url and --notify-url at the URL printed on the first line of
    standard output (printed once connections are accepted). Each notification is verified
    against $MSGKIT_ACCESS_TOKEN (unsigned or wrongly signed ones are answered 403), then
    printed as one line of JSON; a Monitor File Notification's MP3 is saved in --download-dir
    as SESSION.TXN_REF.mp3, never over an existing file unless --overwrite. Works with the
    sandbox and with the provider alike. Ctrl-C or SIGTERM stops it (status 0).
    """
    import signal
    import threading

    from ..receiver import Delivery, NotificationReceiver

    token = os.environ.get("MSGKIT_ACCESS_TOKEN")
    if not token:
        raise click.UsageError("set MSGKIT_ACCESS_TOKEN: it verifies each notification")
    target = None if no_download else _recordings_dir(download_dir)
    accepted = 0
    done = threading.Event()

    def report(delivery: Delivery) -> None:
        nonlocal accepted
        if delivery.notification is None:
            click.echo(f"refused a POST to {delivery.path}: {delivery.error}", err=True)
            return
        line: dict[str, Any] = {"path": delivery.path, **delivery.notification.to_dict()}
        if delivery.saved is not None:
            line["saved"] = str(delivery.saved)
        if delivery.error is not None:
            line["error"] = delivery.error
        click.echo(json.dumps(line, ensure_ascii=False))
        sys.stdout.flush()
        accepted += 1
        if count is not None and accepted >= count:
            done.set()

    try:
        receiver = NotificationReceiver(
            access_token=token,
            host=host,
            port=port,
            download_dir=target,
            overwrite=overwrite,
            on_delivery=report,
        )
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from None
    # The socket listens from the constructor on; the URL is printed once requests are served.
    receiver.start()
    click.echo(receiver.url)
    sys.stdout.flush()
    try:  # SIGTERM stops as Ctrl-C does: downloads cancelled, no .part left behind
        previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
    except ValueError:  # not the main thread: the caller handles signals
        previous = None
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        receiver.shutdown()


def _recordings_dir(given: Path | None) -> Path:
    """The download directory, created; the default one is never a symlink msgkit did not make."""
    path = given if given is not None else Path("recordings")
    if given is None and path.is_symlink():
        raise click.ClickException(
            "recordings is a symlink; give --download-dir to save recordings where it points"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(
            f"cannot create the download directory {path}: {error.strerror or error}"
        ) from None
    return path
