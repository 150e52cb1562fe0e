"""A person filing leads is held to a number per window (a stolen token or a script cannot bury the board);
the duty room, feeds and CAP are not, and the refusal says when to try again without losing what was typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.leads.models import Lead

STREETS = ["白云路", "新华路", "太平路", "人民路", "郑和路", "长江路", "娄江路", "北京路", "上海路", "南京路"]


def _lead(api: Any, username: str, n: int, **headers: str) -> Any:
    body = {"channel": "grid", "title": f"沙溪镇{STREETS[n % 10]}{n}号门前积水", "area": "shaxi"}
    if username == "grid-liuhe":
        body["area"] = "liuhe"
    return api(username).post("/leads", body, headers=headers or None)


def test_the_twenty_first_lead_in_ten_minutes_is_refused_with_a_time_to_retry_then_accepted_after(api):
    for n in range(20):  # the default: 20 leads a person in 10 minutes
        assert _lead(api, "grid-shaxi", n).status_code == 201
    refused = _lead(api, "grid-shaxi", 20)
    assert refused.status_code == 429
    assert "报送过于频繁" in refused.json_body["detail"] and "分钟后再报送" in refused.json_body["detail"]
    retry = int(refused["Retry-After"])
    assert 0 < retry <= 600
    english = _lead(api, "grid-shaxi", 21, **{"Accept-Language": "en"})
    assert english.status_code == 429 and english.json_body["detail"].startswith("Too many leads")
    assert Lead.objects.filter(sender__username="grid-shaxi").count() == 20

    # another informant is not held by the first one's count
    assert _lead(api, "grid-liuhe", 0).status_code == 201

    # once the oldest of the twenty leaves the window, one more is accepted (and only one)
    with time_machine.travel(clock_now() + timedelta(seconds=retry + 1), tick=False):
        assert _lead(api, "grid-shaxi", 22).status_code == 201
    assert Lead.objects.filter(sender__username="grid-shaxi").count() == 21


def test_the_limit_is_a_setting_and_the_duty_room_and_cap_imports_are_not_held_by_it(api, settings):
    settings.DUTYROOM_LEAD_LIMIT = 2
    settings.DUTYROOM_LEAD_WINDOW_SECONDS = 60
    assert [_lead(api, "shaxi-reporter", n).status_code for n in range(3)] == [201, 201, 429]
    officer = api("duty-officer")
    for n in range(4):  # the duty room enters what a disaster brings, however many
        assert officer.post("/leads", {"channel": "hotline", "title": f"热线：人民路{n}号积水"}).status_code == 201
    with time_machine.travel(clock_now() + timedelta(seconds=61), tick=False):
        assert _lead(api, "shaxi-reporter", 3).status_code == 201


def test_the_form_comes_back_as_typed_with_the_limit_in_words(api, settings):
    settings.DUTYROOM_LEAD_LIMIT = 1
    form = Client()
    form.force_login(User.objects.get(username="grid-shaxi"))
    typed = {"title": "沙溪镇白云路桥下积水齐膝", "text": "两辆车熄火，有老人被困", "area": "shaxi", "channel": "grid"}
    first = form.post("/leads/new/", {**typed, "address": "白云路桥"})
    assert first.status_code == 302
    again = form.post("/leads/new/", {**typed, "address": "白云路桥南"})
    assert again.status_code == 429 and int(again["Retry-After"]) > 0
    page = again.content.decode()
    assert 'id="lead-limit"' in page and "报送过于频繁" in page and "已填写的内容不会丢失" in page
    for text in ("沙溪镇白云路桥下积水齐膝", "两辆车熄火，有老人被困", "白云路桥南"):
        assert text in page, text
    assert Lead.objects.count() == 1

    form.post("/i18n/setlang/", {"language": "en", "next": "/leads/new/"})
    english = form.post("/leads/new/", typed).content.decode()
    assert "Too many leads" in english and "沙溪镇白云路桥下积水齐膝" in english
