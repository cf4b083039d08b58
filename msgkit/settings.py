"""Configuration from ``[tool.msgkit]`` in the nearest ``pyproject.toml``.

Keys have the names of the command-line options (``max-msg-length``; ``max_msg_length`` is
accepted too). An unknown key is an error that names it: a misspelt setting that silently does
nothing is worse than none. Other commands register their keys in :data:`KEYS`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MsgkitError

if TYPE_CHECKING:
    from .config import Config

__all__ = ["KEYS", "Settings", "SettingsError", "find_pyproject", "load_settings"]


class SettingsError(MsgkitError):
    """The ``[tool.msgkit]`` table cannot be used as it is."""


# The output formats of msgkit lint: "text" shows each problem's line, "concise" one line each.
LINT_FORMATS = ("text", "concise", "json", "github", "sarif")

# key -> (expected type, what to say about it). "list" means a list of strings, "selectors" a
# list of codes, prefixes or severities, "per-file" a table of glob -> selectors.
KEYS: dict[str, tuple[str, str]] = {
    "select": ("selectors", "codes, prefixes or severities to report; nothing else is"),
    "ignore": ("selectors", "codes, prefixes or severities never to report"),
    "per-file-ignores": ("per-file", "glob -> codes, prefixes or severities not to report there"),
    "report-unused-ignores": ("bool", "report suppression comments that suppress nothing"),
    "allow-empty": ("bool", "a path that holds no message file is not an error"),
    "strict": ("bool", "warnings fail the run too"),
    "max-findings-per-code": (
        "int",
        "findings of one code shown per file before one summary (default 50; 0: all)",
    ),
    "max-msg-length": ("int", "the msg length limit (default: the schema's 500)"),
    "max-prompt-seconds": (
        "number",
        "warn when a msg's estimated duration exceeds this many seconds (default: off)",
    ),
    "languages": ("list", "language codes to accept besides the documented catalogue"),
    "languages-only": ("bool", "the languages list is the whole catalogue"),
    "quiet": ("bool", "print diagnostics only, no summary"),
    "format": ("format", "output format: " + ", ".join(LINT_FORMATS)),
    "exclude": ("list", "gitignore-style patterns of paths not to lint when recursing"),
    "force-exclude": ("bool", "apply exclude to paths named on the command line too"),
    "respect-gitignore": ("bool", "skip files that .gitignore files ignore (default true)"),
}
# Other spellings of the same key.
ALIASES: dict[str, str] = {"language": "languages", "output-format": "format"}


@dataclass(frozen=True, slots=True)
class Settings:
    """The validated ``[tool.msgkit]`` values (canonical key names) and where they came from."""

    values: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None

    @property
    def root(self) -> Path | None:
        """The directory relative paths in the settings (``exclude``) are relative to."""
        return self.source.parent if self.source is not None else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def config(
        self,
        *,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        strict: bool | None = None,
        max_msg_length: int | None = None,
        languages: tuple[str, ...] = (),
        languages_only: bool | None = None,
        max_findings_per_code: int | None = None,
        max_prompt_seconds: float | None = None,
    ) -> Config:
        """The validation :class:`Config` these settings describe; given arguments win.

        Languages add up (the project's list and the arguments'); the rest are replaced.
        """
        from .config import DEFAULT_MAX_FINDINGS_PER_CODE, Config

        return Config(
            max_msg_length=(
                max_msg_length if max_msg_length is not None else self.get("max-msg-length")
            ),
            languages=tuple(dict.fromkeys((*self.get("languages", ()), *languages))),
            languages_only=bool(
                languages_only if languages_only is not None else self.get("languages-only")
            ),
            select=tuple(select or self.get("select", ())),
            ignore=tuple(ignore or self.get("ignore", ())),
            strict=bool(strict if strict is not None else self.get("strict")),
            max_findings_per_code=(
                max_findings_per_code
                if max_findings_per_code is not None
                else self.get("max-findings-per-code", DEFAULT_MAX_FINDINGS_PER_CODE)
            ),
            max_prompt_seconds=(
                max_prompt_seconds
                if max_prompt_seconds is not None
                else self.get("max-prompt-seconds")
            ),
        )


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.msgkit]`` table.

    Like ruff, a ``pyproject.toml`` without the table does not stop the search.
    """
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "msgkit" in text and "msgkit" in _parse(text, candidate).get("tool", {}):
                return candidate
    return None


def _parse(text: str, path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: invalid TOML: {error}") from None


def load_settings(start: Path | None = None, *, path: Path | None = None) -> Settings:
    """Read ``[tool.msgkit]`` from ``path``, or from the nearest ``pyproject.toml``."""
    source = path.resolve() if path is not None else find_pyproject(start or Path.cwd())
    if source is None:
        return Settings()
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{source}: cannot read it: {error}") from None
    table = _parse(text, source).get("tool", {}).get("msgkit", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{source}: [tool.msgkit] must be a table")
    return Settings(validate_table(table, source), source)


def validate_table(
    table: Mapping[str, Any], source: Path | str = "pyproject.toml"
) -> dict[str, Any]:
    """Check the keys and value types of a ``[tool.msgkit]`` table; return canonical names."""
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("_", "-")
        key = ALIASES.get(key, key)
        if key not in KEYS:
            import difflib

            known = [*KEYS, *ALIASES]
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(KEYS)}"
            raise SettingsError(f"{source}: unknown key {raw_key!r} in [tool.msgkit]{hint}")
        kind = KEYS[key][0]
        values[key] = _coerce(key, kind, value, source)
    return values


def _coerce(key: str, kind: str, value: Any, source: Path | str) -> Any:
    where = f"{source}: [tool.msgkit] {key}"
    if kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{where} must be true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingsError(f"{where} must be a non-negative integer")
        return value
    if kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0 < value < float("inf")
        ):
            raise SettingsError(f"{where} must be a positive number")
        return float(value)
    if kind == "str":
        if not isinstance(value, str):
            raise SettingsError(f"{where} must be a string")
        return value
    if kind == "format":
        if not isinstance(value, str) or value not in LINT_FORMATS:
            raise SettingsError(f"{where} must be one of {', '.join(LINT_FORMATS)}, not {value!r}")
        return value
    if kind == "per-file":
        if not isinstance(value, dict):
            raise SettingsError(
                f'{where} must be a table of glob = [selectors], e.g. "drafts/*" = ["warning_"]'
            )
        for pattern in value:
            if not pattern.strip().strip("/"):
                raise SettingsError(f'{where}: the glob "{pattern}" matches nothing')
        return tuple(
            (pattern, _strings(f'{where} "{pattern}"', selectors, selectors=True))
            for pattern, selectors in value.items()
        )
    return _strings(where, value, selectors=kind == "selectors")


def _strings(where: str, value: Any, *, selectors: bool) -> tuple[str, ...]:
    """A list of strings. A lone string is refused, not wrapped in a list: the key takes a list,
    and a value that is not what the key takes must not pass silently."""
    if isinstance(value, str):
        raise SettingsError(
            f"{where} must be a list of strings, not a string: write [{_toml_string(value)}]"
        )
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingsError(f"{where} must be a list of strings")
    if selectors:
        from .config import selector_problem

        for selector in value:
            problem = selector_problem(selector)
            if problem is not None:
                raise SettingsError(f"{where}: {problem}")
    return tuple(value)


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
