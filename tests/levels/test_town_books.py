"""A town's duty room keeps its own books: 值班表 (roster), 交接班 (handover) and 值班日志 (duty log).

沙溪's duty officer rosters 沙溪's people, hands over the open items of 沙溪's area only and writes 沙溪's log;
alerts for clocks owed to 沙溪 go to 沙溪's officer on duty. The city's books are unchanged. Runs on SQLite and
on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from dutyroom.accounts.models import Role, User
from dutyroom.accounts.services import user_add
from dutyroom.alerts.recipients import audience_users
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import ValidationFailed
from dutyroom.duty.demo import roster_demo_load
from dutyroom.duty.models import Shift
from dutyroom.duty.selectors import roster_now
from dutyroom.duty.services import LOCAL, ShiftInput, shifts_save
from dutyroom.handover.dutylog import duty_log_day
from dutyroom.handover.models import Handover
from dutyroom.handover.selectors import handovers_recent, open_items
from dutyroom.handover.services import LogInput, duty_log_add, handover_acknowledge, handover_sign
from dutyroom.orgs.models import Unit
from dutyroom.rules import Audience
from tests.levels.test_chain import VILLAGE, village_incident
from tests.levels.test_units_pages import signed_in

pytestmark = pytest.mark.django_db


def person(username: str) -> User:
    return User.objects.get(username=username)


def second_town_officer() -> User:
    return user_add(username="shaxi-duty2", role=Role.DUTY_OFFICER, unit_code="shaxi", password=None, now=clock_now())


def shift_now(officer: str, leader: str) -> ShiftInput:
    now = clock_now().replace(second=0, microsecond=0)
    return ShiftInput(
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=23), duty_officer=officer, duty_leader=leader
    )


def test_the_town_rosters_its_own_people_in_its_own_roster_and_the_citys_is_untouched(city):
    [saved] = shifts_save(
        actor=person("shaxi-duty"), shifts=[shift_now("shaxi-duty", "shaxi-duty-leader")], now=clock_now()
    )
    assert saved.room == Unit.objects.get(code="shaxi")
    assert roster_now(clock_now()) is None  # the city's roster still has nobody on duty
    assert roster_now(clock_now(), saved.room) == saved
    with pytest.raises(ValidationFailed):  # a city officer is not the town's to roster, nor the reverse
        shifts_save(
            actor=person("shaxi-duty"), shifts=[shift_now("duty-officer", "shaxi-duty-leader")], now=clock_now()
        )
    with pytest.raises(ValidationFailed):
        shifts_save(actor=person("duty-officer"), shifts=[shift_now("shaxi-duty", "duty-leader")], now=clock_now())
    city_shift = shifts_save(
        actor=person("duty-officer"), shifts=[shift_now("duty-officer", "duty-leader")], now=clock_now()
    )
    assert city_shift[0].room is None  # the same hours on the city's roster do not clash with the town's

    town_page = signed_in("shaxi-duty").get("/roster/").content.decode()
    assert "沙溪镇" in town_page and 'id="on-duty"' in town_page and "值班镇领导" in town_page
    assert 'value="duty-officer"' not in town_page  # the city's people are not offered to the town's roster
    city_page = signed_in("duty-officer").get("/roster/").content.decode()
    assert 'value="shaxi-duty"' not in city_page


def test_alerts_for_a_clock_owed_to_the_town_go_to_its_officer_on_duty(city):
    second_town_officer()
    room = Unit.objects.get(code="shaxi")
    village = Unit.objects.get(code=VILLAGE)
    now = clock_now()
    everyone = audience_users([Audience.DUTY_OFFICER], village, now, owed_to="shaxi")
    assert {u.username for u in everyone} == {"shaxi-duty", "shaxi-duty2"}  # no roster: all of the town's
    shifts_save(actor=person("shaxi-duty"), shifts=[shift_now("shaxi-duty2", "shaxi-duty-leader")], now=now)
    assert roster_now(now, room) is not None
    on_duty = audience_users([Audience.DUTY_OFFICER, Audience.DUTY_LEADER], village, now, owed_to="shaxi")
    assert sorted(u.username for u in on_duty) == ["shaxi-duty-leader", "shaxi-duty2"]
    city_clock = audience_users([Audience.DUTY_OFFICER], Unit.objects.get(code="shaxi"), now)
    assert "shaxi-duty2" not in {u.username for u in city_clock}


def test_the_towns_handover_lists_only_its_area_and_stays_in_its_own_book(api):
    village = village_incident(api, 5)
    other = api("liuhe-reporter").post(
        "/incidents",
        {"title": "浏河镇路面塌陷", "category": "accident", "grade": "IV", "occurred_at": village["occurred_at"]},
    )
    assert other.status_code == 201
    second_town_officer()
    handover = handover_sign(actor=person("shaxi-duty"), note="涂松村船只翻覆仍在搜救", now=clock_now())
    assert handover.room == Unit.objects.get(code="shaxi")
    incidents = {item["incident"] for item in handover.items}
    assert village["id"] in incidents and other.json_body["id"] not in incidents
    city_items = {item["incident"] for item in open_items(clock_now())}
    assert {village["id"], other.json_body["id"]} <= city_items  # the city's handover still lists every level

    assert list(handovers_recent(20)) == []  # not in the city's book
    assert list(handovers_recent(20, handover.room)) == [handover]
    assert handover_acknowledge(actor=person("shaxi-duty2"), handover=handover, note="已接班", now=clock_now())
    assert Handover.objects.get(pk=handover.pk).acknowledged_by == person("shaxi-duty2")
    page = signed_in("duty-officer").get("/handover/").content.decode()
    assert "涂松村船只翻覆仍在搜救" not in page
    town_page = signed_in("shaxi-duty").get("/handover/").content.decode()
    assert "涂松村船只翻覆仍在搜救" in town_page and "浏河镇路面塌陷" not in town_page


def test_a_city_officer_cannot_take_over_the_towns_handover(city):
    handover = handover_sign(actor=person("shaxi-duty"), note="", now=clock_now())
    from dutyroom.common.errors import Forbidden

    with pytest.raises(Forbidden):
        handover_acknowledge(actor=person("duty-officer"), handover=handover, note="", now=clock_now())


def test_the_towns_duty_log_is_its_own(city):
    duty_log_add(actor=person("shaxi-duty"), data=LogInput(kind="call", text="涂松村来电报告河道险情"), now=clock_now())
    duty_log_add(actor=person("duty-officer"), data=LogInput(kind="call", text="苏州市应急局来电"), now=clock_now())
    today = clock_now().astimezone(LOCAL).date()
    town = [row.get("text") for row in duty_log_day(today, person("shaxi-duty"))]
    city_log = [row.get("text") for row in duty_log_day(today, person("duty-officer"))]
    assert "涂松村来电报告河道险情" in town and "苏州市应急局来电" not in town
    assert "苏州市应急局来电" in city_log and "涂松村来电报告河道险情" not in city_log
    menu = signed_in("shaxi-duty").get("/").content.decode()
    assert "/handover/" in menu and "/duty-log/" in menu


def test_the_demo_gives_shaxi_a_roster_around_now(city):
    from dutyroom.demo import demo_password

    roster_demo_load(clock_now(), demo_password())
    room = Unit.objects.get(code="shaxi")
    shift = roster_now(clock_now(), room)
    assert shift is not None and shift.duty_officer.username == "shaxi-duty"
    assert shift.duty_leader.username == "shaxi-duty-leader"
    assert roster_now(clock_now()).duty_officer.username == "duty-officer"  # the city's roster as before
    assert Shift.objects.filter(room=room).count() >= 7


def test_who_is_on_duty_now_answers_each_duty_room_from_its_own_roster(api):
    from dutyroom.demo import demo_password

    roster_demo_load(clock_now(), demo_password())
    assert api("shaxi-duty").get("/roster/now").json_body["duty_leader"] == "shaxi-duty-leader"
    assert api("duty-officer").get("/roster/now").json_body["duty_leader"] == "duty-leader"
