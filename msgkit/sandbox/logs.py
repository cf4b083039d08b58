"""The sandbox's log lines cannot be forged by what a client sends.

Values in a log line come from requests: sessions, application IDs, paths, URLs, exception
messages. A carriage return, a line feed, a Unicode line separator or an ANSI escape in one of
them could start what looks like a log record of its own, or rewrite the terminal. So:

- every argument of a ``msgkit.sandbox`` record is shortened and escaped (:class:`EscapeArgs`,
  attached to that logger, so it holds however logging is configured);
- every line the server writes is escaped again as a whole, and every line of a traceback is
  indented, so that only the start of a record begins at the left margin
  (:class:`SafeFormatter`, used by the server's logging configuration for every logger).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

__all__ = [
    "LOGGER",
    "MAX_VALUE_CHARS",
    "EscapeArgs",
    "SafeFormatter",
    "escape",
    "loggable",
    "sandbox_logger",
]

LOGGER = "msgkit.sandbox"
MAX_VALUE_CHARS = 200
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str, backslash: bool) -> str:
    if char == "\\":
        return "\\\\" if backslash else char
    if char.isprintable():
        return char
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape(text: str, *, backslash: bool = True) -> str:
    """``text`` with every character that is not printable written as an escape.

    Not printable (``str.isprintable``): control characters (C0, C1, so also ESC of ANSI
    sequences, CR and LF), format characters (bidirectional overrides, zero-width ones), line
    and paragraph separators, lone surrogates, and spaces other than the ASCII one. With
    ``backslash``, a backslash is doubled, so an escape written by a client cannot pass for one
    written here.
    """
    if text.isprintable() and (not backslash or "\\" not in text):
        return text
    return "".join(_escape_char(c, backslash) for c in text)


def loggable(value: object, limit: int = MAX_VALUE_CHARS) -> object:
    """A value fit for a log line: numbers as they are, anything else shortened and escaped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = f"{text[:limit]}…[{len(text) - limit} more characters]"
    return escape(text)


class EscapeArgs(logging.Filter):
    """Shorten and escape the arguments of every record (the format strings are msgkit's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, Mapping):
            record.args = {key: loggable(value) for key, value in args.items()}
        elif args:
            record.args = tuple(loggable(value) for value in args)
        return True


class SafeFormatter(logging.Formatter):
    """Escape each line as a whole; indent every line of a traceback or stack."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape(super().formatMessage(record), backslash=False)

    def formatException(self, ei: Any) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


def _indented(text: str) -> str:
    return "\n".join("  " + escape(line, backslash=False) for line in text.split("\n"))


def sandbox_logger() -> logging.Logger:
    """The sandbox's logger, with :class:`EscapeArgs` attached once."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(f, EscapeArgs) for f in logger.filters):
        logger.addFilter(EscapeArgs())
    return logger
