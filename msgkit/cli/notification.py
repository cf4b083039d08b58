"""``msgkit notification``: parse (and verify) a notification body the provider posted."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..notifications import Notification

__all__ = ["notification"]

_MAX_BYTES = 1 << 20


@click.command()
@click.argument("source", metavar="FILE|-")
@click.option(
    "--signature",
    default=None,
    metavar="HEX",
    help="The X-Hoiio-Signature header: verify the body against $MSGKIT_ACCESS_TOKEN first.",
)
@click.option(
    "--content-type",
    default="application/x-www-form-urlencoded",
    show_default=True,
    help="The Content-Type the body arrived with.",
)
@click.option(
    "--query",
    default="",
    help='The query string of the request, if it had one: shown under "query", never as fields.',
)
@click.option(
    "--query-fields",
    is_flag=True,
    help="Read the fields from --query as well (unsigned notifications only; the body wins).",
)
@click.option(
    "--block",
    default=None,
    metavar="NAME",
    help="The block whose notify URL it was posted to (gather, record, ...): types a body "
    "without ivr_block, and refuses one for another block.",
)
@click.option(
    "--transport",
    "transport_name",
    default=None,
    help="Parse with this transport's parser (default: the provider's format).",
)
def notification(
    source: str,
    signature: str | None,
    content_type: str,
    query: str,
    query_fields: bool,
    block: str | None,
    transport_name: str | None,
) -> None:
    """Parse the notification body in FILE (or - for stdin) and print it as JSON.

    Datetimes are ISO 8601 (date keeps its +08:00 offset, expires_at is UTC), amounts are
    strings. Exit status: 0 when it parses (and the signature matches), 1 when it does not,
    2 on usage errors.
    """
    from ..notifications import BLOCK_NOTIFICATIONS, NotificationError, parse_notification
    from ..signatures import verify_signature
    from ..submit import ENV_ACCESS_TOKEN

    if block is not None and block not in BLOCK_NOTIFICATIONS:
        raise click.BadParameter(
            f"{block!r} is not a block; the blocks are: {', '.join(BLOCK_NOTIFICATIONS)}",
            param_hint="--block",
        )
    if block is not None and transport_name is not None:
        raise click.UsageError("--block cannot be combined with --transport")

    if query_fields and (signature is not None or transport_name is not None):
        raise click.UsageError(
            "--query-fields cannot be combined with --signature (no signature covers the query "
            "string) or --transport"
        )
    body = _read(source)
    if signature is not None:
        token = os.environ.get(ENV_ACCESS_TOKEN)
        if not token:
            raise click.UsageError(f"--signature needs the access token in {ENV_ACCESS_TOKEN}")
        if not verify_signature(body, signature, token):
            click.echo(
                "error: the signature does not match the body: it was not signed with this "
                "access token, or the body was changed",
                err=True,
            )
            sys.exit(1)
    parsed: Notification
    try:
        if transport_name is None:
            parsed = parse_notification(
                body, content_type, query, query_fields=query_fields, block=block
            )
        else:
            parsed = _transport_parse(transport_name, body, content_type, query)
    except NotificationError as error:
        where = f" (field {error.field!r})" if error.field else ""
        click.echo(f"error: the notification does not parse{where}: {error}", err=True)
        sys.exit(1)
    click.echo(json.dumps(parsed.to_dict(), indent=2, ensure_ascii=False))


def _transport_parse(name: str, body: bytes, content_type: str, query: str) -> Notification:
    from ..plugins import PluginError, get_transport

    try:
        transport = get_transport(name)
    except PluginError as error:
        raise click.UsageError(str(error)) from None
    return transport.parse_notification(body, content_type, query)


def _read(source: str) -> bytes:
    if source == "-":
        data = sys.stdin.buffer.read(_MAX_BYTES + 1)
    else:
        try:
            with open(source, "rb") as handle:
                data = handle.read(_MAX_BYTES + 1)
        except OSError as error:
            raise click.BadParameter(
                f"cannot read {source}: {error.strerror or error}", param_hint="FILE"
            ) from None
    if len(data) > _MAX_BYTES:
        raise click.BadParameter(f"{source} is larger than {_MAX_BYTES} bytes", param_hint="FILE")
    return data
