"""The language server: buffers, when to check them, and the protocol's requests.

Buffers are kept here, not in pygls's workspace: their lines must break where msgkit's do
(``\\r\\n``, ``\\r``, ``\\n``, as the protocol says), which ``str.splitlines`` does not. Each
change is checked after a short pause (``debounce``), in a worker process; a result that a
newer version of the buffer has overtaken is dropped, and a slow check of an overtaken
version is stopped. Online checks, when the client asks for them, run after the offline ones
and their findings are merged in when they arrive.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcParseError
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .._version import __version__
from ..documents import Kind, kind_of
from . import convert
from .analysis import Analysis, Problem
from .options import ServerOptions
from .positions import Encoding, LineIndex
from .protocol import MsgkitProtocol
from .worker import Gone, WorkerPool

__all__ = ["FIX_ALL", "MsgkitServer", "serve"]

logger = logging.getLogger(__name__)

FIX_ALL = "source.fixAll.msgkit"
T = TypeVar("T")


@dataclass(eq=False)
class Buffer:
    """An open document: its text as the editor has it, and what was found in which version.
    (Mutable: it is the server's copy of the editor's state.)"""

    uri: str
    path: str
    kind: Kind
    text: str
    version: int
    offline: tuple[int, Analysis] | None = None
    online: tuple[int, Analysis] | None = None
    timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)
    _index: LineIndex | None = None

    @property
    def index(self) -> LineIndex:
        if self._index is None or self._index.text is not self.text:
            self._index = LineIndex(self.text)
        return self._index

    def problems(self) -> tuple[Problem, ...]:
        """The findings of the current version (offline, then online)."""
        found: list[Problem] = []
        for part in (self.offline, self.online):
            if part is not None and part[0] == self.version:
                found.extend(part[1].problems)
        if self.online is not None and self.online[0] == self.version:
            found.sort(key=_file_order)  # merged in the order msgkit lint --online reports
        return tuple(found)


def _file_order(problem: Problem) -> tuple[int, int, int]:
    if problem.line is None:
        return (0, 0, 0)
    return (1, problem.line, problem.column or 0)


class MsgkitServer(LanguageServer):
    """``msgkit server``: msgkit's diagnostics, fixes, explanations and completions."""

    def __init__(self) -> None:
        super().__init__(
            "msgkit",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=MsgkitProtocol,
        )
        self.options = ServerOptions()
        self.buffers: dict[str, Buffer] = {}
        self.pool = WorkerPool()
        self.online_pool: WorkerPool | None = None
        # Blocking calls (a worker's answer, the cache) wait here, not on the event loop. Most
        # of them only wait for their turn at a worker, so there are enough that a queue of
        # checks never keeps a hover from reading the cache.
        self.threads = ThreadPoolExecutor(max_workers=32, thread_name_prefix="msgkit-server")
        self.exit_code = 0  # when standard input closes, or exit follows shutdown

    # --- plumbing ------------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        try:
            chosen = str(self.workspace.position_encoding or "utf-16")
        except RuntimeError:  # before initialize
            chosen = "utf-16"
        return cast(Encoding, chosen if chosen in ("utf-8", "utf-32") else "utf-16")

    async def blocking(self, function: Callable[..., T], *arguments: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.threads, function, *arguments)

    def report_server_error(self, error: Exception, source: Any) -> None:
        if source is JsonRpcException and isinstance(error, ValueError):
            # Reading the message failed: its body is not JSON (or not UTF-8).
            # JSON-RPC answers a message it cannot parse with id null.
            self.protocol._send_response(
                cast(str, None), error=JsonRpcParseError().to_response_error()
            )
            return
        logger.error("%s", error)

    def close(self) -> None:
        for buffer in self.buffers.values():
            for timer in buffer.timers.values():
                timer.cancel()
        self.pool.close()
        if self.online_pool is not None:
            self.online_pool.close()
        self.threads.shutdown(wait=False, cancel_futures=True)

    def log(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=f"msgkit: {message}"))

    # --- checking ------------------------------------------------------------------------

    def schedule(self, buffer: Buffer, what: str, delay: float) -> None:
        timer = buffer.timers.pop(what, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()
        check = self.check if what == "offline" else self.check_online

        async def guarded(version: int) -> None:
            try:
                await check(buffer, version)
            except Exception as error:  # a bug must not end the server, nor pass in silence
                logger.exception("checking %s failed", buffer.path)
                self.log(f"checking {buffer.path} failed: {error!r}", types.MessageType.Error)

        buffer.timers[what] = loop.call_later(
            delay, lambda: loop.create_task(guarded(buffer.version))
        )

    def current(self, buffer: Buffer, version: int) -> bool:
        return self.buffers.get(buffer.uri) is buffer and buffer.version == version

    async def check(self, buffer: Buffer, version: int) -> None:
        text = buffer.text
        try:
            analysis: Analysis = await self.blocking(
                self.pool.call,
                buffer.uri,
                lambda: self.current(buffer, version),
                "analyze",
                text,
                buffer.kind,
                buffer.path,
            )
        except Gone:
            if self.current(buffer, version) and not self.pool.closed:
                # Not overtaken: the worker died (and a new one takes the next check).
                self.log(f"checking {buffer.path} stopped unexpectedly", types.MessageType.Error)
            return
        except RuntimeError as error:
            self.log(f"checking {buffer.path} failed: {error}", types.MessageType.Error)
            return
        if not self.current(buffer, version):
            return
        if analysis.settings_error and (
            buffer.offline is None or buffer.offline[1].settings_error != analysis.settings_error
        ):
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message=f"msgkit: {analysis.settings_error}; checking with the defaults",
                )
            )
        buffer.offline = (version, analysis)
        self.publish(buffer)
        if self.options.online and not analysis.excluded:
            self.schedule(buffer, "online", self.options.online_debounce)

    async def check_online(self, buffer: Buffer, version: int) -> None:
        if self.online_pool is None:
            self.online_pool = WorkerPool(size=1)
        try:
            analysis: Analysis = await self.blocking(
                self.online_pool.call,
                buffer.uri,
                lambda: self.current(buffer, version),
                "analyze_online",
                buffer.text,
                buffer.kind,
                buffer.path,
                self.options.online_options(),
            )
        except Gone:
            return
        except RuntimeError as error:
            self.log(f"online checks of {buffer.path} failed: {error}", types.MessageType.Error)
            return
        if self.current(buffer, version):
            buffer.online = (version, analysis)
            self.publish(buffer)

    def publish(self, buffer: Buffer) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=buffer.uri,
                version=buffer.version,
                diagnostics=convert.diagnostics(buffer.problems(), buffer.index, self.encoding),
            )
        )

    async def ask(self, buffer: Buffer, operation: str, *arguments: Any) -> Any:
        """A worker's answer about ``buffer``; ``None`` if it was stopped or failed."""
        try:
            return await self.blocking(self.pool.call, buffer.uri, None, operation, *arguments)
        except Gone:
            return None
        except RuntimeError as error:
            self.log(f"{operation} on {buffer.path} failed: {error}", types.MessageType.Error)
            return None

    async def analysis(self, buffer: Buffer) -> tuple[Problem, ...]:
        """The offline findings of the buffer's current version, checking it now if need be
        (none if that check was stopped or failed)."""
        version = buffer.version
        if buffer.offline is None or buffer.offline[0] != version:
            analysis: Analysis | None = await self.ask(
                buffer, "analyze", buffer.text, buffer.kind, buffer.path
            )
            if analysis is None:
                return ()
            if buffer.version == version:
                buffer.offline = (version, analysis)
        return buffer.problems()


