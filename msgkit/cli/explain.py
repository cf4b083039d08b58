"""``msgkit explain``: a diagnostic code's documentation in the terminal."""

from __future__ import annotations

import difflib
import sys
from importlib.resources import files

import click

__all__ = ["explain"]


def _page(code: str) -> str | None:
    page = files("msgkit").joinpath("_diagnostics").joinpath(f"{code}.md")
    try:
        return page.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None


@click.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Print what CODE means, why, a failing example and the fix; without CODE, list codes."""
    from ..diagnostics import CODES
    from ..reporters import use_color

    if code is None:
        width = max(len(c) for c in CODES)
        for known, entry in CODES.items():
            fix = " (fixable)" if entry.fixable else ""
            click.echo(f"{known:<{width}}  {entry.severity.value:<7}  {entry.summary}{fix}")
        return
    text = _page(code) if code in CODES else None
    if text is None:
        from ..transports.base import STATUSES, ApiError

        if code in STATUSES or (code.startswith("error_") and code.endswith("_param_missing")):
            # A status only the provider answers (msgkit submit prints them): say what it means.
            click.echo(f"{code}: a status the provider answers, not a lint diagnostic.")
            click.echo(str(ApiError(code)).partition(": ")[2] or code)
            return
        close = difflib.get_close_matches(code, list(CODES), n=1, cutoff=0.5)
        hint = f" Did you mean {close[0]}?" if close else " Run 'msgkit explain' to list codes."
        raise click.BadParameter(f"no diagnostic code {code!r}.{hint}", param_hint="CODE")
    color = use_color(sys.stdout)
    for line in text.splitlines():
        if color and line.startswith("#"):
            line = click.style(line, bold=True)
        click.echo(line, color=color)
