"""Requests of every IVR block, and which blocks a transport takes.

:class:`Request` is the request of any block; :class:`~msgkit.transports.base.MonitorRequest`
stays the Monitor case of the same contract (``block``, ``to_params()``, ``redacted_params()``,
the token out of ``repr``), so transports written for it keep working. :func:`request` builds
either. A transport says which blocks it sends in its ``blocks`` class attribute; one that does
not say is taken to send Monitor only (the whole contract before blocks existed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from ..redaction import REDACTED
from .base import MonitorRequest, RequestError, TransportError

if TYPE_CHECKING:
    from ..blocks import Block

__all__ = [
    "AnyRequest",
    "Request",
    "check_handles",
    "handled_blocks",
    "request",
]

_SURROGATE = re.compile("[\ud800-\udfff]")


def _wire(name: str, value: object) -> str:
    """A parameter as it travels: strings as given, integers as their digits."""
    from ..checks.request import wire_text

    text = wire_text(value)
    if text is None:
        what = "an integer this large" if isinstance(value, int) else type(value).__name__
        raise RequestError(f"{name} must be a string or an integer, not {what}", field=name)
    bad = _SURROGATE.search(text)
    if bad is not None:
        what = "a lone surrogate" if name == "access_token" else f"U+{ord(bad.group()):04X}"
        raise RequestError(
            f"{name} contains {what}, which cannot travel as a readable parameter "
            "(error_malformed_params)",
            field=name,
        )
    return text


@dataclass(frozen=True, slots=True)
class Request:
    """The parameters of one request of ``block`` (any block but Monitor, which has
    :class:`MonitorRequest`), checked against the block's request schema when made.

    ``params`` are the block's own parameters as they travel (strings), in the schema's order.
    ``msg`` is checked by ``validate_request`` (which knows the configured limits), not here.
    The access token is kept out of ``repr``; ``to_params()`` is the only way out.
    """

    block: str
    app_id: str
    access_token: str = field(repr=False)
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        from ..blocks import CREDENTIALS, block

        try:
            row = block(self.block)
        except ValueError as error:
            raise RequestError(str(error), field="block") from None
        for name in CREDENTIALS:
            value = _wire(name, getattr(self, name))
            if not value:
                raise RequestError(f"{name} must not be empty", field=name)
        given = dict(self.params)
        for name, value in self.params:
            _wire(name, value)
        problem = _problem(row, given)
        if problem is not None:
            raise problem
        ordered = tuple((k, given[k]) for k in row.params if k in given)
        object.__setattr__(self, "params", ordered)

    @property
    def path(self) -> str:
        """Where it is sent, below the API's base URL (``/ivr/middle/gather``)."""
        from ..blocks import BLOCKS

        return BLOCKS[self.block].path

    def get(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None

    @property
    def session(self) -> str | None:
        return self.get("session")

    @property
    def msg(self) -> str | None:
        return self.get("msg")

    @property
    def tag(self) -> str | None:
        return self.get("tag")

    @property
    def notify_url(self) -> str | None:
        return self.get("notify_url")

    def to_params(self) -> dict[str, str]:
        """The wire parameters, token included as a plain string; absent ones omitted."""
        return {"app_id": self.app_id, "access_token": self.access_token, **dict(self.params)}

    def redacted_params(self) -> dict[str, str]:
        """``to_params()`` with the access token replaced, for showing and logging."""
        params = self.to_params()
        params["access_token"] = REDACTED
        return params


# The Monitor request is the Monitor case of the same contract.
AnyRequest: TypeAlias = "Request | MonitorRequest"


def _problem(row: Block, params: Mapping[str, str]) -> RequestError | None:
    """The first error the block's request schema finds in ``params``, msg's content aside."""
    from ..checks.request import request_errors

    for diagnostic in request_errors(row, params):
        return RequestError(
            f"{diagnostic.message} ({diagnostic.code})", field=diagnostic.field or "request"
        )
    return None


def request(block: str, *, app_id: str, access_token: str, **params: Any) -> AnyRequest:
    """The request of ``block`` with ``params`` (strings as on the wire, or integers; ``None``
    leaves a parameter out): a :class:`MonitorRequest` for ``monitor``, else a
    :class:`Request`. Raises ``RequestError`` when a parameter does not fit the block's request
    schema, and ``ValueError`` (listing the blocks) for an unknown block.
    """
    from ..blocks import block as block_named

    row = block_named(block)  # ValueError for an unknown block, as validate_request
    given = {k: _wire(k, v) for k, v in params.items() if v is not None}
    if row.name == "monitor":
        known = ("session", "msg", "tag", "notify_url", "monitor_notify_url")
        unknown = [k for k in given if k not in known]
        if unknown:
            problem = _problem(row, given)
            assert problem is not None
            raise problem
        return MonitorRequest(
            app_id=_wire("app_id", app_id),
            access_token=_wire("access_token", access_token),
            **given,
        )
    return Request(row.name, app_id, access_token, tuple(given.items()))


def handled_blocks(transport: object) -> frozenset[str]:
    """The blocks ``transport`` sends: its ``blocks`` class attribute, or Monitor alone for a
    transport written before blocks existed."""
    declared = getattr(type(transport), "blocks", None)
    if declared is None:
        return frozenset({"monitor"})
    if isinstance(declared, str):
        return frozenset({declared})
    try:
        return frozenset(str(b) for b in declared)
    except TypeError:
        return frozenset({"monitor"})


def check_handles(transport: object, request: object) -> None:
    """Raise ``TransportError``, before anything is sent, when ``transport`` does not send
    ``request``'s block."""
    name = getattr(request, "block", None)
    if not isinstance(name, str):
        raise TransportError(f"not a request: {type(request).__name__}")
    handled = handled_blocks(transport)
    if name not in handled:
        who = getattr(transport, "name", type(transport).__name__)
        raise TransportError(
            f"transport {who!r} does not send {name} requests (it sends "
            f"{', '.join(sorted(handled))}); nothing was sent. A transport lists the blocks "
            "it sends in its 'blocks' class attribute"
        )
