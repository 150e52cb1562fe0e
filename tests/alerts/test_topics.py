"""Every topic a person can choose on the preferences page reaches its audience on every channel they chose:
in the app, by e-mail (a real local SMTP server), by SMS (a real local HTTP gateway) and on a webhook
subscribed to it. One test per topic; the last one checks that no topic is offered without a test here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dutyroom.accounts.models import User
from dutyroom.alerts.delivery import deliveries_send
from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.alerts.models import Delivery, Notification
from dutyroom.alerts.preferences import TOPICS, preference_set
from dutyroom.alerts.services import WebhookInput, chase_create, webhook_create
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from tests.alerts.conftest import Mailbox, Receiver, contacts
from tests.alerts.ticks import tick

pytestmark = pytest.mark.django_db

EVERY_CHANNEL = ["inapp", "email", "sms"]


class Channels:
    """The local servers every channel goes to, and what each of them received."""

    def __init__(self, mailbox: Mailbox, gateway: Receiver, hooks: Receiver) -> None:
        self.mailbox, self.gateway, self.hooks = mailbox, gateway, hooks

    def choose(self, topic: str, *people: str) -> None:
        """Each person picks every channel for ``topic`` on the preferences page (in-app, e-mail, SMS)."""
        contacts(*people)
        for name in people:
            preference_set(actor=User.objects.get(username=name), now=clock_now(), topics={topic: EVERY_CHANNEL})

    def deliver(self, at: datetime | None = None) -> None:
        """The worker's fan-out and delivery steps at ``at``, with the clock jumped past any backoff."""
        at = at or clock_now()
        while outbox_fanout(at)[1]:
            pass
        outbox_fanout(at)
        for _ in range(3):
            deliveries_send(at)
            at += timedelta(minutes=10)

    def assert_reached(self, topic: str, *people: str) -> None:
        for name in people:
            person = User.objects.get(username=name)
            assert Notification.objects.filter(user=person, event__topic=topic).exists(), (topic, name, "in-app")
            mails = [m for m in self.mailbox.messages if m["To"] == person.email]
            assert mails, (topic, name, "e-mail")
            texts = [
                json.loads(r["body"])["text"]
                for r in self.gateway.requests
                if json.loads(r["body"])["phone"] == person.phone
            ]
            assert texts, (topic, name, "sms")
            for channel in ("email", "sms"):
                assert Delivery.objects.filter(
                    user=person, channel=channel, event__topic=topic, state="delivered"
                ).exists(), (topic, name, channel)
        events = [r["headers"]["x-dutyroom-event"] for r in self.hooks.requests]
        assert topic in events, (topic, "webhook")


@pytest.fixture
def channels(
    city: None, mailbox: Mailbox, receiver: Callable[..., Receiver], settings: Any, on_duty: Callable[..., None]
) -> Iterator[Channels]:
    gateway, hooks = receiver(), receiver()
    settings.DUTYROOM_SMS_URL = gateway.url + "/send"
    webhook_create(
        actor=User.objects.get(username="admin"),
        now=clock_now(),
        data=WebhookInput(url=hooks.url + "/hook", secret="a-secret-for-tests", topics=list(TOPICS)),
    )
    on_duty(city_leader="assessor")
    yield Channels(mailbox, gateway, hooks)


def town_incident(minutes_ago: float = 30, unit: str = "shaxi", **extra: Any) -> Incident:
    now = clock_now()
    return incident_create(
        actor=User.objects.get(username=f"{unit}-reporter"),
        now=now,
        data=IncidentInput(
            title="沙溪镇仓库火灾",
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(minutes=minutes_ago),
            **extra,
        ),
    )


def first_clock(incident: Incident) -> Obligation:
    return Obligation.objects.get(incident=incident, kind="first_report")


def ladder_to(at: datetime, channels: Channels) -> None:
    tick(at)
    channels.deliver(at)


def test_reminder(channels: Channels) -> None:
    channels.choose("reminder", "shaxi-reporter", "shaxi-leader")
    due = first_clock(town_incident()).due_at
    ladder_to(due - timedelta(minutes=5), channels)
    channels.assert_reached("reminder", "shaxi-reporter", "shaxi-leader")


def test_overdue(channels: Channels) -> None:
    channels.choose("overdue", "shaxi-reporter", "duty-officer")
    due = first_clock(town_incident()).due_at
    ladder_to(due, channels)
    channels.assert_reached("overdue", "shaxi-reporter", "duty-officer")


def test_escalation(channels: Channels) -> None:
    channels.choose("escalation", "shaxi-leader", "duty-leader", "assessor")
    due = first_clock(town_incident()).due_at
    ladder_to(due + timedelta(minutes=10), channels)
    ladder_to(due + timedelta(minutes=30), channels)
    channels.assert_reached("escalation", "shaxi-leader", "duty-leader", "assessor")