server = MsgkitServer()


# --- lifecycle ---------------------------------------------------------------------------


@server.feature(types.INITIALIZE)
def initialize(ls: MsgkitServer, params: types.InitializeParams) -> None:
    ls.options, problems = ServerOptions.parse(params.initialization_options)
    for problem in problems:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=f"msgkit: {problem}")
        )


@server.feature(types.INITIALIZED)
def initialized(ls: MsgkitServer, params: types.InitializedParams) -> None:
    # Settings live in pyproject.toml: ask to hear when one changes, where the client can.
    capabilities = ls.client_capabilities.workspace
    watched = capabilities.did_change_watched_files if capabilities is not None else None
    if watched is not None and watched.dynamic_registration:
        ls.client_register_capability(
            types.RegistrationParams(
                [
                    types.Registration(
                        id="msgkit-settings",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
                        ),
                    )
                ]
            )
        )


@server.feature(types.SHUTDOWN)
def shutdown(ls: MsgkitServer, *_: Any) -> None:
    ls.close()


@server.feature(types.EXIT)
def exit_(ls: MsgkitServer, *_: Any) -> None:
    # The protocol's exit status: 0 after a shutdown request, 1 without one.
    ls.exit_code = 0 if ls.protocol._shutdown else 1


# --- documents ---------------------------------------------------------------------------


