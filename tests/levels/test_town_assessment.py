"""Assessment per level (分级管理): 沙溪's duty room scores its villages on the clocks owed to it, with the
city's scoring rules; the city scores 沙溪 on the clocks 沙溪 owes the city, so a village's report that 沙溪
failed to pass on in time counts against 沙溪, once. Runs on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import translation

from dutyroom.accounts.models import Role, User
from dutyroom.accounts.services import user_add
from dutyroom.assessment.access import CITY, Level, assessed_units
from dutyroom.assessment.models import Finding
from dutyroom.assessment.scores import assessment_for, unit_ledger
from dutyroom.assessment.services import (
    AdoptionInput,
    FindingInput,
    adoption_record,
    finding_decide,
    finding_raise,
)
from dutyroom.common.errors import Forbidden, ValidationFailed
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.orgs.models import Unit
from dutyroom.reports.services import ReportInput, report_submit
from dutyroom.rules.periods import parse_period

pytestmark = pytest.mark.django_db

OCT = parse_period("2026-10")
EVALUATED = datetime(2026, 11, 28, 12, tzinfo=LOCAL)
TOWN_UNITS = {"shaxi-tusong", "shaxi-niqiao", "shaxi-yinxi", "shaxi-chem"}


def t(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=LOCAL)


def who(name: str) -> User:
    return User.objects.get(username=name)


def shaxi() -> Level:
    return Level(Unit.objects.get(code="shaxi"))


def village_incident(
    village: str, occurred: datetime, *, village_after: int | None, town_after: int | None
) -> Incident:
    """A village's incident; the village reports ``village_after`` minutes after it occurred (None: never), and
    沙溪's duty room passes it on to the city ``town_after`` minutes after (None: never)."""
    made = incident_create(
        actor=who(f"{village}-reporter"),
        now=occurred + timedelta(minutes=1),
        data=IncidentInput(title="村道货车侧翻", category="accident", subtype="fire", grade="IV", occurred_at=occurred),
    )
    for actor, after in ((f"{village}-reporter", village_after), ("shaxi-duty", town_after)):
        if after is not None:
            report_submit(
                actor=who(actor),
                incident=made,
                now=occurred + timedelta(minutes=after),
                data=ReportInput(kind="written", channel="platform", summary="现场处置中", signer="李四"),
            )
    return made


def rows(level: Level) -> dict[str, Any]:
    table = assessment_for(OCT, assessed_units(level), EVALUATED, with_points=True, level=level)
    return {r.unit.code: r for r in table.rows}


def test_a_town_assesses_the_units_that_report_to_it_and_the_city_its_towns_as_before(city: None) -> None:
    assert {u.code for u in assessed_units(shaxi())} == TOWN_UNITS
    city_units = {u.code for u in assessed_units(CITY)}
    assert "shaxi" in city_units and not city_units & TOWN_UNITS


def test_a_town_scores_its_villages_on_the_clocks_owed_to_it(city: None) -> None:
    village_incident("shaxi-tusong", t(5), village_after=60, town_after=30)
    village_incident("shaxi-niqiao", t(6), village_after=10, town_after=30)
    town = rows(shaxi())
    assert town["shaxi-tusong"].first_reports == {"on_time": 0, "late": 1, "missing": 0}
    assert town["shaxi-niqiao"].first_reports == {"on_time": 1, "late": 0, "missing": 0}
    assert town["shaxi-tusong"].score < town["shaxi-niqiao"].score
    assert town["shaxi-tusong"].criticised and not town["shaxi-niqiao"].criticised
    # the town passed both on within 45 minutes: at the city level it met both clocks, the village's lateness
    # toward the town is the town's business, not a point against it
    at_city = rows(CITY)["shaxi"]
    assert at_city.first_reports == {"on_time": 2, "late": 0, "missing": 0}


