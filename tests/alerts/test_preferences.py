"""Preferences decide the next alert: a person's own channels per topic, else their unit's default, else the
system's; the unit defaults are the duty room's and the admin's to set (API and service, audited)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.alerts.models import Delivery, Notification
from dutyroom.alerts.preferences import preference_set, unit_preference_set
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Forbidden, ValidationFailed
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from tests.alerts.conftest import contacts
from tests.alerts.ticks import tick

pytestmark = pytest.mark.django_db


def incident(minutes_ago: float, now: datetime) -> Incident:
    return incident_create(
        actor=User.objects.get(username="shaxi-reporter"),
        now=now,
        data=IncidentInput(
            title="沙溪镇仓库火灾",
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(minutes=minutes_ago),
        ),
    )


def channels_of(username: str, topic: str) -> list[str]:
    return sorted(
        Delivery.objects.filter(user__username=username, event__topic=topic).values_list("channel", flat=True)
    )


def overdue_fired(now: datetime) -> None:
    """Run the ladder up to the first clock's deadline: a reminder, then "overdue"."""
    clock = Obligation.objects.filter(kind="first_report").order_by("-id").first()
    assert clock is not None
    tick(clock.due_at - timedelta(minutes=5))
    tick(clock.due_at)


def test_a_person_who_turns_sms_off_for_overdue_gets_the_next_overdue_by_email_only(city, on_duty):
    on_duty()
    contacts("shaxi-reporter", "shaxi-leader")
    now = clock_now()
    me = User.objects.get(username="shaxi-reporter")
    preference_set(actor=me, now=now, topics={"overdue": ["inapp", "email"]})
    incident(30, now)
    overdue_fired(now)
    assert channels_of("shaxi-reporter", "overdue") == ["email"]
    assert channels_of("shaxi-reporter", "reminder") == ["email", "sms"], "other topics keep their channels"
    assert channels_of("shaxi-leader", "overdue") == ["email", "sms"], "a colleague's choice is their own"
    assert Notification.objects.filter(user=me, event__topic="overdue").count() == 1, "in-app stays"


def test_turning_email_and_sms_off_sends_nothing_outside_but_the_bell_still_rings(city, on_duty):
    on_duty()
    contacts("shaxi-reporter")
    now = clock_now()
    preference_set(actor=User.objects.get(username="shaxi-reporter"), now=now, topics={"overdue": ["inapp"]})
    incident(30, now)
    overdue_fired(now)
    assert channels_of("shaxi-reporter", "overdue") == []
    assert Notification.objects.filter(user__username="shaxi-reporter", event__topic="overdue").exists()


def test_in_app_can_be_switched_off_for_a_new_incident_but_not_for_a_clock(city, on_duty):
    on_duty()
    now = clock_now()
    officer = User.objects.get(username="duty-officer")
    preference_set(actor=officer, now=now, topics={"new_incident": []})
    incident(1, now)
    outbox_fanout(now)
    assert not Notification.objects.filter(user=officer, event__topic="new_incident").exists()
    with pytest.raises(ValidationFailed) as refused:
        preference_set(actor=officer, now=now, topics={"overdue": ["email"]})
    assert "topics.overdue" in refused.value.errors


def test_a_units_default_applies_to_a_member_without_their_own_preference(city, on_duty):
    on_duty()
    contacts("shaxi-reporter", "shaxi-leader")
    now = clock_now()
    shaxi = Unit.objects.get(code="shaxi")
    unit_preference_set(
        actor=User.objects.get(username="duty-officer"), unit=shaxi, now=now, topics={"overdue": ["inapp", "sms"]}
    )
    preference_set(actor=User.objects.get(username="shaxi-leader"), now=now, topics={"overdue": ["inapp", "email"]})
    incident(30, now)
    overdue_fired(now)
    assert channels_of("shaxi-reporter", "overdue") == ["sms"], "the unit's default"
    assert channels_of("shaxi-leader", "overdue") == ["email"], "one's own choice wins over the unit's"
    entry = AuditEntry.objects.filter(action="alerts.unit_preferences").get()
    assert entry.object_id == str(shaxi.pk) and entry.actor.username == "duty-officer"


def test_a_persons_first_own_row_starts_from_the_units_default(city):
    now = clock_now()
    shaxi = Unit.objects.get(code="shaxi")
    unit_preference_set(
        actor=User.objects.get(username="admin"), unit=shaxi, now=now, topics={"overdue": ["inapp", "sms"]}
    )
    mine = preference_set(actor=User.objects.get(username="shaxi-reporter"), now=now, sound=False)
    assert mine.topics["overdue"] == ["inapp", "sms"] and mine.sound is False


def test_a_town_reporter_cannot_set_a_units_defaults(city):
    with pytest.raises(Forbidden):
        unit_preference_set(
            actor=User.objects.get(username="shaxi-reporter"),
            unit=Unit.objects.get(code="liuhe"),
            now=clock_now(),
            sound=False,
        )


@pytest.mark.parametrize(
    ("field", "value"), [("email", "li@"), ("email", "li example.test"), ("phone", "12345"), ("phone", "0512-5350000a")]
)
def test_a_bad_email_or_mobile_is_refused_naming_the_field_in_both_languages(api, field, value):
    answer = api("shaxi-reporter").call("put", "/me/alert-preferences", {field: value})
    assert answer.status_code == 400
    text = str(answer.json_body)
    assert field in text
    assert ("电子邮件地址无效" if field == "email" else "手机号码无效") in text


def test_a_mobile_number_is_stored_as_the_gateway_needs_it(api):
    saved = api("shaxi-reporter").call("put", "/me/alert-preferences", {"phone": "138 0000-0001"})
    assert saved.status_code == 200 and saved.json_body["phone"] == "13800000001"


def test_unit_defaults_over_the_api_are_for_the_duty_room_and_admin(api):
    body = {"topics": {"overdue": ["inapp", "sms"]}, "sound": False}
    assert api("shaxi-reporter").call("put", "/units/liuhe/alert-preferences", body).status_code == 403
    assert api("shaxi-reporter").call("put", "/units/shaxi/alert-preferences", body).status_code == 403
    assert api("shaxi-reporter").get("/units/liuhe/alert-preferences").status_code == 403
    saved = api("duty-leader").call("put", "/units/shaxi/alert-preferences", body)
    assert saved.status_code == 200 and saved.json_body["topics"]["overdue"] == ["inapp", "sms"]
    mine = api("shaxi-reporter").get("/me/alert-preferences").json_body
    assert mine["from_unit"] is True and mine["sound"] is False and mine["topics"]["overdue"] == ["inapp", "sms"]
    assert api("admin").get("/units/nowhere/alert-preferences").status_code == 404
