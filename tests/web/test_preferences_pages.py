"""The alert preferences pages: one's own (/me/alerts/), a unit's defaults (/units/<code>/alerts/) and the
board's stored mute switch. Each calls the same service as the API (tests/alerts/test_preferences.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.alerts.models import AlertPreference, Delivery
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.duty.services import ShiftInput, shifts_save
from dutyroom.obligations.models import Obligation
from tests.alerts.ticks import tick

pytestmark = pytest.mark.django_db

TOPICS_ALL_ON = {
    f"topic-{t}": ["inapp", "email", "sms"]
    for t in (
        "reminder",
        "overdue",
        "escalation",
        "receipt_overdue",
        "chase",
        "new_incident",
        "regraded",
        "verification_request",
        "finding",
        "lead",
    )
}


def roster_now_covered() -> None:
    now = clock_now()
    shifts_save(
        actor=User.objects.get(username="admin"),
        now=now,
        shifts=[ShiftInput(now - timedelta(hours=1), now + timedelta(hours=23), "duty-officer", "duty-leader")],
    )


def test_the_header_links_to_the_preferences_page(login):
    board = login("shaxi-reporter").get("/").content.decode()
    assert 'id="my-alerts-link" href="/me/alerts/"' in board
    page = login("shaxi-reporter").get("/me/alerts/")
    assert page.status_code == 200 and 'id="pref-matrix"' in page.content.decode()
    assert 'id="unit-defaults"' not in page.content.decode(), "a town reporter sets no unit's defaults"
    assert 'id="unit-defaults"' in login("duty-officer").get("/me/alerts/").content.decode()


def test_a_person_changes_their_preference_on_the_page_and_the_next_alert_honours_it(login, make_incident):
    roster_now_covered()
    form = {
        **TOPICS_ALL_ON,
        "email": "li@example.test",
        "phone": "13800000001",
        "sound": "on",
        "topic-overdue": ["email"],
    }  # SMS off for overdue; in-app is kept although its box is disabled
    saved = login("shaxi-reporter").post("/me/alerts/", form)
    assert saved.status_code == 302 and saved["Location"] == "/me/alerts/"
    me = User.objects.get(username="shaxi-reporter")
    assert (me.email, me.phone) == ("li@example.test", "13800000001")
    assert AlertPreference.objects.get(user=me).topics["overdue"] == ["inapp", "email"]
    assert AuditEntry.objects.filter(action="alerts.preferences", actor=me).exists()
    incident = make_incident(minutes_ago=30)
    clock = Obligation.objects.get(incident=incident, kind="first_report")
    tick(clock.due_at - timedelta(minutes=5))
    tick(clock.due_at)
    sent = set(Delivery.objects.filter(user=me).values_list("event__topic", "channel"))
    assert ("overdue", "email") in sent and ("overdue", "sms") not in sent
    assert ("reminder", "sms") in sent, "only the overdue topic lost its SMS"


def test_a_bad_email_or_mobile_is_shown_beside_its_box_in_chinese_and_in_english(login):
    client = login("shaxi-reporter")
    page = client.post("/me/alerts/", {"email": "li@", "phone": "12345"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "field-email has-error" in html and "电子邮件地址无效" in html
    assert "field-phone has-error" in html and "手机号码无效" in html
    assert User.objects.get(username="shaxi-reporter").phone == "", "nothing saved"
    client.cookies["django_language"] = "en"
    english = client.post("/me/alerts/", {"email": "li@", "phone": "12345"}).content.decode()
    assert "invalid e-mail address" in english and "invalid mobile number" in english
    assert "Alert settings" in english and "Mobile number" in english and "提醒设置" not in english


def test_the_duty_room_sets_a_units_defaults_and_a_town_reporter_gets_403(login):
    form = {**TOPICS_ALL_ON, "topic-overdue": ["inapp", "sms"], "sound": "on"}
    refused = login("shaxi-reporter").post("/units/liuhe/alerts/", form)
    assert refused.status_code == 403 and not AlertPreference.objects.filter(unit__code="liuhe").exists()
    assert login("shaxi-reporter").get("/units/shaxi/alerts/").status_code == 403
    assert login("duty-officer").get("/units/shaxi/alerts/").status_code == 200
    saved = login("duty-officer").post("/units/shaxi/alerts/", form)
    assert saved.status_code == 302
    assert AlertPreference.objects.get(unit__code="shaxi").topics["overdue"] == ["inapp", "sms"]
    assert AuditEntry.objects.filter(action="alerts.unit_preferences", unit_code="shaxi").exists()
    mine = login("shaxi-reporter").get("/me/alerts/").content.decode()
    assert 'id="from-unit"' in mine, "a member without their own choice sees the unit's default"
    assert login("admin").get("/units/nowhere/alerts/").status_code == 404


def test_the_mute_switch_is_stored_and_the_next_board_renders_muted(login):
    first = login("duty-officer")
    assert 'data-sound="1"' in first.get("/").content.decode()
    answer = first.post("/me/alerts/sound/", {"sound": "off"})
    assert answer.status_code == 200 and answer.json() == {"sound": False}
    other_browser = login("duty-officer").get("/").content.decode()
    assert 'data-sound="0"' in other_browser and 'aria-pressed="true"' in other_browser


def test_the_mute_switch_needs_the_csrf_token(demo_city):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="duty-officer"))
    assert client.post("/me/alerts/sound/", {"sound": "off"}).status_code == 403
