"""``msgkit render``: print the markup a message document composes."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from .options import stdin_kind_option

if TYPE_CHECKING:
    from ..documents import Kind

__all__ = ["render"]


@click.command()
@click.argument("file", type=click.Path(path_type=str))
@stdin_kind_option(
    "kind", help="Read FILE as this kind (default: by its name; for - JSON if it starts with '{')."
)
def render(file: str, kind: Kind | None) -> None:
    """Print the msg markup FILE composes (- reads standard input).

    A segments document comes out as the escaped markup to send; a .msg file as itself,
    without its final line break. Problems reading the document, and characters that cannot
    travel as a parameter (error_malformed_params), go to standard error and exit with status 1.
    """
    from ..documents import kind_of, read_path, read_stdin
    from ..reporters import report

    if file == "-":
        document = read_stdin(kind=kind)
    else:
        if not os.path.lexists(file):
            raise click.BadParameter(f"path {file!r} does not exist", param_hint="FILE")
        document = read_path(file, kind=kind or kind_of(file, strict=False))
    errors = [f for f in document.problems if f.is_error]
    if document.markup is not None and not errors:
        from ..checks.offline import check_msg
        from ..config import Config

        # Lone surrogates and control characters: neither printable nor sendable.
        errors = [
            document.locate(d)
            for d in check_msg(document.markup, Config())
            if d.code == "error_malformed_params"
        ]
    if errors or document.markup is None:
        from ..lint import Checked, LintResult

        result = LintResult((Checked(document, tuple(errors)),))
        report(result, "text", sys.stderr, quiet=True)
        if not errors:
            click.echo(f"{document.path}: the document composes no msg", err=True)
        raise SystemExit(1)
    click.echo(document.markup)
