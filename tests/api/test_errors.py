"""Bad input gets a clear 400 naming the problem, never a 500."""

from __future__ import annotations

import pytest

from tests.api.test_incidents import incident_body

pytestmark = pytest.mark.django_db


def test_malformed_json_is_a_400(api):
    client = api("shaxi-reporter")
    response = client.client.post(
        "/api/v1/incidents", data="{not json", content_type="application/json", headers=client._headers(None)
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("body", [[], "text", 42, None], ids=["a list", "a string", "a number", "null"])
def test_a_body_that_is_not_an_object_is_a_400(api, body):
    response = api("shaxi-reporter").call("post", "/incidents", body if body is not None else "null")
    assert response.status_code == 400


def test_unknown_incident_is_404_and_non_numeric_id_is_not_a_500(api):
    assert api("duty-officer").get("/incidents/999999").status_code == 404
    assert api("duty-officer").get("/incidents/abc").status_code in (400, 404)


@pytest.mark.parametrize("query", ["state=bogus", "since=yesterday", "since=2026-11-28T09:00:00", "unit=atlantis"])
def test_bad_filters_are_400_naming_the_filter(api, query):
    response = api("duty-officer").get(f"/incidents?{query}")
    assert response.status_code == 400
    assert response.json_body["errors"][0]["field"] == query.split("=")[0]


def test_huge_and_wrongly_typed_values_are_400(api):
    body = incident_body(
        sensitive="perhaps", report={"kind": "written", "casualties": {"deaths": 10**12}, "direct_loss_cny": "lots"}
    )
    response = api("shaxi-reporter").post("/incidents", body)
    assert response.status_code == 400
    fields = {e["field"] for e in response.json_body["errors"]}
    assert {"sensitive", "report.casualties.deaths", "report.direct_loss_cny"} <= fields


def test_patch_with_no_change_changes_nothing(api):
    created = api("shaxi-reporter").post("/incidents", incident_body()).json_body
    from dutyroom.audit.models import AuditEntry

    response = api("duty-officer").patch(f"/incidents/{created['id']}", {})
    assert response.status_code == 200
    assert response.json_body["obligations"] == created["obligations"]
    assert not AuditEntry.objects.filter(action="incident.update").exists()
