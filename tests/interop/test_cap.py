"""CAP 1.2 export: valid against the OASIS schema for every grade × flags × classification × state."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from dutyroom.interop.cap import NS, PROTECTED_HEADLINE, CapSource, cap_alert, cap_errors

GRADES = [None, "I", "II", "III", "IV"]
FLAGS = list(itertools.product([False, True], repeat=4))  # sensitive, may_escalate, hotspot, exercise
CLASSIFICATIONS = ["public", "internal", "work_secret"]
STATES = ["open", "handled", "closed"]
T0 = datetime(2026, 3, 1, 6, 30, 15, 123456, tzinfo=UTC)


def source(grade, flags, classification, state, changed=True, **extra) -> CapSource:
    sensitive, may_escalate, hotspot, exercise = flags
    fields = dict(
        incident_id=42,
        title="沙溪镇化工厂爆炸 <储罐> & 火情",
        category="accident",
        subtype="hazardous_chemicals",
        subtype_label="危险化学品事故",
        grade=grade,
        sensitive=sensitive,
        may_escalate=may_escalate,
        hotspot=hotspot,
        exercise=exercise,
        classification=classification,
        state=state,
        occurred_at=T0 - timedelta(minutes=20),
        created_at=T0,
        changed_at=T0 + timedelta(minutes=35, microseconds=500) if changed else T0,
        reports=2 if changed else 0,
        city="太仓市",
        sender="dutyroom.taicang.gov.cn",
        sender_name="太仓市人民政府值班室",
        area="沙溪镇",
        address="沿江路8号",
        lat=31.6,
        lon=121.1,
        summary="储罐爆炸起火，3人死亡。",
        figures={"deaths": 3},
        web="https://dutyroom.example/incidents/42/",
    )
    fields.update(extra)
    return CapSource(**fields)


def text(xml: bytes, path: str) -> list[str]:
    return [e.text for e in etree.fromstring(xml).iterfind(path, {"c": NS})]


ALL = list(itertools.product(GRADES, FLAGS, CLASSIFICATIONS, STATES))


def test_every_combination_is_valid_cap_12():
    assert len(ALL) == 5 * 16 * 3 * 3
    failures = {}
    for combo in ALL:
        xml = cap_alert(source(*combo))
        errors = cap_errors(xml)
        if errors:
            failures[combo] = errors
    assert not failures, list(failures.items())[:3]


@pytest.mark.parametrize("combo", ALL[::7], ids=str)
def test_status_scope_content_and_times_follow_the_mapping(combo):
    grade, flags, classification, _state = combo
    xml = cap_alert(source(*combo))
    (status,) = text(xml, "c:status")
    assert status == ("Exercise" if flags[3] else "Actual")
    (scope,) = text(xml, "c:scope")
    assert scope == ("Public" if classification == "public" else "Restricted")
    assert bool(text(xml, "c:restriction")) == (scope == "Restricted")
    protected = grade in ("I", "II") or any(flags[:3]) or classification == "work_secret"
    (headline,) = text(xml, "c:info/c:headline")
    body = xml.decode()
    if protected:
        assert headline == PROTECTED_HEADLINE
        for secret in ("化工厂", "沿江路", "储罐", "31.6", "dutyroom:deaths"):
            assert secret not in body
    else:
        assert headline.startswith("沙溪镇化工厂爆炸") and "沿江路8号" in body
    for stamp in text(xml, "c:sent") + text(xml, "c:references") + text(xml, "c:info/c:onset"):
        for value in re.findall(r"\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d", stamp):
            assert value.endswith("+08:00") and "." not in value


def test_msg_type_runs_alert_update_cancel_with_references_to_the_first_alert():
    flags = (False, False, False, False)
    first = cap_alert(source("IV", flags, "public", "open", changed=False))
    update = cap_alert(source("IV", flags, "public", "open"))
    handled = cap_alert(source("IV", flags, "public", "handled"))
    cancel = cap_alert(source("IV", flags, "public", "closed"))
    assert text(first, "c:msgType") == ["Alert"] and not text(first, "c:references")
    assert text(update, "c:msgType") == ["Update"] and text(handled, "c:msgType") == ["Update"]
    assert text(cancel, "c:msgType") == ["Cancel"]
    first_id, first_sent = text(first, "c:identifier")[0], text(first, "c:sent")[0]
    assert first_sent == "2026-03-01T14:30:15+08:00"
    for later in (update, handled, cancel):
        assert text(later, "c:references") == [f"dutyroom.taicang.gov.cn,{first_id},{first_sent}"]
        assert text(later, "c:identifier")[0] != first_id
    assert text(cancel, "c:info/c:responseType") == ["AllClear"]
    for xml in (first, update, cancel):  # CAP 1.2 §3.2.1: no spaces, commas or < & in identifiers
        assert not re.search(r"[\s,<&]", text(xml, "c:identifier")[0])


@pytest.mark.parametrize(
    ("grade", "severity"), [("I", "Extreme"), ("II", "Severe"), ("III", "Moderate"), ("IV", "Minor"), (None, "Unknown")]
)
def test_severity_follows_the_grade(grade, severity):
    xml = cap_alert(source(grade, (False,) * 4, "internal", "open"))
    assert text(xml, "c:info/c:severity") == [severity]


def test_urgency_and_certainty_follow_state_and_reports():
    flags = (False,) * 4
    assert text(cap_alert(source("I", flags, "internal", "open")), "c:info/c:urgency") == ["Immediate"]
    assert text(cap_alert(source("IV", flags, "internal", "open")), "c:info/c:urgency") == ["Expected"]
    assert text(cap_alert(source("IV", (True, False, False, False), "internal", "open")), "c:info/c:urgency") == [
        "Immediate"
    ]
    assert text(cap_alert(source("I", flags, "internal", "handled")), "c:info/c:urgency") == ["Past"]
    assert text(cap_alert(source("IV", flags, "internal", "open", changed=False)), "c:info/c:certainty") == ["Likely"]
    assert text(cap_alert(source("IV", flags, "internal", "open")), "c:info/c:certainty") == ["Observed"]


def test_the_schema_refuses_what_it_should():
    xml = cap_alert(source("IV", (False,) * 4, "public", "open"))
    broken = xml.replace(b"<status>Actual</status>", b"<status>Real</status>")
    assert cap_errors(broken)
    fractional = re.sub(rb"<sent>([^<]+)\+08:00</sent>", rb"<sent>\1.5+08:00</sent>", xml)
    assert cap_errors(fractional)


pytestmark_db = pytest.mark.django_db


@pytestmark_db
def test_api_exports_a_valid_alert_then_an_update_then_a_cancel(api):
    reporter = api("shaxi-reporter")
    occurred = (datetime.now(UTC) - timedelta(minutes=30)).isoformat()
    incident = reporter.post(
        "/incidents",
        {
            "title": "沙溪镇仓库火灾",
            "category": "accident",
            "subtype": "fire",
            "grade": "IV",
            "occurred_at": occurred,
            "classification": "public",
            "location": {"area": "shaxi", "address": "白云路1号"},
        },
    ).json_body
    officer = api("duty-officer")
    first = officer.get(f"/incidents/{incident['id']}/cap")
    assert first.status_code == 200 and first["Content-Type"].startswith("application/cap+xml")
    assert cap_errors(first.content) == []
    assert text(first.content, "c:msgType") == ["Alert"] and text(first.content, "c:scope") == ["Public"]
    reporter.post(f"/incidents/{incident['id']}/reports", {"kind": "written", "summary": "火已扑灭"})
    update = officer.get(f"/incidents/{incident['id']}/cap").content
    assert cap_errors(update) == [] and text(update, "c:msgType") == ["Update"]
    assert text(update, "c:info/c:description") == ["火已扑灭"]
    reporter.post(f"/incidents/{incident['id']}/reports", {"kind": "final", "summary": "善后完毕"})
    cancel = officer.get(f"/incidents/{incident['id']}/cap").content
    assert cap_errors(cancel) == [] and text(cancel, "c:msgType") == ["Cancel"]
    assert text(cancel, "c:references")[0].split(",")[1] == text(first.content, "c:identifier")[0]
    assert api("fuqiao-reporter").get(f"/incidents/{incident['id']}/cap").status_code == 404


@pytestmark_db
def test_api_exercise_work_secret_incident_is_restricted_and_content_free(api):
    occurred = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    incident = (
        api("shaxi-reporter")
        .post(
            "/incidents",
            {
                "title": "演练：危化品泄漏",
                "category": "accident",
                "subtype": "hazardous_chemicals",
                "grade": "III",
                "occurred_at": occurred,
                "exercise": True,
                "classification": "work_secret",
                "location": {"area": "shaxi", "address": "沿江路"},
            },
        )
        .json_body
    )
    xml = api("duty-officer").get(f"/incidents/{incident['id']}/cap").content
    assert cap_errors(xml) == []
    assert text(xml, "c:status") == ["Exercise"] and text(xml, "c:scope") == ["Restricted"]
    assert "危化品" not in xml.decode() and "沿江路" not in xml.decode()
