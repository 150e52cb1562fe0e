"""Delivery over real protocols to real local servers: webhooks (HMAC, retries with one delivery id),
e-mail over SMTP (aiosmtpd), SMS through an HTTP gateway; and the content rule on every channel."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.alerts.delivery import deliveries_send
from dutyroom.alerts.models import Delivery, DeliveryAttempt
from dutyroom.alerts.services import WebhookInput, alert_emit, webhook_create
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.rules import AlertTopic
from tests.alerts.conftest import contacts

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"


def an_incident(grade: str = "IV", **extra: object):
    now = clock_now()
    return incident_create(
        actor=User.objects.get(username="shaxi-reporter"),
        now=now,
        data=IncidentInput(
            title="沙溪镇仓库火灾",
            category="accident",
            subtype="fire",
            grade=grade,
            occurred_at=now - timedelta(minutes=5),
            **extra,
        ),
    )


def chase_like(incident, key: str = "t:1", people: tuple[str, ...] = ("shaxi-reporter",)):
    return alert_emit(
        key=key,
        topic=AlertTopic.CHASE,
        now=clock_now(),
        incident=incident,
        unit=incident.unit,
        recipients=[User.objects.get(username=n) for n in people],
    )


def hook(url: str, topics: list[str] | None = None) -> None:
    webhook_create(
        actor=User.objects.get(username="admin"),
        now=clock_now(),
        data=WebhookInput(url=url, secret=SECRET, topics=topics or []),
    )


def send_all(rounds: int = 12) -> None:
    """Run the delivery step as the worker would, jumping the clock past each backoff instead of sleeping."""
    at = clock_now()
    for _ in range(rounds):
        deliveries_send(at)
        at += timedelta(minutes=10)


def test_a_webhook_is_signed_and_retried_with_the_same_delivery_id_until_it_answers(city, receiver):
    server = receiver(fail_first=2)
    hook(server.url + "/hook")
    event = chase_like(an_incident())
    send_all()
    assert len(server.requests) == 3
    ids = {r["headers"]["x-dutyroom-delivery"] for r in server.requests}
    assert len(ids) == 1, "every retry carries the same delivery id"
    last = server.requests[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), last["body"], hashlib.sha256).hexdigest()
    assert last["headers"]["x-dutyroom-signature"] == expected
    assert last["headers"]["x-dutyroom-event"] == "chase"
    body = json.loads(last["body"])
    assert set(body) == {"topic", "incident", "obligation", "text", "created_at"}
    assert body["topic"] == "chase" and body["incident"] == event.incident_id and "沙溪镇仓库火灾" in body["text"]
    delivery = Delivery.objects.get(channel="webhook")
    assert delivery.state == "delivered" and delivery.attempts == 3
    assert [a.status for a in DeliveryAttempt.objects.filter(delivery=delivery)] == ["http 503", "http 503", "http 200"]


def test_the_first_retry_comes_within_ten_seconds(city, receiver):
    server = receiver(fail_first=1)
    hook(server.url)
    chase_like(an_incident())
    now = clock_now()
    deliveries_send(now)
    retry_at = Delivery.objects.get().next_at
    assert timedelta(seconds=0.9) <= retry_at - now <= timedelta(seconds=10)


def test_a_receiver_that_never_answers_ends_as_failed_after_the_limit(city, receiver, settings):
    settings.DUTYROOM_DELIVERY_MAX_ATTEMPTS = 3
    server = receiver(fail_first=99)
    hook(server.url)
    chase_like(an_incident())
    send_all()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts == 3 and "503" in delivery.last_error
    assert len(server.requests) == 3


def test_webhooks_receive_only_their_topics(city, receiver):
    server = receiver()
    hook(server.url, topics=["overdue"])
    chase_like(an_incident())
    send_all(2)
    assert server.requests == []


def test_email_goes_over_smtp_with_the_delivery_id_as_message_id(city, mailbox):
    contacts("shaxi-reporter")
    chase_like(an_incident())
    send_all(1)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    delivery = Delivery.objects.get(channel="email")
    assert message["To"] == "shaxi-reporter@example.test"
    assert message["Message-ID"] == f"<{delivery.uuid}@dutyroom>"
    assert "沙溪镇仓库火灾" in message.get_payload(decode=True).decode()
    assert delivery.state == "delivered"


def test_sms_goes_through_the_http_gateway_with_its_auth_header(city, receiver, settings):
    gateway = receiver()
    settings.DUTYROOM_SMS_URL = gateway.url + "/send?to={phone}"
    settings.DUTYROOM_SMS_AUTH_HEADER = "Authorization: Bearer gw-token"
    contacts("shaxi-reporter")
    chase_like(an_incident())
    send_all(1)
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["path"] == "/send?to=13800000000"
    assert request["headers"]["authorization"] == "Bearer gw-token"
    sent = json.loads(request["body"])
    assert sent["phone"] == "13800000000" and "沙溪镇仓库火灾" in sent["text"]
    assert sent["id"] == str(Delivery.objects.get(channel="sms").uuid)


def test_sms_gateway_can_take_a_form_body(city, receiver, settings):
    gateway = receiver()
    settings.DUTYROOM_SMS_URL = gateway.url
    settings.DUTYROOM_SMS_FORMAT = "form"
    contacts("shaxi-reporter")
    chase_like(an_incident())
    send_all(1)
    assert gateway.requests[0]["body"].startswith(b"phone=13800000000&text=")


@pytest.mark.parametrize(
    "protected",
    [
        pytest.param({"grade": "II"}, id="a major incident"),
        pytest.param({"sensitive": True}, id="a sensitive incident"),
        pytest.param({"classification": "work_secret"}, id="a work-secret incident"),
    ],
)
def test_no_incident_content_leaves_by_any_channel_for_a_protected_incident(
    city, receiver, mailbox, settings, protected
):
    gateway, webhook_server = receiver(), receiver()
    settings.DUTYROOM_SMS_URL = gateway.url
    hook(webhook_server.url)
    contacts("shaxi-reporter")
    item = an_incident(**protected)
    chase_like(item)
    send_all(1)
    texts = {
        "email": mailbox.messages[0].get_payload(decode=True).decode(),
        "sms": json.loads(gateway.requests[0]["body"])["text"],
        "webhook": json.loads(webhook_server.requests[0]["body"])["text"],
    }
    for channel, text in texts.items():
        assert "沙溪" not in text and "火灾" not in text, channel
        assert "请登录" in text and f"/incidents/{item.pk}/" in text, channel