def _path(uri: str) -> str | None:
    try:
        return to_fs_path(uri) if uri.startswith("file:") else None
    except Exception:  # a URI no path can be made of is not a file msgkit checks
        return None


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: MsgkitServer, params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    path = _path(document.uri)
    kind = kind_of(path) if path is not None else None
    if path is None or kind is None:
        return  # not a message file by its name, whatever its language id
    previous = ls.buffers.pop(document.uri, None)
    if previous is not None:
        for timer in previous.timers.values():
            timer.cancel()
    buffer = Buffer(document.uri, path, kind, document.text, document.version)
    ls.buffers[document.uri] = buffer
    ls.schedule(buffer, "offline", 0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: MsgkitServer, params: types.DidChangeTextDocumentParams) -> None:
    buffer = ls.buffers.get(params.text_document.uri)
    if buffer is None:
        return
    text = buffer.text
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            index = LineIndex(text) if text is not buffer.text else buffer.index
            start = index.offset(change.range.start.line, change.range.start.character, ls.encoding)
            end = index.offset(change.range.end.line, change.range.end.character, ls.encoding)
            text = text[:start] + change.text + text[max(start, end) :]
        else:
            text = change.text
    buffer.text = text
    buffer.version = params.text_document.version
    # An online check under way is left to finish: what it finds is cached for the next one.
    ls.pool.supersede(buffer.uri)
    ls.schedule(buffer, "offline", ls.options.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: MsgkitServer, params: types.DidCloseTextDocumentParams) -> None:
    buffer = ls.buffers.pop(params.text_document.uri, None)
    if buffer is None:
        return
    for timer in buffer.timers.values():
        timer.cancel()
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=buffer.uri, diagnostics=[])
    )


def _recheck_all(ls: MsgkitServer) -> None:
    for buffer in ls.buffers.values():
        ls.schedule(buffer, "offline", ls.options.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: MsgkitServer, params: types.DidSaveTextDocumentParams) -> None:
    # Saving a pyproject.toml in the editor changes the settings of the documents below it.
    if params.text_document.uri.endswith("/pyproject.toml"):
        _recheck_all(ls)


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: MsgkitServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
        _recheck_all(ls)


# --- code actions ------------------------------------------------------------------------


