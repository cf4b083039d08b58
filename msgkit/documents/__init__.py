"""Message files: reading ``.msg``, ``.msg.json`` and ``.msg.yaml`` with positions in the file.

A :class:`Document` is what one file says: the markup it composes, the request parameters that
travel with it, and the problems found while reading it (bad encoding, bad syntax, a schema
violation, a committed secret). Library diagnostics about the markup are mapped back to the
file by :meth:`Document.locate`: through the escapes of a JSON string literal, through YAML's
quoting styles, and from a composed ``segments`` list back to the segment that produced it.
Positions are worked out only when a diagnostic needs one.
"""

from .model import SUFFIXES, Document, Edit, Finding, Kind, kind_of
from .read import (
    MAX_FILE_BYTES,
    read_bytes,
    read_path,
    read_stdin,
    read_text,
    stdin_bytes,
    stdin_kind,
    strip_final_newline,
)

__all__ = [
    "MAX_FILE_BYTES",
    "SUFFIXES",
    "Document",
    "Edit",
    "Finding",
    "Kind",
    "kind_of",
    "read_bytes",
    "read_path",
    "read_stdin",
    "read_text",
    "stdin_bytes",
    "stdin_kind",
    "strip_final_newline",
]
