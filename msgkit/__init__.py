"""msgkit: compose and validate the ``msg`` markup of the Hoiio IVR API before it is sent."""

from __future__ import annotations

from ._version import __version__
from .checks.offline import validate
from .config import Config
from .diagnostics import CODES, Diagnostic, Fix, Report, Severity
from .errors import InvalidSegmentError, MarkupError, MsgkitError
from .markup import parse
from .model import Audio, Message, MessageBuilder, Segment, Speech, Text, render
from .schemas import schema, schema_names

__all__ = [
    "CODES",
    "Audio",
    "Config",
    "Diagnostic",
    "Fix",
    "InvalidSegmentError",
    "MarkupError",
    "Message",
    "MessageBuilder",
    "MsgkitError",
    "Report",
    "Segment",
    "Severity",
    "Speech",
    "Text",
    "__version__",
    "parse",
    "render",
    "schema",
    "schema_names",
    "validate",
]
