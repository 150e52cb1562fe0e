"""The board on a busy day: a page of the most urgent cards, the rest a page away and summarised by
unit, and a number of SQL queries per page that does not grow with the number of incidents."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dutyroom.incidents.models import Incident
from dutyroom.reports.services import ReportInput, report_submit
from dutyroom.web.views.present import BOARD_PAGE
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db

Login = Callable[[str], Client]
UNITS = ["shaxi-reporter", "liuhe-reporter", "fuqiao-reporter"]


def incidents(count: int, start: int = 0) -> list[Incident]:
    """``count`` open incidents; the higher the number, the longer ago it happened (so the more urgent its clock)."""
    return [
        incident_make(UNITS[n % len(UNITS)], minutes_ago=(start + n) % 40 + 1, title=f"台风积水第{start + n}号")
        for n in range(count)
    ]


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_board_queries_do_not_grow_with_incidents(login: Login) -> None:
    client = login("duty-officer")
    incidents(2)
    few = queries(client, "/")
    incidents(BOARD_PAGE - 5, start=2)
    assert queries(client, "/") == few  # a full first page costs what two incidents cost
    incidents(BOARD_PAGE + 2, start=BOARD_PAGE)
    paged = queries(client, "/")
    incidents(40, start=2 * BOARD_PAGE + 2)
    assert queries(client, "/") == paged  # and a typhoon day costs what a busy one does
    assert queries(client, "/?page=3") == paged


def test_incident_page_queries_do_not_grow_with_reports(login: Login, make_incident: Callable[..., Incident]) -> None:
    from dutyroom.accounts.models import User

    incident = make_incident(written=True)
    client = login("duty-officer")
    one = queries(client, f"/incidents/{incident.pk}/")
    reporter = User.objects.get(username="shaxi-reporter")
    for n in range(8):
        report_submit(
            actor=reporter,
            incident=incident,
            data=ReportInput(kind="followup", summary=f"续报{n}"),
            now=incident.created_at,
        )
    assert queries(client, f"/incidents/{incident.pk}/") == one


def test_a_busy_board_shows_the_most_urgent_page_first_and_sums_up_by_unit(login: Login) -> None:
    made = incidents(BOARD_PAGE + 10)
    client = login("duty-officer")
    first = client.get("/").content.decode()
    # the forty incidents' first-report clocks run out in order of how long ago they happened
    urgent = sorted(made, key=lambda i: i.occurred_at)
    assert urgent[0].title in first and urgent[BOARD_PAGE - 1].title in first
    assert urgent[BOARD_PAGE].title not in first
    assert f"第 1/2 页，共 {BOARD_PAGE + 10} 起" in first
    assert "按单位汇总" in first and "沙溪镇人民政府" in first
    second = client.get("/?page=2").content.decode()
    assert urgent[BOARD_PAGE].title in second and urgent[0].title not in second
    only_shaxi = client.get("/?unit=shaxi").content.decode()
    assert "仅显示本单位的" in only_shaxi
    shaxi = [i for i in made if i.unit.code == "shaxi"]
    assert all(i.title in only_shaxi for i in shaxi[:BOARD_PAGE])
    assert not any(i.title in only_shaxi for i in made if i.unit.code != "shaxi")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "²", "1" * 40])
def test_any_page_number_shows_a_board(login: Login, page: str) -> None:
    incidents(3)
    response = login("duty-officer").get("/", {"page": page, "unit": "no-such-unit"})
    assert response.status_code == 200
    assert "台风积水第0号" in response.content.decode()
