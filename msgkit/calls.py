"""The session rules of an IVR call, before anything is sent: ``msgkit.Call``.

The provider runs one block at a time on a call (reference, section 3): exactly one Start block
(Dial, or the Answer of an incoming call), any number of Middle blocks, one End block; a
notification follows each block, and the next block may only be sent once it has come. A call
on hold takes nothing but Unhold. :class:`Call` follows one call from the requests sent through
it and the notifications it is given, and answers, for the next block, the error the provider
would answer:

- ``error_session_ended``: after an End block (transfer, hangup) or once the call has ended;
- ``error_session_not_on_hold``: an Unhold while the call is not on hold;
- ``error_session_not_ready``: while the previous block has not notified yet, or while the call
  is on hold (only Unhold is allowed then);
- ``error_monitor_in_progress``: a second Monitor on one call.

The rules are pure functions of an immutable :class:`CallState` (:func:`check`,
:func:`after_request`, :func:`after_notification`); :class:`Call` holds the current state.
The sandbox enforces the same rules on its own (it stands in for the provider), and the tests
hold the two against each other.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .notifications import Notification
    from .transports.base import ApiError, MonitorResult, Transport

__all__ = [
    "Call",
    "CallState",
    "after_notification",
    "after_request",
    "check",
    "rule",
]


@dataclass(frozen=True, slots=True)
class CallState:
    """Where a call stands, as far as its session rules go.

    ``pending`` is the block sent whose notification has not come yet; ``on_hold`` is set by
    an accepted Hold and cleared by an accepted Unhold; ``ending`` is the End block sent (the
    session takes nothing more, unless a Transfer with ``on_failure=continue`` failed);
    ``ended`` is a notification with ``call_state=ended`` seen.
    """

    pending: str | None = None
    on_hold: bool = False
    monitored: bool = False
    ending: str | None = None
    continue_on_failure: bool = False
    ended: bool = False


def _block(name: str) -> Any:
    from .blocks import block

    return block(name)


def rule(state: CallState, block: str, *, force: bool = False) -> str | None:
    """The status the provider would answer for ``block`` now, or ``None`` when it may go.

    ``force`` is a Hangup's ``force=enabled``: it goes at any time, even on hold or while a
    block runs, as long as the session has not ended. Raises ``ValueError`` for a block that
    does not exist.
    """
    row = _block(block)
    if state.ended or state.ending is not None:
        return "error_session_ended"
    if force and row.name == "hangup":
        return None
    if row.name == "unhold":
        return None if state.on_hold else "error_session_not_on_hold"
    if state.on_hold or state.pending is not None:
        return "error_session_not_ready"
    if row.name == "monitor" and state.monitored:
        return "error_monitor_in_progress"
    return None


def check(state: CallState, block: str, *, force: bool = False) -> None:
    """Raise the typed ``ApiError`` the provider would answer for ``block`` now."""
    status = rule(state, block, force=force)
    if status is not None:
        raise _error(status)


def _error(status: str) -> ApiError:
    from .transports.base import error_class

    return error_class(status)(status, {"status": status, "checked_by": "msgkit.Call"})


def after_request(
    state: CallState, block: str, params: Mapping[str, Any] | None = None
) -> CallState:
    """The state once the provider has accepted ``block`` (with its ``params``)."""
    row = _block(block)
    params = params or {}
    if row.name == "hangup" and str(params.get("force", "")) == "enabled":
        return replace(state, pending="hangup", ending="hangup", on_hold=False)
    if row.name == "hold":
        return replace(state, pending="hold", on_hold=True)
    if row.name == "unhold":
        return replace(state, pending="unhold", on_hold=False)
    changed = replace(state, pending=row.name)
    if row.name == "monitor":
        changed = replace(changed, monitored=True)
    if row.stage == "end":
        changed = replace(
            changed,
            ending=row.name,
            continue_on_failure=row.name == "transfer"
            and str(params.get("on_failure", "hangup")) == "continue",
        )
    return changed


def after_notification(state: CallState, notification: Notification) -> CallState:
    """The state once ``notification`` has come.

    A notification with ``call_state=ended`` ends the call. A block's notification makes the
    session ready for the next block; a Transfer sent with ``on_failure=continue`` whose
    notification says the call goes on (``call_state`` not ``ended``) gives the session back.
    A Monitor File Notification, or an Answer, changes nothing but the end.
    """
    from .notifications import AnswerNotification, BlockNotification, TransferNotification

    if notification.call_state == "ended":
        return replace(state, ended=True, pending=None)
    if not isinstance(notification, BlockNotification) or isinstance(
        notification, AnswerNotification
    ):
        return state
    changed = state
    if state.pending is not None and notification.block == state.pending:
        changed = replace(changed, pending=None)
    if (
        isinstance(notification, TransferNotification)
        and state.ending == "transfer"
        and state.continue_on_failure
        and notification.transfer_status not in (None, "answered")
    ):
        changed = replace(changed, ending=None, continue_on_failure=False)
    return changed


class Call:
    """One call's session rules, checked before a request is sent.

    ``Call(session)`` for a call you have a session for (from the Answer notification of an
    incoming call, or a Dial's result); ``Call()`` for an outgoing call not dialled yet, whose
    session comes from the Dial sent through :meth:`submit`. Give it every notification of the
    call (:meth:`observe`) and send through it (:meth:`submit`); :meth:`check` raises the
    typed ``ApiError`` the provider would answer. Safe to share between threads (a receiver's
    and the sender's).
    """

    def __init__(self, session: str | None = None) -> None:
        self._session = session
        self._state = CallState()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Call(session={self._session!r}, state={self._state!r})"

    @property
    def session(self) -> str | None:
        return self._session

    @property
    def state(self) -> CallState:
        return self._state

    def check(self, block: str, *, force: bool = False) -> None:
        """Raise the ``ApiError`` the provider would answer for ``block`` now (``force``: a
        Hangup with ``force=enabled``).

        ``ValueError`` for a block that does not exist, or for a Dial on a call that already
        has a session (a Dial starts a new call), or a Middle or End block on one without.
        """
        with self._lock:
            self._check(block, force)

    def _check(self, block: str, force: bool = False) -> None:
        row = _block(block)
        if row.stage == "start" and self._session is not None:
            raise ValueError(f"{row.name} starts a new call; this one has session {self._session}")
        if row.stage != "start" and self._session is None:
            raise ValueError(f"{row.name} needs a session: dial first, or give Call(session)")
        check(self._state, row.name, force=force)

    def observe(self, notification: Notification) -> None:
        """Take a notification of this call into account."""
        with self._lock:
            if self._session is not None and notification.session != self._session:
                raise ValueError(
                    f"the notification is for session {notification.session!r}, "
                    f"not {self._session!r}"
                )
            self._session = notification.session
            self._state = after_notification(self._state, notification)

    def sent(self, block: str, params: Mapping[str, Any] | None = None) -> None:
        """Record a request the provider accepted that was not sent through :meth:`submit`."""
        with self._lock:
            self._state = after_request(self._state, block, params)

    def submit(self, request: Any, transport: Transport) -> MonitorResult:
        """Check the request's block against the rules, then send it with ``transport``.

        Raises the ``ApiError`` of a broken rule before anything is sent, and whatever the
        transport raises. A Dial's result gives the call its session.
        """
        block = str(getattr(request, "block", "monitor"))
        params = request.to_params()
        with self._lock:
            self._check(block, params.get("force") == "enabled")
            session = params.get("session")
            if session is not None and self._session is not None and session != self._session:
                raise ValueError(f"the request is for session {session!r}, not {self._session!r}")
            # Claimed before sending: a second submit from another thread meets not_ready.
            before = self._state
            self._state = after_request(self._state, block, params)
        from .transports.base import ApiError

        try:
            result = transport.submit(request)
        except ApiError as error:
            with self._lock:
                # The provider's word wins: an ended session stays ended.
                ended = before.ended or error.status == "error_session_ended"
                self._state = replace(before, ended=ended)
            raise
        except BaseException:
            with self._lock:
                self._state = before
            raise
        if not result.ok:  # a transport that answers instead of raising
            with self._lock:
                self._state = before
            return result
        new_session = getattr(result, "session", None) or result.raw.get("session")
        if self._session is None and isinstance(new_session, str) and new_session:
            with self._lock:
                self._session = new_session
        return result
