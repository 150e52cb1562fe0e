"""催报 counts beside the score (assessment × alerts): each chase the duty room records counts for the chased unit
in the month it happened, drills left out, and moves no point."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from dutyroom.alerts.services import chase_create
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL
from dutyroom.obligations.models import Obligation
from tests.web.conftest import incident_make

pytestmark = pytest.mark.django_db


def test_chases_are_counted_per_unit_beside_the_score(city: None, api: Callable[[str], Any], user: Any) -> None:
    now = clock_now()
    officer = user("duty-officer")
    real = incident_make("shaxi-reporter", minutes_ago=50)
    drill = incident_make("shaxi-reporter", minutes_ago=50, title="演练", exercise=True)
    for incident, times in ((real, 2), (drill, 1)):
        clock = Obligation.objects.get(incident=incident, kind="first_report")
        for n in range(times):
            chase_create(actor=officer, obligation=clock, now=now + timedelta(seconds=n))
    response = api("assessor").get(f"/assessment?period={now.astimezone(LOCAL).strftime('%Y-%m')}")
    assert response.status_code == 200
    rows = {row["unit"]: row for row in response.json_body}
    assert rows["shaxi"]["chases"] == 2  # the drill's chase is not counted
    assert rows["liuhe"]["chases"] == 0
    assert all("催报" not in point["reason"] for point in rows["shaxi"]["points"])  # shown, never scored