def _wanted(kind: str, only: list[str] | None) -> bool:
    return only is None or any(kind == o or kind.startswith(f"{o}.") for o in only)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=False
    ),
)
async def code_action(ls: MsgkitServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    buffer = ls.buffers.get(params.text_document.uri)
    if buffer is None:
        return []
    only = [str(k) for k in params.context.only] if params.context.only else None
    version, text, index, encoding = buffer.version, buffer.text, buffer.index, ls.encoding
    actions: list[types.CodeAction] = []
    problems = await ls.analysis(buffer)
    if buffer.version != version:
        return []
    if _wanted(types.CodeActionKind.QuickFix, only):
        start = index.offset(params.range.start.line, params.range.start.character, encoding)
        end = index.offset(params.range.end.line, params.range.end.character, encoding)
        fixes: tuple[Problem, ...] = (
            await ls.ask(buffer, "quick_fixes", text, buffer.kind, buffer.path, start, end) or ()
        )
        if buffer.version != version:
            return []  # the edits would land in text the editor no longer has
        for problem in fixes:
            assert problem.edit is not None
            edit = problem.edit
            actions.append(
                types.CodeAction(
                    title=f"Fix {problem.code}: {edit.description}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[convert.diagnostic(problem, index, encoding)],
                    is_preferred=True,
                    edit=_workspace_edit(
                        ls, buffer, version, index, edit.start, edit.end, edit.replacement, encoding
                    ),
                )
            )
    if any(p.edit is not None for p in problems) and _wanted(FIX_ALL, only):
        fixed: str | None = await ls.ask(buffer, "fix_all", text, buffer.kind, buffer.path)
        if fixed is not None and buffer.version == version:
            start, end, replacement = convert.minimal_edit(text, fixed)
            actions.append(
                types.CodeAction(
                    title="Fix all msgkit problems",
                    kind=FIX_ALL,
                    edit=_workspace_edit(
                        ls, buffer, version, index, start, end, replacement, encoding
                    ),
                )
            )
    return actions


def _workspace_edit(
    ls: MsgkitServer,
    buffer: Buffer,
    version: int,
    index: LineIndex,
    start: int,
    end: int,
    text: str,
    encoding: Encoding,
) -> types.WorkspaceEdit:
    edit = types.TextEdit(range=convert.text_range(index, start, end, encoding), new_text=text)
    workspace = ls.client_capabilities.workspace
    edits = workspace.workspace_edit if workspace is not None else None
    if edits is not None and edits.document_changes:
        # Tied to the version it was made for: the editor refuses it for any other.
        document = types.OptionalVersionedTextDocumentIdentifier(uri=buffer.uri, version=version)
        return types.WorkspaceEdit(
            document_changes=[types.TextDocumentEdit(text_document=document, edits=[edit])]
        )
    return types.WorkspaceEdit(changes={buffer.uri: [edit]})


# --- hover -------------------------------------------------------------------------------

_LANGUAGE = re.compile(r"""\blanguage["']?\s*[=:]\s*\\?["']?([A-Za-z0-9_-]+)""")
_URL = re.compile(r"<url>\s*([^<\s]+)\s*</url>")


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: MsgkitServer, params: types.HoverParams) -> types.Hover | None:
    buffer = ls.buffers.get(params.text_document.uri)
    if buffer is None:
        return None
    from .explain import code_page, language_note, url_note

    index, encoding = buffer.index, ls.encoding
    at = index.offset(params.position.line, params.position.character, encoding)
    sections: list[str] = []
    seen: set[str] = set()
    # What is known of this version; hover never waits for a check (a slow one would hold it).
    for problem in buffer.problems():
        start, end = convert.span(problem, index)
        if problem.start is not None and start <= at <= end and problem.code not in seen:
            seen.add(problem.code)
            sections.append(code_page(problem.code))
    line = index.position(at, "utf-32")[0]
    line_start = index.starts[line]
    text = index.line_text(line)[:4000]  # hover looks at the line it is on, bounded
    column = at - line_start
    for found in _LANGUAGE.finditer(text):
        if found.start(1) <= column <= found.end(1):
            sections.append(language_note(found.group(1)))
    for found in _URL.finditer(text):
        if found.start() <= column <= found.end():
            url = found.group(1)
            sections.append(await ls.blocking(url_note, url, ls.options.online_options()))
    if not sections:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(sections)
        )
    )


# --- completion --------------------------------------------------------------------------


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=["<", " ", '"', "'", "/", "="]),
)
def completion(ls: MsgkitServer, params: types.CompletionParams) -> types.CompletionList:
    from .complete import suggest

    buffer = ls.buffers.get(params.text_document.uri)
    if buffer is None:
        return types.CompletionList(is_incomplete=False, items=[])
    index, encoding = buffer.index, ls.encoding
    at = index.offset(params.position.line, params.position.character, encoding)
    items = [
        convert.suggestion(s, index, at, encoding) for s in suggest(buffer.kind, buffer.text[:at])
    ]
    return types.CompletionList(is_incomplete=False, items=items)


class _Brief(logging.Formatter):
    """One line per record: an editor's output panel is no place for tracebacks (pygls puts
    some in its messages)."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).split("\n", 1)[0]

    def formatException(self, ei: Any) -> str:
        return ""

    def formatStack(self, stack_info: str) -> str:
        return ""


def serve() -> None:
    """Speak the protocol over standard input and output until the client says exit or
    closes standard input."""
    handler = logging.StreamHandler()  # standard error: the editor's log of the server
    handler.setFormatter(_Brief("msgkit server: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    try:
        server.start_io()
    finally:
        server.close()
    if server.exit_code:
        raise SystemExit(server.exit_code)