def test_receipt_overdue(api: Any, channels: Channels) -> None:
    channels.choose("receipt_overdue", "duty-officer")
    created = (
        api("shaxi-reporter")
        .post(
            "/incidents",
            {
                "title": "沙溪镇仓库火灾",
                "category": "accident",
                "subtype": "fire",
                "grade": "IV",
                "occurred_at": (datetime.now(UTC) - timedelta(minutes=10)).isoformat(),
                "report": {"kind": "written", "summary": "已扑灭", "signer": "李四"},
            },
        )
        .json_body
    )
    receipt = Obligation.objects.get(incident_id=created["id"], kind="receipt")
    ladder_to(receipt.due_at, channels)
    channels.assert_reached("receipt_overdue", "duty-officer")


def test_chase(channels: Channels) -> None:
    channels.choose("chase", "shaxi-reporter", "shaxi-leader")
    chase_create(
        actor=User.objects.get(username="duty-officer"),
        obligation=first_clock(town_incident()),
        now=clock_now(),
        note="请立即报送",
    )
    channels.deliver()
    channels.assert_reached("chase", "shaxi-reporter", "shaxi-leader")


def test_new_incident_reaches_the_duty_room_when_a_town_opens_one(channels: Channels) -> None:
    channels.choose("new_incident", "duty-officer")
    town_incident(5)
    channels.deliver()
    channels.assert_reached("new_incident", "duty-officer")


def test_new_incident_reaches_the_unit_when_the_duty_room_opens_it_against_the_unit(
    api: Any, channels: Channels
) -> None:
    channels.choose("new_incident", "shaxi-reporter", "shaxi-leader")
    created = api("duty-officer").post(
        "/incidents",
        {
            "title": "沙溪镇群众来电反映厂房冒烟",
            "category": "accident",
            "subtype": "fire",
            "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "unit": "shaxi",
            "location": {"area": "shaxi"},
        },
    )
    assert created.status_code == 201, created.json_body
    channels.deliver()
    channels.assert_reached("new_incident", "shaxi-reporter", "shaxi-leader")
    inapp = Notification.objects.filter(user__username="shaxi-reporter", event__topic="new_incident").first()
    assert inapp is not None and "厂房冒烟" in api("shaxi-reporter").get("/notifications").json_body[0]["text"]


def test_a_unit_is_not_told_about_the_incident_it_opened_itself(channels: Channels) -> None:
    channels.choose("new_incident", "shaxi-reporter", "shaxi-leader")
    town_incident(5)
    channels.deliver()
    assert not Notification.objects.filter(
        user__username__in=["shaxi-reporter", "shaxi-leader"], event__topic="new_incident"
    ).exists()


def test_regraded(api: Any, channels: Channels) -> None:
    channels.choose("regraded", "shaxi-reporter", "shaxi-leader", "duty-officer")
    incident = town_incident(5)
    changed = api("duty-officer").patch(f"/incidents/{incident.pk}", {"grade": "III", "reason": "伤亡增加"})
    assert changed.status_code == 200, changed.json_body
    channels.deliver()
    channels.assert_reached("regraded", "shaxi-reporter", "shaxi-leader", "duty-officer")


def test_a_regrade_reaches_the_duty_leader_and_at_major_the_city_leader_on_duty(api: Any, channels: Channels) -> None:
    # the fixture's shift has duty-leader as 带班领导 and the assessor account standing in as the city leader
    channels.choose("regraded", "duty-leader", "assessor")
    incident = town_incident(5)
    api("duty-officer").patch(f"/incidents/{incident.pk}", {"grade": "III", "reason": "伤亡增加"})
    channels.deliver()
    channels.assert_reached("regraded", "duty-leader")
    assert not Notification.objects.filter(user__username="assessor", event__topic="regraded").exists()
    changed = api("duty-officer").patch(f"/incidents/{incident.pk}", {"grade": "II", "reason": "已有人员死亡"})
    assert changed.status_code == 200, changed.json_body
    channels.deliver()
    channels.assert_reached("regraded", "duty-leader", "assessor")


def test_verification_request(api: Any, channels: Channels) -> None:
    channels.choose("verification_request", "shaxi-reporter", "shaxi-leader")
    asked = api("duty-officer").post(
        "/verification-requests", {"unit": "shaxi", "authority": "suzhou", "question": "请核实沙溪镇是否发生厂房火灾"}
    )
    assert asked.status_code == 201, asked.json_body
    channels.deliver()
    channels.assert_reached("verification_request", "shaxi-reporter", "shaxi-leader")


def test_finding_raised_and_decided_reach_the_unit_and_the_appeal_reaches_the_assessor(
    api: Any, channels: Channels
) -> None:
    channels.choose("finding", "shaxi-reporter", "shaxi-leader", "assessor")
    incident = town_incident(120)
    raised = api("assessor").post(
        "/findings", {"incident": incident.pk, "unit": "shaxi", "kind": "false", "evidence": "伤亡人数与现场核实不符"}
    )
    assert raised.status_code == 201, raised.json_body
    channels.deliver()
    channels.assert_reached("finding", "shaxi-reporter", "shaxi-leader")
    told = Notification.objects.filter(user__username="shaxi-leader", event__topic="finding").get().event.text
    assert f"/findings/{raised.json_body['id']}/" in told and "沙溪镇仓库火灾" in told
    reporter_before = Notification.objects.filter(user__username="shaxi-reporter", event__topic="finding").count()
    appealed = api("shaxi-leader").post(f"/findings/{raised.json_body['id']}/appeal", {"text": "数字系初报口径"})
    assert appealed.status_code == 200, appealed.json_body
    channels.deliver()
    channels.assert_reached("finding", "assessor")
    decided = api("assessor").post(
        f"/findings/{raised.json_body['id']}/decision", {"upheld": False, "reason": "申辩成立"}
    )
    assert decided.status_code == 200, decided.json_body
    channels.deliver()
    after = Notification.objects.filter(user__username="shaxi-reporter", event__topic="finding").count()
    assert after == reporter_before + 1  # told of the decision too


