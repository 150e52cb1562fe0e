"""The lead that came first (the lead intake's "who knew first" candidate) becomes a finding, or is dismissed, here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.assessment.models import Finding
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import iso_local
from dutyroom.leads.models import LeadEvidence

pytestmark = pytest.mark.django_db
Api = Callable[[str | None], Any]


def confirmed_lead(api: Api) -> dict[str, Any]:
    lead = (
        api("duty-officer")
        .post(
            "/leads",
            {
                "channel": "media",
                "title": "浏河镇新闸路化工企业储罐泄漏",
                "area": "liuhe",
                "occurred_at": iso_local(clock_now() - timedelta(minutes=20)),
            },
        )
        .json_body
    )
    police = api("police-reporter")
    police.post(f"/leads/{lead['id']}/start")
    body = police.post(
        f"/leads/{lead['id']}/verify",
        {"outcome": "confirmed", "category": "accident", "reason": "派出所民警现场核实属实"},
    ).json_body
    assert body["evidence"]["kind"] == "omitted"
    return body


def signed_in(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def test_the_assessor_turns_the_candidate_into_a_finding_with_the_facts_prefilled(api: Api) -> None:
    lead = confirmed_lead(api)
    assessor = signed_in("assessor")
    page = assessor.get("/findings/").content.decode()
    assert 'id="evidence-candidates"' in page and f"lead={lead['id']}" in page
    assert page.count('id="evidence-candidates"') == 1  # in the page body once, never inside <title>
    title = page[page.index("<title>") : page.index("</title>")]
    assert "<table" not in title
    form = assessor.get(f"/findings/new/?incident={lead['incident']}&unit=liuhe&lead={lead['id']}&kind=omitted")
    assert f"经线索 #{lead['id']}" in form.content.decode() and "单位当时尚未报告" in form.content.decode()
    body = {
        "incident": lead["incident"],
        "unit": "liuhe",
        "kind": "omitted",
        "evidence": "线索在先，单位未报",
        "lead": lead["id"],
    }
    early = api("assessor").post("/findings", body)  # liuhe's first-report clock is still running
    assert early.status_code == 409 and "才到期" in early.json_body["detail"]
    with time_machine.travel(datetime.fromisoformat(early.json_body["due_at"]) + timedelta(minutes=1)):
        raised = api("assessor").post("/findings", body)
    assert raised.status_code == 201 and raised.json_body["lead"] == lead["id"]
    assert LeadEvidence.objects.get(lead_id=lead["id"]).state == "raised"
    assert 'id="evidence-candidates"' not in assessor.get("/findings/").content.decode()


def test_a_candidate_can_be_dismissed_once_with_a_reason(api: Api) -> None:
    lead = confirmed_lead(api)
    evidence = LeadEvidence.objects.get(lead_id=lead["id"])
    assessor = signed_in("assessor")
    assessor.post(f"/findings/evidence/{evidence.pk}/dismiss/", {"reason": "单位已电话报告，平台未录入"})
    evidence.refresh_from_db()
    assert evidence.state == "dismissed" and not Finding.objects.exists()
    page = assessor.post(f"/findings/evidence/{evidence.pk}/dismiss/", {"reason": "again"}, follow=True)
    assert "该候选已处理" in page.content.decode()
    history = signed_in("duty-officer").get(f"/incidents/{lead['incident']}/").content.decode()
    assert "驳回线索在先候选" in history and "单位已电话报告，平台未录入" in history
    assert (
        signed_in("liuhe-leader").post(f"/findings/evidence/{evidence.pk}/dismiss/", {"reason": "x"}).status_code == 403
    )
