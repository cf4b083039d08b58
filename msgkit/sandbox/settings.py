"""How a sandbox behaves: one immutable value, built by the CLI or by a test."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace

__all__ = ["SandboxSettings"]


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """Every knob of the sandbox.

    ``rate_limit`` is the number of monitor requests one application may make per
    ``rate_window`` seconds (``None``: no limit, as the provider documents for Monitor).
    ``block_seconds`` is how long the monitor block runs (the msg "playing") before its
    notification goes out; the session answers ``error_session_not_ready`` meanwhile.
    ``retry_notifications`` is how many times a failed delivery is retried (the provider
    itself never retries: 0 is the faithful default).
    ``answer_url`` is where an incoming call's Answer notification goes (a call's own
    ``answer_url`` wins). ``time_scale`` multiplies the durations a request gives in seconds
    (a Gather's ``timeout``, a Record's ``max_duration``), so 0.01 makes a 10-second timeout
    a tenth of a second; ``block_seconds`` is not scaled.
    """

    app_id: str = "sandbox"
    access_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    public_url: str = ""
    rate_limit: int | None = None
    rate_window: float = 60.0
    block_seconds: float = 0.0
    recording_ttl: float = 3600.0
    recording_seconds: float = 3.0
    fail_recording: bool = False
    retry_notifications: int = 0
    retry_backoff: float = 0.5
    notify_timeout: float = 5.0
    max_msg_length: int | None = None
    max_calls: int = 10_000
    currency: str = "SGD"
    rate: str = "0.0200"
    answer_url: str | None = None
    time_scale: float = 1.0

    def __post_init__(self) -> None:
        if not self.app_id:
            raise ValueError("app_id must not be empty")
        if not self.access_token:
            raise ValueError("access_token must not be empty")
        for name in (
            "rate_window",
            "recording_ttl",
            "recording_seconds",
            "notify_timeout",
            "time_scale",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        for name in ("block_seconds", "retry_backoff"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.recording_seconds > 600:
            raise ValueError("recording_seconds must be at most 600 (it is held in memory)")
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ValueError("rate_limit must be at least 1")
        if not 0 <= self.retry_notifications <= 10:
            raise ValueError("retry_notifications must be between 0 and 10")
        if self.answer_url is not None and not (
            self.answer_url.lower().startswith(("http://", "https://"))
            and len(self.answer_url) <= 4000
            and not any(c.isspace() for c in self.answer_url)
        ):
            raise ValueError("answer_url must be an http(s) URL of at most 4000 characters")
        if self.max_calls < 1:
            raise ValueError("max_calls must be at least 1")

    def with_public_url(self, url: str) -> SandboxSettings:
        return replace(self, public_url=url.rstrip("/"))
