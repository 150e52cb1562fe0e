"""A town with many units below it: its area is asked of the database as a walk of the unit tree (one parameter)
rather than written into every query as a list of ids. The two forms must admit exactly the same incidents,
clocks and verification requests, for the town's duty room, its own reporter and a village's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from dutyroom.accounts.models import Role, User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.access import visible_incidents
from dutyroom.orgs import selectors
from dutyroom.orgs.models import Unit, UnitKind
from dutyroom.reports.access import visible_obligations, visible_verification_requests
from dutyroom.reports.services import VerificationInput, verification_request_create
from tests.levels.test_units_pages import signed_in
from tests.web.conftest import incident_make
from tests.web.test_board_plans import analyse, board_selects, plan, reads_history, settled_history

pytestmark = pytest.mark.django_db

VILLAGES = 40  # more than ``selectors.LITERAL_SUBTREE``, so the town's area is the tree walk


@pytest.fixture
def deep(city: None) -> dict[str, Any]:
    """沙溪 with 40 more villages, an enterprise below the last, and incidents of the enterprise, of 沙溪's own
    village, of another town, and one of another town asked of 沙溪's deepest unit (a verification request)."""
    shaxi = Unit.objects.get(code="shaxi")
    villages = Unit.objects.bulk_create(
        Unit(code=f"shaxi-deep{n}", name=f"沙溪深村{n}", kind=UnitKind.VILLAGE, parent=shaxi) for n in range(VILLAGES)
    )
    last = villages[-1]
    enterprise = Unit.objects.create(code="shaxi-deep-e", name="深村企业", kind=UnitKind.ENTERPRISE, parent=last)
    User.objects.create(username="deep-e-reporter", role=Role.UNIT_REPORTER, unit=enterprise)
    assert len(selectors.unit_subtree_ids(shaxi)) > selectors.LITERAL_SUBTREE
    now = clock_now()
    officer = User.objects.get(username="duty-officer")
    other = incident_make("liuhe-reporter", title="浏河镇事件", written=True, now=now)
    verification_request_create(
        actor=officer,
        now=now,
        data=VerificationInput(unit="shaxi-deep-e", authority="city", question="请核实", incident=other),
    )
    return {
        "deepest": incident_make("deep-e-reporter", title="深村企业事件", written=True, now=now).pk,
        "village": incident_make("shaxi-tusong-reporter", title="土松村事件", written=True, now=now).pk,
        "other_town": incident_make("liuhe-reporter", title="浏河镇另一事件", written=True, now=now).pk,
        "asked": other.pk,
    }


def seen(username: str) -> dict[str, set[int]]:
    user = User.objects.get(username=username)  # a fresh object: the area is remembered per user object
    return {
        "incidents": set(visible_incidents(user).values_list("pk", flat=True)),
        "clocks": set(visible_obligations(user).values_list("pk", flat=True)),
        "requests": set(visible_verification_requests(user).values_list("pk", flat=True)),
    }


@pytest.mark.parametrize("username", ["shaxi-duty", "shaxi-reporter", "shaxi-tusong-reporter", "deep-e-reporter"])
def test_the_tree_walk_admits_what_the_list_of_ids_admits(
    deep: dict[str, Any], username: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked = seen(username)
    monkeypatch.setattr(selectors, "LITERAL_SUBTREE", 10_000)
    listed = seen(username)
    assert walked == listed
    assert walked["incidents"] and walked["clocks"]


def test_a_town_with_a_deep_area_sees_its_deepest_unit_and_not_another_town(deep: dict[str, Any]) -> None:
    town = seen("shaxi-duty")["incidents"]
    assert {deep["deepest"], deep["village"], deep["asked"]} <= town
    assert deep["other_town"] not in town
    assert seen("deep-e-reporter")["incidents"] >= {deep["deepest"], deep["asked"]}
    assert deep["village"] not in seen("deep-e-reporter")["incidents"]


def test_a_town_boards_queries_do_not_grow_with_its_area(deep: dict[str, Any]) -> None:
    """Forty villages more and no query carries them: each names the area by its root, not by its members."""
    client = signed_in("shaxi-duty")
    widest: list[int] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        widest.append(len(params or ()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = client.get("/")
    assert page.status_code == 200 and "深村企业事件" in page.content.decode()
    assert max(widest) < VILLAGES, max(widest)


@pytest.mark.parametrize("analysed", [False, True], ids=["fresh", "analysed"])
def test_no_query_of_a_deep_towns_board_reads_the_history(deep: dict[str, Any], analysed: bool) -> None:
    """The tree walk inside the board's queries keeps their plans bounded by open clocks, as the city's are.

    On PostgreSQL the statistics are always taken first: a test database has no fresh state there, since
    autovacuum has analysed the tables as earlier tests of the same process left them, at sizes unlike these,
    and a plan made on those figures says nothing about this one."""
    settled_history()
    if analysed or connection.vendor == "postgresql":
        analyse()
    walking = []
    for sql, params in board_selects(signed_in("shaxi-duty"), "/"):
        if "reports_obligation" in sql or "incidents_incident" in sql:
            explained = plan(sql, params)
            if reads_history(sql, explained):
                walking.append(f"{sql[:300]}\n  -> {explained}")
    assert not walking, "\n\n".join(walking)
