"""A client generated from our own ``/api/v1/openapi.json`` by a well-kept generator (openapi-python-client)
runs the duty room's everyday path against a live server and reads typed answers, not bare dictionaries: the
document says what every operation returns, so a partner who generates a client gets one that works."""

from __future__ import annotations

import importlib
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dutyroom.accounts.models import User
from dutyroom.accounts.tokens import token_create
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.demo import units_load, users_load
from tests.api.test_incidents import incident_body, written

PACKAGE = "dutyroom_client"


@pytest.fixture
def live_url(transactional_db: None, live_server: Any) -> str:
    units_load()
    users_load(datetime.now(UTC))
    return str(live_server.url)


@pytest.fixture
def generated(live_url: str, tmp_path: Path) -> Iterator[ModuleType]:
    """The client package, generated at test time from the document the live server serves."""
    spec = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{live_url}/api/v1/openapi.json", timeout=30) as answer:
        spec.write_bytes(answer.read())
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [str(generator), "generate", "--path", str(spec), "--output-path", str(tmp_path / PACKAGE), "--meta", "none"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def operation(package: ModuleType, tag: str, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{name}")


def model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def test_a_generated_client_files_an_incident_confirms_its_report_and_reads_the_assessment(
    generated: ModuleType, live_url: str
) -> None:
    def client(username: str) -> Any:
        token = token_create(user=User.objects.get(username=username), name="client", now=datetime.now(UTC))
        return generated.AuthenticatedClient(base_url=live_url, token=token, raise_on_unexpected_status=True)

    IncidentIn = model(generated, "IncidentIn")
    created = operation(generated, "incidents", "create_incident").sync(
        client=client("shaxi-reporter"), body=IncidentIn.from_dict(incident_body(report=written()))
    )
    assert isinstance(created, model(generated, "IncidentDetailOut")), created
    assert created.title == "沙溪镇厂房火灾" and created.location.area == "shaxi"
    report = created.reports[0]
    assert report.summary == "厂房起火，已扑灭"
    assert report.casualties is None and report.direct_loss_cny is None  # not stated: unknown, not 0
    assert created.figures.deaths is None
    assert report.received_at.endswith("+08:00")

    clocks = operation(generated, "obligations", "list_obligations").sync(client=client("duty-officer"))
    assert all(isinstance(clock, model(generated, "ObligationOut")) for clock in clocks)
    by_kind = {clock.kind: clock for clock in clocks if clock.incident == created.id}
    assert by_kind["first_report"].state == "met"
    assert by_kind["receipt"].state == "pending" and by_kind["receipt"].unit == "duty-room"

    confirmed = operation(generated, "incidents", "confirm_receipt").sync(
        client=client("duty-officer"), report_id=report.id
    )
    assert isinstance(confirmed, model(generated, "ReportOut"))
    assert confirmed.confirmed_by == "duty-officer" and confirmed.confirmed_at

    period = clock_now().astimezone(LOCAL).strftime("%Y-%m")
    rows = operation(generated, "assessment", "get_assessment").sync(client=client("assessor"), period=period)
    shaxi = next(row for row in rows if row.unit == "shaxi")
    assert isinstance(shaxi, model(generated, "AssessmentRowOut"))
    assert shaxi.first_reports["on_time"] == 1 and shaxi.rank >= 1 and shaxi.period == period
