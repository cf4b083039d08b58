"""``msgkit server``: a Language Server Protocol server over standard input and output.

Editors show msgkit's findings as a message file is typed, offer its fixes, explain its codes
and complete markup, language codes and document keys. It needs the ``lsp`` extra
(``pip install "msgkit[lsp]"``: pygls and lsprotocol); everything it reports comes from the
engine ``msgkit lint`` uses, so the two always agree.
"""

from __future__ import annotations

__all__ = ["INSTALL_HINT", "available", "serve"]

INSTALL_HINT = 'msgkit server needs the lsp extra: pip install "msgkit[lsp]"'


def available() -> bool:
    """Whether the libraries the server is built on are installed."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(name) is not None for name in ("pygls", "lsprotocol"))
    except (ImportError, ValueError):  # a broken or blocked installation
        return False


def serve() -> None:
    """Run the server on standard input and output until the client lets it go."""
    from .app import serve as run

    run()
