"""``msgkit server``: the language server, for editors."""

from __future__ import annotations

import click

__all__ = ["server"]


@click.command()
@click.option(
    "--stdio",
    is_flag=True,
    help="Speak over standard input and output (the default and only transport; accepted "
    "because editors' client settings often pass it).",
)
def server(stdio: bool) -> None:
    """Run the Language Server Protocol server over standard input and output.

    Editors start it themselves: see the Editors page of the guide. Needs the lsp extra
    (pip install "msgkit[lsp]"); without it, exits with status 2.
    """
    from ..server import INSTALL_HINT, available

    if not available():
        click.echo(f"msgkit: error: {INSTALL_HINT}", err=True)
        raise SystemExit(2)
    from ..server import serve

    serve()
