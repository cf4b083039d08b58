"""A real LSP client for the tests and the benchmark: pygls's, driving ``msgkit server`` as a
subprocess over standard input and output."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-c", "from msgkit.cli import main; main()", "server"]
ROOT = Path(__file__).resolve().parent.parent

_BREAK = re.compile(r"\r\n|\r|\n")


def uri(path: Path) -> str:
    return path.resolve().as_uri()


def msgkit_position(text: str, line: int, character: int) -> tuple[int, int]:
    """An LSP position (UTF-16 units) as msgkit's 1-based line and code-point column, worked
    out independently of the server's code."""
    lines = _BREAK.split(text)
    units = lines[line].encode("utf-16-le")[: 2 * character]
    return line + 1, len(units.decode("utf-16-le", "surrogatepass")) + 1


class Session:
    """One server process and the client talking to it."""

    def __init__(self) -> None:
        self.client = LanguageClient("msgkit-tests", "1")
        self.published: list[tuple[float, types.PublishDiagnosticsParams]] = []
        self.messages: list[types.ShowMessageParams] = []
        self.returncode: int | None = None

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(ls: Any, params: types.PublishDiagnosticsParams) -> None:
            self.published.append((time.perf_counter(), params))

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def _shown(ls: Any, params: types.ShowMessageParams) -> None:
            self.messages.append(params)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _logged(ls: Any, params: types.LogMessageParams) -> None:
            pass

    async def start(
        self,
        options: dict[str, Any] | None = None,
        encodings: list[str] | None = None,
        cwd: Path | None = None,
        versioned_edits: bool = False,
    ) -> types.InitializeResult:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
        await self.client.start_io(*SERVER, env=env, cwd=str(cwd or ROOT))
        general = types.GeneralClientCapabilities(position_encodings=encodings)
        result = await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(
                    general=general if encodings else None,
                    workspace=types.WorkspaceClientCapabilities(
                        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
                    )
                    if versioned_edits
                    else None,
                ),
                initialization_options=options,
            )
        )
        self.client.initialized(types.InitializedParams())
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        address = uri(path)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    address,
                    "plaintext",
                    version,
                    path.read_text(encoding="utf-8") if text is None else text,
                )
            )
        )
        return address

    def change(self, address: str, version: int, *changes: Any) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=address, version=version), list(changes)
            )
        )

    def close(self, address: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(address))
        )

    async def diagnostics(
        self, address: str, version: int | None = None, timeout: float = 20.0
    ) -> list[types.Diagnostic]:
        """The first diagnostics published for ``address`` (at ``version``) from now on, or
        already published."""
        params = await self.wait_published(address, version, timeout)
        return list(params.diagnostics)

    async def wait_published(
        self, address: str, version: int | None = None, timeout: float = 20.0, after: int = 0
    ) -> types.PublishDiagnosticsParams:
        deadline = time.monotonic() + timeout
        while True:
            for _, params in self.published[after:]:
                if params.uri == address and (version is None or params.version == version):
                    return params
            if time.monotonic() > deadline:
                raise AssertionError(f"no diagnostics for {address} version {version}")
            await asyncio.sleep(0.002)

    async def stop(self) -> int | None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()
        server = self.client._server
        assert server is not None
        self.returncode = server.returncode
        return self.returncode
