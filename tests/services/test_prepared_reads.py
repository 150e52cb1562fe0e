"""Reads compiled once (``common.engine.prepared``) return what their querysets return, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from dutyroom.common.engine.prepared import PreparedRead
from dutyroom.incidents import access
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.orgs import selectors
from dutyroom.orgs.models import Unit, UnitRules
from dutyroom.reports import clocks
from dutyroom.reports.services import ReportInput, report_submit

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def fields_of(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def opened(user, unit: str = "shaxi", **fields) -> Incident:
    data = {
        "title": "沙溪镇厂房火灾",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": NOW - timedelta(minutes=10),
        **fields,
    }
    return incident_create(actor=user(f"{unit}-reporter"), data=IncidentInput(**data), now=NOW)


def test_the_incident_read_returns_the_row_with_its_unit_area_and_rulebook_in_one_statement(user):
    incidents = [opened(user), opened(user, "liuhe", title="浏河镇仓库火灾", sensitive=True)]
    for incident in incidents:
        reference = Incident.objects.select_related("unit", "area", "rulebook").get(pk=incident.pk)
        with CaptureQueriesContext(connection) as captured:
            read = access._INCIDENT.first(incident.pk)
            assert read is not None
            related = (read.unit, read.area, read.rulebook)
        assert len(captured) == 1  # the relations came with the row
        assert fields_of(read) == fields_of(reference)
        assert [fields_of(r) if r else None for r in related] == [
            fields_of(r) if r else None for r in (reference.unit, reference.area, reference.rulebook)
        ]
    assert access._INCIDENT.first(10**9) is None
    assert access._INCIDENT.first(10**21) is None  # beyond any integer column: no row, as the ORM answers


@pytest.mark.django_db(transaction=True)  # outside the test's own transaction, or nothing is outside one
def test_the_locking_incident_read_is_refused_outside_a_transaction_as_the_orm_refuses_it(user):
    incident = opened(user)
    with pytest.raises(TransactionManagementError):
        access._INCIDENT_LOCKED(incident.pk)
    with transaction.atomic():
        read = access._INCIDENT_LOCKED.first(incident.pk)
    assert read is not None and read.pk == incident.pk and read.unit.code == "shaxi"


def test_the_open_clocks_read_returns_the_units_open_clocks_in_id_order(user):
    incident = opened(user)
    unit = Unit.objects.get(code="shaxi")
    report_submit(
        actor=user("shaxi-reporter"), incident=incident, data=ReportInput(kind="written", summary="首报"), now=NOW
    )
    with transaction.atomic():
        reference = list(clocks._open_clocks(clocks.Q(incident_id=incident.pk, unit_id=unit.pk)))
        read = clocks._OPEN_CLOCKS(incident.pk, unit.pk)
    assert reference, "the written report starts a follow-up clock: not vacuous"
    assert [fields_of(o) for o in read] == [fields_of(o) for o in reference]
    with transaction.atomic():
        assert clocks._OPEN_CLOCKS(incident.pk, 10**9) == []


def test_the_duty_room_read_carries_whether_any_unit_sets_rules(city):
    def reference() -> list[tuple[dict[str, object], bool]]:
        return [(fields_of(u), bool(u.any_rules)) for u in selectors._duty_room_units()]  # type: ignore[attr-defined]

    def read() -> list[tuple[dict[str, object], bool]]:
        return [(fields_of(u), bool(u.any_rules)) for u in selectors._DUTY_ROOM_UNITS()]  # type: ignore[attr-defined]

    before = read()
    assert before == reference() and before
    UnitRules.objects.create(unit=Unit.objects.get(code="shaxi"), version=1, set_at=NOW, set_by="管理员")
    after = read()
    assert after == reference() and {flag for _, flag in after} != {flag for _, flag in before}


def test_arguments_of_another_type_than_the_examples_are_refused(city):
    with pytest.raises(TypeError):
        access._INCIDENT("12")
    with pytest.raises(TypeError):
        access._INCIDENT(1, 2)


def test_an_example_that_is_not_a_parameter_of_the_query_is_refused_when_compiling(city):
    never_bound = PreparedRead(lambda code: Unit.objects.filter(code="shaxi"), "浏河")
    with pytest.raises(ValueError, match="not among the compiled parameters"):
        never_bound("liuhe")
