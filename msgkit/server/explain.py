"""What the server says about a code, a language and a recording, as Markdown.

The same words as ``msgkit explain`` (the code's page of the user's guide), the text-to-speech
catalogue, and the online checks' cache: nothing here is written for the editor alone.
"""

from __future__ import annotations

import time
from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..checks.options import OnlineOptions

__all__ = ["code_page", "language_note", "url_note"]


def code_page(code: str) -> str:
    """What ``msgkit explain CODE`` prints; a line of summary for a code with no page."""
    from ..diagnostics import CODES

    if code in CODES:
        page = files("msgkit").joinpath("_diagnostics").joinpath(f"{code}.md")
        try:
            return page.read_text(encoding="utf-8").strip()
        except OSError:
            return f"**{code}**: {CODES[code].summary}"
    return f"**{code}**: a diagnostic from a plugin; msgkit has no page for it."


def language_note(code: str) -> str:
    """The catalogue's entry for a language code: its name, voices and scripts."""
    from ..schemas import catalogue

    cat = catalogue()
    voices = ", ".join(f"{g} (default)" if g == cat.default_gender else g for g in cat.genders)
    listed = next((c for c in cat.languages if c.lower() == code.lower()), None)
    if listed is None:
        known = ", ".join(f"`{c}` ({cat.language_names[c]})" for c in cat.languages)
        return (
            f"**{code}**: not in the documented catalogue, which lists {known}. "
            "Accept it with `languages` in `[tool.msgkit]`."
        )
    default = " — the default language" if listed == cat.default_language else ""
    scripts = ", ".join(cat.languages[listed])
    return (
        f"**{listed}**: {cat.language_names[listed]}{default}\n\n"
        f"Voices: {voices}\n\nReads these scripts: {scripts}"
    )


def _ago(seconds: float) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def url_note(url: str, online: OnlineOptions) -> str:
    """What the online checks' cache knows about the recording at ``url``."""
    from pathlib import Path

    from ..checks.cache import FILE_NAME, Cache, default_cache_dir
    from ..checks.online import _fingerprint  # the key the online checks store results under

    head = f"**Recording** `{url}`\n\n"
    directory = Path(online.cache_dir) if online.cache_dir is not None else default_cache_dir()
    if not online.use_cache or not (directory / FILE_NAME).is_file():
        entry = None  # hovering never creates a cache
    else:
        with Cache.open(directory) as cache:
            key = ("audio", url, _fingerprint(online))
            entry = cache.get_many([key]).get(key)
    if entry is None:
        return head + (
            "Not checked yet: enable the online checks "
            '(`initializationOptions: {"online": true}`) or run `msgkit lint --online`.'
        )
    lines = [f"Checked {_ago(max(0.0, time.time() - entry.checked_at))}."]
    if entry.diagnostics:
        lines.extend(f"- `{d.code}` {d.message}" for d in entry.diagnostics)
    else:
        lines.append("No problems found: the provider can download and play it.")
    if entry.final_url and entry.final_url != url:
        lines.append(f"Redirects to `{entry.final_url}`.")
    if entry.last_modified:
        lines.append(f"Last-Modified: {entry.last_modified}")
    if entry.etag:
        lines.append(f"ETag: `{entry.etag}`")
    return head + "\n\n".join(lines)
