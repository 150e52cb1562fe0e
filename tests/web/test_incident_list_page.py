"""The incident list and search page, and the JSON behind the incident picker (server side; the browser test
drives both in Chromium)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create

pytestmark = pytest.mark.django_db


def opened(title: str, unit: str = "shaxi", hours_ago: float = 1, **extra: Any) -> Incident:
    now = clock_now()
    return incident_create(
        actor=User.objects.get(username=f"{unit}-reporter"),
        now=now,
        data=IncidentInput(
            title=title,
            category="accident",
            subtype="fire",
            grade="IV",
            occurred_at=now - timedelta(hours=hours_ago),
            **extra,
        ),
    )


def browser(username: str, english: bool = False) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    if english:
        client.post("/i18n/setlang/", {"language": "en", "next": "/incidents/"})
    return client


def test_the_page_finds_closed_incidents_by_words_and_pages_them(city: None) -> None:
    closed = opened("沙溪镇白云路仓库火灾", hours_ago=48)
    Incident.objects.filter(pk=closed.pk).update(state="closed")
    opened("浏河镇码头起火", unit="liuhe")
    page = browser("duty-officer").get("/incidents/", {"q": "白云路"}).content.decode()
    assert "沙溪镇白云路仓库火灾" in page and "浏河镇码头起火" not in page
    assert ">已办结<" in page  # the state in words, never its code
    everything = browser("duty-officer").get("/incidents/").content.decode()
    assert "沙溪镇白云路仓库火灾" in everything and "浏河镇码头起火" in everything
    for _ in range(31):
        opened("沙溪镇例行火情")
    first = browser("duty-officer").get("/incidents/", {"unit": "shaxi"}).content.decode()
    assert 'rel="next"' in first and "共 32 起事件" in first
    second = browser("duty-officer").get("/incidents/", {"unit": "shaxi", "page": "2"}).content.decode()
    assert 'rel="prev"' in second and second.count('class="card incident-result"') == 2


def test_filters_by_unit_grade_category_state_and_period(city: None) -> None:
    old = opened("沙溪镇旧案", hours_ago=24 * 40)
    new = opened("沙溪镇新案", hours_ago=1)
    client = browser("duty-officer")
    day = (clock_now() - timedelta(days=10)).date().isoformat()
    after = client.get("/incidents/", {"from": day}).content.decode()
    assert new.title in after and old.title not in after
    before = client.get("/incidents/", {"to": day}).content.decode()
    assert old.title in before and new.title not in before
    assert new.title not in client.get("/incidents/", {"grade": "I"}).content.decode()
    assert new.title not in client.get("/incidents/", {"category": "natural"}).content.decode()
    assert new.title in client.get("/incidents/", {"state": "open", "unit": "shaxi"}).content.decode()
    nonsense = client.get("/incidents/", {"state": "gone", "grade": "V", "from": "someday", "page": "x"})
    assert nonsense.status_code == 200  # a search box never answers with an error page


def test_english_page_and_no_work_secret_title_for_those_who_may_not_read_it(city: None) -> None:
    opened("保密厂区爆燃", classification="work_secret")
    page = browser("duty-officer", english=True).get("/incidents/").content.decode()
    assert "Find incidents" in page and "Occurred from" in page and "保密厂区爆燃" in page
    assert "事件查询" not in page
    for who in ("assessor", "liuhe-reporter"):
        assert "保密厂区爆燃" not in browser(who).get("/incidents/").content.decode()
        assert browser(who).get("/incidents/pick.json", {"q": "保密"}).json() == {"results": []}


def test_the_picker_suggests_by_words_by_number_and_the_latest_with_nothing_typed(city: None) -> None:
    fire = opened("沙溪镇白云路仓库火灾", hours_ago=3)
    gas = opened("沙溪镇燃气泄漏", hours_ago=1)
    client = browser("duty-officer")
    words = client.get("/incidents/pick.json", {"q": "仓库"}).json()["results"]
    assert [r["id"] for r in words] == [fire.pk]
    assert words[0]["label"] == f"#{fire.pk} 沙溪镇白云路仓库火灾" and "沙溪镇" in words[0]["detail"]
    assert [r["id"] for r in client.get("/incidents/pick.json", {"q": f"#{gas.pk}"}).json()["results"]] == [gas.pk]
    assert [r["id"] for r in client.get("/incidents/pick.json").json()["results"]] == [gas.pk, fire.pk]
    assert Client().get("/incidents/pick.json").status_code == 302  # signed-in people only


def test_every_form_taking_an_incident_number_offers_the_picker(city: None) -> None:
    client = browser("duty-officer")
    assert "data-incident-picker" in client.get("/findings/new/").content.decode()
    assert "data-incident-picker" in client.get("/adoptions/new/").content.decode()
    assert "data-incident-picker" in client.get("/duty-log/").content.decode()
    lead = browser("duty-officer")
    from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit

    made = lead_submit(
        data=LeadInput(channel="media", title="网传沙溪镇冒烟", area="shaxi"),
        origin=LeadOrigin(source="user:duty-officer", sender=User.objects.get(username="duty-officer")),
        now=clock_now(),
    )
    assert "data-incident-picker" in lead.get(f"/leads/{made.pk}/").content.decode()
