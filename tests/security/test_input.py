"""Hostile or sloppy input at the API's edge: retries compared by meaning, booleans never counted as people."""

from __future__ import annotations

import json
from typing import Any

from tests.api.test_incidents import incident_body


def test_the_same_json_reindented_under_one_idempotency_key_is_a_replay_not_a_conflict(api: Any) -> None:
    client = api("shaxi-reporter")
    body = incident_body()
    headers = {"Authorization": f"Bearer {client.token}", "Idempotency-Key": "k-1"}
    first = client.client.post("/api/v1/incidents", json.dumps(body), content_type="application/json", headers=headers)
    reordered = dict(reversed(list(body.items())))
    again = client.client.post(
        "/api/v1/incidents", json.dumps(reordered, indent=4), content_type="application/json", headers=headers
    )
    assert first.status_code == 201
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    changed = client.post("/incidents", incident_body(title="另一事件"), headers={"Idempotency-Key": "k-1"})
    assert changed.status_code == 409


def test_a_boolean_is_not_a_death_toll(api: Any) -> None:
    client = api("shaxi-reporter")
    report = {"kind": "written", "summary": "s", "casualties": {"deaths": True}}
    response = client.post("/incidents", incident_body(report=report))
    assert response.status_code == 400
    assert [e["field"] for e in response.json_body["errors"]] == ["report.casualties.deaths"]
