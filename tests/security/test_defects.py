"""Regression tests for the defects found by attacking a running instance from outside, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_incidents import ago, incident_body, written

pytestmark = pytest.mark.django_db


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json_body["errors"]]


# 1. money
@pytest.mark.parametrize("loss", ["999999999999.99", "12345678901.23", "0.01", "7"])
def test_a_loss_within_the_limit_round_trips_exactly(api: Any, loss: str) -> None:
    client = api("shaxi-reporter")
    created = client.post("/incidents", incident_body(report=written(direct_loss_cny=loss)))
    assert created.status_code == 201, created.json_body
    shown = client.get(f"/incidents/{created.json_body['id']}")
    assert shown.status_code == 200
    from decimal import Decimal

    assert Decimal(shown.json_body["reports"][0]["direct_loss_cny"]) == Decimal(loss)


@pytest.mark.parametrize("loss", ["99999999999999.99", "1000000000000", "1.001", "NaN", "Infinity"])
def test_a_loss_beyond_the_limit_is_a_400_naming_the_field_and_nothing_is_written(api: Any, loss: str) -> None:
    from dutyroom.incidents.models import Incident

    response = api("shaxi-reporter").post("/incidents", incident_body(report=written(direct_loss_cny=loss)))
    assert response.status_code == 400
    assert fields(response) == ["report.direct_loss_cny"]
    assert not Incident.objects.exists()


def test_the_web_form_refuses_a_loss_beyond_the_limit(api: Any, login: Any, make_incident: Any) -> None:
    incident = make_incident("shaxi-reporter")
    page = login("shaxi-reporter").post(
        f"/incidents/{incident.pk}/report/", {"kind": "written", "summary": "s", "direct_loss_cny": "99999999999999"}
    )
    assert page.status_code == 200  # the form again, with the field's error
    assert "direct_loss_cny" in page.content.decode()
    assert not incident.reports.exists()


# 2. another unit's chain
def _asked_unit_sees(api: Any, incident_id: int) -> None:
    api("duty-officer").post(
        "/verification-requests", {"unit": "police", "authority": "city", "question": "核实", "incident": incident_id}
    )
    assert api("police-reporter").get(f"/incidents/{incident_id}").status_code == 200


def test_another_unit_can_neither_close_the_incident_nor_number_its_follow_ups(api: Any) -> None:
    owner = api("shaxi-reporter")
    incident = owner.post("/incidents", incident_body(report=written())).json_body["id"]
    _asked_unit_sees(api, incident)
    police = api("police-reporter")
    for kind in ("final", "followup"):
        response = police.post(f"/incidents/{incident}/reports", {"kind": kind, "summary": "不是我们的事件"})
        assert response.status_code == 403, kind
    assert owner.get(f"/incidents/{incident}").json_body["state"] == "open"
    assert (
        owner.post(f"/incidents/{incident}/reports", {"kind": "followup", "summary": "续报"}).json_body["number"] == 1
    )


def test_a_report_on_a_closed_incident_is_a_409(api: Any) -> None:
    owner = api("shaxi-reporter")
    incident = owner.post("/incidents", incident_body(report=written())).json_body["id"]
    assert owner.post(f"/incidents/{incident}/reports", {"kind": "final", "summary": "终报"}).status_code == 201
    for kind in ("followup", "final", "written"):
        assert owner.post(f"/incidents/{incident}/reports", {"kind": kind, "summary": "x"}).status_code == 409


# 3. re-grading a closed incident
def test_re_grading_a_closed_incident_is_a_409_and_starts_no_clock(api: Any) -> None:
    from dutyroom.obligations.models import Obligation

    owner = api("shaxi-reporter")
    incident = owner.post("/incidents", incident_body(report=written())).json_body["id"]
    owner.post(f"/incidents/{incident}/reports", {"kind": "final", "summary": "终报"})
    clocks = Obligation.objects.filter(incident_id=incident).count()
    response = api("duty-officer").patch(f"/incidents/{incident}", {"grade": "I", "reason": "升级"})
    assert response.status_code == 409
    assert Obligation.objects.filter(incident_id=incident).count() == clocks


# 4. extreme input
EXTREME = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T23:59:59+08:00"]


@pytest.mark.parametrize("when", EXTREME)
def test_extreme_times_are_a_400_naming_the_field_everywhere(api: Any, when: str) -> None:
    owner, officer = api("shaxi-reporter"), api("duty-officer")
    assert fields(owner.post("/incidents", incident_body(occurred_at=when))) == ["occurred_at"]
    incident = owner.post("/incidents", incident_body()).json_body["id"]
    assert fields(officer.patch(f"/incidents/{incident}", {"occurred_at": when, "reason": "r"})) == ["occurred_at"]
    asked = officer.post(
        "/verification-requests", {"unit": "shaxi", "authority": "city", "question": "q", "due_at": when}
    )
    assert asked.status_code == 400 and fields(asked) == ["due_at"]
    listed = officer.client.get("/api/v1/incidents", {"since": when}, headers=officer._headers(None))
    assert listed.status_code == 400 and listed.json()["errors"][0]["field"] == "since"


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "1899-12-31T23:59"])
def test_an_extreme_time_in_the_web_form_is_a_form_error(login: Any, when: str) -> None:
    from dutyroom.incidents.models import Incident
    from tests.web.test_forms import new_incident

    page = login("shaxi-reporter").post("/incidents/new/", new_incident(occurred_at=when, learned_at=""))
    assert page.status_code == 200
    assert "1900" in page.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("path", ["title", "location.address", "report.summary", "unit", "subtype"])
def test_a_nul_byte_in_any_text_is_a_400_naming_the_field(api: Any, path: str) -> None:
    body: dict[str, Any] = incident_body(report=written())
    target, _, leaf = path.rpartition(".")
    holder = body[target] if target else body
    holder[leaf] = "沙溪\x00镇"
    response = api("shaxi-reporter").post("/incidents", body)
    assert response.status_code == 400
    assert fields(response) == [path]
    listed = api("duty-officer").get("/incidents?unit=sha%00xi")
    assert listed.status_code == 400


def test_old_times_come_back_at_plus_eight_not_local_mean_time(api: Any) -> None:
    client = api("shaxi-reporter")
    created = client.post("/incidents", incident_body(occurred_at="1905-06-01T10:00:00+08:00"))
    assert created.status_code == 201
    assert client.get(f"/incidents/{created.json_body['id']}").json_body["occurred_at"] == "1905-06-01T10:00:00+08:00"


def test_subtypes_come_from_the_rulebook(api: Any) -> None:
    client = api("shaxi-reporter")
    assert fields(client.post("/incidents", incident_body(subtype="made-up"))) == ["subtype"]
    assert fields(client.post("/incidents", incident_body(category="natural", subtype="fire"))) == ["subtype"]
    created = client.post("/incidents", incident_body(category="natural", subtype="flood"))
    assert created.status_code == 201
    patched = api("duty-officer").patch(f"/incidents/{created.json_body['id']}", {"subtype": "nonsense", "reason": "r"})
    assert fields(patched) == ["subtype"]


# 8. verification requests about work-secret incidents
def test_a_verification_request_about_a_work_secret_incident_is_hidden_like_the_incident(api: Any) -> None:
    owner = api("shaxi-reporter")
    incident = owner.post("/incidents", incident_body(classification="work_secret")).json_body["id"]
    asked = (
        api("duty-officer")
        .post(
            "/verification-requests",
            {
                "unit": "shaxi",
                "authority": "suzhou",
                "question": "机密问题文本",
                "incident": incident,
                "due_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            },
        )
        .json_body["id"]
    )
    assessor = api("assessor")
    assert assessor.get(f"/incidents/{incident}").status_code == 404
    hidden = assessor.get(f"/verification-requests/{asked}")
    assert hidden.status_code == 404
    assert hidden.json_body == assessor.get("/verification-requests/999999").json_body
    assert "机密问题文本" not in str(assessor.get("/verification-requests").json_body)
    assert owner.get(f"/verification-requests/{asked}").status_code == 200  # the asked unit must answer it


def test_received_times_come_from_the_server_clock_only(api: Any) -> None:
    response = api("shaxi-reporter").post("/incidents", incident_body(report=written(received_at=ago(60))))
    assert response.status_code == 400 and fields(response) == ["report.received_at"]
