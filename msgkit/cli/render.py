"""``msgkit render``: print the markup a message document composes."""

from __future__ import annotations

import os
import sys

import click

__all__ = ["render"]


@click.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "--as",
    "kind",
    type=click.Choice(["msg", "json", "yaml"]),
    default=None,
    help="Read FILE as this kind (default: by its name; for - JSON if it starts with '{').",
)
def render(file: str, kind: str | None) -> None:
    """Print the msg markup FILE composes (- reads standard input).

    A segments document comes out as the escaped markup to send; a .msg file as itself,
    without its final line break. Problems reading the document go to standard error and exit
    with status 1.
    """
    from ..documents import kind_of, read_bytes, read_path
    from ..reporters import report

    if file == "-":
        data = sys.stdin.buffer.read()
        if kind is None:
            kind = "json" if data.lstrip().startswith(b"{") else "msg"
        document = read_bytes(data, kind, "<stdin>")  # type: ignore[arg-type]
    else:
        if not os.path.lexists(file):
            raise click.BadParameter(f"path {file!r} does not exist", param_hint="FILE")
        document = read_path(file, kind=kind or kind_of(file, strict=False))  # type: ignore[arg-type]
    errors = [f for f in document.problems if f.is_error]
    if errors or document.markup is None:
        from ..lint import Checked, LintResult

        result = LintResult((Checked(document, tuple(errors)),))
        report(result, "text", sys.stderr, quiet=True)
        if not errors:
            click.echo(f"{document.path}: the document composes no msg", err=True)
        raise SystemExit(1)
    click.echo(document.markup)
