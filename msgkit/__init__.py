"""msgkit: compose and validate the ``msg`` markup of the Hoiio IVR API before it is sent."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# Bound here, not on first use: the name is also the name of the module it comes from.
from .submit import check_submission, submit

if TYPE_CHECKING:
    from .blocks import BLOCKS, Block
    from .calls import Call
    from .checks.options import OnlineOptions
    from .config import Config
    from .diagnostics import CODES, Diagnostic, Fix, Report, Severity
    from .errors import InvalidSegmentError, MarkupError, MsgkitError, ValidationError
    from .hookspecs import hookimpl
    from .lint import lint_text
    from .markup import parse
    from .model import Audio, Message, MessageBuilder, Segment, Speech, Text, render
    from .notifications import (
        AnswerNotification,
        BlockNotification,
        DialNotification,
        GatherNotification,
        HangupNotification,
        HoldNotification,
        MonitorFileNotification,
        MonitorNotification,
        Notification,
        NotificationError,
        PlayNotification,
        RecordNotification,
        TransferNotification,
        UnholdNotification,
        parse_notification,
    )
    from .plugins import get_transport
    from .previewer import Preview, PreviewSegment, estimate_duration, preview
    from .schemas import schema, schema_names
    from .signatures import verify_signature
    from .transports.base import (
        ApiError,
        MonitorRequest,
        MonitorResult,
        Transport,
        TransportError,
    )
    from .transports.requests import Request, request
    from .validation import validate, validate_request

# Imported on first use, to keep ``import msgkit`` (and so ``msgkit lint``) lean: a one-file
# lint needs neither the message model nor the blocks nor the online options.
_LAZY = {
    "validate": "validation",
    "validate_request": "validation",
    "OnlineOptions": "checks.options",
    "Config": "config",
    "CODES": "diagnostics",
    "Diagnostic": "diagnostics",
    "Fix": "diagnostics",
    "Report": "diagnostics",
    "Severity": "diagnostics",
    "InvalidSegmentError": "errors",
    "MarkupError": "errors",
    "MsgkitError": "errors",
    "ValidationError": "errors",
    "parse": "markup",
    "Audio": "model",
    "Message": "model",
    "MessageBuilder": "model",
    "Segment": "model",
    "Speech": "model",
    "Text": "model",
    "render": "model",
    "schema": "schemas",
    "schema_names": "schemas",
    "BLOCKS": "blocks",
    "Block": "blocks",
    "Request": "transports.requests",
    "request": "transports.requests",
    "ApiError": "transports.base",
    "MonitorRequest": "transports.base",
    "MonitorResult": "transports.base",
    "Transport": "transports.base",
    "TransportError": "transports.base",
    "AnswerNotification": "notifications",
    "BlockNotification": "notifications",
    "DialNotification": "notifications",
    "GatherNotification": "notifications",
    "HangupNotification": "notifications",
    "HoldNotification": "notifications",
    "PlayNotification": "notifications",
    "RecordNotification": "notifications",
    "TransferNotification": "notifications",
    "UnholdNotification": "notifications",
    "MonitorFileNotification": "notifications",
    "MonitorNotification": "notifications",
    "Notification": "notifications",
    "NotificationError": "notifications",
    "get_transport": "plugins",
    "Call": "calls",
    "Preview": "previewer",
    "PreviewSegment": "previewer",
    "estimate_duration": "previewer",
    "preview": "previewer",
    "hookimpl": "hookspecs",
    "lint_text": "lint",
    "parse_notification": "notifications",
    "verify_signature": "signatures",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'msgkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BLOCKS",
    "CODES",
    "AnswerNotification",
    "ApiError",
    "Audio",
    "Block",
    "BlockNotification",
    "Call",
    "Config",
    "Diagnostic",
    "DialNotification",
    "Fix",
    "GatherNotification",
    "HangupNotification",
    "HoldNotification",
    "InvalidSegmentError",
    "MarkupError",
    "Message",
    "MessageBuilder",
    "MonitorFileNotification",
    "MonitorNotification",
    "MonitorRequest",
    "MonitorResult",
    "MsgkitError",
    "Notification",
    "NotificationError",
    "OnlineOptions",
    "PlayNotification",
    "Preview",
    "PreviewSegment",
    "RecordNotification",
    "Report",
    "Request",
    "Segment",
    "Severity",
    "Speech",
    "Text",
    "TransferNotification",
    "Transport",
    "TransportError",
    "UnholdNotification",
    "ValidationError",
    "__version__",
    "check_submission",
    "estimate_duration",
    "get_transport",
    "hookimpl",
    "lint_text",
    "parse",
    "parse_notification",
    "preview",
    "render",
    "request",
    "schema",
    "schema_names",
    "submit",
    "validate",
    "validate_request",
    "verify_signature",
]
