"""pygls's protocol, answering malformed messages with JSON-RPC errors rather than dropping
them, and leaving the text of documents to the server."""

from __future__ import annotations

import logging
from typing import Any, cast

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

__all__ = ["MsgkitProtocol"]

logger = logging.getLogger(__name__)


class _Malformed:
    """A message that could not be read as what its method takes."""

    def __init__(self, data: dict[str, Any], error: JsonRpcException) -> None:
        # A request is answered; a notification, or a response to the server, cannot be.
        self.request = "id" in data and "method" in data
        self.id = data.get("id")
        self.method = data.get("method")
        self.error = error


class MsgkitProtocol(LanguageServerProtocol):
    """pygls's protocol, answering malformed messages with JSON-RPC errors rather than
    dropping them, and leaving document text to the server."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            return _Malformed(data, error)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Malformed):
            if not message.request:
                logger.warning("dropped a malformed notification %r", message.method)
                return
            error = message.error
            if not isinstance(error, JsonRpcInvalidParams):
                error = JsonRpcInvalidParams()
            self._reply_error(message.id, error)
            return
        if not hasattr(message, "jsonrpc") or getattr(message, "jsonrpc", None) != "2.0":
            # Not a JSON-RPC 2.0 message at all (an array, a number, no "jsonrpc").
            ident = message.get("id") if isinstance(message, dict) else None
            self._reply_error(ident, JsonRpcInvalidRequest())
            return
        super().handle_message(message)

    def _reply_error(self, ident: Any, error: JsonRpcException) -> None:
        if not isinstance(ident, (int, str)) or isinstance(ident, bool):
            ident = None  # JSON-RPC: id null when the request's id cannot be told
        self._send_response(cast(str, ident), error=error.to_response_error())

    # The server keeps the text of documents itself (see the module's docstring).
    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        handler = self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)
        if handler is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        handler = self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)
        if handler is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        handler = self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)
        if handler is not None:
            yield handler, (params,), None
