"""The dry-run transport: validates and shows exactly what would be sent, with no network."""

from __future__ import annotations

import pytest

import msgkit
from msgkit import MonitorRequest, ValidationError
from msgkit.testing import check_transport
from msgkit.transports.dryrun import DryRunTransport


def test_returns_the_parameters_it_would_send() -> None:
    transport = msgkit.get_transport("dry-run", base_url="http://127.0.0.1:9/open")
    request = MonitorRequest(app_id="app", access_token="tok-dry", session="S", msg="Hi", tag="t")
    result = transport.submit(request)
    assert result.status == "success_ok" and result.raw["dry_run"] is True
    assert result.raw["url"] == "http://127.0.0.1:9/open/ivr/middle/monitor"
    assert result.raw["params"] == {**request.to_params(), "access_token": "<redacted>"}
    assert isinstance(transport, DryRunTransport) and transport.sent == [request]


def test_refuses_what_validation_refuses() -> None:
    request = MonitorRequest(app_id="a", access_token="t", session="S", msg="<speech>")
    with pytest.raises(ValidationError) as caught:
        DryRunTransport().submit(request)
    assert "error_msg_invalid_xml" in caught.value.report.codes


def test_conformance() -> None:
    check_transport(DryRunTransport)
