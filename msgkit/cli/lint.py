"""``msgkit lint``: check message files, as ruff or check-jsonschema check theirs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..settings import LINT_FORMATS as FORMATS
from .options import network_options, online_options, stdin_kind_option

if TYPE_CHECKING:
    from ..documents import Kind

__all__ = ["lint"]


def _pick(cli: Any, settings: Any, key: str, default: Any) -> Any:
    """The command line wins over ``[tool.msgkit]``, which wins over the default."""
    if cli is not None and cli != ():
        return cli
    return settings.get(key, default)


def _warn_unknown_codes(kind: str, prefixes: tuple[str, ...]) -> None:
    from ..config import SEVERITY_SELECTOR, selector_problem
    from ..diagnostics import CODES

    for prefix in prefixes:
        problem = selector_problem(prefix)
        if problem is not None:
            raise click.BadParameter(problem, param_hint=f"'{kind}'")
        if prefix.startswith(SEVERITY_SELECTOR):
            continue
        if not any(code.startswith(prefix) for code in CODES):
            import difflib

            close = difflib.get_close_matches(prefix, list(CODES), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            click.echo(f"msgkit: warning: {kind} {prefix!r} matches no known code{hint}", err=True)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format (default: text, with each problem's source line; github inside GitHub "
    "Actions).",
)
@click.option(
    "--concise", is_flag=True, help="One line per problem, no source (same as --format concise)."
)
@click.option(
    "--select",
    multiple=True,
    metavar="SELECTOR",
    help="Report only these: a code, a code prefix or severity:error / severity:warning.",
)
@click.option(
    "--ignore",
    multiple=True,
    metavar="SELECTOR",
    help="Never report these: a code, a code prefix or severity:error / severity:warning.",
)
@click.option("--strict/--no-strict", default=None, help="Warnings fail the run too.")
@click.option(
    "--max-msg-length",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="The msg length limit (default: 500, the schema's safe reading).",
)
@click.option(
    "--max-prompt-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Warn when a msg's estimated spoken duration exceeds this (warning_msg_prompt_too_long).",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    metavar="CODE",
    help="Accept this language code besides the catalogue (repeatable).",
)
@click.option(
    "--languages-only/--no-languages-only",
    default=None,
    help="The --language codes are the whole catalogue.",
)
@click.option(
    "--max-findings-per-code",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Show at most N findings of one code per file, then how many more (default: 50; 0: all).",
)
@stdin_kind_option()
@click.option(
    "--fix", is_flag=True, help="Apply the safe fixes in place (- : print the fixed input)."
)
@click.option("--diff", "show_diff", is_flag=True, help="Show the fixes as a diff; write nothing.")
@click.option("-q", "--quiet", is_flag=True, default=None, help="Diagnostics only, no summary.")
@click.option(
    "--exclude",
    multiple=True,
    metavar="PATTERN",
    help="gitignore-style pattern of paths to skip when recursing (replaces the setting).",
)
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply exclude to paths named on the command line too.",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore",
    default=None,
    help="Skip files .gitignore ignores (default: yes).",
)
@click.option(
    "--report-unused-ignores/--no-report-unused-ignores",
    default=None,
    help="Report '# msgkit: ignore' comments that suppress nothing (warning_unused_ignore).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    default=None,
    help="A path that holds no message file is a warning, not an error (exit 2).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Read [tool.msgkit] from this file instead of the nearest pyproject.toml.",
)
@click.option("--online", is_flag=True, help="Also check the URLs over the network (opt-in).")
@network_options("With --online")
@click.pass_context
def lint(
    ctx: click.Context,
    paths: tuple[str, ...],
    output_format: str | None,
    concise: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool | None,
    max_msg_length: int | None,
    max_prompt_seconds: float | None,
    languages: tuple[str, ...],
    languages_only: bool | None,
    max_findings_per_code: int | None,
    stdin_kind: Kind | None,
    fix: bool,
    show_diff: bool,
    quiet: bool | None,
    exclude: tuple[str, ...],
    force_exclude: bool | None,
    respect_gitignore: bool | None,
    report_unused_ignores: bool | None,
    allow_empty: bool | None,
    config_file: Path | None,
    online: bool,
    allow_private: bool,
    timeout: float,
    concurrency: int,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Check message files: *.msg, *.msg.json, *.msg.yaml and *.msg.yml.

    PATHS are files or directories (searched recursively); - reads standard input (a JSON
    document if it starts with '{', else raw markup; see --as); no path lints the current
    directory. Exit status: 0 no errors, 1 errors (or
    warnings under --strict), 2 usage error, a path that does not exist, or a path that holds
    no message file (unless --allow-empty).
    """
    _tolerate_any_text(sys.stdout)
    from ..lint import LintOptions, NoMessageFilesError, PathNotFoundError
    from ..lint import lint as run
    from ..settings import SettingsError, load_settings
    from ..streaming import lint_stream

    try:
        settings = load_settings(path=config_file)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None

    select = _pick(select, settings, "select", ())
    ignore = _pick(ignore, settings, "ignore", ())
    _warn_unknown_codes("--select", select)
    _warn_unknown_codes("--ignore", ignore)
    strict = bool(_pick(strict, settings, "strict", False))
    quiet = bool(_pick(quiet, settings, "quiet", False))
    if concise:
        if output_format not in (None, "text", "concise"):
            raise click.UsageError(
                f"--concise is a text format; it cannot go with --format {output_format}"
            )
        output_format = "concise"
    default_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    fmt = _pick(output_format, settings, "format", default_format)
    config = settings.config(
        select=select,
        ignore=ignore,
        strict=strict,
        max_msg_length=max_msg_length,
        languages=languages,
        languages_only=languages_only,
        max_findings_per_code=max_findings_per_code,
        max_prompt_seconds=max_prompt_seconds,
    )
    allow_empty = bool(_pick(allow_empty, settings, "allow-empty", False))
    options = LintOptions(
        config=config,
        exclude=_pick(exclude, settings, "exclude", ()),
        root=settings.root if not exclude else Path.cwd(),
        force_exclude=bool(_pick(force_exclude, settings, "force-exclude", False)),
        respect_gitignore=bool(_pick(respect_gitignore, settings, "respect-gitignore", True)),
        per_file_ignores=(
            _per_file_ignores(settings.get("per-file-ignores"), settings.root or Path.cwd())
            if settings.get("per-file-ignores")
            else None
        ),
        report_unused_ignores=bool(
            _pick(report_unused_ignores, settings, "report-unused-ignores", False)
        ),
        allow_empty=allow_empty,
    )

    read: list[bytes] = []  # standard input as read, to print back unchanged under --fix

    def stdin() -> bytes:
        from ..documents import stdin_bytes

        read.append(stdin_bytes())
        return read[-1]

    passes = []
    if online:
        from ..checks.online import lint_pass

        settings_online = online_options(
            timeout=timeout,
            concurrency=concurrency,
            allow_private=allow_private,
            cache_dir=cache_dir,
            use_cache=not no_cache,
            progress=True,
        )
        passes.append(lint_pass(settings_online))

    import warnings

    # Fixes and online checks need every parsed document; otherwise files are streamed to the
    # reporter one by one (checked on every core when there are many).
    whole = bool(fix or show_diff or passes)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if whole:
                result = run(
                    list(paths),
                    options,
                    stdin=stdin,
                    stdin_kind=stdin_kind,
                    passes=passes,
                )
                empty = result.empty
            else:
                stream = lint_stream(
                    list(paths), options, stdin=stdin, stdin_kind=stdin_kind, jobs=_jobs()
                )
                empty = stream.empty
    except PathNotFoundError as error:
        raise click.BadParameter(str(error), param_hint="PATHS") from None
    except NoMessageFilesError as error:
        for reason in error.empty:
            click.echo(f"msgkit: error: {reason}", err=True)
        raise click.UsageError(
            "nothing to lint: check the paths, exclude and .gitignore; --allow-empty accepts this"
        ) from None
    for reason in empty:  # only when allowed
        click.echo(f"msgkit: warning: {reason}", err=True)
    for warning in caught:  # a corrupt cache that was rebuilt, say
        click.echo(f"msgkit: warning: {warning.message}", err=True)

    from ..reporters import report, use_color

    if not whole:
        color = fmt in ("text", "concise") and use_color(sys.stdout)
        tally = report(stream.checked, fmt, sys.stdout, color=color, quiet=quiet)
        ctx.exit(1 if tally.errors or (strict and tally.warnings) else 0)

    from ..lint import STDIN

    # With --fix, standard input comes back fixed on standard output (as ruff --fix - does),
    # so the report goes to standard error.
    fixing_stdin = fix and not show_diff and STDIN in paths
    out = sys.stderr if fixing_stdin else sys.stdout
    if fix or show_diff:
        result, changed = _fix(
            result,
            options,
            fmt=fmt,
            write=not show_diff,
            quiet=quiet,
            stdin=read,
            out=out,
            paths=paths,
        )
        if show_diff:
            ctx.exit(1 if changed else 0)

    color = fmt in ("text", "concise") and use_color(out)
    report(result, fmt, out, color=color, quiet=quiet, fixed=fix)
    ctx.exit(1 if result.failed(strict=strict) else 0)


