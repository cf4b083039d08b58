"""The ``msgkit`` command line: a thin layer over the library.

Subcommands live in their own modules and are imported only when invoked, so ``msgkit lint``
never pays for the HTTP client, the plugin machinery or the sandbox server.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import importlib.util
from typing import Any

import click

from .._version import __version__

__all__ = ["main"]

# On the way out, the interpreter's last garbage collection walks every object still alive
# (lxml's, click's, msgkit's): a fifth of a one-file lint. Frozen objects are left to the
# operating system instead. The collection frees no memory worth having at exit and runs no
# finalizer msgkit relies on: files are closed by ``with``, standard streams and atexit
# handlers are flushed and run as usual.
atexit.register(gc.freeze)

# command name -> "module:attribute" under msgkit.cli
COMMANDS: dict[str, str] = {
    "lint": "lint:lint",
    "render": "render:render",
    "schema": "schema:schema",
    "explain": "explain:explain",
    "check-url": "check_url:check_url",
    "submit": "submit:submit",
    "notification": "notification:notification",
    "plugins": "plugins:plugins",
    "sandbox": "sandbox:sandbox",
    "preview": "preview:preview",
    "server": "server:server",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    @staticmethod
    def _available(name: str) -> bool:
        module = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(f"msgkit.cli.{module}") is not None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or not self._available(cmd_name):
            return None
        module_name, attribute = target.split(":")
        module = importlib.import_module(f"msgkit.cli.{module_name}")
        command: click.Command = getattr(module, attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="msgkit")
def main(**_: Any) -> None:
    """Compose, validate and submit the msg markup of the Hoiio IVR API."""
