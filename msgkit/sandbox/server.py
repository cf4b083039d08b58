"""Running the sandbox with uvicorn on a socket bound before the server starts.

Binding first is what lets ``--port 0`` work: the port the system gave is known, printed and
baked into the recording URLs before the first request can arrive (connections made meanwhile
wait in the listen backlog).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from .logs import SafeFormatter
from .settings import SandboxSettings

__all__ = ["bind", "log_config", "serve"]


def bind(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket on ``host:port`` and the base URL it answers on."""
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(512)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return sock, f"http://{shown}:{bound_port}"


def log_config(level: str) -> dict[str, Any]:
    """Everything to standard error: standard output carries only the URL (and the token)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            # Every line escaped: what clients send cannot forge a record (see .logs).
            "plain": {
                "()": SafeFormatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s",
            },
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # The access log would print query strings, and GET requests carry access_token.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "msgkit.sandbox": {"handlers": ["stderr"], "level": level, "propagate": False},
            "httpx": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def serve(
    settings: SandboxSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log_level: str = "INFO",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (SIGINT/SIGTERM). ``on_ready`` gets the base URL once the server
    accepts connections."""
    import uvicorn

    from .app import create_app

    sock, url = bind(host, port)
    try:
        app = create_app(settings.with_public_url(url))
        config = uvicorn.Config(
            app,
            log_config=log_config(log_level.upper()),
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=3,
            server_header=False,
        )
        server = _server_class()(config)
        server.on_ready = None if on_ready is None else (lambda: on_ready(url))
        with _stop_quietly():
            server.run(sockets=[sock])
    finally:
        sock.close()


def _server_class() -> type[Any]:
    import uvicorn

    class ReadyServer(uvicorn.Server):
        """Calls ``on_ready`` once it accepts connections: after the application's startup
        and after the listening socket is handed to the event loop, not before."""

        on_ready: Callable[[], None] | None = None

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and self.on_ready is not None:
                self.on_ready()

    return ReadyServer


@contextlib.contextmanager
def _stop_quietly() -> Iterator[None]:
    """Let SIGINT and SIGTERM end the server with exit status 0.

    uvicorn shuts down gracefully on them, then raises the signal again against the handlers it
    found in place; with these no-op handlers in place, a requested stop is a clean exit rather
    than a KeyboardInterrupt (status 1) or death by SIGTERM (143).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread can handle signals; uvicorn then installs none either
        return
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: FrameType | None) -> None:
    pass
