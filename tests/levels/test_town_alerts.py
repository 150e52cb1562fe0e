"""Alerts about a clock owed to a town's duty room reach the town's duty officers, not the city's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from tests.alerts.test_ladder import inbox
from tests.alerts.ticks import tick
from tests.levels.test_chain import VILLAGE

pytestmark = pytest.mark.django_db


def test_a_village_clock_overdue_alerts_the_town_duty_officer_and_the_towns_own_clock_alerts_the_city(city):
    now = clock_now()
    item = incident_create(
        actor=User.objects.get(username=f"{VILLAGE}-reporter"),
        now=now,
        data=IncidentInput(
            title="涂松村河道小船翻覆", category="accident", grade="IV", occurred_at=now - timedelta(minutes=5)
        ),
    )
    village = Obligation.objects.get(incident=item, unit__code=VILLAGE, kind="first_report")
    town = Obligation.objects.get(incident=item, unit__code="shaxi", kind="first_report")
    tick(village.due_at)
    assert inbox("shaxi-duty") == ["overdue"]
    assert inbox("duty-officer") == []  # no roster: every city duty officer would be told, but this is not theirs
    tick(town.due_at)
    assert inbox("duty-officer") == ["overdue"]
    assert inbox("shaxi-duty") == ["overdue"]
