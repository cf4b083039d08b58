"""Options several commands share, defined once so they read and behave the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["STDIN_KIND_HELP", "output_format_option", "stdin_kind_option"]

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
