"""Options several commands share, defined once so they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..checks.options import OnlineOptions

__all__ = [
    "STDIN_KIND_HELP",
    "network_options",
    "online_options",
    "output_format_option",
    "stdin_kind_option",
]

F = TypeVar("F", bound=Callable[..., Any])

STDIN_KIND_HELP = (
    "Read - (standard input) as this kind (default: JSON if it starts with '{', else markup)."
)


def stdin_kind_option(name: str = "stdin_kind", help: str = STDIN_KIND_HELP) -> Callable[[F], F]:
    """``--as msg|json|yaml``: what standard input (or a file) holds."""
    return click.option(
        "--as", name, type=click.Choice(["msg", "json", "yaml"]), default=None, help=help
    )


def output_format_option() -> Callable[[F], F]:
    """``--format text|json`` for the commands that print one result."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
    )


def network_options(scope: str = "") -> Callable[[F], F]:
    """``--timeout --concurrency --allow-private --cache-dir --no-cache``: how URLs are fetched.

    ``scope`` prefixes each help text (lint's say "With --online: ...").
    """

    def text(what: str) -> str:
        return f"{scope}: {what}" if scope else what[0].upper() + what[1:]

    decorators = [
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help=text("time limit of each request."),
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1),
            default=16,
            show_default=True,
            metavar="N",
            help=text("URLs checked at once, across all files."),
        ),
        click.option(
            "--allow-private",
            is_flag=True,
            help=text(
                "fetch loopback and private addresses too (test servers); the provider cannot."
            ),
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help=text("where results are cached (default: the user cache directory)."),
        ),
        click.option("--no-cache", is_flag=True, help=text("neither read nor write the cache.")),
    ]

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def online_options(**values: Any) -> OnlineOptions:
    """``OnlineOptions(**values)``, with a value it refuses (nan, a file that is not PEM) turned
    into a usage error, exit status 2."""
    from ..checks.options import OnlineOptions

    try:
        return OnlineOptions(**values)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
