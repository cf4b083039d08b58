"""``msgkit preview``: hear a msg as the caller will, and see how long each part lasts."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .options import network_options, online_options, stdin_kind_option

if TYPE_CHECKING:
    from ..documents import Document, Kind
    from ..previewer import Preview

__all__ = ["preview"]

STDOUT = "-"


def default_output(file: str) -> Path:
    """FILE's name without its message suffix, plus ``.wav``, next to FILE (``preview.wav`` in
    the current directory for standard input)."""
    from ..documents import SUFFIXES

    if file == "-":
        return Path("preview.wav")
    path = Path(file)
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return path.with_name(name[: -len(suffix)] + ".wav")
    return path.with_name((path.stem or name) + ".wav")


@click.command()
@click.argument("file", type=click.Path(path_type=str))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    metavar="OUT.wav",
    help="Where to write the WAV (default: FILE's name with .wav, next to it; - is standard "
    "output, and the timeline goes to standard error).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the timeline.",
)
@click.option("--online", is_flag=True, help="Download the <url> recordings and play them.")
@click.option("--phone", is_flag=True, help="Band-limit to 300-3400 Hz, as a phone line does.")
@stdin_kind_option(
    "kind", help="Read FILE as this kind (default: by its name; for - JSON if it starts with '{')."
)
@network_options("With --online")
def preview(
    file: str,
    output: str | None,
    output_format: str,
    online: bool,
    phone: bool,
    kind: Kind | None,
    allow_private: bool,
    timeout: float,
    concurrency: int,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Render the msg in FILE to the audio a caller would hear (- reads standard input).

    Writes an 8000 Hz, mono, 16-bit WAV and prints its timeline: each part's kind, start,
    duration, the voice that spoke it or the recording's format, and any problem met. Speech
    is synthesised with espeak-ng; recordings are played only with --online, and are gaps
    otherwise. Exit status: 0 written, 1 the message has errors that stop it parsing (nothing
    is written), 2 usage error, or espeak-ng or the preview extra is missing.
    """
    from ..previewer import (
        EspeakNotFoundError,
        InvalidMessageError,
        MissingExtraError,
        PreviewError,
    )
    from ..previewer import preview as render_preview
    from ..settings import SettingsError, load_settings

    try:
        config = load_settings().config()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    options = online_options(
        timeout=timeout,
        concurrency=concurrency,
        allow_private=allow_private,
        cache_dir=cache_dir,
        use_cache=not no_cache,
    )
    document = _read(file, kind)
    if document.markup is None or any(f.is_error for f in document.problems):
        _refuse(document, config, output_format)
    assert document.markup is not None
    try:
        result = render_preview(
            document.markup, online=online, options=options, config=config, phone=phone
        )
    except InvalidMessageError:
        _refuse(document, config, output_format)
    except (EspeakNotFoundError, MissingExtraError, PreviewError) as error:
        # What is missing or broken is this machine's, not the message's: a usage-class error.
        click.echo(f"msgkit: error: {error}", err=True)
        raise SystemExit(2) from None

    target = output if output is not None else str(default_output(file))
    if target == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(result.wav)
        sys.stdout.buffer.flush()
        out = sys.stderr
    else:
        try:
            result.write(target)
        except OSError as error:
            click.echo(f"msgkit: error: cannot write {target}: {error.strerror or error}", err=True)
            raise SystemExit(2) from None
        out = sys.stdout
    if output_format == "json":
        data = {"output": target, **result.to_dict()}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2), file=out)
    else:
        click.echo(timeline_text(result, target), file=out, nl=False)


def _read(file: str, kind: Kind | None) -> Document:
    from ..documents import kind_of, read_path, read_stdin

    if file == "-":
        return read_stdin(kind=kind)
    if not os.path.lexists(file):
        raise click.BadParameter(f"path {file!r} does not exist", param_hint="FILE")
    return read_path(file, kind=kind or kind_of(file, strict=False))


def _refuse(document: Document, config: Any, output_format: str) -> None:
    """Report what lint finds in a document that gives no previewable msg; exit 1."""
    from ..lint import LintResult, check_document
    from ..reporters import report

    checked = check_document(document, config)
    if output_format == "json":
        report(LintResult((checked,)), "json", sys.stdout, quiet=True)
    else:
        report(LintResult((checked,)), "text", sys.stderr, quiet=True)
        click.echo(
            f"msgkit: error: {document.path}: nothing to preview; no audio written", err=True
        )
    raise SystemExit(1)


def timeline_text(result: Preview, target: str) -> str:
    """The timeline as a table, one line per part, its problem (if any) under it."""
    where = "standard output" if target == STDOUT else target
    lines = [
        f"{where}: {result.duration:.2f} s, 8000 Hz mono 16-bit"
        + (", band-limited to 300-3400 Hz" if result.phone else "")
    ]
    for segment in result.segments:
        if segment.kind == "audio":
            source = segment.format or "not fetched"
            what = segment.url or ""
        else:
            source = segment.voice or ""
            what = json.dumps(_shorten(segment.text or ""), ensure_ascii=False)
        lines.append(
            f"{segment.start:8.2f} s {segment.duration:7.2f} s  {segment.kind:<6}  "
            f"{source:<10}  {what}"
        )
        if segment.problem:
            lines.append(f"{'':>22}! {segment.problem}")
    return "\n".join(lines) + "\n"


def _shorten(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
