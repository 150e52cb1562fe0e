"""The pages offer a town's duty officer what the services let it do on its own area, and nothing more.

沙溪's duty officer chases, waives and signs for the clocks owed to 沙溪; the clocks 沙溪 owes the city are the
city's to chase and sign. The city's duty officer chases every clock but signs only what was sent to it. Each
button is asked of the same rule the service enforces, so no page offers an action that answers 403.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dutyroom.obligations.models import Obligation
from dutyroom.reports.models import Report
from tests.api.test_incidents import written
from tests.levels.test_chain import VILLAGE, village_incident
from tests.levels.test_units_pages import signed_in

pytestmark = pytest.mark.django_db


def first_report_clock(incident: int, unit: str, kind: str = "first_report") -> int:
    return Obligation.objects.get(incident_id=incident, unit__code=unit, kind=kind).pk


def chase_url(pk: int) -> str:
    return reverse("web:obligation-chase", args=[pk])


def test_the_town_board_offers_chase_on_its_villages_clock_and_never_on_its_own_clock_owed_to_the_city(api):
    body = village_incident(api, 5)
    village_clock, town_clock = first_report_clock(body["id"], VILLAGE), first_report_clock(body["id"], "shaxi")
    town = signed_in("shaxi-duty").get("/").content.decode()
    assert "值班看板" in town
    assert chase_url(village_clock) in town and chase_url(town_clock) not in town
    city = signed_in("duty-officer").get("/").content.decode()
    assert chase_url(village_clock) in city and chase_url(town_clock) in city  # the level above chases any
    village = signed_in(f"{VILLAGE}-reporter").get("/").content.decode()
    assert "chase-form" not in village

    chased = signed_in("shaxi-duty").post(chase_url(village_clock), {"note": "已电话催村里"})
    assert chased.status_code == 302
    assert Obligation.objects.get(pk=village_clock).chases.count() == 1


def test_the_incident_page_offers_waive_and_signing_to_the_duty_room_each_clock_and_report_is_owed_to(api):
    body = village_incident(api, 5, report=written())
    village_report = Report.objects.get(incident_id=body["id"], unit__code=VILLAGE)
    town_report_id = (
        api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written(summary="镇里转报")).json_body["id"]
    )
    village_clock = first_report_clock(body["id"], VILLAGE, "followup")  # owed to 沙溪
    town_clock = first_report_clock(body["id"], "shaxi", "followup")  # owed to the city
    sign = lambda pk: reverse("web:report-confirm", args=[pk])  # noqa: E731
    waive = lambda pk: reverse("web:obligation-waive", args=[pk])  # noqa: E731
    path = f"/incidents/{body['id']}/"

    town = signed_in("shaxi-duty").get(path).content.decode()
    assert sign(village_report.pk) in town and sign(town_report_id) not in town
    assert waive(village_clock) in town and waive(town_clock) not in town
    assert reverse("web:verification-new") in town  # 沙溪 asks its villages

    city = signed_in("duty-officer").get(path).content.decode()
    assert sign(town_report_id) in city and sign(village_report.pk) not in city
    assert waive(village_clock) in city and waive(town_clock) in city

    assert signed_in("shaxi-duty").post(sign(village_report.pk)).status_code == 302
    village_report.refresh_from_db()
    assert village_report.confirmed_at is not None


def test_the_receipts_panel_lists_each_duty_room_only_the_reports_sent_to_it_and_signs_them_all(api):
    body = village_incident(api, 5, report=written())
    village_report = Report.objects.get(incident_id=body["id"], unit__code=VILLAGE)
    town = signed_in("shaxi-duty").get("/").content.decode()
    assert 'id="receipts"' in town and reverse("web:report-confirm", args=[village_report.pk]) in town
    city = signed_in("duty-officer").get("/").content.decode()
    assert reverse("web:report-confirm", args=[village_report.pk]) not in city

    signed_in("duty-officer").post(reverse("web:receipts-confirm"), {"all": "1"})
    village_report.refresh_from_db()
    assert village_report.confirmed_at is None  # not the city's to sign
    signed_in("shaxi-duty").post(reverse("web:receipts-confirm"), {"all": "1"})
    village_report.refresh_from_db()
    assert village_report.confirmed_by is not None and village_report.confirmed_by.username == "shaxi-duty"


def test_the_town_asks_its_own_units_for_verification_from_the_page(api):
    rules = {"within_minutes": {"general.first": 20, "verification": 15}}
    assert api("shaxi-duty").call("put", "/units/shaxi/rules", rules).status_code == 200
    page = signed_in("shaxi-duty").get(reverse("web:verification-new"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "涂松村" in text and "浏河镇" not in text
    assert "发起后 15 分钟内反馈" in text  # 沙溪's own reply time, as the clock will be planned
    assert "发起后 30 分钟内反馈" in signed_in("duty-officer").get(reverse("web:verification-new")).content.decode()
    listed = signed_in("shaxi-duty").get(reverse("web:verification-list")).content.decode()
    assert reverse("web:verification-new") in listed
    assert signed_in(f"{VILLAGE}-reporter").get(reverse("web:verification-new")).status_code == 403


def test_the_city_reads_the_towns_report_with_the_villages_original_under_it(api):
    body = village_incident(api, 5, report=written(summary="村里：小船翻覆，两人落水"))
    town = api("shaxi-duty").post(f"/incidents/{body['id']}/reports", written(summary="镇里转报：两人已救起"))
    assert town.status_code == 201
    city = signed_in("duty-officer").get(f"/incidents/{body['id']}/").content.decode()
    main, below = city.split('id="reports-below"')
    assert (
        "镇里转报：两人已救起" in main.split('id="reports"')[1]
        and "村里：小船翻覆" not in main.split('id="reports"')[1]
    )
    assert "村里：小船翻覆，两人落水" in below and "下级原始报告" in city
    town_page = signed_in("shaxi-duty").get(f"/incidents/{body['id']}/").content.decode()
    assert 'id="reports-below"' not in town_page  # the town reads every report sent to it, in time order
    assert "村里：小船翻覆，两人落水" in town_page


def test_the_city_tasks_a_villages_incident_through_its_town_and_the_village_itself_not_every_village(api):
    """A leader's instruction form on the city's incident page offers the units reporting to the city and the
    incident's own unit: the other villages under 沙溪's own duty room are reached through 沙溪."""
    body = village_incident(api, 5)
    page = signed_in("duty-officer").get(f"/incidents/{body['id']}/").content.decode()
    form = page[page.index('class="unit-check-list"') :]
    form = form[: form.index("</div>")]
    offered = set(re.findall(r'name="units" value="([\w-]+)"', form))
    assert {VILLAGE, "shaxi", "liuhe"} <= offered
    assert "shaxi-niqiao" not in offered and "shaxi-chem" not in offered and "duty-room" not in offered
    assert not any(code.startswith("grid-") for code in offered)
