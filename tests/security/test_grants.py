"""Need-to-know on work-secret incidents: the duty room grants and revokes named people; every read is audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_incidents import incident_body

pytestmark = pytest.mark.django_db


def test_a_grant_opens_one_work_secret_incident_to_one_person_until_revoked_and_every_read_is_audited(
    api: Any, login: Any
) -> None:
    from dutyroom.audit.models import AuditEntry

    incident = api("shaxi-reporter").post("/incidents", incident_body(classification="work_secret")).json_body["id"]
    officer, assessor = api("duty-officer"), api("assessor")
    assert assessor.get(f"/incidents/{incident}").status_code == 404
    assert (
        api("liuhe-reporter").post(f"/incidents/{incident}/grants", {"user": "assessor", "reason": "x"}).status_code
        == 404
    )
    granted = officer.post(f"/incidents/{incident}/grants", {"user": "assessor", "reason": "年度考评需要"})
    assert granted.status_code == 201 and granted.json_body["granted_by"] == "duty-officer"
    assert officer.post(f"/incidents/{incident}/grants", {"user": "assessor", "reason": "again"}).status_code == 409
    assert assessor.get(f"/incidents/{incident}").status_code == 200
    assert login("assessor").get(f"/incidents/{incident}/").status_code == 200
    assert assessor.post(f"/incidents/{incident}/grants", {"user": "viewer", "reason": "x"}).status_code == 403
    reads = AuditEntry.objects.filter(action="incident.read", incident_id=incident, actor__username="assessor")
    assert reads.count() == 2  # the API read and the page read
    revoked = officer.call("delete", f"/incidents/{incident}/grants/assessor")
    assert revoked.status_code == 200 and revoked.json_body["revoked_by"] == "duty-officer"
    assert assessor.get(f"/incidents/{incident}").status_code == 404
    history = officer.get(f"/incidents/{incident}/grants").json_body
    assert [(g["user"], g["revoked_at"] is not None) for g in history] == [("assessor", True)]
    assert {"incident.grant", "incident.grant_revoke"} <= set(
        AuditEntry.objects.filter(incident_id=incident).values_list("action", flat=True)
    )


def test_only_work_secret_incidents_take_grants(api: Any) -> None:
    incident = api("shaxi-reporter").post("/incidents", incident_body()).json_body["id"]
    response = api("duty-officer").post(f"/incidents/{incident}/grants", {"user": "assessor", "reason": "x"})
    assert response.status_code == 409
