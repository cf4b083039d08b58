"""Transports: the interface in ``base``, the built-ins ``hoiio`` and ``dry-run``.

The built-ins register through ``builtin``, the same hooks third-party plugins use. This
package imports only the interface, so ``import msgkit`` stays light.
"""

from __future__ import annotations

from .base import (
    ApiError,
    MonitorRequest,
    MonitorResult,
    Transport,
    TransportError,
    result_from_answer,
)

__all__ = [
    "ApiError",
    "MonitorRequest",
    "MonitorResult",
    "Transport",
    "TransportError",
    "result_from_answer",
]