def test_a_village_report_the_town_did_not_pass_on_counts_against_the_town_at_the_city(city: None) -> None:
    village_incident("shaxi-tusong", t(5), village_after=10, town_after=None)
    village_incident("shaxi-niqiao", t(6), village_after=50, town_after=70)
    at_city = rows(CITY)["shaxi"]
    assert at_city.first_reports == {"on_time": 0, "late": 1, "missing": 1}
    reasons = [line.reason for line in at_city.points or () if line.delta < 0]
    assert any("下级单位涂松村" in r and "本级未按时上报" in r and "缺报" in r for r in reasons), reasons
    assert any("下级单位泥桥村" in r and "迟报" in r for r in reasons), reasons
    # the village that reported in time to its town keeps its full credit there
    town = rows(shaxi())
    assert town["shaxi-tusong"].first_reports == {"on_time": 1, "late": 0, "missing": 0}
    assert town["shaxi-niqiao"].first_reports["late"] == 1


def test_the_unit_ledger_at_a_town_ranks_among_the_towns_units(city: None) -> None:
    village_incident("shaxi-tusong", t(5), village_after=60, town_after=30)
    detail = unit_ledger(OCT, Unit.objects.get(code="shaxi-tusong"), EVALUATED, level=shaxi())
    assert detail.peers == 3  # 涂松村, 泥桥村, 印溪社区; the enterprise is ranked apart
    assert any("首报迟报" in line.reason for line in detail.ledger.lines)


def _leader() -> User:
    return user_add(
        username="shaxi-leader-duty",
        role=Role.DUTY_LEADER,
        unit_code="shaxi",
        password=None,
        now=EVALUATED,
    )


def test_a_finding_and_an_adoption_by_the_town_count_in_the_towns_assessment_only(city: None) -> None:
    made = village_incident("shaxi-tusong", t(5), village_after=None, town_after=30)
    adopted = village_incident("shaxi-niqiao", t(6), village_after=10, town_after=30)
    before_city = rows(CITY)["shaxi"].score
    finding = finding_raise(
        actor=who("shaxi-duty"),
        incident=made,
        now=t(7),
        data=FindingInput(unit="shaxi-tusong", kind="concealed", evidence="镇值班室经群众来电获悉，村未报告"),
    )
    assert finding.room == "shaxi"
    with pytest.raises(Forbidden):  # the town's duty officer raised it; a decider decides
        finding_decide(actor=who("shaxi-duty"), finding=finding, upheld=True, reason="属实", now=t(20))
    finding_decide(actor=_leader(), finding=finding, upheld=True, reason="属实", now=t(20))
    adoption_record(
        actor=who("shaxi-duty"),
        incident=adopted,
        now=t(8),
        data=AdoptionInput(unit="shaxi-niqiao", by="suzhou"),
    )
    town = rows(shaxi())
    assert town["shaxi-tusong"].findings["concealed"] == 1
    assert any("认定瞒报" in line.reason for line in town["shaxi-tusong"].points or ())
    assert town["shaxi-niqiao"].adopted == 1
    at_city = rows(CITY)["shaxi"]
    assert at_city.findings["concealed"] == 0 and at_city.adopted == 0
    assert at_city.score == before_city


def test_a_town_raises_only_about_its_own_units_and_the_city_not_about_villages(city: None) -> None:
    made = village_incident("shaxi-tusong", t(5), village_after=None, town_after=30)
    for actor, unit in (("shaxi-duty", "shaxi"), ("shaxi-duty", "chengxiang"), ("duty-officer", "shaxi-tusong")):
        with pytest.raises(ValidationFailed):
            finding_raise(
                actor=who(actor),
                incident=made,
                now=t(7),
                data=FindingInput(unit=unit, kind="omitted", evidence="未报告"),
            )
    assert not Finding.objects.exists()


def _another_town_duty_room() -> None:
    Unit.objects.filter(code="chengxiang").update(duty_room=True)
    user_add(username="chengxiang-duty", role=Role.DUTY_OFFICER, unit_code="chengxiang", password=None, now=EVALUATED)


