"""The federation inbox answers 400 naming the field for a signed but malformed delivery, so the sender stops
retrying; a well-formed one is filed. (Two real instances talking are in tests/interop/test_two_instances.py.)"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from dutyroom.interop.signing import INSTANCE_HEADER, SIGNATURE_HEADER, sign

pytestmark = pytest.mark.django_db
KEY = "k" * 32


@pytest.fixture
def inbox(city: None, settings: Any) -> Any:
    settings.DUTYROOM_CHILDREN = json.dumps([{"code": "kunshan", "name": "昆山市", "key": KEY}])
    client = Client()

    def deliver(body: Any) -> Any:
        raw = json.dumps(body).encode()
        return client.post(
            "/api/v1/interop/inbox",
            data=raw,
            content_type="application/json",
            headers={INSTANCE_HEADER: "kunshan", SIGNATURE_HEADER: sign(KEY, raw)},
        )

    return deliver


def good() -> dict[str, Any]:
    occurred = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    return {
        "forwarding_id": "6f1c2d9e-0b8a-4c55-9a51-3d2a1e6b7c80",
        "kind": "incident",
        "sender": "kunshan",
        "incident": {
            "id": 7,
            "title": "昆山市某厂房火灾",
            "category": "accident",
            "subtype": "fire",
            "grade": "IV",
            "occurred_at": occurred,
            "state": "open",
            "classification": "internal",
        },
        "reports": [
            {
                "id": 11,
                "kind": "written",
                "summary": "明火已扑灭",
                "direct_loss_cny": "12000.50",
                "casualties": {"injuries": 2},
            }
        ],
    }


def test_a_well_formed_delivery_is_filed(inbox: Any) -> None:
    answer = inbox(good())
    assert answer.status_code == 200, answer.json()
    assert answer.json()["incident"] and answer.json()["reports"]["11"]["id"]


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(good())
    target = body
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["forwarding_id"], "not-a-uuid", "forwarding_id"),
        (["forwarding_id"], 12, "forwarding_id"),
        (["incident"], KeyError, "incident"),
        (["incident"], "火灾", "incident"),
        (["incident", "occurred_at"], "2026-12-01T08:00:00", "incident.occurred_at"),  # naive
        (["incident", "occurred_at"], "昨天下午", "incident.occurred_at"),
        (["incident", "occurred_at"], None, "incident.occurred_at"),
        (["incident", "id"], "7", "incident.id"),
        (["incident", "title"], 42, "incident.title"),
        (["incident", "sensitive"], "yes", "incident.sensitive"),
        (["reports", 0, "direct_loss_cny"], "很多", "reports.0.direct_loss_cny"),
        (["reports", 0, "direct_loss_cny"], True, "reports.0.direct_loss_cny"),
        (["reports", 0, "casualties", "injuries"], "两人", "reports.0.casualties.injuries"),
        (["reports", 0, "casualties", "injuries"], -1, "reports.0.casualties.injuries"),
        (["reports", 0, "id"], None, "reports.0.id"),
        (["reports"], {"id": 1}, "reports"),
    ],
)
def test_a_signed_but_malformed_delivery_is_a_400_naming_the_field(
    inbox: Any, path: list[Any], value: Any, field: str
) -> None:
    answer = inbox(_broken(path, value))
    assert answer.status_code == 400, answer.content
    assert field in [e["field"] for e in answer.json()["errors"]]


def test_a_reply_without_its_request_id_is_a_400(inbox: Any) -> None:
    body = {
        "forwarding_id": "6f1c2d9e-0b8a-4c55-9a51-3d2a1e6b7c81",
        "kind": "verification_reply",
        "report": {"id": 3, "kind": "verification_reply", "summary": "已核实"},
    }
    answer = inbox(body)
    assert answer.status_code == 400 and [e["field"] for e in answer.json()["errors"]] == ["request"]
