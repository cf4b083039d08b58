"""``msgkit check-url``: the online checks of a few URLs, without a message file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import network_options, online_options

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic

__all__ = ["check_url"]

# The offline codes that concern a URL on its own (not a msg built around it).
_OFFLINE_URL_CODES = (
    "error_msg_invalid_url",
    "error_msg_invalid_file_format",
    "error_malformed_params",
    "error_invalid_notify_url",
)


def _offline(field: str, url: str) -> list[Diagnostic]:
    """What the offline checks say of ``url``, without positions: such URLs are not fetched."""
    import dataclasses

    from ..checks.offline import check_msg, check_params
    from ..config import Config
    from ..diagnostics import Diagnostic, Severity
    from ..errors import InvalidSegmentError
    from ..model import Audio

    config = Config()
    if field == "notify_url":
        found = check_params(notify_url=url, config=config)
    else:
        try:
            markup = Audio(url).render()
        except InvalidSegmentError as error:
            return [Diagnostic("error_msg_invalid_url", Severity.ERROR, f"<url>: {error}")]
        found = check_msg(markup, config)
    return [
        dataclasses.replace(d, line=None, column=None, offset=None, fix=None)
        for d in found
        if d.code in _OFFLINE_URL_CODES
    ]


@click.command("check-url")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option(
    "--notify",
    is_flag=True,
    help="The URLs are notify URLs (DNS and TLS checks), not <url> recordings.",
)
@network_options()
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Time limit of the whole run (default: worked out from the number of URLs).",
)
@click.option(
    "--ttl",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="How long a cached result is used without asking the server.",
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Trust this PEM bundle instead of the system trust store.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("-q", "--quiet", is_flag=True, help="Diagnostics only, no summary.")
def check_url(
    urls: tuple[str, ...],
    notify: bool,
    timeout: float,
    concurrency: int,
    deadline: float | None,
    allow_private: bool,
    cache_dir: Path | None,
    no_cache: bool,
    ttl: float,
    ca_file: Path | None,
    output_format: str,
    strict: bool,
    quiet: bool,
) -> None:
    """Check recordings (or, with --notify, notify URLs) over the network.

    A recording is fetched with a ranged GET and a conditional HEAD: it must download, be at
    most 10,000,000 bytes, be the MP3, WAV or GSM its name says, ideally 8000 Hz mono, and be
    cacheable. A notify URL must resolve and, for https, complete a verified TLS handshake.
    Exit status: 0 no errors, 1 errors (or warnings under --strict), 2 usage error.
    """
    import warnings

    from ..checks.online import check_urls

    field = "notify_url" if notify else "msg"
    options = online_options(
        timeout=timeout,
        concurrency=concurrency,
        deadline=deadline,
        allow_private=allow_private,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        ttl=ttl,
        progress=output_format == "text",
        ca_file=ca_file,
    )
    distinct = list(dict.fromkeys(urls))
    offline = {url: _offline(field, url) for url in distinct}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        online = check_urls(
            [(field, url) for url in distinct if not offline[url]],
            options,
        )
    for warning in caught:
        click.echo(f"msgkit: warning: {warning.message}", err=True)
    results = {url: offline[url] or online.get((field, url), []) for url in distinct}

    errors = sum(1 for found in results.values() for d in found if d.is_error)
    warns = sum(1 for found in results.values() for d in found if not d.is_error)
    if output_format == "json":
        _json(results, field, errors, warns)
    else:
        _text(results, errors, warns, quiet)
    sys.exit(1 if errors or (strict and warns) else 0)


def _text(results: dict[str, list[Diagnostic]], errors: int, warns: int, quiet: bool) -> None:
    from ..reporters import use_color

    color = use_color(sys.stdout)

    def style(text: str, **styles: object) -> str:
        return click.style(text, **styles) if color else text  # type: ignore[arg-type]

    for url, found in results.items():
        for d in found:
            severity_color = "red" if d.is_error else "yellow"
            click.echo(
                f"{style(url, bold=True)}: {style(d.code, fg=severity_color, bold=True)} "
                f"{d.message}"
            )
            if d.hint:
                click.echo(f"  {style('hint:', fg='cyan')} {d.hint}")
    if quiet:
        return
    n = len(results)
    urls = f"{n} URL{'s' if n != 1 else ''}"
    if not errors and not warns:
        click.echo(f"All {urls} OK.")
        return
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warns:
        parts.append(f"{warns} warning{'s' if warns != 1 else ''}")
    click.echo(f"Checked {urls}: {', '.join(parts)}.")


def _json(results: dict[str, list[Diagnostic]], field: str, errors: int, warns: int) -> None:
    payload = {
        "urls": [
            {
                "url": url,
                "field": field,
                "ok": not any(d.is_error for d in found),
                "diagnostics": [
                    {
                        "code": d.code,
                        "severity": d.severity.value,
                        "message": d.message,
                        "hint": d.hint,
                    }
                    for d in found
                ],
            }
            for url, found in results.items()
        ],
        "summary": {"urls": len(results), "errors": errors, "warnings": warns},
    }
    click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
