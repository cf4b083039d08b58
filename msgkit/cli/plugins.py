"""``msgkit plugins``: the installed plugins, their versions, transports and checks."""

from __future__ import annotations

import json
import logging
import sys

import click

from .options import output_format_option

__all__ = ["plugins"]


@click.command()
@output_format_option()
def plugins(output_format: str) -> None:
    """List every plugin with its version, transports and checks, and any that failed.

    Exit status: 0 when every selected plugin loaded, 1 when one failed (it is listed, with
    what failed). $MSGKIT_LOAD_PLUGINS chooses which third-party plugins load.
    """
    from ..plugins import ENV_VAR, registry

    # The failures are part of this listing; do not log them a second time.
    logger = logging.getLogger("msgkit.plugins")
    logger.disabled = True
    try:
        reg = registry()
    finally:
        logger.disabled = False
    loaded = {info.name for info in reg.plugins}
    orphans = [f for f in reg.failures if f.plugin not in loaded]
    if output_format == "json":
        payload = {
            "plugins": [info.to_dict() for info in reg.plugins],
            "failed": [{"name": f.plugin, "stage": f.stage, "error": f.error} for f in orphans],
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        for info in reg.plugins:
            origin = " (built-in)" if info.builtin else ""
            click.echo(f"{info.name} {info.version}{origin}")
            click.echo(f"  transports: {', '.join(info.transports) or '-'}")
            click.echo(f"  checks: {', '.join(info.checks) or '-'}")
            for failure in info.failures:
                click.echo(f"  failed: {failure.stage}: {failure.error}")
        for failure in orphans:
            click.echo(f"{failure.plugin} (not loaded)")
            click.echo(f"  failed: {failure.stage}: {failure.error}")
        if reg.failures:
            click.echo(
                f"\n{len(reg.failures)} problem(s); leave a plugin out with "
                f"{ENV_VAR}=name,... (empty: none)",
                err=True,
            )
    sys.exit(1 if reg.failures else 0)
