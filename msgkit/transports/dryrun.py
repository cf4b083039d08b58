"""The ``dry-run`` transport: validates and shows what would be sent, touching no network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..blocks import BLOCKS, CREDENTIALS
from .base import REDACTED, MonitorResult
from .hoiio import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from ..config import Config
    from ..notifications import Notification
    from .requests import AnyRequest

__all__ = ["DryRunTransport"]


class DryRunTransport:
    """Answers ``success_ok`` with the exact parameters it would POST, the token excepted.

    The access token is shown as ``<redacted>``: the answer ends up in logs, docs and CI output.
    Requests are kept in ``sent`` for tests. It takes every block's request; it checks each
    offline, as ``validate_request`` does without plugins, and sends nothing, so a Dial's
    answer has no session.
    """

    name: ClassVar[str] = "dry-run"
    blocks: ClassVar[frozenset[str]] = frozenset(BLOCKS)

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, config: Config | None = None) -> None:
        self.base_url = str(base_url).rstrip("/")
        self.config = config
        self.sent: list[AnyRequest] = []

    def __repr__(self) -> str:
        return f"DryRunTransport(base_url={self.base_url!r})"

    def submit(self, request: AnyRequest) -> MonitorResult:
        from ..checks.request import check_request
        from ..config import Config
        from ..diagnostics import Report
        from ..errors import ValidationError
        from .requests import check_handles

        check_handles(self, request)
        config = self.config or Config()
        params = {k: v for k, v in request.to_params().items() if k not in CREDENTIALS}
        report = Report.of(check_request(request.block, params, config), strict=config.strict)
        if not report.ok:
            raise ValidationError(report)
        self.sent.append(request)
        params = request.redacted_params()
        raw: dict[str, Any] = {
            "status": "success_ok",
            "dry_run": True,
            "method": "POST",
            "url": self.base_url + request.path,
            "content_type": "application/x-www-form-urlencoded",
            "params": params,
            "redacted": ["access_token"] if params.get("access_token") == REDACTED else [],
        }
        return MonitorResult(status="success_ok", raw=raw, report=report)

    def parse_notification(self, body: bytes, content_type: str, query: str = "") -> Notification:
        from ..notifications import parse_notification

        return parse_notification(body, content_type, query)