def test_who_sees_which_level_of_the_assessment_api(city: None, api) -> None:  # type: ignore[no-untyped-def]
    _another_town_duty_room()
    village_incident("shaxi-tusong", t(5), village_after=60, town_after=30)
    q = "/assessment?period=2026-10"

    def units(user: str, extra: str = "") -> set[str]:
        response = api(user).get(q + extra)
        assert response.status_code == 200, response.json_body
        return {r["unit"] for r in response.json_body}

    town = api("shaxi-duty").get(q).json_body
    assert {r["unit"] for r in town} == TOWN_UNITS and {r["assessed_by"] for r in town} == {"shaxi"}
    assert api("shaxi-duty").get(q + "&assessed_by=duty-room").status_code == 404
    assert api("shaxi-duty").get(q + "&assessed_by=chengxiang").status_code == 404
    assert units("chengxiang-duty") == set()  # no units below it report to it
    assert api("chengxiang-duty").get(q + "&assessed_by=shaxi").status_code == 404
    assert units("shaxi-tusong-reporter") == {"shaxi-tusong"}
    assert api("shaxi-tusong-reporter").get(q + "&assessed_by=duty-room").status_code == 404
    city_rows = api("duty-officer").get(q).json_body
    assert "shaxi" in {r["unit"] for r in city_rows} and {r["assessed_by"] for r in city_rows} == {"duty-room"}
    assert units("assessor", "&assessed_by=shaxi") == TOWN_UNITS
    assert units("shaxi-reporter") == {"shaxi"}  # the town's reporter: its own row at the city level


def test_who_opens_which_unit_page_and_findings(city: None, client) -> None:  # type: ignore[no-untyped-def]
    _another_town_duty_room()
    made = village_incident("shaxi-tusong", t(5), village_after=None, town_after=30)
    mine = finding_raise(
        actor=who("shaxi-duty"),
        incident=made,
        now=t(7),
        data=FindingInput(unit="shaxi-tusong", kind="omitted", evidence="村未报告"),
    )
    page = "/assessment/units/shaxi-niqiao/?period=2026-10"
    for user, status in (
        ("shaxi-duty", 200),
        ("duty-officer", 200),
        ("shaxi-niqiao-reporter", 200),
        ("shaxi-tusong-reporter", 404),
        ("chengxiang-duty", 404),
    ):
        client.force_login(who(user))
        assert client.get(page).status_code == status, user
    client.force_login(who("shaxi-duty"))
    body = client.get("/assessment/?period=2026-10").content.decode()
    assert "涂松村" in body and "城厢镇" not in body
    assert client.get(f"/findings/{mine.pk}/").status_code == 200
    client.force_login(who("chengxiang-duty"))
    assert client.get(f"/findings/{mine.pk}/").status_code == 404
    assert "涂松村" not in client.get("/assessment/?period=2026-10").content.decode()
    client.force_login(who("shaxi-niqiao-reporter"))
    assert client.get(f"/findings/{mine.pk}/").status_code == 404


def test_a_ledger_line_names_the_finding_in_chinese_whatever_language_the_reader_chose(city: None) -> None:
    """The ledger's reasons are Chinese sentences printed in the 通报: a page in English read just before must
    not turn "认定瞒报" into "认定concealed" (it did, depending on which test or request ran last)."""
    made = village_incident("shaxi-tusong", t(5), village_after=None, town_after=30)
    finding = finding_raise(
        actor=who("shaxi-duty"),
        incident=made,
        now=t(7),
        data=FindingInput(unit="shaxi-tusong", kind="concealed", evidence="镇值班室经群众来电获悉，村未报告"),
    )
    finding_decide(actor=_leader(), finding=finding, upheld=True, reason="属实", now=t(20))
    with translation.override("en"):
        lines = rows(shaxi())["shaxi-tusong"].points or ()
    assert any("认定瞒报（属实）" in line.reason for line in lines), [line.reason for line in lines]