def test_lead_reaches_the_verifier_units_staff(api: Any, channels: Channels) -> None:
    staff = ["propaganda-reporter", "propaganda-leader", "police-reporter", "police-leader"]
    channels.choose("lead", *staff)
    lead = api("duty-officer").post(
        "/leads", {"channel": "media", "title": "网传浏河镇化工企业储罐泄漏", "area": "liuhe"}
    )
    assert lead.status_code == 201, lead.json_body
    assert {v["unit"] for v in lead.json_body["verifiers"]} == {"propaganda", "police"}
    channels.deliver()
    channels.assert_reached("lead", *staff)
    text = Notification.objects.filter(user__username="police-reporter", event__topic="lead").get().event.text
    assert f"/leads/{lead.json_body['id']}/" in text
    assert "储罐" not in text  # what a lead says is never repeated outside the system


def test_lead_a_grid_worker_sends_reaches_the_duty_officer_on_shift_who_verifies_it(
    api: Any, channels: Channels
) -> None:
    channels.choose("lead", "duty-officer")
    media = api("duty-officer").post("/leads", {"channel": "media", "title": "网传浏河镇厂房冒烟", "area": "liuhe"})
    assert media.status_code == 201
    channels.deliver()
    assert not Notification.objects.filter(user__username="duty-officer", event__topic="lead").exists()
    lead = api("grid-shaxi").post("/leads", {"channel": "grid", "title": "沙溪镇河道有人落水", "area": "shaxi"})
    assert lead.status_code == 201 and [v["unit"] for v in lead.json_body["verifiers"]] == ["duty-room"]
    channels.deliver()
    channels.assert_reached("lead", "duty-officer")
    assert not Notification.objects.filter(user__username="duty-leader", event__topic="lead").exists()


def test_instruction_reaches_the_units_tasked(api: Any, channels: Channels) -> None:
    channels.choose("instruction", "liuhe-reporter", "liuhe-leader")
    incident = town_incident(5)
    due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    given = api("duty-officer").post(
        f"/incidents/{incident.pk}/instructions",
        {"leader": "王市长", "text": "浏河镇派员协助处置", "units": ["liuhe"], "due_at": due},
    )
    assert given.status_code == 201, given.json_body
    channels.deliver()
    channels.assert_reached("instruction", "liuhe-reporter", "liuhe-leader")
    told = Notification.objects.filter(user__username="liuhe-leader", event__topic="instruction").get().event
    assert told.unit.code == "liuhe" and "领导批示" in told.text and "反馈" in told.text


def test_every_topic_offered_has_its_test_here() -> None:
    import sys

    names = " ".join(name for name in vars(sys.modules[__name__]) if name.startswith("test_"))
    for topic in TOPICS:
        assert f"test_{topic}" in names, f"topic {topic} is offered on the preferences page but never tested"


def test_in_app_a_reader_is_told_what_happened_while_mail_and_sms_say_only_that_something_waits(
    api: Any, channels: Channels, settings: Any
) -> None:
    from django.test import Client

    settings.DUTYROOM_BASE_URL = "https://dutyroom.taicang.example"
    channels.choose("new_incident", "shaxi-reporter")
    created = (
        api("duty-officer")
        .post(
            "/incidents",
            {
                "title": "沙溪镇化工厂储罐爆炸",
                "category": "accident",
                "subtype": "hazardous_chemicals",
                "grade": "II",
                "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
                "unit": "shaxi",
                "location": {"area": "shaxi"},
            },
        )
        .json_body
    )
    channels.deliver()
    link = f"https://dutyroom.taicang.example/incidents/{created['id']}/"
    inbox = api("shaxi-reporter").get("/notifications").json_body
    assert "沙溪镇化工厂储罐爆炸" in inbox[0]["text"] and link in inbox[0]["text"]
    browser = Client()
    browser.force_login(User.objects.get(username="shaxi-reporter"))
    assert "沙溪镇化工厂储罐爆炸" in browser.get("/notifications/").content.decode()
    mail = next(m for m in channels.mailbox.messages if m["To"] == "shaxi-reporter@example.test")
    body = mail.get_payload(decode=True).decode()
    assert "储罐" not in body and link in body
    sms = [json.loads(r["body"])["text"] for r in channels.gateway.requests]
    assert sms and all("储罐" not in text and link in text for text in sms)
