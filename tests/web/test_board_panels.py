"""The board's own panels: the receipts the duty room owes (待签收), new incidents on top, leads as one count."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import Report
from dutyroom.reports.services import ReportInput, report_submit
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]


def _receipt_owed(minutes_ago: float = 60) -> Report:
    """A follow-up written long ago whose receipt clock has run out: the duty room's own overdue clock."""
    now = clock_now()
    incident = incident_make(minutes_ago=minutes_ago + 5, written=True, now=now - timedelta(minutes=minutes_ago))
    reporter = User.objects.get(username="shaxi-reporter")
    return report_submit(
        actor=reporter,
        incident=incident,
        data=ReportInput(kind="followup", summary="续报：已控制"),
        now=now - timedelta(minutes=minutes_ago),
    )


def _section(html: str, ident: str) -> str:
    found = re.search(rf'<section[^>]*id="{ident}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_receipts_owed_have_their_own_panel_with_a_sign_button_and_no_chase(login: Login) -> None:
    report = _receipt_owed()
    html = login("duty-officer").get("/").content.decode()
    panel = _section(html, "receipts")
    assert "待签收" in panel and f"/reports/{report.pk}/receipt/" in panel
    assert "全部签收" in panel
    receipt = Obligation.objects.get(report=report, kind="receipt")
    # the duty room cannot chase itself: no 催报 form for the receipt anywhere on the board
    assert f"/obligations/{receipt.pk}/chase/" not in html
    # and its own receipts do not count as the units' overdue reports
    overdue = re.search(r'data-counter="overdue">(\d+)<', html)
    assert overdue is not None
    assert (
        int(overdue.group(1))
        == Obligation.objects.filter(state__in=["pending", "overdue"], due_at__lte=clock_now())
        .exclude(kind="receipt")
        .count()
    )


def test_a_unit_reporter_sees_no_receipt_panel(login: Login) -> None:
    _receipt_owed()
    html = login("shaxi-reporter").get("/").content.decode()
    assert 'id="receipts"' not in html


def test_bulk_sign_confirms_every_receipt_and_returns_to_the_board(login: Login) -> None:
    reports = [_receipt_owed(60), _receipt_owed(50)]
    client = login("duty-officer")
    response = client.post("/receipts/confirm/", {"all": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/")
    for report in reports:
        report.refresh_from_db()
        assert report.confirmed_at is not None
    assert 'id="receipts"' not in client.get("/").content.decode()


def test_signing_one_receipt_from_the_board_stays_on_the_board(login: Login) -> None:
    report = _receipt_owed()
    response = login("duty-officer").post(f"/reports/{report.pk}/receipt/", {"next": "board"})
    assert response["Location"] == "/#receipts"
    report.refresh_from_db()
    assert report.confirmed_at is not None


def test_bulk_sign_is_refused_to_a_unit(login: Login) -> None:
    report = _receipt_owed()
    assert login("shaxi-reporter").post("/receipts/confirm/", {"all": "1"}).status_code == 403
    report.refresh_from_db()
    assert report.confirmed_at is None


def test_a_new_incident_is_the_first_card_above_overdue_ones(login: Login) -> None:
    now = clock_now()
    for n in range(4):  # old incidents whose first report is long overdue
        incident_make("liuhe-reporter", minutes_ago=50, title=f"旧事件{n}", now=now - timedelta(hours=3))
    incident_make("shaxi-reporter", minutes_ago=2, title="新发生的燃气爆炸")
    html = login("duty-officer").get("/").content.decode()
    titles = re.findall(r'<h2 class="card-title"><a href="/incidents/\d+/">([^<]+)</a>', html)
    assert titles[0] == "新发生的燃气爆炸"


def test_many_leads_are_one_counted_panel_not_a_card_each(login: Login) -> None:
    informant = User.objects.get(username="grid-shaxi")
    now = clock_now()
    for n in range(60):
        lead_submit(
            data=LeadInput(channel="internet", title=f"网传某处冒烟第{n}条", area="shaxi"),
            origin=LeadOrigin(source="test", sender=informant),
            now=now,
            score_duplicates=False,
        )
    html = login("duty-officer").get("/").content.decode()
    panel = _section(html, "leads-waiting")
    assert "60 条线索待核实" in panel
    # no countdown per lead: the board's size does not grow with the number of leads
    assert html.count("待核实") < 5
    assert html.count('class="countdown"') == 0
    assert len(html) < 60_000


def test_a_receipt_cannot_be_chased_from_the_pages(login: Login) -> None:
    from dutyroom.alerts.models import Chase

    report = _receipt_owed()
    receipt = Obligation.objects.get(report=report, kind="receipt")
    client = login("duty-officer")
    response = client.post(f"/obligations/{receipt.pk}/chase/", {"note": "催一下"}, follow=True)
    assert not Chase.objects.filter(obligation=receipt).exists()
    assert "不能催报" in response.content.decode()
