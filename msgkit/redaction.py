"""Keeping secrets (the access token) out of everything msgkit shows, logs or returns.

A server may echo what it was sent, and not always as sent: inside a JSON string
(``\\u0074``-escaped, or ``\\/`` for a slash), HTML-entity-encoded (``&#116;``, ``&#x74;``,
``&sol;``), percent-encoded, or base64-encoded (standard or URL-safe alphabet, with or without
padding, at any byte offset of a larger encoded text, as given or as it travelled
form-encoded), in any mixture. Every one of those forms
is matched by one regular expression per secret, built here and nowhere else; texts, decoded
JSON (keys as well as values, at any depth) and exceptions are scrubbed with it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["REDACTED", "Redactor", "redact", "redact_data", "redact_exception"]

REDACTED = "<redacted>"

# Secrets shorter than this are redacted only as whole words (real tokens are far longer): a
# token this short is also a common word part ("e", "ok"), and every message would be garbled.
_WHOLE_WORDS_BELOW = 8
_WORD = "A-Za-z0-9_"
# The base64 forms of a secret are recognised only when this many characters are pinned down
# by the secret alone; shorter ones would match ordinary base64 text by chance.
_BASE64_MIN = 8
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_JSON_SHORT |= {"\r": "\\r", "\t": "\\t"}


def _hex(value: int, width: int = 0) -> str:
    """``value`` in hex as a pattern that takes either case of each letter."""
    digits = format(value, f"0{width}x")
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in digits)


def _named_entities() -> dict[str, list[str]]:
    from html.entities import html5

    names: dict[str, list[str]] = {}
    for name, char in html5.items():
        if len(char) == 1:
            names.setdefault(char, []).append(name)
    return names


def _char_forms(char: str, entities: dict[str, list[str]]) -> str:
    """A pattern for one character in every encoding a server may echo it in."""
    code = ord(char)
    forms = [re.escape(char)]
    if char in _JSON_SHORT:
        forms.append(re.escape(_JSON_SHORT[char]))
    if code < 0x10000:
        forms.append(r"\\[uU]" + _hex(code, 4))
    else:  # a JSON string carries it as a surrogate pair
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        forms.append(r"\\[uU]" + _hex(high, 4) + r"\\[uU]" + _hex(low, 4))
    # HTML character references; the ';' may be left out where no further digit follows.
    forms.append(f"&#0{{0,8}}{code}(?:;|(?![0-9]))")
    forms.append(f"&#[xX]0{{0,8}}{_hex(code)}(?:;|(?![0-9A-Fa-f]))")
    forms.extend(re.escape("&" + name) for name in sorted(entities.get(char, ()), key=len)[::-1])
    # Percent-encoding, byte by byte of the UTF-8 form; a space may also be a '+'.
    encoded = char.encode("utf-8", "surrogatepass")
    forms.append("".join("%" + _hex(byte, 2) for byte in encoded))
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


def _base64_forms(secret: bytes) -> list[str]:
    """The base64 texts that can only come from ``secret``, at each of the three byte offsets.

    At offset ``r`` the first characters also encode the bytes before the secret and the last
    one the bytes after it; only the characters between are the secret's own, so they are what
    is looked for (and the whole, padded or not, when the secret was encoded on its own).
    """
    import base64

    forms: list[str] = []
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(secret).decode("ascii")
        forms.append(whole)
        forms.append(whole.rstrip("="))
        for offset in range(3):
            text = encode(bytes(offset) + secret).decode("ascii").rstrip("=")
            head = (0, 2, 3)[offset]  # characters that also encode the leading bytes
            tail = 1 if (offset + len(secret)) % 3 else 0  # a character shared with what follows
            forms.append(text[head : len(text) - tail])
    unique = {form for form in forms if len(form) >= _BASE64_MIN}
    return sorted(unique, key=len, reverse=True)


def _as_sent(secret: str) -> set[bytes]:
    """The secret's bytes as given and as they travel in a form body or URL.

    A server that base64-encodes what it received (a request body, a header) encodes these.
    """
    from urllib.parse import quote, quote_plus

    return {
        form.encode("utf-8", "surrogatepass")
        for form in (
            secret,
            quote_plus(secret, errors="surrogatepass"),
            quote(secret, safe="", errors="surrogatepass"),
        )
    }


class Redactor:
    """Scrubs the given secrets, in every form listed in the module's docs, from texts and data."""

    __slots__ = ("_pattern",)

    def __init__(self, secrets: Iterable[str | None]) -> None:
        wanted = sorted({s for s in secrets if isinstance(s, str) and s}, key=len, reverse=True)
        if not wanted:
            self._pattern: re.Pattern[str] | None = None
            return
        entities = _named_entities()
        alternatives: list[str] = []
        for secret in wanted:
            encoded = "".join(_char_forms(char, entities) for char in secret)
            forms = [encoded]
            for raw in _as_sent(secret):
                forms += ("".join(_char_forms(c, entities) for c in b) for b in _base64_forms(raw))
            pattern = "|".join(forms)
            if len(secret) < _WHOLE_WORDS_BELOW:
                pattern = f"(?<![{_WORD}])(?:{pattern})(?![{_WORD}])"
            alternatives.append(pattern)
        self._pattern = re.compile("|".join(f"(?:{a})" for a in alternatives))

    def text(self, text: str) -> str:
        """``text`` with every occurrence of a secret, in any encoding, replaced."""
        if self._pattern is None:
            return text
        return self._pattern.sub(REDACTED, text)

    def data(self, value: Any) -> Any:
        """A copy of ``value`` (dicts, lists, strings) with every key and string scrubbed.

        Tuples come back as lists, as they would from JSON. Iterative, so that no depth a JSON
        parser returns can exhaust the stack.
        """
        if self._pattern is None:
            return value
        root: list[Any] = [None]
        stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
        while stack:
            item, parent, slot = stack.pop()
            if isinstance(item, str):
                parent[slot] = self.text(item)
            elif isinstance(item, dict):
                copy: dict[Any, Any] = {}
                parent[slot] = copy
                for key, child in item.items():
                    name = self.text(key) if isinstance(key, str) else key
                    copy[name] = None
                    stack.append((child, copy, name))
            elif isinstance(item, (list, tuple)):
                items: list[Any] = [None] * len(item)
                parent[slot] = items
                stack.extend((child, items, index) for index, child in enumerate(item))
            else:
                parent[slot] = item
        return root[0]

    def exception(self, error: BaseException) -> None:
        """Scrub an exception in place: its arguments, and ``raw`` / ``status`` when it has them."""
        if self._pattern is None:
            return
        error.args = tuple(self.text(a) if isinstance(a, str) else a for a in error.args)
        for name in ("raw", "status"):
            if hasattr(error, name):
                # A read-only attribute is left to its class.
                with contextlib.suppress(AttributeError):
                    setattr(error, name, self.data(getattr(error, name)))


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every occurrence of each secret replaced, for messages and logs."""
    return Redactor(secrets).text(text)


def redact_data(value: Any, *secrets: str | None) -> Any:
    """``value`` with each secret scrubbed from every key and string in it, at any depth."""
    return Redactor(secrets).data(value)


def redact_exception(error: BaseException, *secrets: str | None) -> None:
    """Scrub each secret from ``error`` in place (its message, ``raw`` and ``status``)."""
    Redactor(secrets).exception(error)
