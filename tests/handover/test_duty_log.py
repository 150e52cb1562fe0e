"""The duty log: free entries beside the system's own events, one Beijing day, in time order to the minute."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.common.timefmt import LOCAL
from dutyroom.handover.dutylog import duty_log_day
from dutyroom.handover.models import DutyLogEntry
from dutyroom.handover.selectors import SECRET_TITLE
from dutyroom.handover.services import LogInput, duty_log_add, handover_acknowledge, handover_sign
from dutyroom.incidents.services import IncidentInput
from dutyroom.reports.intake import incident_create_with_report
from dutyroom.reports.services import ReportInput
from tests.handover.conftest import SECRET

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 10)


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hh, mm, ss, tzinfo=LOCAL).astimezone(UTC)


def test_free_entries_and_system_events_merge_in_time_order_to_the_minute(city: None, user) -> None:
    officer, leader, reporter = user("duty-officer"), user("duty-leader"), user("shaxi-reporter")
    incident_create_with_report(
        actor=reporter,
        now=at(9, 14, 40),
        report=ReportInput(kind="written", summary="起火"),
        data=IncidentInput(title="沙溪镇厂房火灾", category="accident", grade="IV", occurred_at=at(9, 5)),
    )
    duty_log_add(actor=officer, now=at(9, 40), data=LogInput(kind="call", text="沙溪镇来电报告火情", at=at(9, 12, 59)))
    duty_log_add(actor=officer, now=at(9, 41), data=LogInput(kind="instruction", text="转达王市长指示", at=at(9, 30)))
    handover = handover_sign(actor=officer, note="交班", now=at(8, 30, 5))
    handover_acknowledge(actor=leader, handover=handover, note="接班", now=at(8, 34, 50))
    duty_log_add(actor=officer, now=at(23, 59, 30), data=LogInput(kind="other", text="夜间巡查"))
    rows = duty_log_day(DAY, officer)
    got = [(r["time"], r["source"], r["kind"]) for r in rows]
    assert got == [
        ("08:30", "system", "handover.sign"),
        ("08:34", "system", "handover.acknowledge"),
        ("09:12", "entry", "call"),
        ("09:14", "system", "incident.create"),
        ("09:14", "system", "report.submit"),
        ("09:30", "entry", "instruction"),
        ("23:59", "entry", "other"),
    ]
    assert rows[2]["at"] == "2026-03-10T09:12:00+08:00"  # stored to the minute
    assert rows[3]["text"] == "沙溪镇厂房火灾" and rows[3]["label"] == "新事件"
    assert duty_log_day(DAY + timedelta(days=1), officer) == []


def test_an_entry_about_a_secret_incident_hides_its_title_from_the_admin(city: None, user) -> None:
    reporter, officer = user("shaxi-reporter"), user("duty-officer")
    secret = incident_create_with_report(
        actor=reporter,
        now=at(10, 0),
        report=None,
        data=IncidentInput(
            title=SECRET, category="social_security", occurred_at=at(9, 50), classification="work_secret"
        ),
    )
    duty_log_add(actor=officer, now=at(10, 5), data=LogInput(kind="call", text="来电", incident=secret.pk))
    for_admin = duty_log_day(DAY, user("admin"))
    assert SECRET not in str(for_admin) and SECRET_TITLE in str(for_admin)
    assert SECRET in str(duty_log_day(DAY, officer))


def test_the_api_adds_an_entry_now_and_reads_the_day(city: None, api) -> None:
    added = api("duty-officer").post(
        "/duty-log", {"kind": "call", "text": "应急局来电：河道油污已处置", "unit": "emergency"}
    )
    assert added.status_code == 201, added.json_body
    assert added.json_body["at"].endswith(":00+08:00") and added.json_body["unit"] == "emergency"
    day = added.json_body["at"][:10]
    rows = api("assessor").get(f"/duty-log?date={day}").json_body
    assert [r["text"] for r in rows if r["source"] == "entry"] == ["应急局来电：河道油污已处置"]
    assert api("duty-officer").get("/duty-log").status_code == 200
    assert api("shaxi-reporter").get("/duty-log").status_code == 403
    assert api("shaxi-reporter").post("/duty-log", {"kind": "call", "text": "x"}).status_code == 403
    assert api("assessor").post("/duty-log", {"kind": "call", "text": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "gossip", "text": "x"}, "kind"),
        ({"kind": "call", "text": "   "}, "text"),
        ({"kind": "call", "text": "a\u0000b"}, "text"),
        ({"kind": "call", "text": "x" * 2001}, "text"),
        ({"kind": "call", "text": "x", "at": "2199-01-01T08:00:00+08:00"}, "at"),
        ({"kind": "call", "text": "x", "at": "1800-01-01T08:00:00+08:00"}, "at"),
        ({"kind": "call", "text": "x", "at": "2026-03-10T08:00:00"}, "at"),
        ({"kind": "call", "text": "x", "incident": 99999999}, "incident"),
        ({"kind": "call", "text": "x", "unit": "atlantis"}, "unit"),
        ({"kind": "call", "text": "x", "unit": "a\u0000"}, "unit"),
    ],
)
def test_bad_log_entries_name_the_field(city: None, api, body: dict, field: str) -> None:
    refused = api("duty-officer").post("/duty-log", body)
    assert refused.status_code == 400, refused.json_body
    named = {e["field"]: e for e in refused.json_body["errors"]}
    assert field in named and named[field]["message_zh"] and named[field]["message_en"]
    assert not DutyLogEntry.objects.exists()


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "1800-01-01", "2026-03-10\u0000"])
def test_a_bad_date_is_a_400_naming_it(city: None, api, value: str) -> None:
    refused = api("duty-officer").get(f"/duty-log?date={value}")
    assert refused.status_code == 400 and refused.json_body["errors"][0]["field"] == "date"


def test_a_retried_entry_is_written_once(city: None, api) -> None:
    body = {"kind": "call", "text": "来电"}
    first = api("duty-officer").post("/duty-log", body, headers={"Idempotency-Key": "log-1"})
    second = api("duty-officer").post("/duty-log", body, headers={"Idempotency-Key": "log-1"})
    assert first.json_body == second.json_body and DutyLogEntry.objects.count() == 1


def test_an_unseen_incident_cannot_be_named_in_the_log(city: None, user) -> None:
    """The log's writers are the duty room and the admin; the admin may not point at a secret incident."""
    reporter = user("shaxi-reporter")
    secret = incident_create_with_report(
        actor=reporter,
        now=at(10, 0),
        report=None,
        data=IncidentInput(
            title=SECRET, category="social_security", occurred_at=at(9, 50), classification="work_secret"
        ),
    )
    from dutyroom.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        duty_log_add(actor=user("admin"), now=at(10, 5), data=LogInput(kind="call", text="x", incident=secret.pk))
    assert User.objects.filter(username="admin").exists()
