"""What may be typed next: element and attribute names in markup, the catalogue's language
codes and genders, and the keys of a message document.

Worked out from the text of the line before the cursor, so that it works while the document is
half typed (and not well-formed), which is when completion is asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..documents import Kind

__all__ = ["Suggestion", "suggest"]

What = Literal["element", "attribute", "value", "key"]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One completion: ``label`` replaces the ``replace`` characters before the cursor with
    ``insert``."""

    label: str
    what: What
    detail: str
    insert: str
    replace: int


# `<spe` (an element name being typed), `</spe`, `<speech lang` (an attribute name),
# `language="z` / `gender='m` (a value; in JSON the quote may be escaped).
_ELEMENT = re.compile(r"<(/?)([A-Za-z-]*)$")
_ATTRIBUTE = re.compile(r"<(speech|url)\b[^<>]*\s([A-Za-z-]*)$")
_VALUE = re.compile(r"""\b(language|gender)\s*=\s*\\?["']([^"'\\<>\s]*)$""")
# In JSON and YAML: `language: z`, `"gender": "m` (the segments' keys).
_KEY_VALUE = re.compile(r"""["']?\b(language|gender|block)["']?\s*:\s*["']?([^"'\s,]*)$""")
# A key being typed: at the start of a line, or after `{` / `,` / `- `.
_YAML_KEY = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_]*)$")
_JSON_KEY = re.compile(r"""(?:^|[{,])\s*"([A-Za-z_]*)$""")
_BREAK = re.compile(r"\r\n|\r|\n")


def _elements(closing: bool, typed: str) -> list[Suggestion]:
    from ..markup import ALLOWED

    out = []
    for name, attributes in ALLOWED.items():
        if closing:
            out.append(Suggestion(name, "element", f"</{name}>", f"{name}>", len(typed)))
            continue
        what = "spoken text" if name == "speech" else "a recording (.mp3, .wav or .gsm)"
        detail = f"<{name}{''.join(f' {a}=..' for a in attributes)}>: {what}"
        out.append(Suggestion(name, "element", detail, name, len(typed)))
    return out


def _values(attribute: str, typed: str) -> list[Suggestion]:
    from ..schemas import catalogue

    if attribute == "block":
        from ..blocks import BLOCKS

        return [
            Suggestion(name, "value", f"{block.path} ({block.stage})", name, len(typed))
            for name, block in BLOCKS.items()
        ]
    cat = catalogue()
    if attribute == "language":
        return [
            Suggestion(code, "value", cat.language_names[code], code, len(typed))
            for code in cat.languages
        ]
    return [
        Suggestion(g, "value", "the default" if g == cat.default_gender else "", g, len(typed))
        for g in cat.genders
    ]


def _keys(kind: Kind, typed: str, in_segment: bool) -> list[Suggestion]:
    from ..schemas import schema

    document = schema("message")
    if in_segment:
        keys: dict[str, str] = {}
        for option in document["$defs"]["segment"]["oneOf"]:
            for key in option["properties"]:
                keys.setdefault(key, f"segment: {option['title']}")
    else:
        keys = {
            key: str(value.get("description", "request parameter"))
            for key, value in document["properties"].items()
        }
    suffix = "" if kind == "json" else ": "
    return [Suggestion(k, "key", d, k + suffix, len(typed)) for k, d in keys.items()]


def _in_yaml_segments(before: list[str]) -> bool:
    """Whether the cursor is inside the ``segments`` list (the nearest key above that opens a
    block at the left margin is ``segments``)."""
    for line in reversed(before):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            return stripped.startswith(("segments", '"segments"'))
    return False


def _in_json_segments(before: str) -> bool:
    """Whether the cursor is inside the ``segments`` array (more ``[`` than ``]`` after it)."""
    at = before.rfind('"segments"')
    return at >= 0 and before.count("[", at) > before.count("]", at)


def suggest(kind: Kind, before: str) -> list[Suggestion]:
    """Completions for a cursor after ``before``, the text of the document up to it."""
    lines = _BREAK.split(before[-100_000:])
    line = lines[-1][-2000:]  # what completes is near the cursor; bounded work on any line
    found = _VALUE.search(line)
    if found:
        return _values(found.group(1), found.group(2))
    tag = line.rfind("<")
    if tag >= 0 and ">" not in line[tag:]:
        element = _ELEMENT.search(line)
        if element:
            return _elements(bool(element.group(1)), element.group(2))
        attribute = _ATTRIBUTE.search(line)
        if attribute:
            from ..markup import ALLOWED

            typed = attribute.group(2)
            return [
                Suggestion(a, "attribute", f"{a} of <{attribute.group(1)}>", f'{a}="', len(typed))
                for a in ALLOWED[attribute.group(1)]
            ]
        return []
    if kind == "msg":
        return []
    found = _KEY_VALUE.search(line)
    if found:
        return _values(found.group(1), found.group(2))
    if kind == "yaml":
        key = _YAML_KEY.match(line)
        if key:
            nested = bool(key.group(1)) and _in_yaml_segments(lines[:-1])
            return _keys(kind, key.group(2), nested)
        return []
    key = _JSON_KEY.search(line)
    if key:
        return _keys(kind, key.group(1), _in_json_segments(before))
    return []
