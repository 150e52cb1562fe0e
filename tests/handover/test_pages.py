"""The /handover/ and /duty-log/ pages through Django's test client (the browser suite drives them in Chromium)."""

from __future__ import annotations

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.handover.models import DutyLogEntry, Handover
from tests.handover.conftest import SECRET, Desk

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_handover_page_lists_open_items_with_links_and_signs_out(desk: Desk) -> None:
    officer = signed_in("duty-officer")
    page = officer.get("/handover/").content.decode()
    assert "签字交班" in page and f'href="/leads/{desk.lead.pk}/"' in page and SECRET in page
    assert "待签收的书面报告" in page and "待反馈的领导批示" in page
    assert officer.post("/handover/", {"action": "sign", "note": "注意沙溪火灾续报"}).status_code == 302
    handover = Handover.objects.get()
    assert handover.outgoing.username == "duty-officer" and len(handover.items) >= 5
    leader = signed_in("duty-leader").get("/handover/").content.decode()
    assert "接班确认" in leader and "注意沙溪火灾续报" in leader
    assert "接班确认" not in officer.get("/handover/").content.decode()  # not their own
    signed_in("duty-leader").post("/handover/", {"action": "acknowledge", "handover": handover.pk, "ack_note": ""})
    handover.refresh_from_db()
    assert handover.acknowledged_by is not None and handover.acknowledged_by.username == "duty-leader"


def test_the_admin_sees_the_secret_incident_redacted_on_the_page(desk: Desk) -> None:
    page = signed_in("admin").get("/handover/").content.decode()
    assert SECRET not in page and "［工作秘密］" in page


def test_a_town_reporter_gets_the_forbidden_page_and_no_nav_link(desk: Desk) -> None:
    reporter = signed_in("shaxi-reporter")
    assert reporter.get("/handover/").status_code == 403
    assert reporter.get("/duty-log/").status_code == 403
    assert reporter.post("/duty-log/", {"kind": "call", "text": "x"}).status_code == 403
    assert 'href="/handover/"' not in reporter.get("/").content.decode()
    assert 'href="/duty-log/"' in signed_in("duty-officer").get("/").content.decode()


def test_the_duty_log_page_adds_an_entry_and_shows_it_to_the_minute(city: None) -> None:
    officer = signed_in("duty-officer")
    page = officer.get("/duty-log/").content.decode()
    assert 'type="datetime-local"' in page
    done = officer.post(
        "/duty-log/?date=2026-03-10", {"at": "2026-03-10T09:12", "kind": "call", "text": "沙溪镇来电报告火情"}
    )
    assert done.status_code == 302 and done["Location"].endswith("?date=2026-03-10")
    entry = DutyLogEntry.objects.get()
    assert entry.text == "沙溪镇来电报告火情"
    shown = officer.get("/duty-log/?date=2026-03-10").content.decode()
    assert "09:12" in shown and "log-entry" in shown and "沙溪镇来电报告火情" in shown


def test_a_bad_entry_on_the_page_is_explained_not_saved(city: None) -> None:
    officer = signed_in("duty-officer")
    refused = officer.post("/duty-log/", {"kind": "call", "text": "", "at": "yesterday"})
    assert not DutyLogEntry.objects.exists()
    page = refused.content.decode()  # shown again with the reason, what was typed still in the form
    assert refused.status_code == 400 and "时间格式无效" in page and 'value="yesterday"' in page


def test_both_pages_read_in_english_after_the_switch(desk: Desk) -> None:
    officer = signed_in("duty-officer")
    officer.post("/i18n/setlang/", {"language": "en", "next": "/handover/"})
    page = officer.get("/handover/").content.decode()
    assert "Sign handover" in page and "Written reports awaiting receipt" in page
    assert "New entry" in officer.get("/duty-log/").content.decode()


def test_the_demo_city_has_two_log_lines_once(city: None) -> None:
    from dutyroom.common.clock import now as clock_now
    from dutyroom.handover.demo import duty_log_demo_load

    assert duty_log_demo_load(clock_now()) == 2
    assert duty_log_demo_load(clock_now()) == 0 and DutyLogEntry.objects.count() == 2
