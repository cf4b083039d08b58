"""A local stand-in for the provider's Monitor endpoint and its notifications.

Install with ``pip install "msgkit[sandbox]"``. This package's ``__init__`` imports nothing
heavy: the server (Starlette, uvicorn) is imported only by :mod:`msgkit.sandbox.app` and
:mod:`msgkit.sandbox.server`, so ``msgkit lint`` never pays for it.
"""

from __future__ import annotations

from .settings import SandboxSettings

__all__ = ["SandboxSettings"]