def _per_file_ignores(table: Any, root: Path) -> Any:
    from ..suppressions import PerFileIgnores  # here: most projects have none

    return PerFileIgnores(table, root)


def _jobs() -> int | None:
    """``MSGKIT_JOBS``: how many processes a large run may use (1: one; unset: every CPU)."""
    value = os.environ.get("MSGKIT_JOBS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise click.UsageError(f"MSGKIT_JOBS must be a whole number of processes, not {value!r}")
    return int(value)


def _fix(
    result: Any,
    options: Any,
    *,
    fmt: str,
    write: bool,
    quiet: bool,
    stdin: list[bytes],
    out: Any,
    paths: tuple[str, ...] = (),
) -> tuple[Any, int]:
    """Fix what can be fixed; with ``write=False`` print the diffs instead of writing.

    Files are rewritten in place; standard input is printed back, fixed, on standard output.
    A file that is a symlink to one outside the directory it was found in (the current
    directory, for a file named on the command line) is not written, and the output says so.
    """
    from ..fixes import UnsafeWriteError, diff, fix_document
    from ..fixes import write as write_file
    from ..lint import STDIN_NAME, Checked, LintResult

    checked: list[Checked] = []
    changed = 0
    notes: list[str] = []
    refused: list[str] = []
    for item in result.checked:
        is_stdin = item.path == STDIN_NAME
        if not any(f.edit is not None for f in item.findings):
            if is_stdin and write:
                _echo_stdin(stdin, None, item.document)
            checked.append(item)
            continue
        outcome = fix_document(item.document, options.config_for(item.path))
        if not outcome.changed:
            if is_stdin and write:
                _echo_stdin(stdin, None, item.document)
            checked.append(item)
            continue
        changed += 1
        if not write:
            click.echo(diff(outcome), nl=False)
            checked.append(item)
            continue
        if is_stdin:
            _echo_stdin(stdin, outcome.text, item.document)
        else:
            try:
                write_file(item.path, outcome, within=_started_for(item.path, paths))
            except UnsafeWriteError as error:
                refused.append(f"Not fixed {_shown(item.path)}: {error}")
                checked.append(item)
                continue
            except OSError as error:
                refused.append(
                    f"Not fixed {_shown(item.path)}: cannot write it: {error.strerror or error}"
                )
                checked.append(item)
                continue
        checked.append(outcome.checked)
        notes.extend(f"Fixed {_shown(item.path)}: {edit.description}" for edit in outcome.applied)
    if not write:
        what = f"{changed} file{'s' if changed != 1 else ''} would be fixed"
        click.echo(f"{what}; run with --fix to apply." if changed else "Nothing to fix.", err=True)
    else:
        # What was not written is said even with --quiet: the findings stay, unexplained else.
        for note in [*([] if quiet else notes), *refused]:
            text_out = fmt in ("text", "concise") and not (quiet and note in refused)
            click.echo(note, file=out if text_out else sys.stderr)
    return LintResult(tuple(checked), result.empty), changed


def _tolerate_any_text(stream: Any) -> None:
    """Let ``stream`` print any ``str``: a file name that is not UTF-8 reaches msgkit as lone
    surrogates, which strict encoding refuses; they print as ``\\udcff`` escapes instead
    (which JSON and SARIF read back as the same string)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
        reconfigure(errors="backslashreplace")


def _started_for(path: str, paths: tuple[str, ...]) -> str:
    """The directory the lint of ``path`` was started for: the deepest directory named on the
    command line that holds it, else the current directory."""
    here = os.path.abspath(path)
    best = os.curdir
    depth = -1
    for named in paths or (os.curdir,):
        directory = os.path.abspath(named)
        if not os.path.isdir(named) or directory == here:
            continue
        try:
            inside = os.path.commonpath([here, directory]) == directory
        except ValueError:
            inside = False
        if inside and len(directory) > depth:
            best, depth = named, len(directory)
    return best


def _shown(path: str) -> str:
    """A path as printed: bytes that are not UTF-8 (kept as surrogates) as \\x escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _echo_stdin(read: list[bytes], text: str | None, document: Any) -> None:
    """Standard input back on standard output: ``text`` fixed, else the bytes as read."""
    if text is None:
        data = read[0] if read else b""
    else:
        data = (b"\xef\xbb\xbf" if document.bom else b"") + text.encode("utf-8")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
