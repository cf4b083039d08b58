"""``msgkit schema``: print a bundled JSON Schema, or list them."""

from __future__ import annotations

import difflib
from importlib.resources import files

import click

__all__ = ["schema"]


@click.command()
@click.argument("name", required=False)
def schema(name: str | None) -> None:
    """Print the bundled schema NAME (e.g. message); without NAME, list the schemas."""
    from ..schemas import schema as load
    from ..schemas import schema_names

    names = schema_names()
    if name is None:
        width = max(len(n) for n in names)
        for known in names:
            click.echo(f"{known:<{width}}  {load(known).get('title', '')}")
        return
    name = name.removesuffix(".schema.json").removesuffix(".json")
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else f" Known: {', '.join(names)}."
        raise click.BadParameter(f"no bundled schema named {name!r}.{hint}", param_hint="NAME")
    text = files("msgkit").joinpath("schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    click.echo(text, nl=not text.endswith("\n"))
